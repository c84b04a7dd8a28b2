"""Sweep scheduling overhead: from a finished trial to the next trial's parameters at an agent.

    .venv/bin/python benchmarks/sweeps.py [--quick] [--trials 200] [--agents 1,8]
                                          [--no-grpc] [--json PATH]

A TPE sweep (``method: bayes``) over two floats, ``x`` and ``y`` in [-5, 5], minimising
``(x - 1)^2 + (y + 2)^2``, runs ``--trials`` no-op trials in total (200; ``--quick``: 40)
with 1 and with 8 agents, each agent a process of its own (multiprocessing, spawn) released
at once by a barrier after its imports and connections are made. Per trial, the timed
interval is what the agent waits for the scheduler: ``finish_trial`` of the trial it ran
plus ``next_trial`` until the next parameters are in hand (a ``wait`` answer is asked again
after 10 ms, inside the interval). The no-op trial itself (create a run, link it with
``start_trial``, write ``loss`` to its summary, finish the run) is timed apart ("trial
body"); the sweep reads the metric from the run's summary. Each agent's first ask and its
last finish belong to no interval. Figures are the median and 95th percentile over all
intervals of all agents, and trials per second from the first agent's start to the last
agent's end. Three Headway set-ups:

- **embedded, SQLite**: every agent opens its own ``LocalBackend`` on one store folder
  (a SQLite file); the sampling runs in the agents.
- **server, SQLite**: a real ``headway server`` on 127.0.0.1 over a SQLite file; agents
  are ``HttpBackend`` clients and the sampling runs in the server. A warm-up sweep of 12
  trials runs through the server first, so that its first import of Optuna is not charged.
- **server, PostgreSQL**: the same over a real PostgreSQL server started from Debian's
  binaries (``tests/pg_server.py``: fsync and synchronous_commit off), schema made with
  ``headway db upgrade --db URL``.

The peer, run right after Headway in each row under the same load, is Optuna itself
used the distributed way its documentation describes: a study in a shared RDB storage
(``sqlite:///...`` or ``postgresql+psycopg://...`` on the same PostgreSQL server), every
agent process calling ``optuna.load_study`` then ``study.tell`` / ``study.ask`` in a loop
on the same function, with the sampler Headway builds (``TPESampler(multivariate=True,
constant_liar=True)``), and the same interval timed (``tell`` of the previous trial plus
``ask`` of the next). Optuna has no scheduler of its own, so each agent runs its share of
the trials (200 / 8 = 25). In the server rows a second peer is Optuna's own server
mode, its gRPC storage proxy (``optuna.storages.run_grpc_proxy_server`` over the same kind
of database, ``GrpcStorageProxy`` in the agents; skipped without grpcio or with
``--no-grpc``). The ratio is peer time / Headway time for the median interval (above 1:
Headway is faster). W&B sweeps are not measured: their controller (even ``wandb
controller`` run locally) talks to W&B's cloud API, so they cannot run offline.

The machine's cores are shared by the agents and, in the server rows, the server and
database: 8 agents on 2 cores contend, as they would in use, and the figures say so.
Results also go to ``benchmarks/.work/sweeps-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import multiprocessing
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from workers import sweep_agents

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORK_ROOT = BENCH_DIR / ".work"

PROJECT = "sweep-bench"
WARMUP_TRIALS = 12
SWEEP = {
    "method": "bayes",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "x": {"min": sweep_agents.LOW, "max": sweep_agents.HIGH},
        "y": {"min": sweep_agents.LOW, "max": sweep_agents.HIGH},
    },
}
NO_WANDB = (
    "W&B sweeps: not measured. Their controller, even `wandb controller` run locally, "
    "talks to W&B's cloud API, so a sweep cannot run offline."
)


# -- one configuration: N agent processes behind a barrier ----------------------------------


def run_agents(
    target: Callable[[dict[str, Any], Any, Any], None],
    specs: list[dict[str, Any]],
    timeout: float = 1800.0,
) -> list[dict[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(specs))
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(spec, barrier, queue)) for spec in specs]
    for p in procs:
        p.start()
    results: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(results) < len(procs):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"agents did not finish within {timeout:.0f} s")
            results.append(queue.get(timeout=left))
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
                p.join()
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise RuntimeError("an agent failed:\n" + errors[0])
    return results


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    finish = np.concatenate([np.asarray(r["finish_ms"], dtype=float) for r in results])
    nxt = np.concatenate([np.asarray(r["next_ms"], dtype=float) for r in results])
    interval = finish + nxt
    body = np.concatenate([np.asarray(r["body_ms"], dtype=float) for r in results])
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    trials = sum(int(r["trials"]) for r in results)

    def pct(a: np.ndarray, q: float) -> float | None:
        return float(np.percentile(a, q)) if a.size else None

    return {
        "agents": len(results),
        "trials": trials,
        "intervals": int(interval.size),
        "median_ms": pct(interval, 50),
        "p95_ms": pct(interval, 95),
        "finish_median_ms": pct(finish, 50),
        "next_median_ms": pct(nxt, 50),
        "body_median_ms": pct(body, 50),
        "first_ask_median_ms": float(np.median([r["first_ms"] for r in results])),
        "wall_s": wall,
        "trials_per_s": trials / wall if wall > 0 else None,
        "waits": sum(int(r["waits"]) for r in results),
        "conflicts": (
            sum(int(r["conflicts"]) for r in results)
            if all(r.get("conflicts") is not None for r in results)
            else None
        ),
        "per_agent_trials": sorted(int(r["trials"]) for r in results),
        "interval_ms": [round(float(v), 3) for v in interval],
    }


# -- Headway -----------------------------------------------------------------------------------


def headway_embedded(workdir: Path, trials: int, agents: int) -> dict[str, Any]:
    from headway.backend.local import LocalBackend
    from headway.settings import Settings

    store = workdir / f"embedded-sqlite-{agents}"
    backend = LocalBackend(Settings.from_env({}, dir=store), migrate=True)
    try:
        sweep = backend.sweeps.create_sweep(PROJECT, {**SWEEP, "run_cap": trials})
    finally:
        backend.close()
    specs = [
        {
            "target": "embedded",
            "dir": str(store),
            "sweep_id": sweep.id,
            "project": PROJECT,
            "agent": f"agent-{i}",
        }
        for i in range(agents)
    ]
    out = summarize(run_agents(sweep_agents.headway_agent, specs))
    backend = LocalBackend(Settings.from_env({}, dir=store))
    try:
        out["best"] = _best(backend.sweeps.get_sweep(sweep.id))
    finally:
        backend.close()
    return out


def headway_server(srv: servers.Server, trials: int, agents: int) -> dict[str, Any]:
    from headway.backend.http import HttpBackend

    url, server_pid = srv.url, srv.proc.pid
    backend = HttpBackend(url, timeout=120.0)
    try:
        sweep = backend.sweeps.create_sweep(PROJECT, {**SWEEP, "run_cap": trials})
        specs = [
            {
                "target": "server",
                "url": url,
                "sweep_id": sweep.id,
                "project": PROJECT,
                "agent": f"agent-{i}",
            }
            for i in range(agents)
        ]
        cpu0 = servers._cpu_seconds(server_pid)
        out = summarize(run_agents(sweep_agents.headway_agent, specs))
        out["server_cpu_ms_per_trial"] = (servers._cpu_seconds(server_pid) - cpu0) * 1e3 / trials
        out["server_peak_rss_mb"] = srv.peak_rss_mb()
        out["best"] = _best(backend.sweeps.get_sweep(sweep.id))
    finally:
        backend.close()
    return out


def _best(sweep: Any) -> float | None:
    if not sweep.best or not sweep.best[0].values:
        return None
    return float(sweep.best[0].values[0])


def warm_server(url: str) -> None:
    """A short sweep through the server before timing: its first Optuna import and TPE
    sampling happen here, not in the first timed trial."""
    from headway.backend.http import HttpBackend
    from headway.entities import RunCreate

    backend = HttpBackend(url, timeout=120.0)
    try:
        sweep = backend.sweeps.create_sweep("warm-up", {**SWEEP, "run_cap": WARMUP_TRIALS})
        a = backend.sweeps.next_trial(sweep.id, "warm-up")
        while a.status == "run" and a.trial is not None:
            run = backend.create_run(RunCreate(project="warm-up", config=a.trial.config))
            value = sweep_agents.loss(a.trial.config["x"], a.trial.config["y"])
            backend.update_summary(run.id, {"loss": value})
            backend.sweeps.finish_trial(sweep.id, a.trial.number, "finished", run_id=run.id)
            a = backend.sweeps.next_trial(sweep.id, "warm-up")
    finally:
        backend.close()


@contextlib.contextmanager
def headway_server_at(db_url: str, workdir: Path) -> Iterator[servers.Server]:
    port = servers.free_port()
    cmd = [
        str(Path(sys.executable).parent / "headway"),
        "server",
        "--port",
        str(port),
        "--dir",
        str(workdir / "store"),
        "--db",
        db_url,
    ]
    with servers.run_server("headway", cmd, "/api/v1/health", port, workdir, _env()) as srv:
        warm_server(srv.url)
        yield srv


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADWAY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


# -- Optuna --------------------------------------------------------------------------------------


def optuna_study(storage: str, trials: int, agents: int, name: str) -> dict[str, Any]:
    """Optuna's distributed ask/tell on ``storage`` (an RDB URL, or grpc://host:port)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    shares = [trials // agents + (1 if i < trials % agents else 0) for i in range(agents)]
    specs = [
        {"storage": storage, "study": name, "trials": shares[i], "seed": i, "agent": f"agent-{i}"}
        for i in range(agents)
    ]
    out = summarize(run_agents(sweep_agents.optuna_agent, specs))
    return out


def create_optuna_study(rdb_url: str, name: str) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    optuna.create_study(storage=rdb_url, study_name=name, direction="minimize")


def optuna_best(rdb_url: str, name: str) -> float:
    import optuna

    return float(optuna.load_study(study_name=name, storage=rdb_url).best_value)


@contextlib.contextmanager
def grpc_proxy(rdb_url: str, workdir: Path) -> Iterator[str]:
    """Optuna's gRPC storage proxy over ``rdb_url``, in a process of its own."""
    port = servers.free_port()
    code = (
        "import optuna, sys; optuna.logging.set_verbosity(optuna.logging.ERROR); "
        "optuna.storages.run_grpc_proxy_server("
        "optuna.storages.RDBStorage(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]))"
    )
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "optuna-grpc.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, rdb_url, str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_env(),
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("optuna's gRPC proxy exited:\n" + log_path.read_text())
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("optuna's gRPC proxy did not listen within 60 s")
            time.sleep(0.2)
        yield f"grpc://127.0.0.1:{port}"
    finally:
        servers._stop(proc)


def optuna_grpc(rdb_url: str, workdir: Path, trials: int, agents: int, name: str) -> dict[str, Any]:
    create_optuna_study(rdb_url, name)
    with grpc_proxy(rdb_url, workdir / name) as url:
        out = optuna_study(url, trials, agents, name)
    out["best"] = optuna_best(rdb_url, name)
    return out


def optuna_rdb(rdb_url: str, trials: int, agents: int, name: str) -> dict[str, Any]:
    create_optuna_study(rdb_url, name)
    out = optuna_study(rdb_url, trials, agents, name)
    out["best"] = optuna_best(rdb_url, name)
    return out


# -- the rows --------------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(f"[sweeps] {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    trials = args.trials or (40 if args.quick else 200)
    agent_counts = [int(a) for a in args.agents.split(",")]
    grpc = not args.no_grpc and importlib.util.find_spec("grpc") is not None
    rows: list[dict[str, Any]] = []

    def row(store: str, agents: int, tools: dict[str, Any]) -> None:
        rows.append({"store": store, "agents": agents, "trials": trials, "tools": tools})

    def sqlite_url(name: str) -> str:
        return f"sqlite:///{workdir / (name + '.db')}"

    for n in agent_counts:
        _say(f"embedded SQLite, {n} agent(s)")
        hw = headway_embedded(workdir, trials, n)
        peer = optuna_rdb(sqlite_url(f"optuna-embedded-{n}"), trials, n, f"embedded-{n}")
        row("embedded, SQLite", n, {"headway": hw, "optuna": peer})

    with headway_server_at(
        f"sqlite:///{workdir / 'server-sqlite.db'}", workdir / "srv-sqlite"
    ) as srv:
        for n in agent_counts:
            _say(f"server SQLite, {n} agent(s)")
            hw = headway_server(srv, trials, n)
            tools = {
                "headway": hw,
                "optuna": optuna_rdb(sqlite_url(f"optuna-server-{n}"), trials, n, f"server-{n}"),
            }
            if grpc:
                tools["optuna_grpc"] = optuna_grpc(
                    sqlite_url(f"optuna-grpc-{n}"), workdir, trials, n, f"grpc-{n}"
                )
            row("server, SQLite", n, tools)

    sys.path.insert(0, str(REPO_DIR / "tests"))
    from pg_server import PostgresServer

    pg = PostgresServer()
    try:
        db_url = pg.create_database()
        headway_bin = str(Path(sys.executable).parent / "headway")
        subprocess.run([headway_bin, "db", "upgrade", "--db", db_url], check=True, env=_env())
        with headway_server_at(db_url, workdir / "srv-pg") as srv:
            for n in agent_counts:
                _say(f"server PostgreSQL, {n} agent(s)")
                hw = headway_server(srv, trials, n)
                tools = {"headway": hw, "optuna": optuna_rdb(pg.create_database(), trials, n, "pg")}
                if grpc:
                    tools["optuna_grpc"] = optuna_grpc(
                        pg.create_database(), workdir, trials, n, f"pg-grpc-{n}"
                    )
                row("server, PostgreSQL", n, tools)
    finally:
        pg.stop()
    return rows


# -- output ----------------------------------------------------------------------------------------

TOOL_TITLES = {
    "headway": "Headway",
    "optuna": "Optuna, shared RDB",
    "optuna_grpc": "Optuna, gRPC proxy",
}


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f}"


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'store':<20} {'agents':>6}  {'tool':<20} {'median ms':>9} {'p95 ms':>8} "
        f"{'finish':>7} {'next':>7} {'trials/s':>8} {'body ms':>8} {'best':>8} "
        f"{'peer/Headway':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        hw = r["tools"]["headway"]
        for i, (key, t) in enumerate(r["tools"].items()):
            ratio = "" if key == "headway" else f"{t['median_ms'] / hw['median_ms']:.2f}x"
            body = _ms(t["body_median_ms"]) if t["body_median_ms"] is not None else "-"
            best = "-" if t.get("best") is None else f"{t['best']:.4f}"
            lines.append(
                f"{r['store'] if i == 0 else '':<20} {r['agents'] if i == 0 else '':>6}  "
                f"{TOOL_TITLES[key]:<20} {_ms(t['median_ms']):>9} {_ms(t['p95_ms']):>8} "
                f"{_ms(t['finish_median_ms']):>7} {_ms(t['next_median_ms']):>7} "
                f"{t['trials_per_s']:>8.1f} {body:>8} {best:>8} {ratio:>12}"
            )
    notes = []
    for r in rows:
        hw = r["tools"]["headway"]
        if hw.get("waits"):
            notes.append(f"{r['store']}, {r['agents']} agents: {hw['waits']} 'wait' answers")
        if hw.get("conflicts"):
            notes.append(
                f"{r['store']}, {r['agents']} agents: {hw['conflicts']} trials sampled then "
                "thrown away (another agent stored its trial first; sampled again)"
            )
        cpu = hw.get("server_cpu_ms_per_trial")
        if cpu is not None:
            notes.append(f"{r['store']}, {r['agents']} agent(s): server CPU {cpu:.1f} ms per trial")
    return "\n".join([*lines, "", *notes])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 trials per configuration")
    parser.add_argument("--trials", type=int, help="trials per configuration (default 200)")
    parser.add_argument("--agents", default="1,8", help="agent counts, comma-separated")
    parser.add_argument("--no-grpc", action="store_true", help="skip Optuna's gRPC proxy")
    parser.add_argument("--json", type=Path, help="where to write the results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import optuna

    load_before = os.getloadavg()[0]
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sweeps-", dir=WORK_ROOT) as tmp:
        rows = run(args, Path(tmp))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.json or WORK_ROOT / f"sweeps-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": "sweeps",
        "at": stamp,
        "quick": args.quick,
        "python": platform.python_version(),
        "optuna": optuna.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average": os.getloadavg()[0],
        "peak_child_rss_mb": peak_mb,
        "wandb": NO_WANDB,
        "results": rows,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n")
    trials = rows[0]["trials"]
    print("=" * 100)
    print(
        f"Sweep scheduling overhead per trial: finish_trial + next_trial (Headway) vs tell + ask "
        f"(Optuna {optuna.__version__}),\nTPE over 2 floats, {trials} trials per row; "
        "ms per interval (finish/next: medians of the two halves); body: the no-op run "
        "around a trial, not timed in the interval but inside Headway's trials/s (Optuna's "
        "trials have no run)\n"
    )
    print(table(rows))
    print(f"\n{NO_WANDB}")
    print(
        f"\nload average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on "
        f"{os.cpu_count()} CPUs; results: {out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
