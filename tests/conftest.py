from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from headway.backend.local import LocalBackend
from headway.settings import Settings

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
