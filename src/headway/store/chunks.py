"""Columnar metric chunks and exact envelopes, in NumPy only.

A chunk holds up to ``CHUNK_POINTS`` points of one metric in arrival order. Steps are
stored as an arithmetic progression (16 bytes) when they are one — the usual case — and
raw otherwise; times and values are raw little-endian float64, so decoding is a
zero-copy ``numpy.frombuffer``. Float values do not compress, and skipping compression
keeps reads of a million points at memory speed.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from headway.entities import Envelope, Series
from headway.entities.metrics import Float64Array, Int64Array
from headway.store.sketch import Blocks, envelope_of_blocks

CHUNK_POINTS = 8192

_PROGRESSION = b"A"
_RAW = b"R"
_PROGRESSION_HEADER = struct.Struct("<cqqq")  # tag, start, delta, count


def encode_steps(steps: Int64Array) -> bytes:
    n = int(steps.shape[0])
    if n >= 2:
        delta = int(steps[1] - steps[0])
        if np.all(np.diff(steps) == delta):
            return _PROGRESSION_HEADER.pack(_PROGRESSION, int(steps[0]), delta, n)
    elif n == 1:
        return _PROGRESSION_HEADER.pack(_PROGRESSION, int(steps[0]), 0, 1)
    return _RAW + np.ascontiguousarray(steps, dtype="<i8").tobytes()


def decode_steps(blob: bytes) -> Int64Array:
    if blob[:1] == _PROGRESSION:
        _, start, delta, n = _PROGRESSION_HEADER.unpack(blob)
        return int(start) + int(delta) * np.arange(int(n), dtype=np.int64)
    return np.frombuffer(blob, dtype="<i8", offset=1).astype(np.int64, copy=False)


def encode_floats(values: Float64Array) -> bytes:
    return np.ascontiguousarray(values, dtype="<f8").tobytes()


def decode_floats(blob: bytes) -> Float64Array:
    return np.frombuffer(blob, dtype="<f8").astype(np.float64, copy=False)


@dataclass(frozen=True)
class ChunkStats:
    count: int
    min_step: int
    max_step: int
    sorted: bool
    #: NaN-ignoring min and max; None when every value is NaN.
    min_value: float | None
    max_value: float | None


def chunk_stats(steps: Int64Array, values: Float64Array) -> ChunkStats:
    finite_or_inf = values[~np.isnan(values)]
    return ChunkStats(
        count=int(steps.shape[0]),
        min_step=int(steps.min()),
        max_step=int(steps.max()),
        sorted=bool(np.all(steps[1:] >= steps[:-1])),
        min_value=float(finite_or_inf.min()) if finite_or_inf.size else None,
        max_value=float(finite_or_inf.max()) if finite_or_inf.size else None,
    )


def concat_series(key: str, parts: Sequence[Series]) -> Series:
    if not parts:
        return Series.empty(key)
    if len(parts) == 1:
        return parts[0]
    return Series(
        key,
        np.concatenate([p.steps for p in parts]),
        np.concatenate([p.times for p in parts]),
        np.concatenate([p.values for p in parts]),
    )


def slice_steps(series: Series, min_step: int | None, max_step: int | None) -> Series:
    if min_step is None and max_step is None:
        return series
    mask = np.ones(len(series), dtype=bool)
    if min_step is not None:
        mask &= series.steps >= min_step
    if max_step is not None:
        mask &= series.steps <= max_step
    if mask.all():
        return series
    return Series(series.key, series.steps[mask], series.times[mask], series.values[mask])


def bucket_edges(lo: int, hi: int, buckets: int) -> Int64Array:
    """``n + 1`` integer edges splitting ``[lo, hi]`` into at most ``buckets`` buckets.

    A range with fewer steps than buckets gets one bucket per step, so every bucket
    covers at least one whole step and the envelope stays exact.
    """
    span = hi - lo + 1
    n = max(1, min(buckets, span))
    # Bucket i holds offsets d with i*span <= d*n < (i+1)*span, so a step's bucket is
    # plain integer arithmetic (see ``_bucket_index``) and edges are ceil(i*span/n).
    i = np.arange(n + 1, dtype=np.int64)
    if span * n < 2**62:
        return lo + (i * span + n - 1) // n
    edges = lo + np.ceil(i.astype(np.float64) * (span / n)).astype(np.int64)
    edges[-1] = hi + 1
    return edges


def _bucket_index(steps: Int64Array, edges: Int64Array) -> Int64Array:
    lo, n = int(edges[0]), edges.shape[0] - 1
    span = int(edges[-1]) - lo
    if span * n < 2**62:
        return np.asarray(((steps - lo) * n) // span, dtype=np.int64)
    return np.asarray(np.searchsorted(edges, steps, side="right") - 1, dtype=np.int64)


def envelope(series: Series, lo: int, hi: int, buckets: int) -> Envelope:
    """Exact min/max/first/last of every bucket from raw points: none is sampled away.

    ``first``/``last`` are the values at the lowest/highest step of the bucket (the
    earliest/latest logged on ties), so consecutive buckets join up as a line does.
    """
    edges = bucket_edges(lo, hi, buckets)
    inside = slice_steps(series, lo, hi)
    idx = _bucket_index(inside.steps, edges)
    return envelope_of_blocks(series.key, Blocks.of_points(inside.steps, inside.values), edges, idx)
