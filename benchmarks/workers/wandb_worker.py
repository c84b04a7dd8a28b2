"""W&B side of the workloads. Runs in benchmarks/.venvs/wandb, offline mode.

W&B offline runs cannot be queried or read back through its API, so W2 reports ingest
only and W3 reports ingest until ``finish()`` only.
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


def _settings() -> Any:
    import wandb

    # Everything that is not tracking off: system stats, console capture, git/code/meta.
    wanted = {
        "mode": "offline",
        "silent": True,
        "console": "off",
        "x_disable_stats": True,
        "x_disable_meta": True,
        "x_disable_machine_info": True,
        "disable_git": True,
        "disable_code": True,
        "disable_job_creation": True,
        "save_code": False,
        "x_save_requirements": False,
    }
    known = set(wandb.Settings.model_fields)
    return wandb.Settings(**{k: v for k, v in wanted.items() if k in known})


def _init(args: argparse.Namespace, project: str, **kw: Any) -> Any:
    import wandb

    return wandb.init(
        project=project, mode="offline", dir=str(args.workdir), settings=_settings(), **kw
    )


def w1(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    run = _init(args, "bench-w1", config={"workload": "w1"})
    t_init = time.perf_counter()
    rss_init = c.current_rss_mb()
    keys, base = c.w1_keys(args.keys), c.w1_base(args.keys)
    budget = c.Budget(args.steps, args.cap, args.budget)
    lat = array("q")
    pc = time.perf_counter_ns
    log = run.log
    i = 0
    loop_start = time.perf_counter()
    while not budget.reached(i):
        row = c.w1_row(keys, base, i)
        a = pc()
        log(row, step=i)
        b = pc()
        lat.append(b - a)
        i += 1
    loop_end = time.perf_counter()
    children = c.descendants_peak_rss_mb()
    run.finish()
    t_done = time.perf_counter()
    return c.w1_result(args, i, lat, t0, t_init, loop_start, loop_end, t_done, rss_init, children)


def w2(args: argparse.Namespace) -> dict[str, Any]:
    mkeys = [f"m{j}" for j in range(args.metrics)]
    budget = c.Budget(args.runs, args.cap, args.budget)
    tool_s = 0.0
    r = 0
    wall_start = time.perf_counter()
    while not budget.reached(r):
        params, rows = c.w2_run_data(r, args.params, args.metrics, args.run_steps)
        dicts = [dict(zip(mkeys, row, strict=True)) for row in rows]
        a = time.perf_counter()
        run = _init(args, "bench-w2", name=f"run-{r}", config=params)
        for s, d in enumerate(dicts):
            run.log(d, step=s)
        run.finish()
        tool_s += time.perf_counter() - a
        r += 1
    wall_s = time.perf_counter() - wall_start
    note = "offline runs have no query API: search n/a"
    if r < args.runs:
        note = f"ingest measured on {r} runs and extrapolated; " + note
    return c.w2_result(args, r, tool_s, wall_s, [], [], search_label="n/a", note=note)


def w3(args: argparse.Namespace) -> dict[str, Any]:
    values = c.w3_values(args.steps)
    budget = c.Budget(args.steps, args.cap, args.budget)
    t0 = time.perf_counter()
    run = _init(args, "bench-w3", config={"workload": "w3"})
    log = run.log
    i = 0
    t_loop = time.perf_counter()
    while not budget.reached(i):
        log({"loss": values[i]}, step=i)
        i += 1
    t_loop_end = time.perf_counter()
    run.finish()
    t_durable = time.perf_counter()
    return c.w3_result(
        args,
        measured=i,
        init_s=t_loop - t0,
        loop_s=t_loop_end - t_loop,
        finish_s=t_durable - t_loop_end,
        read_times=[],
        read_points=None,
        env_times=[],
        env_min=None,
        env_max=None,
        env_label="n/a",
        note="offline run: read-back and envelope n/a",
    )


WORKLOADS = {"w1": w1, "w2": w2, "w3": w3}

if __name__ == "__main__":
    a = c.parse_args()
    c.emit(WORKLOADS[a.workload](a))
