"""Exact envelopes from chunk sketches, falling back to raw points where needed."""

from __future__ import annotations

import numpy as np

from headway.entities import Envelope, Series
from headway.store.chunks import bucket_edges, concat_series, envelope, slice_steps
from headway.store.sketch import Blocks, aligned_edges, envelope_of_blocks
from headway.store.sql.store import SqlStore


def series_envelope(
    store: SqlStore, run_id: str, key: str, buckets: int, lo: int | None, hi: int | None
) -> Envelope:
    metas = store.chunk_sketches(run_id, key, lo, hi)
    if not metas:
        start = lo if lo is not None else 0
        return envelope(
            Series.empty(key), start, max(start, hi if hi is not None else start), buckets
        )
    start = lo if lo is not None else min(m.min_step for m in metas)
    end = hi if hi is not None else max(m.max_step for m in metas)
    span = end - start + 1
    n = min(buckets, span)
    align = max(m.grid for m in metas)
    if span / n < 2 * align:
        # Zoomed in past the sketch's resolution: few points, read them all.
        raw = store.read_chunks(run_id, key, [m.seq for m in metas])
        points = concat_series(key, [raw[m.seq] for m in metas])
        return envelope(points, start, end, buckets)
    inside = [start <= m.min_step and m.max_step <= end for m in metas]
    cut_seqs = [m.seq for m, whole in zip(metas, inside, strict=True) if not whole]
    raw = store.read_chunks(run_id, key, cut_seqs)
    # Only chunks at the ends of the range are cut; the runs of whole chunks between
    # them are parsed in one go. Blocks stay in logged order either way.
    parts: list[Blocks] = []
    whole_run: list[bytes] = []
    for meta, whole in zip(metas, inside, strict=True):
        if whole:
            whole_run.append(meta.sketch)
            continue
        if whole_run:
            parts.append(Blocks.join_sketches(whole_run))
            whole_run = []
        cut = slice_steps(raw[meta.seq], start, end)
        parts.append(Blocks.of_points(cut.steps, cut.values))
    if whole_run:
        parts.append(Blocks.join_sketches(whole_run))
    edges = aligned_edges(start, end, n, align)
    if edges.shape[0] < 2:
        edges = bucket_edges(start, end, 1)
    return envelope_of_blocks(key, Blocks.concat(parts), np.asarray(edges, dtype=np.int64))
