"""Migrations are owned and tested: an old database file upgrades to head intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from headway.backend.local import LocalBackend
from headway.errors import SchemaOutOfDate
from headway.settings import Settings
from headway.store.sql.engine import make_engine
from headway.store.sql.models import Base
from headway.store.sql.schema import head_revision, upgrade
from headway.store.sql.store import SqlStore

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-0001.db"


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    """A copy of a store written by Headway at schema 0001 (3 runs of 20,001 points)."""
    folder = tmp_path / ".headway"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / "headway.db")
    return folder


def test_old_store_is_refused_until_upgraded(old_store: Path) -> None:
    url = f"sqlite:///{old_store / 'headway.db'}"
    with pytest.raises(SchemaOutOfDate, match="headway db upgrade"):
        SqlStore(url)
    assert upgrade(url) == head_revision()
    SqlStore(url).close()


def test_upgraded_store_keeps_every_point(old_store: Path) -> None:
    settings = Settings.from_env(env={}, dir=str(old_store))
    backend = LocalBackend(settings, migrate=True)
    run = backend.get_run("old0")
    assert run.config == {"model": "rf", "depth": 2}
    assert run.summary["note"] == "made by schema 0001"
    loss = backend.get_history("old0", ["loss"])["loss"]
    assert len(loss) == 20_001
    assert np.isnan(loss.values[-1])
    env = backend.get_envelopes(["old0"], ["loss"], buckets=100)["old0"]["loss"]
    assert env.count.sum() == 20_001
    spike = int(np.nanargmax(env.max))
    assert env.edges[spike] <= 12_345 < env.edges[spike + 1]
    backend.close()


def test_models_match_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a revision: {diff}"
