"""Server fixtures: one real uvicorn server per session, serving a fresh app per test.

Every test builds its own app around its own empty ``local_backend`` and plugs it into
the running server, so tests go through real HTTP (chunked bodies, gzip, sockets)
without paying for a server start each time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.server.app import create_app
from headway.settings import Settings

#: Small enough that the 413 tests stay cheap.
TEST_MAX_REQUEST_BYTES = 1 << 20
#: The contract suite sends batches of 100,000 points (2.4 MB).
CONTRACT_MAX_REQUEST_BYTES = 8 << 20


class LiveServer:
    """Forwards every request to ``self.app``, which tests replace."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.url = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no app plugged into the live server"
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    live = LiveServer()
    config = uvicorn.Config(live, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="test-uvicorn")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    live.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    yield live
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def max_request_bytes() -> int:
    return TEST_MAX_REQUEST_BYTES


@pytest.fixture
def serve(live_server: LiveServer) -> Iterator[Callable[[ASGIApp], str]]:
    """Plug any app into the live server for this test; returns the base URL."""

    def plug(app: ASGIApp) -> str:
        live_server.app = app
        return live_server.url

    yield plug
    live_server.app = None


@pytest.fixture
def app(
    live_server: LiveServer, settings: Settings, local_backend: LocalBackend
) -> Iterator[FastAPI]:
    limited = settings.replace(max_request_bytes=TEST_MAX_REQUEST_BYTES)
    app = create_app(limited, local_backend)
    live_server.app = app
    yield app
    live_server.app = None


@pytest.fixture
def client(live_server: LiveServer, app: FastAPI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        yield http


@pytest.fixture
def http_backend(
    live_server: LiveServer, settings: Settings, local_backend: LocalBackend
) -> Iterator[HttpBackend]:
    roomy = settings.replace(max_request_bytes=CONTRACT_MAX_REQUEST_BYTES)
    live_server.app = create_app(roomy, local_backend)
    backend = HttpBackend(live_server.url, timeout=30)
    yield backend
    backend.close()
    live_server.app = None
