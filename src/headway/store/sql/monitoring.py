"""Rows of monitors, their inference files, windows and results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from headway.entities.monitoring import Monitor, MonitorResult, MonitorSpec, WindowSummary
from headway.errors import AlreadyExists, NotFound
from headway.store.sql import runs as run_rows
from headway.store.sql.engine import Database
from headway.store.sql.models import ProjectRow
from headway.store.sql.models_monitoring import (
    MonitorFileRow,
    MonitorResultRow,
    MonitorRow,
    MonitorWindowRow,
)
from headway.store.sql.runs import utc


@dataclass(frozen=True)
class StoredFile:
    id: int
    kind: str
    batch: str
    partition: str
    digest: str
    size: int
    rows: int
    min_at: datetime
    max_at: datetime
    model_versions: tuple[int, ...]
    created_at: datetime


@dataclass(frozen=True)
class NewFile:
    batch: str
    partition: str
    digest: str
    size: int
    rows: int
    min_at: datetime
    max_at: datetime
    model_versions: tuple[int, ...]


@dataclass(frozen=True)
class WindowState:
    start: datetime
    end: datetime
    inputs_fp: str
    labels_fp: str


def _spec_json(spec: MonitorSpec) -> dict[str, Any]:
    data = asdict(spec)
    data.pop("project")
    data.pop("name")
    return data


def _spec(project: str, name: str, data: dict[str, Any]) -> MonitorSpec:
    tuples = ("features", "categorical", "segments", "sensitive")
    fields: dict[str, Any] = {k: (tuple(v) if k in tuples else v) for k, v in data.items()}
    return MonitorSpec(project=project, name=name, **fields)


def _monitor(row: MonitorRow, project: str) -> Monitor:
    return Monitor(
        id=row.id,
        spec=_spec(project, row.name, row.spec),
        config_version=row.config_version,
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        updated_at=utc(row.updated_at),  # type: ignore[arg-type]
        reference_ref=row.reference_ref,
        model_version=row.model_version,
        rows=row.rows,
        labels=row.labels,
        first_at=utc(row.first_at),
        last_at=utc(row.last_at),
        computed_at=utc(row.computed_at),
        health=dict(row.health or {}),
    )


def _file(row: MonitorFileRow) -> StoredFile:
    return StoredFile(
        id=row.id,
        kind=row.kind,
        batch=row.batch,
        partition=row.partition,
        digest=row.digest,
        size=row.size,
        rows=row.rows,
        min_at=utc(row.min_at),  # type: ignore[arg-type]
        max_at=utc(row.max_at),  # type: ignore[arg-type]
        model_versions=tuple(row.model_versions or ()),
        created_at=utc(row.created_at),  # type: ignore[arg-type]
    )


class MonitoringRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- monitors -------------------------------------------------------------------------
    def _find(self, s: Session, project: str, name: str) -> MonitorRow:
        row = s.scalar(
            select(MonitorRow)
            .join(ProjectRow, ProjectRow.id == MonitorRow.project_id)
            .where(ProjectRow.name == project, MonitorRow.name == name)
        )
        if row is None:
            raise NotFound(
                f"no monitor {name!r} in project {project!r}",
                details={"project": project, "monitor": name},
            )
        return row

    def create(
        self,
        spec: MonitorSpec,
        *,
        reference_ref: str | None,
        model_version: int | None,
        now: datetime,
    ) -> Monitor:
        def work(s: Session) -> Monitor:
            project = run_rows.ensure_project(s, spec.project, now)
            exists = s.scalar(
                select(MonitorRow.id).where(
                    MonitorRow.project_id == project.id, MonitorRow.name == spec.name
                )
            )
            if exists is not None:
                raise AlreadyExists(
                    f"monitor {spec.name!r} already exists in project {spec.project!r}",
                    details={"project": spec.project, "monitor": spec.name},
                )
            row = MonitorRow(
                project_id=project.id,
                name=spec.name,
                spec=_spec_json(spec),
                config_version=1,
                reference_ref=reference_ref,
                model_version=model_version,
                rows=0,
                labels=0,
                health={},
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return _monitor(row, spec.project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def replace_spec(
        self,
        spec: MonitorSpec,
        *,
        reference_ref: str | None,
        model_version: int | None,
        now: datetime,
    ) -> Monitor:
        def work(s: Session) -> Monitor:
            row = self._find(s, spec.project, spec.name)
            changed = _spec_json(spec) != row.spec or reference_ref != row.reference_ref
            row.spec = _spec_json(spec)
            row.reference_ref = reference_ref
            row.model_version = model_version
            if changed:
                row.config_version += 1
                row.updated_at = now
            s.flush()
            return _monitor(row, spec.project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def get(self, project: str, name: str) -> Monitor:
        with self.db.read() as s:
            return _monitor(self._find(s, project, name), project)

    def all(self, project: str | None) -> list[Monitor]:
        with self.db.read() as s:
            stmt = select(MonitorRow, ProjectRow.name).join(
                ProjectRow, ProjectRow.id == MonitorRow.project_id
            )
            if project is not None:
                stmt = stmt.where(ProjectRow.name == project)
            rows = s.execute(stmt.order_by(ProjectRow.name, MonitorRow.name)).all()
            return [_monitor(row, pname) for row, pname in rows]

    def delete(self, project: str, name: str) -> list[str]:
        """Delete a monitor with everything it stored; returns its files' digests."""

        def work(s: Session) -> list[str]:
            row = self._find(s, project, name)
            digests = list(
                s.scalars(select(MonitorFileRow.digest).where(MonitorFileRow.monitor_id == row.id))
            )
            for table in (MonitorResultRow, MonitorWindowRow, MonitorFileRow):
                s.execute(delete(table).where(table.monitor_id == row.id))
            s.delete(row)
            return digests

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    # -- files ----------------------------------------------------------------------------
    def add_files(
        self, monitor_id: int, kind: str, files: Sequence[NewFile], now: datetime
    ) -> tuple[int, int]:
        """Record files not recorded yet (by batch); returns (files added, rows added)."""

        def work(s: Session) -> tuple[int, int]:
            batches = [f.batch for f in files]
            known = set(
                s.scalars(
                    select(MonitorFileRow.batch).where(
                        MonitorFileRow.monitor_id == monitor_id,
                        MonitorFileRow.kind == kind,
                        MonitorFileRow.batch.in_(batches),
                    )
                )
            )
            added = [f for f in files if f.batch not in known]
            for f in added:
                s.add(
                    MonitorFileRow(
                        monitor_id=monitor_id,
                        kind=kind,
                        batch=f.batch,
                        partition=f.partition,
                        digest=f.digest,
                        size=f.size,
                        rows=f.rows,
                        min_at=f.min_at,
                        max_at=f.max_at,
                        model_versions=list(f.model_versions),
                        created_at=now,
                    )
                )
            rows = sum(f.rows for f in added)
            if added:
                row = s.get(MonitorRow, monitor_id, with_for_update=True)
                assert row is not None
                if kind == "predictions":
                    row.rows += rows
                    lo = min(f.min_at for f in added)
                    hi = max(f.max_at for f in added)
                    row.first_at = lo if row.first_at is None else min(utc(row.first_at), lo)  # type: ignore[type-var]
                    row.last_at = hi if row.last_at is None else max(utc(row.last_at), hi)  # type: ignore[type-var]
                else:
                    row.labels += rows
            return len(added), rows

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def files(
        self,
        monitor_id: int,
        kind: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        model_version: int | None = None,
    ) -> list[StoredFile]:
        with self.db.read() as s:
            stmt = select(MonitorFileRow).where(
                MonitorFileRow.monitor_id == monitor_id, MonitorFileRow.kind == kind
            )
            if start is not None:
                stmt = stmt.where(MonitorFileRow.max_at >= start)
            if end is not None:
                stmt = stmt.where(MonitorFileRow.min_at < end)
            found = [_file(r) for r in s.scalars(stmt.order_by(MonitorFileRow.id))]
        if model_version is not None:
            found = [f for f in found if model_version in f.model_versions]
        return found

    def drop_files(self, monitor_id: int, file_ids: Sequence[int]) -> int:
        """Forget files (retention); their blobs become garbage for ``headway gc``."""

        def work(s: Session) -> int:
            gone = list(
                s.execute(
                    select(MonitorFileRow.kind, MonitorFileRow.rows).where(
                        MonitorFileRow.id.in_(file_ids)
                    )
                )
            )
            s.execute(delete(MonitorFileRow).where(MonitorFileRow.id.in_(file_ids)))
            row = s.get(MonitorRow, monitor_id, with_for_update=True)
            assert row is not None
            row.rows -= sum(n for kind, n in gone if kind == "predictions")
            row.labels -= sum(n for kind, n in gone if kind == "labels")
            first = s.scalar(
                select(func.min(MonitorFileRow.min_at)).where(
                    MonitorFileRow.monitor_id == monitor_id, MonitorFileRow.kind == "predictions"
                )
            )
            row.first_at = first
            return len(gone)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def live_digests(self) -> set[str]:
        with self.db.read() as s:
            return set(s.scalars(select(MonitorFileRow.digest).distinct()))

    # -- windows and results --------------------------------------------------------------
    def window_states(self, monitor_id: int) -> dict[datetime, WindowState]:
        with self.db.read() as s:
            rows = s.scalars(
                select(MonitorWindowRow).where(MonitorWindowRow.monitor_id == monitor_id)
            )
            return {
                utc(r.start): WindowState(utc(r.start), utc(r.end), r.inputs_fp, r.labels_fp)  # type: ignore[arg-type, misc]
                for r in rows
            }

    def save_window(
        self,
        monitor_id: int,
        summary: WindowSummary,
        *,
        inputs_fp: str,
        labels_fp: str,
        kinds: Sequence[str],
        results: Sequence[MonitorResult],
    ) -> None:
        """Replace the results of ``kinds`` in one window, atomically."""

        def work(s: Session) -> None:
            s.execute(
                delete(MonitorResultRow).where(
                    MonitorResultRow.monitor_id == monitor_id,
                    MonitorResultRow.window_start == summary.start,
                    MonitorResultRow.kind.in_(list(kinds)),
                )
            )
            if results:
                s.execute(
                    MonitorResultRow.__table__.insert(),  # type: ignore[attr-defined]
                    [
                        {
                            "monitor_id": monitor_id,
                            "window_start": r.window_start,
                            "window_end": r.window_end,
                            "kind": r.kind,
                            "subject": r.subject,
                            "group_value": r.group,
                            "metric": r.metric,
                            "value": r.value,
                            "p_value": r.p_value,
                            "lower": r.lower,
                            "upper": r.upper,
                            "threshold": r.threshold,
                            "verdict": r.verdict,
                            "rows": r.rows,
                            "detail": r.detail,
                        }
                        for r in results
                    ],
                )
            s.merge(
                MonitorWindowRow(
                    monitor_id=monitor_id,
                    start=summary.start,
                    end=summary.end,
                    rows=summary.rows,
                    labeled=summary.labeled,
                    inputs_fp=inputs_fp,
                    labels_fp=labels_fp,
                    verdict=summary.verdict,
                    issues=dict(summary.issues),
                    messages=list(summary.messages),
                    computed_at=summary.computed_at,
                )
            )

        self.db.retry_write(work)

    def drop_windows(self, monitor_id: int, keep: Sequence[datetime]) -> None:
        """Forget windows (and their results) not in ``keep``: their data is gone."""

        def work(s: Session) -> None:
            starts = [
                utc(x)
                for x in s.scalars(
                    select(MonitorWindowRow.start).where(MonitorWindowRow.monitor_id == monitor_id)
                )
            ]
            kept = set(keep)
            gone = [x for x in starts if x not in kept]
            if gone:
                s.execute(
                    delete(MonitorResultRow).where(
                        MonitorResultRow.monitor_id == monitor_id,
                        MonitorResultRow.window_start.in_(gone),
                    )
                )
                s.execute(
                    delete(MonitorWindowRow).where(
                        MonitorWindowRow.monitor_id == monitor_id,
                        MonitorWindowRow.start.in_(gone),
                    )
                )

        self.db.retry_write(work)

    def set_computed(self, monitor_id: int, now: datetime, health: dict[str, Any]) -> None:
        def work(s: Session) -> None:
            s.execute(
                update(MonitorRow)
                .where(MonitorRow.id == monitor_id)
                .values(computed_at=now, health=health)
            )

        self.db.retry_write(work)

    def windows(self, monitor_id: int) -> list[WindowSummary]:
        with self.db.read() as s:
            rows = s.scalars(
                select(MonitorWindowRow)
                .where(MonitorWindowRow.monitor_id == monitor_id)
                .order_by(MonitorWindowRow.start)
            )
            return [
                WindowSummary(
                    start=utc(r.start),  # type: ignore[arg-type]
                    end=utc(r.end),  # type: ignore[arg-type]
                    rows=r.rows,
                    labeled=r.labeled,
                    computed_at=utc(r.computed_at),  # type: ignore[arg-type]
                    verdict=r.verdict,
                    issues=dict(r.issues or {}),
                    messages=tuple(r.messages or ()),
                )
                for r in rows
            ]

    def results(
        self,
        monitor_id: int,
        *,
        kinds: Sequence[str] = (),
        subject: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[MonitorResult]:
        with self.db.read() as s:
            stmt = select(MonitorResultRow).where(MonitorResultRow.monitor_id == monitor_id)
            if kinds:
                stmt = stmt.where(MonitorResultRow.kind.in_(list(kinds)))
            if subject is not None:
                stmt = stmt.where(MonitorResultRow.subject == subject)
            if start is not None:
                stmt = stmt.where(MonitorResultRow.window_start >= start)
            if end is not None:
                stmt = stmt.where(MonitorResultRow.window_start < end)
            stmt = stmt.order_by(MonitorResultRow.window_start, MonitorResultRow.id)
            return [
                MonitorResult(
                    window_start=utc(r.window_start),  # type: ignore[arg-type]
                    window_end=utc(r.window_end),  # type: ignore[arg-type]
                    kind=r.kind,
                    subject=r.subject,
                    group=r.group,
                    metric=r.metric,
                    value=r.value,
                    p_value=r.p_value,
                    lower=r.lower,
                    upper=r.upper,
                    threshold=r.threshold,
                    verdict=r.verdict,
                    rows=r.rows,
                    detail=dict(r.detail or {}),
                )
                for r in s.scalars(stmt)
            ]
