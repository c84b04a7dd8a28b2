from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from headway.backend.base import BaseBackend
from headway.backend.local import LocalBackend
from headway.errors import SchemaOutOfDate
from headway.settings import Settings
from headway.store.sql.schema import upgrade
from headway.store.sql.store import SqlStore
from headway.testing.artifact_contract import ArtifactContract
from headway.testing.contract import BackendContract

pytestmark = pytest.mark.postgres


class TestLocalBackendOnPostgres(BackendContract):
    @pytest.fixture
    def backend(self, postgres_url: str, tmp_path: Path) -> Iterator[BaseBackend]:
        settings = Settings.from_env(env={}, dir=str(tmp_path), db_url=postgres_url)
        backend = LocalBackend(settings, migrate=True)
        yield backend
        backend.close()


def test_unmigrated_postgres_is_refused_with_the_command(postgres_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match="headway db upgrade"):
        SqlStore(postgres_url)
    upgrade(postgres_url)
    SqlStore(postgres_url).close()


class TestArtifactsOnPostgres(ArtifactContract):
    @pytest.fixture
    def backend(self, postgres_url: str, tmp_path: Path) -> Iterator[BaseBackend]:
        settings = Settings.from_env(env={}, dir=str(tmp_path), db_url=postgres_url)
        backend = LocalBackend(settings, migrate=True)
        yield backend
        backend.close()
