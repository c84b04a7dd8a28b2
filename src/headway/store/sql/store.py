"""``SqlStore``: the facade the domain services call. One transaction per method."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from headway.entities import ConsoleLine, Project, Run, RunState, Series
from headway.entities.filter_expr import Expr
from headway.errors import AlreadyExists, NotFound
from headway.store.sql import batch as batch_rows
from headway.store.sql import metrics as metric_rows
from headway.store.sql import runs as run_rows
from headway.store.sql.alert_channels import ChannelRows
from headway.store.sql.alerts import AlertRows
from headway.store.sql.artifacts import ArtifactRows
from headway.store.sql.batch import BatchEffects, ConfigMerge
from headway.store.sql.engine import Database, make_engine
from headway.store.sql.jobs import JobRows
from headway.store.sql.lineage import LineageRows
from headway.store.sql.mlflow import MlflowRows
from headway.store.sql.models import (
    ConsoleChunkRow,
    ProjectRow,
    RunFileRow,
    RunRow,
)
from headway.store.sql.monitoring import MonitoringRows
from headway.store.sql.raw import cursor_of
from headway.store.sql.registry import RegistryRows
from headway.store.sql.schema import check_schema
from headway.store.sql.sweeps import SweepRows
from headway.store.sql.uploads import UploadRows

__all__ = ["BatchEffects", "ConfigMerge", "SqlStore"]


class SqlStore:
    """Metadata and metric chunks in SQLite or PostgreSQL.

    Thread-safe: every method opens its own session. The schema must already be at head
    (``headway db upgrade``); opening a store never migrates as a side effect.
    """

    def __init__(self, url: str, *, check: bool = True) -> None:
        self.db = Database(make_engine(url))
        self._project_ids: dict[str, int] = {}
        if check:
            check_schema(self.db.engine)
        # The other aggregates, on the same database.
        self.artifacts = ArtifactRows(self.db)
        self.lineage = LineageRows(self.db)
        self.uploads = UploadRows(self.db)
        self.registry = RegistryRows(self.db)
        self.mlflow = MlflowRows(self.db)
        self.monitoring = MonitoringRows(self.db)
        self.jobs = JobRows(self.db)
        self.alerts = AlertRows(self.db)
        self.alert_channels = ChannelRows(self.db)
        self.sweeps = SweepRows(self.db)

    def close(self) -> None:
        self.db.dispose()

    # -- projects -------------------------------------------------------------------------
    def ensure_project(self, name: str, now: datetime) -> Project:
        def work(s: Session) -> Project:
            return run_rows.project_entities(s, [run_rows.ensure_project(s, name, now)])[0]

        try:
            return self.db.retry_write(work)  # type: ignore[no-any-return]
        except AlreadyExists:  # another process created it between our read and insert
            return self.get_project(name)

    def get_project(self, name: str) -> Project:
        with self.db.read() as s:
            return run_rows.project_entities(s, [run_rows.find_project(s, name)])[0]

    def project_id(self, name: str) -> int:
        with self.db.read() as s:
            return run_rows.find_project(s, name).id

    def list_projects(self) -> list[Project]:
        with self.db.read() as s:
            rows = list(s.scalars(select(ProjectRow).order_by(ProjectRow.last_activity.desc())))
            return run_rows.project_entities(s, rows)

    # -- runs -----------------------------------------------------------------------------
    def insert_run(self, row_values: dict[str, Any], tags: Sequence[str], project: str) -> Run:
        values = dict(row_values)
        kv_tags = values.pop(batch_rows.KV_TAGS, None)

        def work(s: Session) -> Run:
            project_row = run_rows.ensure_project(s, project, values["updated_at"])
            if s.get(RunRow, values["id"]) is not None:
                raise AlreadyExists(f"a run with id {values['id']!r} already exists")
            row = RunRow(project_id=project_row.id, **values)
            s.add(row)
            s.flush()
            cursor = cursor_of(s)
            batch_rows.write_params(cursor, s.get_bind().dialect, row.id, row.config, replace=False)
            batch_rows.write_tags(cursor, s.get_bind().dialect, row.id, tags, replace=False)
            if kv_tags:
                batch_rows.write_kv_tags(s, row.id, kv_tags)
            run_rows.touch_project(s, project_row.id, values["updated_at"])
            return run_rows.load_runs(s, [row])[0]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def get_run(self, run_id: str) -> Run:
        with self.db.read() as s:
            return run_rows.load_runs(s, [run_rows.get_run_row(s, run_id)])[0]

    def update_run(
        self,
        run_id: str,
        fields: Mapping[str, Any],
        *,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        now: datetime,
    ) -> Run:
        def work(s: Session) -> Run:
            row = run_rows.get_run_row(s, run_id, for_update=True)
            for name, value in fields.items():
                if name == batch_rows.KV_TAGS:
                    batch_rows.write_kv_tags(s, run_id, value)
                else:
                    setattr(row, name, value)
            if metadata:
                row.run_metadata = {**(row.run_metadata or {}), **metadata}
                if "metric_defs" in metadata:
                    metric_rows.refresh_rules(s, run_id, row.run_metadata["metric_defs"])
            if tags is not None:
                batch_rows.write_tags(
                    cursor_of(s), s.get_bind().dialect, run_id, tags, replace=True
                )
            row.updated_at = now
            run_rows.touch_project(s, row.project_id, now)
            return run_rows.load_runs(s, [row])[0]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def merge_config(self, run_id: str, merge: ConfigMerge, now: datetime) -> Run:
        """Replace the config with ``merge(old)`` under a row lock (merge may raise)."""

        def work(s: Session) -> Run:
            row = run_rows.get_run_row(s, run_id, for_update=True)
            row.config = merge(dict(row.config or {}))
            batch_rows.write_params(
                cursor_of(s), s.get_bind().dialect, run_id, row.config, replace=True
            )
            row.updated_at = now
            return run_rows.load_runs(s, [row])[0]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def set_summary(self, run_id: str, values: Mapping[str, Any], now: datetime) -> Run:
        def work(s: Session) -> Run:
            row = run_rows.get_run_row(s, run_id, for_update=True)
            defs = (row.run_metadata or {}).get("metric_defs", [])
            metric_rows.set_user_summary(s, run_id, values, defs)
            row.updated_at = now
            return run_rows.load_runs(s, [row])[0]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def apply_batch(
        self,
        run_id: str,
        seq: int,
        metrics: Mapping[str, Series],
        effects: BatchEffects,
        heartbeat: datetime,
    ) -> bool:
        """Apply a batch in one transaction; False if its ``seq`` was already applied.

        Order inside the transaction: create the run if asked and missing, attribute
        changes, config, points and their summaries, user summary, console, files, finish.
        """

        def work(s: Session) -> bool:
            return batch_rows.apply_batch(s, run_id, seq, metrics, effects, heartbeat)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def mark_crashed(self, heartbeat_before: datetime, now: datetime) -> int:
        def work(s: Session) -> int:
            result = s.execute(
                update(RunRow)
                .where(
                    RunRow.state == RunState.RUNNING.value,
                    RunRow.heartbeat_at < heartbeat_before,
                )
                .values(state=RunState.CRASHED.value, updated_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    # -- files and console ----------------------------------------------------------------
    def put_files(self, run_id: str, files: Mapping[str, bytes]) -> None:
        def work(s: Session) -> None:
            run_rows.get_run_row(s, run_id)
            batch_rows.put_files(cursor_of(s), s.get_bind().dialect, run_id, files)

        self.db.retry_write(work)

    def get_file(self, run_id: str, path: str) -> bytes:
        with self.db.read() as s:
            row = s.get(RunFileRow, (run_id, path))
            if row is None:
                run_rows.get_run_row(s, run_id)
                raise NotFound(f"run {run_id!r} has no file {path!r}")
            return bytes(row.content)

    def list_files(self, run_id: str) -> list[str]:
        with self.db.read() as s:
            run_rows.get_run_row(s, run_id)
            return list(
                s.scalars(
                    select(RunFileRow.path)
                    .where(RunFileRow.run_id == run_id)
                    .order_by(RunFileRow.path)
                )
            )

    def read_console(self, run_id: str, offset: int, limit: int) -> list[ConsoleLine]:
        with self.db.read() as s:
            run_rows.get_run_row(s, run_id)
            out: list[ConsoleLine] = []
            seen = 0
            stmt = (
                select(ConsoleChunkRow.line_count, ConsoleChunkRow.lines)
                .where(ConsoleChunkRow.run_id == run_id)
                .order_by(ConsoleChunkRow.seq)
            )
            for count, payload in s.execute(stmt):
                if seen + count <= offset:
                    seen += count
                    continue
                for t, stream, text in json.loads(payload):
                    if seen >= offset:
                        out.append(ConsoleLine(t, stream, text))
                        if len(out) >= limit:
                            return out
                    seen += 1
            return out

    # -- metrics --------------------------------------------------------------------------
    def metric_keys(self, run_id: str) -> list[str]:
        with self.db.read() as s:
            run_rows.get_run_row(s, run_id)
            return metric_rows.metric_keys(s, run_id)

    def read_series(
        self, run_id: str, keys: Sequence[str], min_step: int | None, max_step: int | None
    ) -> dict[str, Series]:
        with self.db.read() as s:
            run_rows.get_run_row(s, run_id)
            return {k: metric_rows.read_series(s, run_id, k, min_step, max_step) for k in keys}

    def chunk_sketches(
        self, run_id: str, key: str, min_step: int | None, max_step: int | None
    ) -> list[metric_rows.ChunkSketch]:
        with self.db.read() as s:
            run_rows.get_run_row(s, run_id)
            return metric_rows.chunk_sketches(s, run_id, key, min_step, max_step)

    def read_chunks(self, run_id: str, key: str, seqs: Sequence[int]) -> dict[int, Series]:
        with self.db.read() as s:
            return metric_rows.read_chunks(s, run_id, key, seqs)

    def step_range(self, run_id: str, keys: Sequence[str]) -> tuple[int, int] | None:
        with self.db.read() as s:
            return metric_rows.step_range(s, run_id, keys)

    # -- search ---------------------------------------------------------------------------
    def search(
        self,
        project: str | Sequence[str],
        expr: str | Expr,
        order: Sequence[str],
        *,
        limit: int,
        offset: int,
        include_deleted: bool,
        columns: Sequence[str] | None,
    ) -> tuple[list[Run], int]:
        from headway.store.sql.search import prepared_search

        projects = (project,) if isinstance(project, str) else tuple(project)
        with self.db.read() as s:
            names: dict[int, str] = {}
            for name in projects:
                project_id = self._project_ids.get(name)
                if project_id is None:
                    # Projects are never renamed or removed, so the id can be remembered.
                    project_id = self._project_ids[name] = run_rows.find_project(s, name).id
                names[project_id] = name
            page_query, count_query = prepared_search(
                self.db.engine.dialect, tuple(names), expr, tuple(order), include_deleted
            )
            # One query for the page and the total (a window count before LIMIT).
            page = page_query.all(s, page_limit=limit, page_offset=offset)
            # An empty page (past the end) has no window count; count separately.
            total = int(page[0][1]) if page else int(count_query.all(s)[0][0] or 0)
            ids = [row[0] for row in page]
            rows = run_rows.run_rows_by_id(s, ids)
            ordered = [rows[i] for i in ids if i in rows]
            return run_rows.load_runs(s, ordered, columns=columns, project_names=names), total

    def iter_project_runs(self, project: str, batch: int = 500) -> Iterator[list[Run]]:
        offset = 0
        while True:
            runs, _ = self.search(
                project, "", (), limit=batch, offset=offset, include_deleted=False, columns=None
            )
            if not runs:
                return
            yield runs
            offset += len(runs)
