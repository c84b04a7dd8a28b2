"""Lineage edges between runs and artifact versions, read a level at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from headway.store.sql.engine import Database
from headway.store.sql.models import RunRow
from headway.store.sql.models_artifacts import ArtifactUsageRow


class LineageRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    def edges_of_versions(self, version_ids: Sequence[int]) -> list[tuple[str, int, str]]:
        """(run_id, version_id, direction) for every run that used or produced these."""
        if not version_ids:
            return []
        with self.db.read() as s:
            return [
                (r, v, d)
                for r, v, d in s.execute(
                    select(
                        ArtifactUsageRow.run_id,
                        ArtifactUsageRow.version_id,
                        ArtifactUsageRow.direction,
                    ).where(ArtifactUsageRow.version_id.in_(list(version_ids)))
                )
            ]

    def edges_of_runs(self, run_ids: Sequence[str]) -> list[tuple[str, int, str]]:
        """(run_id, version_id, direction) for every version these runs used or produced."""
        if not run_ids:
            return []
        with self.db.read() as s:
            return [
                (r, v, d)
                for r, v, d in s.execute(
                    select(
                        ArtifactUsageRow.run_id,
                        ArtifactUsageRow.version_id,
                        ArtifactUsageRow.direction,
                    ).where(ArtifactUsageRow.run_id.in_(list(run_ids)))
                )
            ]

    def run_labels(self, run_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """run id -> (name, state)."""
        if not run_ids:
            return {}
        with self.db.read() as s:
            return {
                i: (n, st)
                for i, n, st in s.execute(
                    select(RunRow.id, RunRow.name, RunRow.state).where(RunRow.id.in_(list(run_ids)))
                )
            }
