"""Fixtures shared by the importer tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from headway.backend.local import LocalBackend
from headway.server.app import create_app
from headway.settings import Settings


@pytest.fixture
def headway_url(local_backend: LocalBackend, settings: Settings) -> Iterator[str]:
    """A real ``headway server`` (uvicorn in a thread) over ``local_backend``."""
    config = uvicorn.Config(
        create_app(settings, local_backend), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
