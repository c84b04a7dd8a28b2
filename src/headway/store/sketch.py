"""Block sketches of metric chunks, and envelopes built from them.

A chunk's sketch aggregates its points on a grid of ``grid`` steps (a power of two sized
so a block holds about 64 points): per block, count, min, max, and the values and steps
of its first and last points. Envelope bucket edges are then aligned to the coarsest grid
in the range, so no block straddles an edge, and a bucket's min/max are exactly the
min/max of its points — while reading about 1/25 of the bytes of the raw points.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import numpy as np

from headway.entities import Envelope
from headway.entities.metrics import Float64Array, Int64Array

TARGET_POINTS_PER_BLOCK = 64
_HEADER = struct.Struct("<qq")  # grid, block count
_FIELDS = 7


@dataclass(frozen=True)
class Blocks:
    """Aggregates of groups of points. A single point is a block of count 1."""

    count: Int64Array
    min: Float64Array
    max: Float64Array
    first: Float64Array  # value at the lowest step (earliest logged on ties)
    last: Float64Array  # value at the highest step (latest logged on ties)
    first_step: Int64Array
    last_step: Int64Array

    def __len__(self) -> int:
        return int(self.count.shape[0])

    @classmethod
    def of_points(cls, steps: Int64Array, values: Float64Array) -> Blocks:
        return cls(
            np.ones(steps.shape[0], dtype=np.int64), values, values, values, values, steps, steps
        )

    @classmethod
    def concat(cls, parts: list[Blocks]) -> Blocks:
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in _NAMES))

    def to_bytes(self, grid: int) -> bytes:
        """Header, then one fixed-size record per block (row-major), so the sketches of
        many chunks concatenate into one array that parses with a single ``frombuffer``."""
        records = np.empty(len(self), dtype=RECORD)
        for name in _NAMES:
            records[name] = getattr(self, name)
        return _HEADER.pack(grid, len(self)) + records.tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> tuple[int, Blocks]:
        grid, _ = _HEADER.unpack_from(blob)
        return int(grid), cls.from_records(np.frombuffer(blob, dtype=RECORD, offset=_HEADER.size))

    @classmethod
    def from_records(cls, records: np.ndarray) -> Blocks:
        return cls(*(records[name] for name in _NAMES))

    @staticmethod
    def join_sketches(blobs: list[bytes]) -> Blocks:
        """The blocks of many chunks' sketches, in order, parsed at once."""
        body = b"".join(memoryview(blob)[_HEADER.size :] for blob in blobs)
        return Blocks.from_records(np.frombuffer(body, dtype=RECORD))


_NAMES = ("count", "min", "max", "first", "last", "first_step", "last_step")
RECORD = np.dtype(
    [(name, "<i8" if name in ("count", "first_step", "last_step") else "<f8") for name in _NAMES]
)


def grid_for(count: int, min_step: int, max_step: int) -> int:
    """A power-of-two block width giving about 64 points per block at this density."""
    density = count / (max_step - min_step + 1)
    wanted = TARGET_POINTS_PER_BLOCK / max(density, 1e-12)
    return int(2 ** min(40, max(0, round(math.log2(max(wanted, 1.0))))))


def _is_sorted(a: Int64Array) -> bool:
    return bool(a.shape[0] < 2 or np.all(a[1:] >= a[:-1]))


def group(blocks: Blocks, keys: Int64Array) -> tuple[Int64Array, Blocks]:
    """Merge blocks with equal ``keys``; returns the distinct keys (ascending) and merges."""
    by_first = by_last = None
    if not (_is_sorted(keys) and _is_sorted(blocks.first_step)):
        by_first = np.lexsort((blocks.first_step, keys))  # stable: ties keep logged order
    if not (_is_sorted(keys) and _is_sorted(blocks.last_step)):
        by_last = np.lexsort((blocks.last_step, keys))
    sorted_keys = keys if by_first is None else keys[by_first]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], sorted_keys.shape[0]]

    def pick(arr: np.ndarray, order: np.ndarray | None) -> np.ndarray:
        return arr if order is None else arr[order]

    cnt = pick(blocks.count, by_first)
    merged = Blocks(
        count=np.add.reduceat(cnt, starts),
        # fmin/fmax skip NaN; a group of only NaN stays NaN.
        min=np.fmin.reduceat(pick(blocks.min, by_first), starts),
        max=np.fmax.reduceat(pick(blocks.max, by_first), starts),
        first=pick(blocks.first, by_first)[starts],
        first_step=pick(blocks.first_step, by_first)[starts],
        last=pick(blocks.last, by_last)[ends - 1],
        last_step=pick(blocks.last_step, by_last)[ends - 1],
    )
    return sorted_keys[starts], merged


def sketch(steps: Int64Array, values: Float64Array) -> tuple[int, Blocks]:
    """The grid and block aggregates of one chunk's points."""
    grid = grid_for(int(steps.shape[0]), int(steps.min()), int(steps.max()))
    _, blocks = group(Blocks.of_points(steps, values), steps // grid)
    return grid, blocks


def aligned_edges(lo: int, hi: int, buckets: int, align: int) -> Int64Array:
    """Edges of ``[lo, hi]`` whose interior edges are multiples of ``align``."""
    span = hi - lo + 1
    i = np.arange(1, buckets, dtype=np.float64)
    inner = np.round((lo + i * (span / buckets)) / align).astype(np.int64) * align
    inner = inner[(inner > lo) & (inner <= hi)]
    return np.unique(np.r_[np.int64(lo), inner, np.int64(hi + 1)]).astype(np.int64)


def envelope_of_blocks(
    key: str, blocks: Blocks, edges: Int64Array, idx: Int64Array | None = None
) -> Envelope:
    """Bucket blocks that each lie inside one bucket (found by their first step, unless
    the bucket of every block is given as ``idx``)."""
    n = edges.shape[0] - 1
    count = np.zeros(n, dtype=np.int64)
    vmin, vmax, first, last = (np.full(n, np.nan) for _ in range(4))
    first_step = np.full(n, -1, dtype=np.int64)
    last_step = np.full(n, -1, dtype=np.int64)
    if len(blocks):
        if idx is None:
            idx = np.searchsorted(edges, blocks.first_step, side="right") - 1
        used, merged = group(blocks, np.asarray(idx, dtype=np.int64))
        count[used] = merged.count
        vmin[used], vmax[used] = merged.min, merged.max
        first[used], last[used] = merged.first, merged.last
        first_step[used], last_step[used] = merged.first_step, merged.last_step
    return Envelope(key, edges, count, vmin, vmax, first, last, first_step, last_step)
