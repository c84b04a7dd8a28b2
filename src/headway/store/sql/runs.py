"""Projects and runs: rows in, frozen entities out."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from headway.entities import Project, Run, RunState
from headway.entities.config import flatten
from headway.errors import NotFound
from headway.store.sql.models import (
    ProjectRow,
    RunKvTagRow,
    RunRow,
    RunSummaryRow,
    RunTagRow,
)
from headway.store.sql.raw import Prepared, as_datetime, as_json


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every datetime Headway returns is aware UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ensure_project(session: Session, name: str, now: datetime) -> ProjectRow:
    row = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
    if row is None:
        row = ProjectRow(name=name, created_at=now, last_activity=now)
        session.add(row)
        session.flush()
    return row


def find_project(session: Session, name: str) -> ProjectRow:
    row = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
    if row is None:
        raise NotFound(f"project {name!r} does not exist")
    return row


def project_entities(session: Session, rows: Sequence[ProjectRow]) -> list[Project]:
    """Projects with run counts; last activity is derived from their runs, not written on
    every batch, so concurrent writers of one project never queue on its row."""
    stats = {
        project_id: (count, latest)
        for project_id, count, latest in session.execute(
            select(RunRow.project_id, func.count(), func.max(RunRow.updated_at))
            .where(RunRow.project_id.in_([r.id for r in rows]), RunRow.deleted_at.is_(None))
            .group_by(RunRow.project_id)
        )
    }
    out = []
    for r in rows:
        count, latest = stats.get(r.id, (0, None))
        created = utc(r.created_at)
        assert created is not None
        candidates = [d for d in (utc(r.last_activity), utc(latest)) if d is not None]
        out.append(
            Project(
                name=r.name,
                created_at=created,
                run_count=int(count),
                last_activity=max(candidates) if candidates else created,
            )
        )
    out.sort(key=lambda p: p.last_activity or p.created_at, reverse=True)
    return out


def touch_project(session: Session, project_id: int, now: datetime) -> None:
    row = session.get(ProjectRow, project_id)
    if row is not None and utc(row.last_activity) < now:  # type: ignore[operator]
        row.last_activity = now


def get_run_row(session: Session, run_id: str, *, for_update: bool = False) -> RunRow:
    stmt = select(RunRow).where(RunRow.id == run_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"run {run_id!r} does not exist")
    return row


def summary_value(row: Any) -> Any:
    if row.user_value is not None:
        return json.loads(row.user_value)
    if row.value_num is not None:
        return row.value_num
    return row.last


_RUN_FIELDS = tuple(RunRow.__mapper__.columns.keys())
_DATETIME_AT = tuple(
    _RUN_FIELDS.index(name)
    for name in ("created_at", "updated_at", "finished_at", "heartbeat_at", "deleted_at")
)
_ID_AT = _RUN_FIELDS.index("id")
_JSON_AT = tuple(_RUN_FIELDS.index(name) for name in ("config", "run_metadata"))
#: A run row as plain values, with the ORM attribute names (cheaper than entities).
RunRecord = NamedTuple(  # type: ignore[misc]
    "RunRecord", [(name, Any) for name in _RUN_FIELDS]
)


@functools.lru_cache(maxsize=64)
def _rows_by_id(dialect: Dialect, n: int) -> Prepared:
    columns = [getattr(RunRow, name) for name in _RUN_FIELDS]
    ids = [bindparam(f"id{i}", "", type_=String) for i in range(n)]
    return Prepared.of(select(*columns).where(RunRow.id.in_(ids)), dialect)


@functools.lru_cache(maxsize=64)
def _tags_of(dialect: Dialect, n: int) -> Prepared:
    ids = [bindparam(f"id{i}", "", type_=String) for i in range(n)]
    return Prepared.of(
        select(RunTagRow.run_id, RunTagRow.tag).where(RunTagRow.run_id.in_(ids)), dialect
    )


@functools.lru_cache(maxsize=64)
def _kv_tags_of(dialect: Dialect, n: int) -> Prepared:
    ids = [bindparam(f"id{i}", "", type_=String) for i in range(n)]
    return Prepared.of(
        select(RunKvTagRow.run_id, RunKvTagRow.key, RunKvTagRow.value).where(
            RunKvTagRow.run_id.in_(ids)
        ),
        dialect,
    )


@functools.lru_cache(maxsize=64)
def _summaries_of(dialect: Dialect, n: int, keys: tuple[str, ...] | None) -> Prepared:
    ids = [bindparam(f"id{i}", "", type_=String) for i in range(n)]
    stmt = select(
        RunSummaryRow.run_id,
        RunSummaryRow.key,
        RunSummaryRow.user_value,
        RunSummaryRow.value_num,
        RunSummaryRow.last,
        RunSummaryRow.min,
        RunSummaryRow.max,
        RunSummaryRow.sum,
        RunSummaryRow.count,
        RunSummaryRow.finite_count,
        RunSummaryRow.last_step,
    ).where(RunSummaryRow.run_id.in_(ids))
    if keys is not None:
        stmt = stmt.where(
            RunSummaryRow.key.in_([bindparam(f"k{i}", "", type_=String) for i in range(len(keys))])
        )
    return Prepared.of(stmt, dialect)


def _id_params(ids: Sequence[str]) -> dict[str, str]:
    return {f"id{i}": run_id for i, run_id in enumerate(ids)}


def _chunks(ids: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    # Bounded IN lists: SQLite caps host parameters, and few distinct sizes stay cached.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def run_rows_by_id(session: Session, ids: Sequence[str]) -> dict[str, RunRecord]:
    """Run rows keyed by id, as :data:`RunRecord` tuples with decoded values."""
    dialect = session.get_bind().dialect
    out: dict[str, RunRecord] = {}
    for part in _chunks(ids):
        for raw in _rows_by_id(dialect, len(part)).all(session, **_id_params(part)):
            values = list(raw)
            for i in _DATETIME_AT:
                values[i] = as_datetime(values[i])
            for i in _JSON_AT:
                values[i] = as_json(values[i])
            out[values[_ID_AT]] = RunRecord._make(values)
    return out


def load_runs(
    session: Session,
    rows: Sequence[Any],
    *,
    columns: Sequence[str] | None = None,
    project_names: Mapping[int, str] | None = None,
) -> list[Run]:
    """Entities for ``rows`` in order; ``columns`` (``config.x``, ``summary.y``) projects.

    ``rows`` are ORM ``RunRow`` objects or :data:`RunRecord` tuples.
    """
    if not rows:
        return []
    # The reads below go to the connection directly (no ORM autoflush): write pending
    # changes of this session first so the entity reflects them.
    session.flush()
    dialect = session.get_bind().dialect
    ids = [r.id for r in rows]
    wanted = {r.project_id for r in rows}
    projects = dict(project_names or {})
    if not wanted <= projects.keys():
        projects.update(
            session.connection()
            .execute(select(ProjectRow.id, ProjectRow.name).where(ProjectRow.id.in_(wanted)))
            .all()
        )
    summary_keys = config_keys = None
    if columns is not None:
        summary_keys = tuple(c[len("summary.") :] for c in columns if c.startswith("summary."))
        config_keys = [c[len("config.") :] for c in columns if c.startswith("config.")]
    tags: dict[str, list[str]] = {}
    kv_tags: dict[str, dict[str, str]] = {}
    summaries: dict[str, dict[str, Any]] = {}
    metrics: dict[str, dict[str, dict[str, Any]]] = {}
    for part in _chunks(ids):
        params = _id_params(part)
        for run_id, tag in _tags_of(dialect, len(part)).all(session, **params):
            tags.setdefault(run_id, []).append(tag)
        for run_id, key, value in _kv_tags_of(dialect, len(part)).all(session, **params):
            kv_tags.setdefault(run_id, {})[key] = value
        if summary_keys is not None:
            params.update({f"k{i}": key for i, key in enumerate(summary_keys)})
        summary_rows = _summaries_of(dialect, len(part), summary_keys).all(session, **params)
        # Tuple unpacking in one loop: it runs once per summary value of a page.
        for run_id, key, user, num, last, lo, hi, total, points, finite, step in summary_rows:
            fallback = num if num is not None else last
            summaries.setdefault(run_id, {})[key] = (
                json.loads(user) if user is not None else fallback
            )
            if points:
                metrics.setdefault(run_id, {})[key] = {
                    "last": last,
                    "min": lo,
                    "max": hi,
                    "mean": (total / finite) if finite and total is not None else None,
                    "count": points,
                    "step": step,
                }
    out = []
    for r in rows:
        config = r.config or {}
        if config_keys is not None:
            flat = flatten(config)
            config = {k: flat[k] for k in config_keys if k in flat}
        out.append(
            Run(
                id=r.id,
                project=projects[r.project_id],
                name=r.name,
                state=RunState(r.state),
                created_at=utc(r.created_at),  # type: ignore[arg-type]
                updated_at=utc(r.updated_at),  # type: ignore[arg-type]
                config=config,
                summary=summaries.get(r.id, {}),
                metrics=metrics.get(r.id, {}),
                tags=tuple(sorted(tags.get(r.id, []))),
                kv_tags=dict(sorted(kv_tags.get(r.id, {}).items())),
                notes=r.notes or "",
                group=r.group_name,
                job_type=r.job_type,
                parent_id=r.parent_id,
                finished_at=utc(r.finished_at),
                heartbeat_at=utc(r.heartbeat_at),
                deleted_at=utc(r.deleted_at),
                metadata=r.run_metadata or {},
                error=r.error,
                exit_code=r.exit_code,
                last_step=r.last_step,
                last_batch_seq=r.last_batch_seq,
            )
        )
    return out
