"""Request dependencies: the backend on ``app.state`` and raw request bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from headway.backend.base import BaseBackend


async def _backend(request: Request) -> BaseBackend:
    backend: BaseBackend = request.app.state.backend
    return backend


@dataclass(frozen=True)
class RawBody:
    data: bytes
    content_type: str | None


async def _raw_body(request: Request) -> RawBody:
    # Already capped and gunzipped by RequestBodyMiddleware; reading it here, on the
    # event loop, keeps the plain-def handlers free of async I/O.
    return RawBody(await request.body(), request.headers.get("content-type"))


Backend = Annotated[BaseBackend, Depends(_backend)]
Body = Annotated[RawBody, Depends(_raw_body)]
