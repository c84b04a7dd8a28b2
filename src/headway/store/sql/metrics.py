"""Metric chunks and the per-key summary rows they keep up to date."""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
from sqlalchemy import String, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from headway.entities import Series
from headway.store.chunks import (
    CHUNK_POINTS,
    chunk_stats,
    concat_series,
    decode_floats,
    decode_steps,
    encode_floats,
    encode_steps,
    slice_steps,
)
from headway.store.sketch import sketch
from headway.store.sql.models import MetricChunkRow, MetricSketchRow, RunSummaryRow
from headway.store.sql.raw import Prepared, padded, padded_size, with_binds


def _sketch_values(series: Series) -> dict[str, Any]:
    grid, blocks = sketch(series.steps, series.values)
    return {
        "min_step": int(series.steps.min()),
        "max_step": int(series.steps.max()),
        "grid": grid,
        "sketch": blocks.to_bytes(grid),
    }


def _chunk_values(series: Series) -> dict[str, Any]:
    stats = chunk_stats(series.steps, series.values)
    return {
        "count": stats.count,
        "min_step": stats.min_step,
        "max_step": stats.max_step,
        "sorted": int(stats.sorted),
        "min_value": stats.min_value,
        "max_value": stats.max_value,
        "steps": encode_steps(series.steps),
        "times": encode_floats(series.times),
        "values": encode_floats(series.values),
    }


def decode_chunk(row: MetricChunkRow | Any, key: str) -> Series:
    return Series(key, decode_steps(row.steps), decode_floats(row.times), decode_floats(row.values))


@functools.lru_cache(maxsize=32)
def _last_chunks(dialect: Dialect, n: int) -> Prepared:
    keys = [bindparam(f"k{i}", "", type_=String) for i in range(n)]
    run = bindparam("run_id", "", type_=String)
    newest = (
        select(MetricChunkRow.key, func.max(MetricChunkRow.seq).label("seq"))
        .where(MetricChunkRow.run_id == run, MetricChunkRow.key.in_(keys))
        .group_by(MetricChunkRow.key)
        .subquery()
    )
    return Prepared.of(
        select(
            MetricChunkRow.id,
            MetricChunkRow.key,
            MetricChunkRow.seq,
            MetricChunkRow.count,
            MetricChunkRow.steps,
            MetricChunkRow.times,
            MetricChunkRow.values,
        )
        .join(
            newest,
            (MetricChunkRow.key == newest.c.key) & (MetricChunkRow.seq == newest.c.seq),
        )
        .where(MetricChunkRow.run_id == run),
        dialect,
    )


_CHUNK_FIELDS = (
    "count",
    "min_step",
    "max_step",
    "sorted",
    "min_value",
    "max_value",
    "steps",
    "times",
    "values",
)
_SKETCH_FIELDS = ("min_step", "max_step", "grid", "sketch")


@functools.lru_cache(maxsize=8)
def _chunk_writes(dialect: Dialect) -> tuple[Prepared, Prepared, Prepared, Prepared]:
    """Insert and update of chunk rows and of their sketches."""
    chunks = cast(Table, MetricChunkRow.__table__)
    sketches = cast(Table, MetricSketchRow.__table__)
    ids = ("run_id", "key", "seq")
    return (
        Prepared.of(insert(chunks).values(with_binds(chunks, (*ids, *_CHUNK_FIELDS))), dialect),
        Prepared.of(
            update(chunks)
            .where(chunks.c.id == bindparam("w_id", 0))
            .values(with_binds(chunks, _CHUNK_FIELDS, "w_")),
            dialect,
        ),
        Prepared.of(
            insert(sketches).values(with_binds(sketches, (*ids, *_SKETCH_FIELDS))), dialect
        ),
        Prepared.of(
            update(sketches)
            .where(
                *(
                    sketches.c[name] == bindparam(f"w_{name}", None, type_=sketches.c[name].type)
                    for name in ids
                )
            )
            .values(with_binds(sketches, _SKETCH_FIELDS, "w_")),
            dialect,
        ),
    )


def _prefixed(values: Mapping[str, Any]) -> dict[str, Any]:
    return {f"w_{name}": value for name, value in values.items()}


def _keyed_rows(
    cursor: Any,
    dialect: Dialect,
    query: Callable[[Dialect, int], Prepared],
    run_id: str,
    keys: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Rows of ``query`` for the run's ``keys``, in IN lists of padded sizes."""
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), _IN_LIST):
        part = keys[start : start + _IN_LIST]
        size = padded_size(len(part))
        values = {f"k{i}": key for i, key in enumerate(padded(part, size))}
        out.extend(query(dialect, size).rows(cursor, {"run_id": run_id, **values}))
    return out


#: Keys per IN list; SQLite allows 32,766 host parameters, and few sizes stay compiled.
_IN_LIST = 512


def append_all(
    cursor: Any, dialect: Dialect, run_id: str, batch: Mapping[str, Series], *, fresh: bool
) -> None:
    """Append every key's points after its last chunk, filling that chunk first.

    Set-based: one query finds the last chunk of every key in the batch (none when the
    run is ``fresh``, created by this batch), and new chunks go in with one executemany,
    so a batch costs a few driver calls, not a few per key.
    """
    keys = [k for k, s in batch.items() if len(s)]
    if not keys:
        return
    last_chunks = {}
    if not fresh:
        last_chunks = {
            row[1]: row for row in _keyed_rows(cursor, dialect, _last_chunks, run_id, keys)
        }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    new_sketches: list[dict[str, Any]] = []
    changed_sketches: list[dict[str, Any]] = []
    for key in keys:
        pending = batch[key]
        last = last_chunks.get(key)
        next_seq = 0
        if last is not None:
            chunk_id, _, last_seq, points, steps, times, values = last
            next_seq = last_seq + 1
            room = CHUNK_POINTS - points
            if room > 0:
                stored = Series(
                    key, decode_steps(steps), decode_floats(times), decode_floats(values)
                )
                merged = concat_series(key, [stored, _head(pending, room)])
                updates.append({"w_id": chunk_id, **_prefixed(_chunk_values(merged))})
                changed_sketches.append(
                    _prefixed(
                        {"run_id": run_id, "key": key, "seq": last_seq, **_sketch_values(merged)}
                    )
                )
                pending = _tail(pending, room)
        for start in range(0, len(pending), CHUNK_POINTS):
            part = Series(
                key,
                pending.steps[start : start + CHUNK_POINTS],
                pending.times[start : start + CHUNK_POINTS],
                pending.values[start : start + CHUNK_POINTS],
            )
            ids = {"run_id": run_id, "key": key, "seq": next_seq}
            inserts.append({**ids, **_chunk_values(part)})
            new_sketches.append({**ids, **_sketch_values(part)})
            next_seq += 1
    insert_chunk, update_chunk, insert_sketch, update_sketch = _chunk_writes(dialect)
    update_chunk.run_many(cursor, updates)
    insert_chunk.run_many(cursor, inserts)
    insert_sketch.run_many(cursor, new_sketches)
    update_sketch.run_many(cursor, changed_sketches)


def _head(series: Series, n: int) -> Series:
    return Series(series.key, series.steps[:n], series.times[:n], series.values[:n])


def _tail(series: Series, n: int) -> Series:
    return Series(series.key, series.steps[n:], series.times[n:], series.values[n:])


def rule_for(key: str, metric_defs: Sequence[Mapping[str, Any]]) -> str:
    """The summary rule of ``key``: the last ``define_metric`` pattern matching it wins."""
    rule = "last"
    for definition in metric_defs:
        if fnmatch.fnmatchcase(key, str(definition.get("pattern", ""))) and definition.get(
            "summary"
        ):
            rule = str(definition["summary"])
    return rule


def _rule_value(row: Any, rule: str) -> float | None:
    if rule == "mean":
        if not row.finite_count or row.sum is None:
            return None
        return float(row.sum) / float(row.finite_count)
    value = {"min": row.min, "max": row.max, "none": None}.get(rule, row.last)
    return None if value is None else float(value)


def _refresh_effective(row: Any, rule: str) -> None:
    """Set ``value_num``/``value_str`` (what search sorts on) on an ORM row or namespace."""
    if row.user_value is not None:
        user = json.loads(row.user_value)
        if isinstance(user, bool | int | float) and user is not None:
            row.value_num, row.value_str = float(user), None
        elif isinstance(user, str):
            row.value_num, row.value_str = None, user
        else:
            row.value_num, row.value_str = None, row.user_value
        return
    value = _rule_value(row, rule)
    row.value_num = None if value is None or np.isnan(value) else value
    row.value_str = None


def _nan_to_none(value: float) -> float | None:
    return None if np.isnan(value) else value


_SUMMARY_FIELDS = (
    "value_num",
    "value_str",
    "user_value",
    "last",
    "min",
    "max",
    "sum",
    "count",
    "finite_count",
    "last_step",
)


@functools.lru_cache(maxsize=32)
def _summary_rows(dialect: Dialect, n: int) -> Prepared:
    table = cast(Table, RunSummaryRow.__table__)
    keys = [bindparam(f"k{i}", "", type_=String) for i in range(n)]
    return Prepared.of(
        select(*(table.c[name] for name in ("key", *_SUMMARY_FIELDS))).where(
            table.c.run_id == bindparam("run_id", "", type_=String), table.c.key.in_(keys)
        ),
        dialect,
    )


@functools.lru_cache(maxsize=8)
def _summary_writes(dialect: Dialect) -> tuple[Prepared, Prepared]:
    table = cast(Table, RunSummaryRow.__table__)
    return (
        Prepared.of(
            insert(table).values(with_binds(table, ("run_id", "key", *_SUMMARY_FIELDS))), dialect
        ),
        Prepared.of(
            update(table)
            .where(
                table.c.run_id == bindparam("w_run_id", ""), table.c.key == bindparam("w_key", "")
            )
            .values(with_binds(table, _SUMMARY_FIELDS, "w_")),
            dialect,
        ),
    )


def update_metric_summaries(
    cursor: Any,
    dialect: Dialect,
    run_id: str,
    series_by_key: Mapping[str, Series],
    metric_defs: Sequence[Mapping[str, Any]],
    *,
    fresh: bool,
) -> None:
    """Fold a batch into each key's last/min/max/sum/count with one read and two writes."""
    keys = [key for key, series in series_by_key.items() if len(series)]
    existing = {}
    if keys and not fresh:
        existing = {
            row[0]: SimpleNamespace(**dict(zip(_SUMMARY_FIELDS, row[1:], strict=True)))
            for row in _keyed_rows(cursor, dialect, _summary_rows, run_id, keys)
        }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key in keys:
        series = series_by_key[key]
        values = series.values
        not_nan = values[~np.isnan(values)]
        finite = not_nan[np.isfinite(not_nan)]
        row = existing.get(key)
        is_new = row is None
        if row is None:
            row = SimpleNamespace(**dict.fromkeys(_SUMMARY_FIELDS))
            row.count = row.finite_count = 0
        row.last = _nan_to_none(float(values[-1]))
        row.last_step = int(series.steps[-1])
        if not_nan.size:
            lo, hi = float(not_nan.min()), float(not_nan.max())
            row.min = lo if row.min is None else min(row.min, lo)
            row.max = hi if row.max is None else max(row.max, hi)
        if finite.size:
            row.sum = float(finite.sum()) + (row.sum or 0.0)
        row.count = (row.count or 0) + len(series)
        row.finite_count = (row.finite_count or 0) + int(finite.size)
        _refresh_effective(row, rule_for(key, metric_defs))
        values_out = {name: getattr(row, name) for name in _SUMMARY_FIELDS}
        if is_new:
            inserts.append({"run_id": run_id, "key": key, **values_out})
        else:
            updates.append(_prefixed({"run_id": run_id, "key": key, **values_out}))
    insert_rows, update_rows = _summary_writes(dialect)
    insert_rows.run_many(cursor, inserts)
    update_rows.run_many(cursor, updates)


def set_user_summary(
    session: Session,
    run_id: str,
    values: Mapping[str, Any],
    metric_defs: Sequence[Mapping[str, Any]],
) -> None:
    """Store user summary values (JSON); ``None`` removes the user's override."""
    existing = {
        r.key: r
        for r in session.scalars(
            select(RunSummaryRow).where(
                RunSummaryRow.run_id == run_id, RunSummaryRow.key.in_(list(values))
            )
        )
    }
    for key, value in values.items():
        row = existing.get(key)
        if row is None:
            if value is None:
                continue
            row = RunSummaryRow(run_id=run_id, key=key, count=0, finite_count=0)
            session.add(row)
        row.user_value = None if value is None else json.dumps(value, allow_nan=True)
        if value is None and not row.count:
            session.delete(row)
            continue
        _refresh_effective(row, rule_for(key, metric_defs))


def refresh_rules(session: Session, run_id: str, metric_defs: Sequence[Mapping[str, Any]]) -> None:
    """Re-derive effective summary values after ``define_metric`` changed the rules."""
    for row in session.scalars(select(RunSummaryRow).where(RunSummaryRow.run_id == run_id)):
        _refresh_effective(row, rule_for(row.key, metric_defs))


def metric_keys(session: Session, run_id: str) -> list[str]:
    return list(
        session.scalars(
            select(RunSummaryRow.key)
            .where(RunSummaryRow.run_id == run_id, RunSummaryRow.count > 0)
            .order_by(RunSummaryRow.key)
        )
    )


def read_series(
    session: Session, run_id: str, key: str, min_step: int | None, max_step: int | None
) -> Series:
    """Points of ``key`` within the step range, in logged order; skips chunks out of range."""
    stmt = (
        select(MetricChunkRow.steps, MetricChunkRow.times, MetricChunkRow.values)
        .where(MetricChunkRow.run_id == run_id, MetricChunkRow.key == key)
        .order_by(MetricChunkRow.seq)
    )
    if min_step is not None:
        stmt = stmt.where(MetricChunkRow.max_step >= min_step)
    if max_step is not None:
        stmt = stmt.where(MetricChunkRow.min_step <= max_step)
    parts = [decode_chunk(row, key) for row in session.execute(stmt)]
    return slice_steps(concat_series(key, parts), min_step, max_step)


@dataclass(frozen=True)
class ChunkSketch:
    seq: int
    min_step: int
    max_step: int
    grid: int
    sketch: bytes


def chunk_sketches(
    session: Session, run_id: str, key: str, min_step: int | None, max_step: int | None
) -> list[ChunkSketch]:
    """The sketches of the key's chunks overlapping the range, in logged order."""
    stmt = (
        select(
            MetricSketchRow.seq,
            MetricSketchRow.min_step,
            MetricSketchRow.max_step,
            MetricSketchRow.grid,
            MetricSketchRow.sketch,
        )
        .where(MetricSketchRow.run_id == run_id, MetricSketchRow.key == key)
        .order_by(MetricSketchRow.seq)
    )
    if min_step is not None:
        stmt = stmt.where(MetricSketchRow.max_step >= min_step)
    if max_step is not None:
        stmt = stmt.where(MetricSketchRow.min_step <= max_step)
    return [
        ChunkSketch(r[0], r[1], r[2], r[3], bytes(r[4])) for r in session.connection().execute(stmt)
    ]


def read_chunks(session: Session, run_id: str, key: str, seqs: Sequence[int]) -> dict[int, Series]:
    """Raw points of the key's chunks numbered ``seqs``."""
    if not seqs:
        return {}
    stmt = select(
        MetricChunkRow.seq, MetricChunkRow.steps, MetricChunkRow.times, MetricChunkRow.values
    ).where(
        MetricChunkRow.run_id == run_id,
        MetricChunkRow.key == key,
        MetricChunkRow.seq.in_(list(seqs)),
    )
    return {row[0]: decode_chunk(row, key) for row in session.connection().execute(stmt)}


def step_range(session: Session, run_id: str, keys: Sequence[str]) -> tuple[int, int] | None:
    lo, hi = session.execute(
        select(func.min(MetricChunkRow.min_step), func.max(MetricChunkRow.max_step)).where(
            MetricChunkRow.run_id == run_id, MetricChunkRow.key.in_(list(keys))
        )
    ).one()
    if lo is None or hi is None:
        return None
    return int(lo), int(hi)
