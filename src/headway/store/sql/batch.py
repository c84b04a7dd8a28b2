"""Applying one log batch: the ingestion hot path, as driver calls rather than ORM work.

Every point a client logs goes through here, under the database's single writer lock on
SQLite. Loading and flushing an ORM row, and SQLAlchemy's per-statement work, cost twice
what the database itself spends on a batch; these statements are compiled once per
dialect (:class:`~headway.store.sql.raw.Prepared`) and each execution is one driver call.
The rare parts of a batch (user summary values, changed metric rules) still use the ORM
in the same transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from headway.entities import ConsoleLine, RunState, Series
from headway.entities.config import flatten
from headway.entities.metrics import APPEND_SEQ
from headway.errors import NotFound
from headway.store.sql import metrics as metric_rows
from headway.store.sql.models import (
    Base,
    ConsoleChunkRow,
    ProjectRow,
    RunFileRow,
    RunKvTagRow,
    RunParamRow,
    RunRow,
    RunTagRow,
)
from headway.store.sql.raw import Prepared, as_json, cursor_of, with_binds

ConfigMerge = Callable[[dict[str, Any]], dict[str, Any]]
#: The key, in a new run's values and in update fields, of its key -> value tags (they live
#: in their own table, not in a column of ``runs``).
KV_TAGS = "kv_tags"

_RUNS = cast(Table, RunRow.__table__)
#: ORM attribute name -> column name (``run_metadata`` is stored as ``metadata``).
_COLUMN_OF = {attr: column.name for attr, column in RunRow.__mapper__.columns.items()}


@dataclass(frozen=True)
class BatchEffects:
    """Everything a batch changes besides its points, already validated by the service."""

    #: (row values, tags, project) to create the run with when it does not exist.
    create: tuple[dict[str, Any], tuple[str, ...], str] | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] | None = None
    metadata: Mapping[str, Any] | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)
    config: ConfigMerge | None = None
    console: Sequence[ConsoleLine] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)
    #: Row fields that end the run, applied last.
    finish: Mapping[str, Any] | None = None


@dataclass
class _Target:
    """The columns of the run row a batch reads before it writes."""

    last_batch_seq: int
    last_step: int
    state: str
    metadata: dict[str, Any]
    config: dict[str, Any] | None


def apply_batch(
    session: Session,
    run_id: str,
    seq: int,
    metrics: Mapping[str, Series],
    effects: BatchEffects,
    heartbeat: datetime,
) -> bool:
    """Apply a batch inside the session's write transaction; False if ``seq`` was applied.

    Order: create the run if asked and missing, attribute changes, config, points and
    their summaries, user summary, console, files, and finally the run row itself.
    """
    dialect = session.get_bind().dialect
    cursor = cursor_of(session)
    try:
        target = _load(cursor, dialect, run_id, with_config=effects.config is not None)
        fresh = target is None
        if target is None:
            if effects.create is None:
                raise NotFound(f"run {run_id!r} does not exist")
            target = _create(session, cursor, dialect, run_id, effects.create, heartbeat)
        if seq == APPEND_SEQ:
            seq = target.last_batch_seq + 1
        elif seq <= target.last_batch_seq:
            return False
        changes: dict[str, Any] = dict(effects.fields)
        if KV_TAGS in changes:
            write_kv_tags(session, run_id, changes.pop(KV_TAGS))
        if effects.tags is not None:
            write_tags(cursor, dialect, run_id, effects.tags, replace=True)
        defs = target.metadata.get("metric_defs", [])
        if effects.metadata:
            changes["run_metadata"] = {**target.metadata, **effects.metadata}
            if "metric_defs" in effects.metadata:
                defs = changes["run_metadata"]["metric_defs"]
                metric_rows.refresh_rules(session, run_id, defs)
                _settle(session)
        if effects.config is not None:
            config = effects.config(dict(target.config or {}))
            changes["config"] = config
            write_params(cursor, dialect, run_id, config, replace=True)
        if metrics:
            metric_rows.append_all(cursor, dialect, run_id, metrics, fresh=fresh)
            metric_rows.update_metric_summaries(cursor, dialect, run_id, metrics, defs, fresh=fresh)
            top = max((int(s.steps.max()) for s in metrics.values() if len(s)), default=-1)
            if top > target.last_step:
                changes["last_step"] = top
        if effects.summary:
            metric_rows.set_user_summary(session, run_id, effects.summary, defs)
            _settle(session)
        if effects.console:
            payload = json.dumps([[line.time, line.stream, line.text] for line in effects.console])
            _console_insert(dialect).run(
                cursor,
                {
                    "run_id": run_id,
                    "seq": seq,
                    "line_count": len(effects.console),
                    "lines": payload,
                },
            )
        if effects.files:
            put_files(cursor, dialect, run_id, effects.files)
        changes["last_batch_seq"] = seq
        changes["heartbeat_at"] = heartbeat
        changes["updated_at"] = heartbeat
        if target.state == RunState.CRASHED.value:
            # Data arriving proves the process is alive after all (e.g. a slow sync).
            changes["state"] = RunState.RUNNING.value
        changes.update(effects.finish or {})
        names = tuple(sorted(changes))
        _run_update(dialect, names).run(
            cursor, {"id": run_id, **{f"w_{name}": changes[name] for name in names}}
        )
        return True
    finally:
        cursor.close()


def _settle(session: Session) -> None:
    """Write the ORM's changes now and forget its copies: the driver calls that follow
    (and precede) change the same rows behind the ORM's back."""
    session.flush()
    session.expire_all()


def _load(cursor: Any, dialect: Dialect, run_id: str, *, with_config: bool) -> _Target | None:
    rows = _run_select(dialect, with_config).rows(cursor, {"id": run_id})
    if not rows:
        return None
    last_batch_seq, last_step, state, metadata, *config = rows[0]
    return _Target(
        last_batch_seq=last_batch_seq,
        last_step=last_step,
        state=state,
        metadata=as_json(metadata) or {},
        config=as_json(config[0]) if config else None,
    )


def _create(
    session: Session,
    cursor: Any,
    dialect: Dialect,
    run_id: str,
    create: tuple[dict[str, Any], tuple[str, ...], str],
    now: datetime,
) -> _Target:
    values, tags, project = create
    values = dict(values)
    kv_tags = values.pop(KV_TAGS, None)
    found = _project_select(dialect).rows(cursor, {"name": project})
    if found:
        project_id = found[0][0]
    else:
        project_row = ProjectRow(name=project, created_at=now, last_activity=now)
        session.add(project_row)
        session.flush()
        project_id = project_row.id
    row = {**values, "project_id": project_id}
    _run_insert(dialect).run(cursor, {_COLUMN_OF[name]: value for name, value in row.items()})
    write_params(cursor, dialect, run_id, values.get("config") or {}, replace=False)
    write_tags(cursor, dialect, run_id, tags, replace=False)
    if kv_tags:
        write_kv_tags(session, run_id, kv_tags)
    return _Target(
        last_batch_seq=values["last_batch_seq"],
        last_step=values["last_step"],
        state=values["state"],
        metadata=values.get("run_metadata") or {},
        config=values.get("config") or {},
    )


def _param_columns(value: Any) -> tuple[float | None, str | None]:
    if isinstance(value, bool | int | float):
        return float(value), None
    if isinstance(value, str):
        return None, value
    return None, json.dumps(value, sort_keys=True)


def write_params(
    cursor: Any, dialect: Dialect, run_id: str, config: Mapping[str, Any], *, replace: bool
) -> None:
    """The run's flattened, indexed params: those of ``config`` (after the old, if ``replace``)."""
    delete_rows, insert_row = _run_rows_writes(dialect, RunParamRow.__tablename__)
    if replace:
        delete_rows.run(cursor, {"run_id": run_id})
    rows = []
    for key, value in flatten(dict(config)).items():
        num, text = _param_columns(value)
        rows.append({"run_id": run_id, "key": key, "value_num": num, "value_str": text})
    insert_row.run_many(cursor, rows)


def write_tags(
    cursor: Any, dialect: Dialect, run_id: str, tags: Sequence[str], *, replace: bool
) -> None:
    delete_rows, insert_row = _run_rows_writes(dialect, RunTagRow.__tablename__)
    if replace:
        delete_rows.run(cursor, {"run_id": run_id})
    insert_row.run_many(cursor, [{"run_id": run_id, "tag": t} for t in dict.fromkeys(tags)])


def write_kv_tags(session: Session, run_id: str, values: Mapping[str, str | None]) -> None:
    """Set key -> value tags; a ``None`` value deletes its key. Other keys are kept."""
    if not values:
        return
    session.execute(
        delete(RunKvTagRow).where(RunKvTagRow.run_id == run_id, RunKvTagRow.key.in_(list(values)))
    )
    rows = [{"run_id": run_id, "key": k, "value": v} for k, v in values.items() if v is not None]
    if rows:
        session.execute(insert(RunKvTagRow), rows)


def put_files(cursor: Any, dialect: Dialect, run_id: str, files: Mapping[str, bytes]) -> None:
    """Store captured files, replacing a file of the same path."""
    _file_upsert(dialect).run_many(
        cursor, [{"run_id": run_id, "path": p, "content": c} for p, c in files.items()]
    )


# -- statements, compiled once per dialect ------------------------------------------------
@functools.lru_cache(maxsize=8)
def _run_select(dialect: Dialect, with_config: bool) -> Prepared:
    columns = [RunRow.last_batch_seq, RunRow.last_step, RunRow.state, RunRow.run_metadata]
    if with_config:
        columns.append(RunRow.config)
    stmt = select(*columns).where(RunRow.id == bindparam("id", "", type_=String))
    # The row lock serialises batches of one run on PostgreSQL; SQLite has one writer.
    return Prepared.of(stmt.with_for_update(), dialect)


@functools.lru_cache(maxsize=8)
def _project_select(dialect: Dialect) -> Prepared:
    return Prepared.of(
        select(ProjectRow.id).where(ProjectRow.name == bindparam("name", "", type_=String)),
        dialect,
    )


@functools.lru_cache(maxsize=8)
def _run_insert(dialect: Dialect) -> Prepared:
    return Prepared.of(insert(_RUNS).values(with_binds(_RUNS, _COLUMN_OF.values())), dialect)


@functools.lru_cache(maxsize=128)
def _run_update(dialect: Dialect, names: tuple[str, ...]) -> Prepared:
    """``UPDATE runs SET`` the attributes ``names`` (bound as ``w_<attribute>``)."""
    values = {
        _COLUMN_OF[name]: bindparam(f"w_{name}", None, type_=_RUNS.c[_COLUMN_OF[name]].type)
        for name in names
    }
    return Prepared.of(
        update(_RUNS).where(_RUNS.c.id == bindparam("id", "", type_=String)).values(values),
        dialect,
    )


@functools.lru_cache(maxsize=8)
def _run_rows_writes(dialect: Dialect, table_name: str) -> tuple[Prepared, Prepared]:
    """Delete of a run's rows in ``table_name``, and insert of one row (every column)."""
    table = Base.metadata.tables[table_name]
    return (
        Prepared.of(delete(table).where(table.c.run_id == bindparam("run_id", "")), dialect),
        Prepared.of(insert(table).values(with_binds(table, table.c.keys())), dialect),
    )


@functools.lru_cache(maxsize=8)
def _console_insert(dialect: Dialect) -> Prepared:
    table = cast(Table, ConsoleChunkRow.__table__)
    return Prepared.of(
        insert(table).values(with_binds(table, ("run_id", "seq", "line_count", "lines"))),
        dialect,
    )


@functools.lru_cache(maxsize=8)
def _file_upsert(dialect: Dialect) -> Prepared:
    table = cast(Table, RunFileRow.__table__)
    values = with_binds(table, ("run_id", "path", "content"))
    if dialect.name == "postgresql":
        pg = postgresql.insert(table).values(values)
        stmt: Any = pg.on_conflict_do_update(
            index_elements=["run_id", "path"], set_={"content": pg.excluded.content}
        )
    else:
        lite = sqlite.insert(table).values(values)
        stmt = lite.on_conflict_do_update(
            index_elements=["run_id", "path"], set_={"content": lite.excluded.content}
        )
    return Prepared.of(stmt, dialect)
