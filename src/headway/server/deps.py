"""Request dependencies: the backend on ``app.state`` and raw request bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from headway.backend.artifacts import BaseArtifacts, BaseRegistry
from headway.backend.base import BaseBackend
from headway.backend.monitoring import BaseMonitoring


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


#: Who is acting, for artifact and registry history. Until auth arrives it is what the
#: client says (the SDK sends the user's login or HEADWAY_USER).
USER_HEADER = "X-Headway-User"


def _user(request: Request) -> str:
    raw = request.headers.get(USER_HEADER, "").strip()
    return raw[:256] if raw and raw.isprintable() else "anonymous"


async def _artifacts(request: Request) -> BaseArtifacts:
    backend: BaseBackend = request.app.state.backend
    return backend.artifacts.with_user(_user(request))


async def _registry(request: Request) -> BaseRegistry:
    backend: BaseBackend = request.app.state.backend
    return backend.registry.with_user(_user(request))


Backend = Annotated[BaseBackend, Depends(_backend)]
Artifacts = Annotated[BaseArtifacts, Depends(_artifacts)]
Registry = Annotated[BaseRegistry, Depends(_registry)]
Body = Annotated[RawBody, Depends(_raw_body)]


async def _monitoring(request: Request) -> BaseMonitoring:
    backend: BaseBackend = request.app.state.backend
    return backend.monitoring


Monitoring = Annotated[BaseMonitoring, Depends(_monitoring)]
