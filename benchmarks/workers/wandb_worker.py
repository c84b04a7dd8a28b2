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
from pathlib import Path
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


# Where W&B keeps artifact files, all pointed inside the store folder that is measured:
# staging copies (WANDB_DATA_DIR), the artifact cache, downloads and the run folders.
_WANDB_DIRS = {
    "WANDB_DIR": "runs",
    "WANDB_DATA_DIR": "data",
    "WANDB_CACHE_DIR": "cache",
    "WANDB_ARTIFACT_DIR": "artifacts",
    "WANDB_CONFIG_DIR": "config",
}


def artifacts(args: argparse.Namespace) -> dict[str, Any]:
    """Offline ``run.log_artifact(wandb.Artifact(...))`` + ``finish()`` in two runs.

    Every folder W&B writes to is inside ``<workdir>/store``. ``add_file`` (default
    ``policy="mutable"``) copies the file into the staging folder at once; offline, the
    copy stays there until ``wandb sync`` uploads it.
    """
    if args.file is None:
        c.fail("--workload artifacts needs --file")
    src = args.file.resolve()
    size = src.stat().st_size
    store = args.workdir / "store"
    for var, sub in _WANDB_DIRS.items():
        (store / sub).mkdir(parents=True, exist_ok=True)
        os.environ[var] = str(store / sub)
    import wandb

    content_dirs = [store / "data", store / "cache"]  # where file content goes
    content_bytes: list[int] = []

    def log_once(name: str) -> tuple[Any, float, float, float, float, int, int]:
        os.sync()
        base = c.store_bytes(store)
        a = time.perf_counter()
        run = wandb.init(
            project="bench-artifacts",
            name=name,
            mode="offline",
            dir=str(store / "runs"),
            settings=_settings(),
        )
        init_s = time.perf_counter() - a
        os.sync()
        before = c.store_bytes(store)
        before_content = sum(c.store_bytes(d) for d in content_dirs)
        t0 = time.perf_counter()
        art = wandb.Artifact("big", type="dataset")
        art.add_file(str(src))
        run.log_artifact(art)
        t_call = time.perf_counter()
        run.finish()
        t_done = time.perf_counter()
        sync_s = c.timed_sync()
        after = c.store_bytes(store)
        content_bytes.append(sum(c.store_bytes(d) for d in content_dirs) - before_content)
        return art, init_s, t_call - t0, t_done - t0, sync_s, after - before, after - base

    art1, init_s, call1, log1, sync1, bytes1, _ = log_once("first")
    _, _, call2, log2, sync2, bytes2, bytes2_run = log_once("second")

    # Offline there is no server to resolve "big:v0" from; try what a user would.
    dest = args.workdir / "download"
    errors: list[str] = []
    download_s: float | None = None
    download_sync_s: float | None = None
    ok: bool | None = None
    attempts: list[tuple[str, Any]] = [
        ("Artifact.download()", lambda: art1.download(root=str(dest))),
        (
            "Api().artifact('bench-artifacts/big:v0')",
            lambda: wandb.Api().artifact("bench-artifacts/big:v0").download(root=str(dest)),
        ),
    ]
    for label, attempt in attempts:
        os.sync()
        a = time.perf_counter()
        try:
            root = attempt()
        except Exception as exc:  # the error is the result
            first = (str(exc).strip().splitlines() or [""])[0][:160]
            errors.append(f"{label}: {type(exc).__name__}: {first}")
            continue
        download_s = time.perf_counter() - a
        download_sync_s = c.timed_sync()
        ok = c.same_content(src, Path(root) / src.name)
        break
    error = "; ".join(errors) if download_s is None else None
    return c.artifacts_result(
        size=size,
        init_s=init_s,
        first_call_s=call1,
        first_log_s=log1,
        first_sync_s=sync1,
        first_bytes=bytes1,
        second_call_s=call2,
        second_log_s=log2,
        second_sync_s=sync2,
        second_bytes=bytes2,
        second_bytes_with_run=bytes2_run,
        first_content_bytes=content_bytes[0],
        second_content_bytes=content_bytes[1],
        content_folder="data/ + cache/ (staging, artifact cache)",
        download_s=download_s,
        download_sync_s=download_sync_s,
        download_ok=ok,
        download_error=error,
        note="offline download not possible: " + error if error else "",
    )


WORKLOADS = {"w1": w1, "w2": w2, "w3": w3, "artifacts": artifacts}

if __name__ == "__main__":
    a = c.parse_args()
    c.emit(WORKLOADS[a.workload](a))
