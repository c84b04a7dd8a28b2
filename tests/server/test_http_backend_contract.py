"""The backend contract, run against ``HttpBackend`` talking to a real uvicorn server."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable

import numpy as np
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from headway.backend.base import BaseBackend
from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.entities import LogBatch, RunCreate, Series
from headway.errors import InvalidArgument, NotFound, PayloadTooLarge, Unavailable
from headway.server.app import create_app
from headway.settings import Settings
from headway.testing.contract import BackendContract


class TestHttpBackend(BackendContract):
    @pytest.fixture
    def backend(self, http_backend: HttpBackend) -> BaseBackend:
        return http_backend


# -- HttpBackend's own behaviour -------------------------------------------------------------


def test_server_errors_come_back_as_the_same_class(http_backend: HttpBackend) -> None:
    with pytest.raises(NotFound, match="run 'missing' does not exist") as caught:
        http_backend.get_run("missing")
    assert type(caught.value) is NotFound
    with pytest.raises(InvalidArgument, match="project name"):
        http_backend.get_project("")


def test_unreachable_server_is_unavailable_naming_the_url() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = HttpBackend(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(Unavailable, match=f"127.0.0.1:{port}"):
        backend.list_projects()
    backend.close()


def test_slow_server_is_unavailable(serve: Callable[[ASGIApp], str]) -> None:
    release = threading.Event()

    async def stalls(scope: Scope, receive: Receive, send: Send) -> None:
        while not release.is_set():
            await asyncio.sleep(0.01)

    backend = HttpBackend(serve(stalls), timeout=0.2)
    try:
        with pytest.raises(Unavailable, match="did not answer"):
            backend.list_projects()
    finally:
        release.set()
        backend.close()


def test_non_headway_server_errors_are_explained(serve: Callable[[ASGIApp], str]) -> None:
    async def plain_404(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

    backend = HttpBackend(serve(plain_404))
    with pytest.raises(NotFound, match="is this the URL of a Headway server"):
        backend.get_run("abc")
    backend.close()


def test_too_large_batch_is_payload_too_large(
    serve: Callable[[ASGIApp], str], settings: Settings, local_backend: LocalBackend
) -> None:
    url = serve(create_app(settings.replace(max_request_bytes=1 << 20), local_backend))
    backend = HttpBackend(url)
    run = backend.create_run(RunCreate(project="p"))
    rng = np.random.default_rng(0)
    n = 200_000  # 4.8 MB, and random values do not compress
    big = Series("x", np.arange(n), np.full(n, 1.7e9), rng.random(n))
    with pytest.raises(PayloadTooLarge, match="1048576"):
        backend.log_batch(run.id, LogBatch(seq=0, metrics={"x": big}))
    backend.close()


@pytest.mark.parametrize("url", ["localhost:8080", "ftp://host", "http://"])
def test_bad_urls_are_invalid(url: str) -> None:
    with pytest.raises(InvalidArgument, match="server URL"):
        HttpBackend(url)
