from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from headway.backend.local import LocalBackend
from headway.settings import Settings
from receivers import Certificates, HttpReceiver, SmtpReceiver, make_certificates

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(env={}, dir=str(tmp_path / ".headway"))


@pytest.fixture
def local_backend(settings: Settings) -> Iterator[LocalBackend]:
    backend = LocalBackend(settings, migrate=True)
    yield backend
    backend.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never touch the developer's store or server."""
    for name in ("HEADWAY_URL", "HEADWAY_DB_URL", "HEADWAY_ARTIFACTS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HEADWAY_DIR", str(tmp_path / ".headway"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    from pg_server import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: object) -> str:
    """A fresh, empty PostgreSQL database on the session's real server."""
    return postgres_server.create_database()  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[object]:
    """moto's S3 server as a real subprocess, shared by the session.

    Tests call ``s3_server.use_env(monkeypatch)`` for fake AWS credentials (it returns the
    endpoint URL, also ``s3_server.url``) and ``s3_server.create_bucket()`` for a fresh
    bucket of their own.
    """
    from s3_server import S3Server

    server = S3Server()
    yield server
    server.stop()


# -- real receivers on 127.0.0.1 (delivery and alerts tests) ---------------------------


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """Records every POST; answers ``200 ok`` unless told otherwise (``reply``, ``hang``)."""
    receiver = HttpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose kernel completes the TCP handshake but whose server never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., SmtpReceiver]]:
    """Starts SMTP servers with the given options; stops them after the test."""
    started: list[SmtpReceiver] = []

    def start(**options: Any) -> SmtpReceiver:
        server = SmtpReceiver(**options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
