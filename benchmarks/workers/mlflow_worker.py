"""MLflow side of every workload. Runs in benchmarks/.venvs/mlflow.

``--variant local``: tracking URI ``sqlite:///<workdir>/mlflow.db`` (MLflow's recommended
local backend). ``--variant server``: ``--url`` of an ``mlflow server`` the driver started.
Logging calls are MLflow's defaults (synchronous).
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

MAX_BATCH = 1000  # MLflow's limit on metrics per log_batch request


def _uri(args: argparse.Namespace) -> str:
    if args.variant == "server":
        if not args.url:
            c.fail("--variant server needs --url")
        return str(args.url)
    return f"sqlite:///{args.workdir / 'mlflow.db'}"


def _setup(args: argparse.Namespace, experiment: str) -> tuple[Any, str]:
    import mlflow

    mlflow.set_tracking_uri(_uri(args))
    exp = mlflow.set_experiment(experiment)
    return mlflow, str(exp.experiment_id)


def w1(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    mlflow, _ = _setup(args, "bench-w1")
    mlflow.start_run(run_name="w1")
    t_init = time.perf_counter()
    rss_init = c.current_rss_mb()
    keys, base = c.w1_keys(args.keys), c.w1_base(args.keys)
    budget = c.Budget(args.steps, args.cap, args.budget)
    lat = array("q")
    pc = time.perf_counter_ns
    log = mlflow.log_metrics
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
    mlflow.end_run()
    t_done = time.perf_counter()
    return c.w1_result(args, i, lat, t0, t_init, loop_start, loop_end, t_done, rss_init, children)


def w2(args: argparse.Namespace) -> dict[str, Any]:
    """Per-step logging as a training script does, within the budget; the remaining runs
    are bulk-loaded with log_batch (untimed) so the search runs over the full count."""
    mlflow, exp_id = _setup(args, "bench-w2")
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    mkeys = [f"m{j}" for j in range(args.metrics)]
    budget = c.Budget(args.runs, args.cap, args.budget)
    tool_s = 0.0
    r = 0
    wall_start = time.perf_counter()
    while not budget.reached(r):
        params, rows = c.w2_run_data(r, args.params, args.metrics, args.run_steps)
        dicts = [dict(zip(mkeys, row, strict=True)) for row in rows]
        a = time.perf_counter()
        with mlflow.start_run(run_name=f"run-{r}"):
            mlflow.log_params(params)
            for s, d in enumerate(dicts):
                mlflow.log_metrics(d, step=s)
        tool_s += time.perf_counter() - a
        r += 1
    wall_s = time.perf_counter() - wall_start
    measured = r

    client = MlflowClient()
    fill_start = time.perf_counter()
    now = int(time.time() * 1000)
    for r in range(measured, args.runs):
        params, rows = c.w2_run_data(r, args.params, args.metrics, args.run_steps)
        run = client.create_run(exp_id, run_name=f"run-{r}")
        rid = run.info.run_id
        client.log_batch(rid, params=[Param(k, str(v)) for k, v in params.items()])
        metrics = [
            Metric(k, v, now, s)
            for s, row in enumerate(rows)
            for k, v in zip(mkeys, row, strict=True)
        ]
        for j in range(0, len(metrics), MAX_BATCH):
            client.log_batch(rid, metrics=metrics[j : j + MAX_BATCH])
        client.set_terminated(rid)
    fill_s = time.perf_counter() - fill_start

    # MLflow params are strings and only support =, !=, LIKE: "params.p0 < 0.5" cannot be
    # asked of the store. The metric filter and the order run in the store; p0 < 0.5 is
    # applied client-side while paging through results, as a user would have to.
    times: list[float] = []
    top: list[float | None] = []
    for _ in range(args.repeats):
        a = time.perf_counter()
        hits: list[float] = []
        token: str | None = None
        while len(hits) < 50:
            page = client.search_runs(
                [exp_id],
                filter_string="metrics.m0 >= 0.2",
                order_by=["metrics.m1 DESC"],
                max_results=100,
                page_token=token,
            )
            for run in page:
                if float(run.data.params["p0"]) < 0.5:
                    hits.append(float(run.data.metrics["m1"]))
                    if len(hits) == 50:
                        break
            token = page.token
            if not token:
                break
        times.append(time.perf_counter() - a)
        top = list(hits)
    note = (
        f"ingest measured on {measured} runs (per-step log_metrics) and extrapolated; "
        f"the other {args.runs - measured} loaded with log_batch in {fill_s:.1f}s "
        "so the search sees all runs. "
        if measured < args.runs
        else ""
    ) + (
        "Search: params are strings with only =/!=/LIKE, so p0 < 0.5 is applied client-side "
        "while paging MlflowClient.search_runs(filter 'metrics.m0 >= 0.2', order m1 DESC)"
    )
    return c.w2_result(
        args,
        measured,
        tool_s,
        wall_s,
        times,
        top,
        search_label="MlflowClient.search_runs + client-side p0 filter",
        runs_in_store=args.runs,
        note=note,
    )


def w3(args: argparse.Namespace) -> dict[str, Any]:
    """log_batch in batches of 1,000 (MLflow's max), then get_metric_history."""
    t0 = time.perf_counter()
    _, exp_id = _setup(args, "bench-w3")
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    rid = client.create_run(exp_id, run_name="w3").info.run_id
    values = c.w3_values(args.steps)
    budget = c.Budget(args.steps, args.cap, args.budget)
    batch = min(args.batch, MAX_BATCH)
    i = 0
    t_loop = time.perf_counter()
    while not budget.reached(i):
        n = min(batch, args.steps - i)
        if budget.limit < args.steps:
            n = min(n, budget.limit - i)
        ts = int(time.time() * 1000)
        client.log_batch(rid, metrics=[Metric("loss", values[j], ts, j) for j in range(i, i + n)])
        i += n
    t_loop_end = time.perf_counter()
    client.set_terminated(rid)
    t_durable = time.perf_counter()

    read_times: list[float] = []
    env_times: list[float] = []
    n_read = 0
    lo: list[float] = []
    hi: list[float] = []
    for _ in range(args.repeats):
        a = time.perf_counter()
        hist = client.get_metric_history(rid, "loss")
        b = time.perf_counter()
        steps = [m.step for m in hist]
        vals = [m.value for m in hist]
        lo, hi = c.envelope_client(steps, vals, i, args.buckets)
        e = time.perf_counter()
        n_read = len(hist)
        read_times.append(b - a)
        env_times.append(e - a)
        del hist, steps, vals
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
        env_label="client-side: get_metric_history + NumPy min/max",
        note=f"log_batch of {batch} points per call",
        # log_batch is MLflow's bulk API: its ingest is the whole-series number as well.
        bulk_ingest_s=(t_loop_end - t_loop) * args.steps / max(i, 1) + t_durable - t_loop_end,
    )


def server_client(args: argparse.Namespace) -> dict[str, Any]:
    """log_batch of ``--batch`` points (steps x keys) per request to an mlflow server."""
    _, exp_id = _setup(args, "bench-server")
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    rid = client.create_run(exp_id, run_name=f"client-{args.client}").info.run_id
    keys, base = c.w1_keys(args.keys), c.w1_base(args.keys)
    steps_per_batch = max(1, min(args.batch, MAX_BATCH) // args.keys)
    budget = c.Budget(args.steps, args.cap, args.budget)
    lat = array("q")
    pc = time.perf_counter_ns
    c.wait_for_go(args)
    t_start = time.time()
    i = 0
    while not budget.reached(i):
        n = min(steps_per_batch, args.steps - i)
        ts = int(time.time() * 1000)
        metrics = [
            Metric(k, v, ts, s) for s in range(i, i + n) for k, v in c.w1_row(keys, base, s).items()
        ]
        a = pc()
        client.log_batch(rid, metrics=metrics)
        lat.append(pc() - a)
        i += n
    client.set_terminated(rid)
    t_end = time.time()
    return {
        "client": args.client,
        "steps_measured": i,
        "points": i * args.keys,
        "t_start": t_start,
        "t_end": t_end,
        **c.latency_stats_us(lat, prefix="batch"),
    }


def artifacts(args: argparse.Namespace) -> dict[str, Any]:
    """``mlflow.log_artifact`` of ``--file`` in two runs, then ``download_artifacts``.

    Tracking ``sqlite:///<workdir>/store/mlflow.db``; the experiment's artifact location
    is the local folder ``<workdir>/store/artifacts`` (a file store). MLflow copies the
    file into each run's artifact folder.
    """
    import mlflow

    if args.file is None:
        c.fail("--workload artifacts needs --file")
    src = args.file.resolve()
    size = src.stat().st_size
    store = args.workdir / "store"
    store.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")
    exp_id = mlflow.create_experiment(
        "bench-artifacts", artifact_location=(store / "artifacts").as_uri()
    )
    mlflow.set_experiment(experiment_id=exp_id)

    content_dirs = [store / "artifacts"]  # where file content goes
    content_bytes: list[int] = []

    def log_once(name: str) -> tuple[str, float, float, float, float, int, int]:
        os.sync()
        base = c.store_bytes(store)
        a = time.perf_counter()
        run = mlflow.start_run(run_name=name)
        init_s = time.perf_counter() - a
        os.sync()
        before = c.store_bytes(store)
        before_content = sum(c.store_bytes(d) for d in content_dirs)
        t0 = time.perf_counter()
        mlflow.log_artifact(str(src))
        t_call = time.perf_counter()
        mlflow.end_run()
        t_done = time.perf_counter()
        sync_s = c.timed_sync()
        after = c.store_bytes(store)
        content_bytes.append(sum(c.store_bytes(d) for d in content_dirs) - before_content)
        rid = str(run.info.run_id)
        return rid, init_s, t_call - t0, t_done - t0, sync_s, after - before, after - base

    rid1, init_s, call1, log1, sync1, bytes1, _ = log_once("first")
    _, _, call2, log2, sync2, bytes2, bytes2_run = log_once("second")

    dest = args.workdir / "download"
    dest.mkdir(parents=True, exist_ok=True)
    os.sync()
    a = time.perf_counter()
    local = mlflow.artifacts.download_artifacts(
        run_id=rid1, artifact_path=src.name, dst_path=str(dest)
    )
    download_s = time.perf_counter() - a
    download_sync_s = c.timed_sync()
    ok = c.same_content(src, Path(local))
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
        content_folder="artifacts/ (run artifact folders)",
        download_s=download_s,
        download_sync_s=download_sync_s,
        download_ok=ok,
        note="log_artifact copies the file into the run's artifact folder; the download "
        "is a copy with no checksum",
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
