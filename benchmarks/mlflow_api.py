"""The same MLflow client workload against ``mlflow server`` and ``headway server``.

    .venv/bin/python benchmarks/mlflow_api.py [--quick] [--runs N] [--repeats 20]
                                              [--mlflow-workers 1] [--mlflow-python PATH]

Both servers store in SQLite in a fresh folder under ``benchmarks/.work/`` and listen on
a free 127.0.0.1 port; each is waited on until its health endpoint answers and its
processes stop using CPU, and is stopped afterwards. ``mlflow server`` runs with
``--workers 1`` (the client sends one request at a time; Headway is one process) and
without its GenAI job runner (``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``).

Against each server, one client script (``DRIVER`` below: the official ``mlflow``
client, ``MlflowClient``, with ``MLFLOW_HTTP_REQUEST_MAX_RETRIES=0``) runs twice, each
time in a new process:

- ``ingest``: one experiment; per run ``create_run``, one ``log_batch`` of 20 params and
  10 metrics, ``set_terminated`` (1,000 runs; ``--quick`` 100). Four requests a run: the
  client's ``set_terminated`` sends ``runs/get`` before ``runs/update``. Seconds from the
  first ``create_run`` to the last ``set_terminated`` returning, and runs/s.
- ``search``: ``search_runs([exp], "metrics.m0 > 0.5 and params.p1 = 'v1'",
  order_by=["metrics.m3 DESC"], max_results=100)``: 3 warm-up calls, then 20 timed
  calls; median and p95 (nearest rank) in ms. The run ids returned are checked against
  the ones the generator says must come back, in order.

The ratio printed next to the mlflow row is mlflow ÷ headway for times (headway ÷ mlflow
for runs/s): above 1 means Headway is faster. ``make bench`` runs this as the workload
``mlflow-api`` (benchmarks/run.py); docs/benchmarks.md explains every column.

The client and ``mlflow server`` come from the peer venv ``benchmarks/.venvs/mlflow``
when it exists, as for the other workloads' MLflow rows, else from the repository's
``.venv`` (which pins mlflow 3.17.2); the results name the version that ran.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import envs
import report
import servers

BENCH_DIR = Path(__file__).resolve().parent
WORK_ROOT = BENCH_DIR / ".work"
RESULT_PREFIX = "BENCH_RESULT "
FULL_RUNS = 1_000
QUICK_RUNS = 100
PARAMS = 20
METRICS = 10
WARMUP = 3
SEED = 20240611

DRIVER = textwrap.dedent(
    '''
    """benchmarks/mlflow_api.py's client: one phase against MLFLOW_TRACKING_URI, one
    JSON line. Values come from a seeded generator and are built before the clock starts."""
    import json, platform, random, sys, time

    import mlflow
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    phase, state_path = sys.argv[1], sys.argv[2]
    runs, n_params, n_metrics, repeats, warmup, seed = (int(x) for x in sys.argv[3:9])
    client = MlflowClient()
    out = {"mlflow": mlflow.__version__, "python": platform.python_version()}

    def ms(seconds):
        return round(seconds * 1000, 3)

    def median(xs):
        s = sorted(xs)
        n = len(s)
        return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2

    def p95(xs):  # nearest rank
        s = sorted(xs)
        return s[max(0, -(-95 * len(s) // 100) - 1)]

    if phase == "ingest":
        rng = random.Random(seed)
        plans = []
        for i in range(runs):
            params = [Param(f"p{j}", f"v{rng.randrange(3)}") for j in range(n_params)]
            values = [rng.random() for _ in range(n_metrics)]
            metrics = [Metric(f"m{k}", v, 1_700_000_000_000 + i, 0) for k, v in enumerate(values)]
            plans.append((params, metrics, values))
        exp_id = client.create_experiment("bench-mlflow-api")
        calls = {"create_run": [], "log_batch": [], "set_terminated": []}
        ids = []
        cpu, start = time.process_time(), time.perf_counter()
        for params, metrics, _ in plans:
            a = time.perf_counter()
            run_id = client.create_run(exp_id).info.run_id
            b = time.perf_counter()
            client.log_batch(run_id, metrics=metrics, params=params)
            c = time.perf_counter()
            client.set_terminated(run_id)
            d = time.perf_counter()
            ids.append(run_id)
            calls["create_run"].append(b - a)
            calls["log_batch"].append(c - b)
            calls["set_terminated"].append(d - c)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        match = [i for i, (p, _, v) in enumerate(plans) if v[0] > 0.5 and p[1].value == "v1"]
        match.sort(key=lambda i: -plans[i][2][3])
        with open(state_path, "w") as f:
            json.dump({"experiment_id": exp_id, "expected": [ids[i] for i in match[:100]],
                       "matching": len(match)}, f)
        out.update(runs=runs, ingest_s=round(seconds, 3), runs_per_s=round(runs / seconds, 1),
                   client_cpu_ingest_s=round(cpu, 3))
        for name, xs in calls.items():
            out[f"{name}_median_ms"] = ms(median(xs))
            out[f"{name}_p95_ms"] = ms(p95(xs))
    else:
        with open(state_path) as f:
            state = json.load(f)
        query = dict(
            experiment_ids=[state["experiment_id"]],
            filter_string="metrics.m0 > 0.5 and params.p1 = 'v1'",
            order_by=["metrics.m3 DESC"],
            max_results=100,
        )
        first = time.perf_counter()
        client.search_runs(**query)
        out["search_first_ms"] = ms(time.perf_counter() - first)
        for _ in range(warmup - 1):
            client.search_runs(**query)
        times, cpu = [], time.process_time()
        for _ in range(repeats):
            a = time.perf_counter()
            found = client.search_runs(**query)
            times.append(time.perf_counter() - a)
        cpu = time.process_time() - cpu
        full = all(len(r.data.params) == n_params and len(r.data.metrics) == n_metrics
                   for r in found)
        out.update(
            search_median_ms=ms(median(times)),
            search_p95_ms=ms(p95(times)),
            search_ms=[ms(t) for t in times],
            client_cpu_search_ms=ms(cpu / repeats),
            returned=len(found),
            matching=state["matching"],
            search_correct=[r.info.run_id for r in found] == state["expected"] and full,
        )
    print("BENCH_RESULT " + json.dumps(out), flush=True)
    '''
).lstrip()

COLUMNS = [
    report.Column("runs", "runs", ratio=False),
    report.Column("ingest_s", "ingest s"),
    report.Column("runs_per_s", "runs/s", lower_is_better=False),
    report.Column("log_batch_median_ms", "log_batch median ms"),
    report.Column("search_median_ms", "search median ms"),
    report.Column("search_p95_ms", "search p95 ms"),
    report.Column("search_first_ms", "search 1st ms", ratio=False),
    report.Column("search_correct", "correct", ratio=False),
    report.Column("server_cpu_ingest_s", "server CPU s ingest"),
    report.Column("server_cpu_search_ms", "server CPU ms/search"),
    report.Column("server_peak_rss_mb", "server RSS MB", digits=1),
]


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def default_mlflow_python() -> Path:
    """The peer venv's interpreter if it exists (as run.py uses for MLflow), else ours."""
    peer = envs.peer_env("mlflow", install=False)
    if peer.ok and peer.python is not None:
        return peer.python
    return envs.REPO_DIR / ".venv" / "bin" / "python"


def _server(
    tool: str, workdir: Path, mlflow_python: Path, mlflow_workers: int
) -> AbstractContextManager[servers.Server]:
    port = servers.free_port()
    host = ["--host", "127.0.0.1", "--port", str(port)]
    if tool == "mlflow":
        cmd = [
            str(mlflow_python.parent / "mlflow"),
            "server",
            "--backend-store-uri",
            f"sqlite:///{workdir / 'mlflow.db'}",
            "--artifacts-destination",
            str(workdir / "artifacts"),
            *host,
            "--workers",
            str(mlflow_workers),
        ]
        # The job runner (7 huey consumers for GenAI jobs) has nothing to do here.
        env = envs.worker_env({"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})
        return servers.run_server("mlflow", cmd, "/health", port, workdir, env, timeout=180.0)
    store = workdir / "store"
    store.mkdir(parents=True, exist_ok=True)
    cmd = [str(envs.REPO_DIR / ".venv" / "bin" / "headway"), "server", *host, "--dir", str(store)]
    return servers.run_server("headway", cmd, "/api/v1/health", port, workdir, envs.worker_env())


def _drive(
    python: Path, phase: str, workdir: Path, url: str, numbers: list[int], timeout: float
) -> tuple[dict[str, Any], list[str]]:
    """One driver process: its JSON and its command line."""
    script = workdir / "driver.py"
    script.write_text(DRIVER)
    cmd = [str(python), str(script), phase, str(workdir / "state.json"), *map(str, numbers)]
    env = envs.worker_env({"MLFLOW_TRACKING_URI": url, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    proc = subprocess.run(
        cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    (workdir / f"{phase}.stderr").write_text(proc.stderr)
    for line in reversed(proc.stdout.splitlines()):
        if proc.returncode == 0 and line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result, cmd
    tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
    raise RuntimeError(f"{phase} driver exited with {proc.returncode}:\n{tail}")


def measure(
    tool: str,
    workdir: Path,
    runs: int,
    repeats: int,
    mlflow_python: Path,
    mlflow_workers: int = 1,
) -> dict[str, Any]:
    """One server: start it, ingest, search, stop it. A row for ``report.render_table``."""
    label = f"mlflow server (--workers {mlflow_workers})" if tool == "mlflow" else "headway server"
    row: dict[str, Any] = {"tool": tool, "variant": "server", "label": label, "size": runs}
    numbers = [runs, PARAMS, METRICS, repeats, WARMUP, SEED]
    timeout = 600.0 + runs * 3.0
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with _server(tool, workdir, mlflow_python, mlflow_workers) as srv:
            row["server_cmd"] = srv.cmd
            result: dict[str, Any] = {}
            for phase in ("ingest", "search"):
                before = servers._cpu_seconds(srv.proc.pid)
                out, row[f"{phase}_cmd"] = _drive(
                    mlflow_python, phase, workdir, srv.url, numbers, timeout
                )
                result.update(out)
                # The whole driver process; the server idles while it imports mlflow.
                result[f"server_cpu_{phase}_s"] = round(
                    servers._cpu_seconds(srv.proc.pid) - before, 3
                )
            searches = repeats + WARMUP
            result["server_cpu_search_ms"] = round(
                result["server_cpu_search_s"] / searches * 1e3, 2
            )
            result["server_peak_rss_mb"] = srv.peak_rss_mb()
    except (servers.ServerError, RuntimeError, subprocess.TimeoutExpired) as exc:
        row.update(ok=False, error=str(exc))
        return row
    server = f"mlflow {result['mlflow']}" if tool == "mlflow" else f"headway {_headway_version()}"
    result["server_version"] = server
    result["note"] = (
        f"server {server}, client mlflow {result['mlflow']} (Python {result['python']}); "
        f"{result['returned']} of {result['matching']} matching runs returned; "
        f"client CPU: ingest {result['client_cpu_ingest_s']} s, "
        f"{result['client_cpu_search_ms']} ms per search"
    )
    row.update(ok=True, result=result)
    return row


def run(
    workdir: Path,
    runs: int,
    repeats: int = 20,
    mlflow_python: Path | None = None,
    mlflow_workers: int = 1,
) -> list[dict[str, Any]]:
    """Both servers, one after the other, each in its own folder under ``workdir``."""
    python = mlflow_python or default_mlflow_python()
    rows = []
    for tool in ("mlflow", "headway"):
        _log(f"mlflow-api: {tool} server, {runs:,} runs ...")
        started = time.monotonic()
        row = measure(tool, workdir / tool, runs, repeats, python, mlflow_workers)
        row["seconds"] = round(time.monotonic() - started, 1)
        status = "ok" if row["ok"] else "FAILED: " + str(row["error"]).splitlines()[0]
        _log(f"mlflow-api: {tool} server {status} ({row['seconds']}s)")
        rows.append(row)
    return rows


def title(runs: int, repeats: int = 20) -> str:
    return (
        f"MLflow API: one mlflow client, {runs:,} runs x {PARAMS} params x {METRICS} metrics "
        f"(log_batch), then search_runs top-100 x {repeats}"
    )


def render(rows: list[dict[str, Any]]) -> str:
    return report.render_table("mlflow-api", rows, COLUMNS) + (
        "\nratios: Nx after an mlflow number = mlflow time / headway time "
        "(headway / mlflow for runs/s); >1 means Headway is faster"
    )


def _headway_version() -> str:
    try:
        return importlib.metadata.version("headway")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs: a smoke run")
    p.add_argument("--runs", type=int, default=None, help=f"runs to ingest (default {FULL_RUNS})")
    p.add_argument("--repeats", type=int, default=20, help="timed searches after the warm-up")
    p.add_argument("--mlflow-workers", type=int, default=1, help="mlflow server --workers")
    p.add_argument("--mlflow-python", type=Path, default=None, help="client + mlflow server")
    p.add_argument("--keep-work", action="store_true", help="keep the stores after the run")
    args = p.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    python = args.mlflow_python or default_mlflow_python()
    _log(f"mlflow client and server: {python}; load average {_load_average()}")

    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix=f"mlflow-api-{stamp}-", dir=WORK_ROOT) as tmp:
        work = Path(tmp)
        rows = run(work, runs, args.repeats, python, args.mlflow_workers)
        if args.keep_work:
            kept = WORK_ROOT / f"mlflow-api-run-{stamp}"
            work.rename(kept)
            work.mkdir()
            _log(f"stores kept in {kept}")
    print(f"\n=== {title(runs, args.repeats)} ===")
    print(render(rows), flush=True)
    results = WORK_ROOT / f"mlflow-api-{stamp}.json"
    doc = {
        "started_at": stamp,
        "argv": sys.argv[1:],
        "runs": runs,
        "repeats": args.repeats,
        "load_average_after": _load_average(),
        "machine": {"cpus": os.cpu_count()},
        "rows": rows,
    }
    results.write_text(json.dumps(doc, indent=2, default=str))
    print(f"\nresults: {results}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
