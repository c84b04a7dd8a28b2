"""Headway side of every workload. Runs in the repository's .venv.

Embedded mode (``--variant local``): the store is ``<workdir>/store`` (``dir=``).
Server mode (``--variant server``): ``url=`` / ``HEADWAY_URL`` points at a
``headway server`` the driver started.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from array import array
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c


def _target(args: argparse.Namespace) -> dict[str, Any]:
    if args.variant == "server":
        if not args.url:
            c.fail("--variant server needs --url")
        return {"url": args.url}
    return {"dir": str(args.workdir / "store")}


def _scalar(value: Any) -> float | None:
    """A summary entry as a float whether it is a plain value or a {last, min, ...} dict."""
    if isinstance(value, dict):
        value = value.get("last", value.get("value"))
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def w1(args: argparse.Namespace) -> dict[str, Any]:
    import headway

    t0 = time.perf_counter()
    run = headway.init(project="bench-w1", config={"workload": "w1"}, **_target(args))
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
    import headway

    target = _target(args)
    mkeys = [f"m{j}" for j in range(args.metrics)]
    budget = c.Budget(args.runs, args.cap, args.budget)
    tool_s = 0.0
    r = 0
    wall_start = time.perf_counter()
    while not budget.reached(r):
        params, rows = c.w2_run_data(r, args.params, args.metrics, args.run_steps)
        dicts = [dict(zip(mkeys, row, strict=True)) for row in rows]
        a = time.perf_counter()
        run = headway.init(project="bench-w2", name=f"run-{r}", config=params, **target)
        for s, d in enumerate(dicts):
            run.log(d, step=s)
        run.finish()
        tool_s += time.perf_counter() - a
        r += 1
    wall_s = time.perf_counter() - wall_start

    api = headway.Api(**target)
    times: list[float] = []
    hits: list[Any] = []
    for _ in range(args.repeats):
        a = time.perf_counter()
        hits = list(
            api.runs(
                "bench-w2",
                filter="config.p0 < 0.5 and summary.m0 >= 0.2",
                order=["-summary.m1"],
                limit=50,
            )
        )
        times.append(time.perf_counter() - a)
    top = [_scalar(h.summary["m1"]) for h in hits]
    return c.w2_result(args, r, tool_s, wall_s, times, top, search_label="Api().runs(...)")


def w3(args: argparse.Namespace) -> dict[str, Any]:
    import headway

    target = _target(args)
    values = c.w3_values(args.steps)
    budget = c.Budget(args.steps, args.cap, args.budget)
    t0 = time.perf_counter()
    run = headway.init(project="bench-w3", config={"workload": "w3"}, **target)
    log = run.log
    i = 0
    t_loop = time.perf_counter()
    while not budget.reached(i):
        log({"loss": values[i]}, step=i)
        i += 1
    t_loop_end = time.perf_counter()
    run.finish()
    t_durable = time.perf_counter()
    run_id = run.id

    api = headway.Api(**target)
    read_times: list[float] = []
    n_read = 0
    for _ in range(args.repeats):
        a = time.perf_counter()
        df = api.run(run_id).history(["loss"])
        n_read = len(df)
        read_times.append(time.perf_counter() - a)
        del df
    env_times: list[float] = []
    env: Any = None
    for _ in range(args.repeats):
        a = time.perf_counter()
        env = api.run(run_id).envelope(["loss"], buckets=args.buckets)
        env_times.append(time.perf_counter() - a)
    env_min, env_max = _envelope_bounds(env["loss"] if env is not None else None)
    return c.w3_result(
        args,
        measured=i,
        init_s=t_loop - t0,
        loop_s=t_loop_end - t_loop,
        finish_s=t_durable - t_loop_end,
        read_times=read_times,
        read_points=n_read,
        env_times=env_times,
        env_min=env_min,
        env_max=env_max,
        env_label="Api().run(id).envelope(...)",
        bulk_ingest_s=_w3_bulk(headway, target, values) if i == args.steps else None,
    )


def _w3_bulk(headway: Any, target: dict[str, Any], values: Any) -> float:
    """The same points through ``log_series``, from the call until durable."""
    import numpy as np

    run = headway.init(project="bench-w3", name="w3-log-series", **target)
    a = time.perf_counter()
    run.log_series("loss", np.frombuffer(values, dtype=np.float64))
    run.finish()
    return time.perf_counter() - a


def _envelope_bounds(envelope: Any) -> tuple[float | None, float | None]:
    """Global min/max from an Envelope, whatever it calls its arrays (sanity check only)."""
    if envelope is None:
        return None, None
    for lo_name, hi_name in (("min", "max"), ("mins", "maxs"), ("lo", "hi"), ("low", "high")):
        lo = getattr(envelope, lo_name, None)
        hi = getattr(envelope, hi_name, None)
        if lo is None or hi is None or callable(lo):
            continue
        try:
            lo_vals = [float(v) for v in lo if v is not None and not math.isnan(float(v))]
            hi_vals = [float(v) for v in hi if v is not None and not math.isnan(float(v))]
        except (TypeError, ValueError):
            continue
        if lo_vals and hi_vals:
            return min(lo_vals), max(hi_vals)
    return None, None


def server_client(args: argparse.Namespace) -> dict[str, Any]:
    import headway

    run = headway.init(
        project="bench-server",
        name=f"client-{args.client}",
        config={"client": args.client},
        **_target(args),
    )
    keys, base = c.w1_keys(args.keys), c.w1_base(args.keys)
    budget = c.Budget(args.steps, args.cap, args.budget)
    lat = array("q")
    pc = time.perf_counter_ns
    batch_lat = _time_batches(run)
    log = run.log
    c.wait_for_go(args)
    t_start = time.time()
    i = 0
    while not budget.reached(i):
        row = c.w1_row(keys, base, i)
        a = pc()
        log(row, step=i)
        lat.append(pc() - a)
        i += 1
    run.finish()
    t_end = time.time()
    return {
        "client": args.client,
        "steps_measured": i,
        "points": i * args.keys,
        "t_start": t_start,
        "t_end": t_end,
        **c.latency_stats_us(lat),
        # Each batch request the background writer sent: what the server's p99 target is.
        "batches": len(batch_lat),
        "batch_p99_us": c.latency_stats_us(batch_lat)["log_p99_us"] if batch_lat else None,
    }


def _time_batches(run: Any) -> array[int]:
    """Record the duration of every batch request the run's writer makes (instrumentation
    for the benchmark only: wraps the backend's ``log_batch``)."""
    lat = array("q")
    backend = run._writer.backend
    send = backend.log_batch

    def timed(run_id: str, batch: Any) -> bool:
        start = time.perf_counter_ns()
        try:
            return bool(send(run_id, batch))
        finally:
            lat.append(time.perf_counter_ns() - start)

    backend.log_batch = timed
    return lat


def artifacts(args: argparse.Namespace) -> dict[str, Any]:
    """Log ``--file`` as artifact ``big`` twice (two runs), then download it.

    Embedded store in ``<workdir>/store`` (SQLite + blob folder). The second logging of
    the same content hashes the file, finds the blob stored, and returns the existing
    version: no new bytes.
    """
    import headway
    from headway.store.blobstore.digest import digest_file

    if args.file is None:
        c.fail("--workload artifacts needs --file")
    src = args.file.resolve()
    size = src.stat().st_size
    store = args.workdir / "store"
    target = {"dir": str(store)}
    project = "bench-artifacts"

    content_dirs = [store / "artifacts"]  # where file content goes
    content_bytes: list[int] = []

    def log_once(name: str) -> tuple[Any, float, float, float, float, int, int]:
        os.sync()
        base = c.store_bytes(store) if store.exists() else 0
        a = time.perf_counter()
        run = headway.init(project=project, name=name, **target)
        init_s = time.perf_counter() - a
        os.sync()
        before = c.store_bytes(store)
        before_content = sum(c.store_bytes(d) for d in content_dirs)
        t0 = time.perf_counter()
        art = headway.Artifact("big", "dataset")
        art.add_file(src)
        version = run.log_artifact(art)
        t_call = time.perf_counter()
        run.finish()
        t_done = time.perf_counter()
        sync_s = c.timed_sync()
        after = c.store_bytes(store)
        content_bytes.append(sum(c.store_bytes(d) for d in content_dirs) - before_content)
        if version is None:
            c.fail("log_artifact returned None (store unreachable?)")
        return version, init_s, t_call - t0, t_done - t0, sync_s, after - before, after - base

    v1, init_s, call1, log1, sync1, bytes1, _ = log_once("first")
    # BLAKE3 of the same (page-cached) file in this process: the floor for re-logging.
    hash_times = []
    for _ in range(3):
        a = time.perf_counter()
        digest, _size = digest_file(src)
        hash_times.append(time.perf_counter() - a)
    v2, _, call2, log2, sync2, bytes2, bytes2_run = log_once("second")

    dest = args.workdir / "download"
    os.sync()
    a = time.perf_counter()
    got = headway.Api(**target).artifact(f"{project}/big:v{v1.version}")
    root = got.download(dest)
    download_s = time.perf_counter() - a
    download_sync_s = c.timed_sync()
    ok = c.same_content(src, root / src.name)
    same = v2.version == v1.version and v2.digest == v1.digest
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
        content_folder="artifacts/ (blob folder)",
        download_s=download_s,
        download_sync_s=download_sync_s,
        download_ok=ok,
        hash_in_worker_s=round(c.median(hash_times), 4),
        blake3_matches_version=digest in {e.digest for e in got.files()},
        versions=[v1.version, v2.version],
        second_is_same_version=same,
        note="" if same else f"second logging made a new version v{v2.version}",
    )


WORKLOADS = {
    "w1": w1,
    "w2": w2,
    "w3": w3,
    "server-client": server_client,
    "artifacts": artifacts,
}

if __name__ == "__main__":
    a = c.parse_args()
    c.emit(WORKLOADS[a.workload](a))
