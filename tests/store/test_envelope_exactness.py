"""Envelopes from sketches equal a brute-force computation over the same edges."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from headway.backend.local import LocalBackend
from headway.entities import Envelope, LogBatch, RunCreate, Series


def brute_force(steps: np.ndarray, values: np.ndarray, edges: np.ndarray) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"count": [], "min": [], "max": []}
    for left, right in itertools.pairwise(edges):
        inside = values[(steps >= left) & (steps < right)]
        finite = inside[~np.isnan(inside)]
        out["count"].append(float(inside.shape[0]))
        out["min"].append(float(finite.min()) if finite.size else np.nan)
        out["max"].append(float(finite.max()) if finite.size else np.nan)
    return out


def check(env: Envelope, steps: np.ndarray, values: np.ndarray) -> None:
    expected = brute_force(steps, values, env.edges)
    np.testing.assert_array_equal(env.count, expected["count"])
    np.testing.assert_array_equal(env.min, expected["min"])
    np.testing.assert_array_equal(env.max, expected["max"])
    full = env.count > 0
    # first/last are values at the lowest/highest step of each bucket.
    for i in np.flatnonzero(full)[:50]:
        inside = (steps >= env.edges[i]) & (steps < env.edges[i + 1])
        assert env.first_step[i] == steps[inside].min()
        assert env.last_step[i] == steps[inside].max()


def make(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if kind == "dense":
        steps = np.arange(60_000)
    elif kind == "sparse":
        steps = np.arange(0, 3_000_000, 50)
    elif kind == "gaps":
        steps = np.concatenate([np.arange(0, 20_000), np.arange(500_000, 520_000)])
    else:  # restarts: steps go backwards and repeat
        steps = np.concatenate([np.arange(0, 30_000), np.arange(10_000, 40_000)])
    values = rng.normal(size=steps.shape[0])
    values[rng.integers(0, steps.shape[0], 20)] = np.nan
    values[rng.integers(0, steps.shape[0])] = 1e6
    return steps.astype(np.int64), values


@pytest.mark.parametrize("kind", ["dense", "sparse", "gaps", "restarts"])
def test_sketch_envelope_equals_brute_force(local_backend: LocalBackend, kind: str) -> None:
    rng = np.random.default_rng(3)
    steps, values = make(kind, rng)
    run = local_backend.create_run(RunCreate(project="exact"))
    for seq, start in enumerate(range(0, steps.shape[0], 7_000)):
        part = slice(start, start + 7_000)
        s = Series("m", steps[part], np.full(steps[part].shape[0], time.time()), values[part])
        local_backend.log_batch(run.id, LogBatch(seq=seq, metrics={"m": s}))
    lo, hi = int(steps.min()), int(steps.max())
    ranges = [(None, None), (lo + 1234, hi - 4321), (lo + 10_000, lo + 10_500), (hi - 10, hi)]
    for buckets in (1, 13, 1000):
        for min_step, max_step in ranges:
            env = local_backend.get_envelopes(
                [run.id], ["m"], buckets=buckets, min_step=min_step, max_step=max_step
            )[run.id]["m"]
            first, last = env.edges[0], env.edges[-1] - 1
            assert first == (min_step if min_step is not None else lo)
            assert last == (max_step if max_step is not None else hi)
            assert env.edges.shape[0] - 1 <= buckets
            check(env, steps, values)
