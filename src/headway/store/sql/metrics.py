"""Metric chunks and the per-key summary rows they keep up to date."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
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
from headway.store.sql.models import MetricChunkRow, RunSummaryRow

SUMMARY_RULES = ("last", "min", "max", "mean", "first", "none")


def _chunk_values(series: Series) -> dict[str, Any]:
    stats = chunk_stats(series.steps, series.values)
    grid, blocks = sketch(series.steps, series.values)
    return {
        "grid": grid,
        "sketch": blocks.to_bytes(grid),
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


def append_series(session: Session, run_id: str, series: Series) -> None:
    """Append points after the key's last chunk, filling it up before starting new ones."""
    if not len(series):
        return
    last = session.scalar(
        select(MetricChunkRow)
        .where(MetricChunkRow.run_id == run_id, MetricChunkRow.key == series.key)
        .order_by(MetricChunkRow.seq.desc())
        .limit(1)
    )
    pending = series
    next_seq = 0
    if last is not None:
        next_seq = last.seq + 1
        room = CHUNK_POINTS - last.count
        if room > 0:
            merged = concat_series(
                series.key, [decode_chunk(last, series.key), _head(pending, room)]
            )
            for name, value in _chunk_values(merged).items():
                setattr(last, name, value)
            pending = _tail(pending, room)
    rows = []
    for start in range(0, len(pending), CHUNK_POINTS):
        part = Series(
            series.key,
            pending.steps[start : start + CHUNK_POINTS],
            pending.times[start : start + CHUNK_POINTS],
            pending.values[start : start + CHUNK_POINTS],
        )
        rows.append({"run_id": run_id, "key": series.key, "seq": next_seq, **_chunk_values(part)})
        next_seq += 1
    if rows:
        session.execute(insert(MetricChunkRow), rows)


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


def _rule_value(row: RunSummaryRow, rule: str) -> float | None:
    if rule == "min":
        return row.min
    if rule == "max":
        return row.max
    if rule == "mean":
        return row.sum / row.finite_count if row.finite_count and row.sum is not None else None
    if rule == "none":
        return None
    return row.last


def _refresh_effective(row: RunSummaryRow, rule: str) -> None:
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


def update_metric_summaries(
    session: Session,
    run_id: str,
    series_by_key: Mapping[str, Series],
    metric_defs: Sequence[Mapping[str, Any]],
) -> None:
    existing = {
        r.key: r
        for r in session.scalars(
            select(RunSummaryRow).where(
                RunSummaryRow.run_id == run_id, RunSummaryRow.key.in_(list(series_by_key))
            )
        )
    }
    for key, series in series_by_key.items():
        if not len(series):
            continue
        values = series.values
        not_nan = values[~np.isnan(values)]
        finite = not_nan[np.isfinite(not_nan)]
        row = existing.get(key)
        if row is None:
            row = RunSummaryRow(run_id=run_id, key=key, count=0, finite_count=0)
            session.add(row)
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
    id: int
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
            MetricChunkRow.id,
            MetricChunkRow.min_step,
            MetricChunkRow.max_step,
            MetricChunkRow.grid,
            MetricChunkRow.sketch,
        )
        .where(MetricChunkRow.run_id == run_id, MetricChunkRow.key == key)
        .order_by(MetricChunkRow.seq)
    )
    if min_step is not None:
        stmt = stmt.where(MetricChunkRow.max_step >= min_step)
    if max_step is not None:
        stmt = stmt.where(MetricChunkRow.min_step <= max_step)
    return [ChunkSketch(r[0], r[1], r[2], r[3], bytes(r[4])) for r in session.execute(stmt)]


def read_chunks(session: Session, ids: Sequence[int], key: str) -> dict[int, Series]:
    stmt = select(
        MetricChunkRow.id, MetricChunkRow.steps, MetricChunkRow.times, MetricChunkRow.values
    ).where(MetricChunkRow.id.in_(list(ids)))
    return {row[0]: decode_chunk(row, key) for row in session.execute(stmt)}


def step_range(session: Session, run_id: str, keys: Sequence[str]) -> tuple[int, int] | None:
    lo, hi = session.execute(
        select(func.min(MetricChunkRow.min_step), func.max(MetricChunkRow.max_step)).where(
            MetricChunkRow.run_id == run_id, MetricChunkRow.key.in_(list(keys))
        )
    ).one()
    if lo is None or hi is None:
        return None
    return int(lo), int(hi)
