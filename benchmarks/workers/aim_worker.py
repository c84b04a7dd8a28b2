"""Aim side of the workloads. Runs in benchmarks/.venvs/aim, with a local repo.

``run.track(dict, step=i)`` tracks every key of a step in one call (Aim's dict form).
System tracking, system params and terminal-log capture are off. Aim's query language
has no ORDER BY / LIMIT, so W2 sorts the matching runs in Python.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from array import array
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c


def _repo_path(args: argparse.Namespace) -> str:
    return str(args.workdir / "aim")


def _repo(args: argparse.Namespace) -> Any:
    from aim import Repo

    return Repo.from_path(_repo_path(args), init=True)


def _index(args: argparse.Namespace) -> tuple[float, int]:
    """Index finished runs so queries and reads see them; returns (seconds, runs).

    Aim 3.29 writes each run to its own chunk; queries and read-only opens go through an
    index that ``aim up`` / ``aim server`` build in the background. Without those running,
    this does the same step in-process (as ``aim storage reindex`` would).
    """
    from aim import Repo
    from aim.sdk.index_manager import RepoIndexManager

    a = time.perf_counter()
    repo = Repo(_repo_path(args))
    manager = RepoIndexManager.get_index_manager(repo)
    hashes = [p.name for p in manager.chunks_dir.iterdir() if p.is_dir()]
    for run_hash in hashes:
        manager.index(run_hash)
    return time.perf_counter() - a, len(hashes)


def _run(args: argparse.Namespace, experiment: str) -> Any:
    from aim import Run

    return Run(
        repo=_repo_path(args),
        experiment=experiment,
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
    )


def w1(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    _repo(args)
    run = _run(args, "bench-w1")
    t_init = time.perf_counter()
    rss_init = c.current_rss_mb()
    keys, base = c.w1_keys(args.keys), c.w1_base(args.keys)
    budget = c.Budget(args.steps, args.cap, args.budget)
    lat = array("q")
    pc = time.perf_counter_ns
    track = run.track
    i = 0
    loop_start = time.perf_counter()
    while not budget.reached(i):
        row = c.w1_row(keys, base, i)
        a = pc()
        track(row, step=i)
        b = pc()
        lat.append(b - a)
        i += 1
    loop_end = time.perf_counter()
    children = c.descendants_peak_rss_mb()
    run.close()
    t_done = time.perf_counter()
    return c.w1_result(args, i, lat, t0, t_init, loop_start, loop_end, t_done, rss_init, children)


def w2(args: argparse.Namespace) -> dict[str, Any]:
    from aim import Repo
    from aim.sdk.types import QueryReportMode

    _repo(args)
    mkeys = [f"m{j}" for j in range(args.metrics)]
    budget = c.Budget(args.runs, args.cap, args.budget)
    tool_s = 0.0
    r = 0
    wall_start = time.perf_counter()
    while not budget.reached(r):
        params, rows = c.w2_run_data(r, args.params, args.metrics, args.run_steps)
        dicts = [dict(zip(mkeys, row, strict=True)) for row in rows]
        a = time.perf_counter()
        run = _run(args, "bench-w2")
        run.name = f"run-{r}"
        run["hparams"] = params
        for s, d in enumerate(dicts):
            run.track(d, step=s)
        run.close()
        tool_s += time.perf_counter() - a
        r += 1
    wall_s = time.perf_counter() - wall_start
    index_s, indexed = _index(args)

    from aim.storage.context import Context

    ctx = Context({})
    times: list[float] = []
    top: list[float | None] = []
    for _ in range(args.repeats):
        a = time.perf_counter()
        repo = Repo(_repo_path(args))
        hits: list[tuple[float, str]] = []
        query = "run.hparams.p0 < 0.5 and run.metrics['m0'].last >= 0.2"
        for coll in repo.query_runs(query, report_mode=QueryReportMode.DISABLED).iter_runs():
            # The trace summary the query language itself reads for ".last"
            # (ArrayView.last() is the last *stored* key, not the last step).
            last = coll.run.meta_run_tree["traces", ctx.idx, "m1", "last"]
            hits.append((float(last), coll.run.hash))
        hits.sort(reverse=True)
        top = [v for v, _ in hits[:50]]
        times.append(time.perf_counter() - a)
        repo.close() if hasattr(repo, "close") else None
    note = (
        f"runs indexed in-process before searching ({indexed} in {index_s:.2f}s, "
        "not counted in ingest); query_runs + sort/limit in Python"
    )
    if r < args.runs:
        note = f"ingest and search on {r} runs (budget), ingest extrapolated; " + note
    return c.w2_result(
        args, r, tool_s, wall_s, times, top, search_label="repo.query_runs(...)", note=note
    )


def w3(args: argparse.Namespace) -> dict[str, Any]:
    from aim import Repo, Run
    from aim.storage.context import Context

    values = c.w3_values(args.steps)
    budget = c.Budget(args.steps, args.cap, args.budget)
    t0 = time.perf_counter()
    _repo(args)
    run = _run(args, "bench-w3")
    run_hash = run.hash
    track = run.track
    i = 0
    t_loop = time.perf_counter()
    while not budget.reached(i):
        track(values[i], name="loss", step=i)
        i += 1
    t_loop_end = time.perf_counter()
    run.close()
    t_durable = time.perf_counter()
    index_s, _ = _index(args)

    ctx = Context({})
    read_times: list[float] = []
    env_times: list[float] = []
    n_read = 0
    lo: list[float] = []
    hi: list[float] = []
    for _ in range(args.repeats):
        a = time.perf_counter()
        repo = Repo(_repo_path(args))
        metric = Run(run_hash, repo=repo, read_only=True).get_metric("loss", ctx)
        steps, columns = metric.data.numpy()
        vals = columns[0]
        b = time.perf_counter()
        lo, hi = c.envelope_client(steps, vals, i, args.buckets)
        e = time.perf_counter()
        n_read = len(steps)
        read_times.append(b - a)
        env_times.append(e - a)
    return c.w3_result(
        args,
        measured=i,
        init_s=t_loop - t0,
        loop_s=t_loop_end - t_loop,
        finish_s=t_durable - t_loop_end,
        read_times=read_times,
        read_points=n_read,
        env_times=env_times,
        env_min=min(lo) if lo else None,
        env_max=max(hi) if hi else None,
        env_label="client-side: full read + NumPy min/max",
        note=f"run indexed in-process before reading ({index_s:.2f}s, not counted)",
    )


WORKLOADS = {"w1": w1, "w2": w2, "w3": w3}

if __name__ == "__main__":
    a = c.parse_args()
    c.emit(WORKLOADS[a.workload](a))
