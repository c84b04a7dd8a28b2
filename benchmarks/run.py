"""Headway vs MLflow, W&B and Aim: `make bench` runs this.

    .venv/bin/python benchmarks/run.py [--only headway,mlflow,wandb,aim,sqlite]
                                       [--workloads w1,w2,w3,server,artifacts,mlflow-api]
                                       [--quick] [--scale]

Each (workload, tool) runs in its own subprocess, in that tool's venv, executing a worker
from benchmarks/workers/ that prints one JSON line. The driver prints one table per
workload and writes everything to benchmarks/.work/results-<timestamp>.json.
See docs/benchmarks.md for what each workload measures and how to read the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import envs
import mlflow_api
import report
import servers

BENCH_DIR = Path(__file__).resolve().parent
WORKERS_DIR = BENCH_DIR / "workers"
WORK_ROOT = BENCH_DIR / ".work"
RESULT_PREFIX = "BENCH_RESULT "

ALL_TOOLS = ["headway", "mlflow", "wandb", "aim", "sqlite"]
# mlflow-api is benchmarks/mlflow_api.py: one mlflow client against both servers.
ALL_WORKLOADS = ["w1", "w2", "w3", "server", "artifacts", "mlflow-api"]


@dataclass(frozen=True)
class Sizes:
    w1_steps: int
    w2_runs: int
    w3_points: int
    server_steps: int
    server_clients: int
    # Wall-time budget for one capped peer measurement; the rest is extrapolated.
    budget_s: float
    mlflow_w1_cap: int
    # Artifacts workload: one file of random bytes, this many MiB; each tool's worker is
    # run this many times (fresh process and store each time) and medians are reported.
    artifact_mib: int = 256
    artifact_repeats: int = 3


FULL = Sizes(
    w1_steps=100_000,
    w2_runs=1_000,
    w3_points=1_000_000,
    server_steps=250_000,
    server_clients=4,
    budget_s=180.0,
    mlflow_w1_cap=10_000,
)
QUICK = Sizes(
    w1_steps=10_000,
    w2_runs=100,
    w3_points=100_000,
    server_steps=25_000,
    server_clients=4,
    budget_s=30.0,
    mlflow_w1_cap=10_000,
    artifact_mib=32,
)
SCALE_W2_RUNS = 10_000
SCALE_W3_POINTS = 10_000_000


@dataclass
class Job:
    workload: str  # w1 | w2 | w3 | server | artifacts | w2-scale | w3-scale
    tool: str
    variant: str  # local | server
    label: str
    size: int
    args: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Running workers


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _tail(path: Path, n: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").strip().splitlines()[-n:])
    except OSError:
        return ""


def _parse_result(stdout_path: Path) -> dict[str, Any] | None:
    try:
        text = stdout_path.read_text(errors="replace")
    except OSError:
        return None
    for line in reversed(text.splitlines()):
        if line.startswith(RESULT_PREFIX):
            parsed: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return parsed
    return None


def _worker_cmd(
    python: Path, tool: str, workload: str, workdir: Path, args: list[str]
) -> list[str]:
    script = WORKERS_DIR / f"{tool}_worker.py"
    return [str(python), str(script), "--workload", workload, "--workdir", str(workdir), *args]


def _start_worker(
    env: envs.ToolEnv, workload: str, workdir: Path, args: list[str], extra_env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], Path, Path, list[str]]:
    assert env.python is not None
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = _worker_cmd(env.python, env.tool, workload, workdir, args)
    out_path, err_path = workdir / "worker.stdout", workdir / "worker.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env=envs.worker_env(extra_env),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return proc, out_path, err_path, cmd


def _finish_worker(
    proc: subprocess.Popen[bytes], out_path: Path, err_path: Path, timeout: float
) -> tuple[dict[str, Any] | None, str | None]:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait()
        return None, f"timed out after {timeout:.0f}s\n{_tail(err_path)}"
    result = _parse_result(out_path)
    if proc.returncode != 0 or result is None:
        return None, f"exit code {proc.returncode}\n{_tail(err_path)}\n{_tail(out_path, 5)}"
    return result, None


def run_worker(
    env: envs.ToolEnv,
    workload: str,
    workdir: Path,
    args: list[str],
    timeout: float,
    extra_env: dict[str, str] | None = None,
) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    proc, out_path, err_path, cmd = _start_worker(env, workload, workdir, args, extra_env or {})
    result, error = _finish_worker(proc, out_path, err_path, timeout)
    return result, error, cmd


# ---------------------------------------------------------------------------------------
# Plans


def plan(workloads: list[str], tools: list[str], sizes: Sizes, scale: bool) -> list[Job]:
    b = ["--budget", str(sizes.budget_s)]
    jobs: list[Job] = []
    if "w1" in workloads:
        n = sizes.w1_steps
        base = ["--steps", str(n), "--keys", "10"]
        jobs += [
            Job("w1", "headway", "local", "headway (embedded)", n, base),
            Job("w1", "headway", "server", "headway (server)", n, base),
            Job(
                "w1",
                "mlflow",
                "local",
                "mlflow (sqlite)",
                n,
                [*base, "--cap", str(sizes.mlflow_w1_cap), *b],
            ),
            Job(
                "w1",
                "mlflow",
                "server",
                "mlflow (server)",
                n,
                [*base, "--cap", str(sizes.mlflow_w1_cap), *b],
            ),
            Job("w1", "wandb", "local", "wandb (offline)", n, [*base, *b]),
            Job("w1", "aim", "local", "aim", n, [*base, *b]),
        ]
    if "w2" in workloads:
        n = sizes.w2_runs
        base = ["--runs", str(n), "--params", "20", "--metrics", "10", "--run-steps", "100"]
        jobs += [
            Job("w2", "headway", "local", "headway (embedded)", n, base),
            Job("w2", "mlflow", "local", "mlflow (sqlite)", n, [*base, *b]),
            Job("w2", "wandb", "local", "wandb (offline)", n, [*base, *b]),
            Job("w2", "aim", "local", "aim", n, [*base, *b]),
            Job("w2", "sqlite", "local", "sqlite floor", n, base),
        ]
    if "w3" in workloads:
        n = sizes.w3_points
        base = ["--steps", str(n), "--repeats", "3", "--buckets", "1000"]
        jobs += [
            Job("w3", "headway", "local", "headway (embedded)", n, base),
            Job("w3", "headway", "server", "headway (server)", n, base),
            Job("w3", "mlflow", "local", "mlflow (sqlite)", n, [*base, "--batch", "1000", *b]),
            Job("w3", "wandb", "local", "wandb (offline)", n, [*base, *b]),
            Job("w3", "aim", "local", "aim", n, [*base, *b]),
            Job("w3", "sqlite", "local", "sqlite floor", n, base),
        ]
    if "server" in workloads:
        n = sizes.server_steps
        base = ["--steps", str(n), "--keys", "4"]
        jobs += [
            Job("server", "headway", "server", "headway server", n, base),
            Job("server", "mlflow", "server", "mlflow server", n, [*base, "--batch", "1000", *b]),
        ]
    if "artifacts" in workloads:
        # The driver adds --file (the same file for every tool) when it has written it.
        n = sizes.artifact_mib
        jobs += [
            Job("artifacts", "headway", "local", "headway (embedded)", n),
            Job("artifacts", "mlflow", "local", "mlflow (sqlite + folder)", n),
            Job("artifacts", "wandb", "local", "wandb (offline)", n),
        ]
    if scale:
        if "w2" in workloads:
            n = SCALE_W2_RUNS
            jobs.append(
                Job(
                    "w2-scale",
                    "headway",
                    "local",
                    "headway (embedded)",
                    n,
                    ["--runs", str(n), "--params", "20", "--metrics", "10", "--run-steps", "100"],
                )
            )
            jobs.append(
                Job(
                    "w2-scale",
                    "sqlite",
                    "local",
                    "sqlite floor",
                    n,
                    ["--runs", str(n), "--params", "20", "--metrics", "10", "--run-steps", "100"],
                )
            )
        if "w3" in workloads:
            n = SCALE_W3_POINTS
            base = ["--steps", str(n), "--repeats", "3", "--buckets", "1000"]
            jobs.append(Job("w3-scale", "headway", "local", "headway (embedded)", n, base))
            jobs.append(Job("w3-scale", "sqlite", "local", "sqlite floor", n, base))
    return [j for j in jobs if j.tool in tools]


# ---------------------------------------------------------------------------------------
# Executing jobs


@contextlib.contextmanager
def _server_for(job: Job, env: envs.ToolEnv, workdir: Path) -> Iterator[servers.Server | None]:
    if job.variant != "server":
        yield None
        return
    assert env.python is not None
    server_env = envs.worker_env()
    if job.tool == "headway":
        with servers.headway_server(env.python.parent / "headway", workdir, server_env) as srv:
            yield srv
    elif job.tool == "mlflow":
        with servers.mlflow_server(env.python.parent / "mlflow", workdir, server_env) as srv:
            yield srv
    else:
        raise ValueError(f"no server mode for {job.tool}")


def _timeout(sizes: Sizes, job: Job) -> float:
    # Generous: a worker only hits this if it hangs. Scale jobs may take long by design.
    return sizes.budget_s * 6 + (3600 if "scale" in job.workload else 900)


def execute(job: Job, env: envs.ToolEnv, workdir: Path, sizes: Sizes) -> dict[str, Any]:
    row: dict[str, Any] = {
        "workload": job.workload,
        "tool": job.tool,
        "variant": job.variant,
        "label": job.label,
        "size": job.size,
        "version": env.version,
        "ok": False,
    }
    if not env.ok:
        row["error"] = env.error or "unavailable"
        return row
    started = time.monotonic()
    worker_workload = job.workload.split("-")[0]
    try:
        with _server_for(job, env, workdir / "server") as srv:
            if worker_workload == "server":
                assert srv is not None
                result, error, cmd = _run_clients(job, env, workdir, srv, sizes)
            else:
                args = list(job.args)
                extra: dict[str, str] = {}
                if srv is not None:
                    args += ["--variant", "server", "--url", srv.url]
                    if job.tool == "headway":
                        extra["HEADWAY_URL"] = srv.url
                if worker_workload == "artifacts":
                    result, error, cmd = _run_repeated(
                        env, workdir, args, _timeout(sizes, job), sizes.artifact_repeats
                    )
                else:
                    result, error, cmd = run_worker(
                        env, worker_workload, workdir / "worker", args, _timeout(sizes, job), extra
                    )
                if result is not None:
                    result["server_peak_rss_mb"] = srv.peak_rss_mb() if srv is not None else None
            if srv is not None:
                row["server_cmd"] = srv.cmd
    except servers.ServerError as exc:
        result, error, cmd = None, f"server did not start: {exc}", []
    row["seconds"] = round(time.monotonic() - started, 1)
    row["cmd"] = cmd
    if result is None:
        row["error"] = error
        return row
    _add_display_fields(worker_workload, result)
    row["ok"] = True
    row["result"] = result
    return row


def _run_repeated(
    env: envs.ToolEnv, workdir: Path, args: list[str], timeout: float, repeats: int
) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """The artifacts worker ``repeats`` times, each in a fresh folder: the medians."""
    results: list[dict[str, Any]] = []
    cmd: list[str] = []
    for k in range(max(1, repeats)):
        result, error, cmd = run_worker(env, "artifacts", workdir / f"worker-{k}", args, timeout)
        if result is None:
            return None, f"repeat {k + 1} of {repeats}: {error}", cmd
        results.append(result)
    return median_result(results), None, cmd


def median_result(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One record from several: numbers are medians, flags must all hold, the rest is
    the first run's; ``runs`` keeps every record and the note gives the spread."""
    out: dict[str, Any] = {}
    for key, first in results[0].items():
        values = [r.get(key) for r in results]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if isinstance(first, bool) or (first is None and any(isinstance(v, bool) for v in values)):
            flags = [v for v in values if isinstance(v, bool)]
            out[key] = all(flags) if flags else None
        elif numbers and len(numbers) == len([v for v in values if v is not None]):
            if all(isinstance(v, int) for v in numbers):
                out[key] = statistics.median_low(numbers)
            else:
                out[key] = round(statistics.median(numbers), 4)
        else:
            out[key] = first
    if len(results) > 1:
        spread = []
        for key, label in (
            ("first_log_s", "1st log"),
            ("second_log_s", "2nd log"),
            ("download_s", "download"),
        ):
            vals = [r[key] for r in results if isinstance(r.get(key), int | float)]
            if vals:
                spread.append(
                    f"{label} {report.fmt_number(min(vals))}..{report.fmt_number(max(vals))} s"
                )
        note = f"median of {len(results)} fresh workers ({', '.join(spread)})"
        out["note"] = f"{note}; {out['note']}" if out.get("note") else note
    out["repeats"] = len(results)
    out["runs"] = results
    return out


def _add_display_fields(workload: str, res: dict[str, Any]) -> None:
    def frac(got: str, want: str) -> str:
        g, w = res.get(got), res.get(want)
        if g is None or w is None:
            return "?"
        return f"{g:,}" if g == w else f"{g:,}/{w:,}"

    if workload == "w1":
        res["steps"] = frac("steps_measured", "steps_target")
    elif workload == "w2":
        runs = frac("runs_measured", "runs_target")
        in_store = res.get("runs_in_store")
        if in_store is not None and in_store != res.get("runs_measured"):
            runs += f" ({in_store:,} searched)"
        res["runs"] = runs
    elif workload == "w3":
        res["points"] = frac("points_measured", "points_target")


def _server_batch_p99_ms(url: str) -> float | None:
    """The server's own p99 of /log batch latency (Headway exposes it)."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/api/v1/stats/ingest", timeout=10) as answer:
            value = json.loads(answer.read()).get("p99_ms")
    except (OSError, ValueError):
        return None
    return float(value) if value is not None else None


def _run_clients(
    job: Job, env: envs.ToolEnv, workdir: Path, srv: servers.Server, sizes: Sizes
) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """N client processes, released together; aggregate = points / (first start → last end)."""
    go = workdir / "go"
    procs = []
    extra = {"HEADWAY_URL": srv.url} if job.tool == "headway" else {}
    for i in range(sizes.server_clients):
        cdir = workdir / f"client-{i}"
        args = [
            *job.args,
            "--variant",
            "server",
            "--url",
            srv.url,
            "--client",
            str(i),
            "--go-file",
            str(go),
            "--ready-file",
            str(cdir / "ready"),
        ]
        procs.append((cdir, *_start_worker(env, "server-client", cdir, args, extra)))
    deadline = time.monotonic() + 300
    while not all((cdir / "ready").exists() for cdir, *_ in procs):
        dead = [p for _, p, *_ in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            go.touch()  # release the others so they end
            break
        time.sleep(0.05)
    go.touch()
    results: list[dict[str, Any]] = []
    errors: list[str] = []
    cmd: list[str] = []
    for cdir, proc, out_path, err_path, cmd_i in procs:
        cmd = cmd_i
        res, err = _finish_worker(proc, out_path, err_path, _timeout(sizes, job))
        if res is None:
            errors.append(f"{cdir.name}: {err}")
        else:
            results.append(res)
    if errors:
        return None, "\n".join(errors), cmd
    start = min(r["t_start"] for r in results)
    end = max(r["t_end"] for r in results)
    points = sum(int(r["points"]) for r in results)
    p99s = [r["batch_p99_us"] for r in results if r.get("batch_p99_us") is not None]
    server_p99_ms = _server_batch_p99_ms(srv.url) if job.tool == "headway" else None
    steps_measured = sum(int(r["steps_measured"]) for r in results)
    steps_target = sizes.server_steps * sizes.server_clients
    return (
        {
            "clients": len(results),
            "points": points,
            "steps_measured": steps_measured,
            "steps_target": steps_target,
            "extrapolated": steps_measured < steps_target,
            "seconds": round(end - start, 3),
            "points_per_s": round(points / (end - start), 1) if end > start else None,
            # Worst client's p99 of one batch request (MLflow: log_batch; Headway: the
            # writer's POST of a batch).
            "p99_latency_us": max(p99s) if p99s else None,
            "p99_latency_of": "batch request",
            "server_batch_p99_ms": server_p99_ms,
            "server_peak_rss_mb": srv.peak_rss_mb(),
            "per_client": results,
            "note": (
                f"{len(results)} clients x {sizes.server_steps:,} steps x 4 scalars; "
                + (
                    "log_batch of 1,000 points per request; "
                    f"measured for up to {sizes.budget_s:.0f}s per client"
                    if job.tool == "mlflow"
                    else "p99 is per batch request of the SDK's background writer"
                )
            ),
        },
        None,
        cmd,
    )


# ---------------------------------------------------------------------------------------
# Artifacts: the file every tool logs, and the disk's own throughput in the same run

DD_BLOCK = 8 * 2**20


def _write_random_file(path: Path, mib: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for _ in range(mib * 2**20 // DD_BLOCK):
            f.write(os.urandom(DD_BLOCK))
        rest = mib * 2**20 % DD_BLOCK
        if rest:
            f.write(os.urandom(rest))
    os.sync()


def _dd_mbps(args: list[str]) -> float:
    """Run dd; MB/s (10^6 bytes) from the byte count and seconds it prints."""
    proc = subprocess.run(
        ["dd", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    found = re.search(r"^(\d+) bytes .* copied, ([\d.]+) s", proc.stderr, re.MULTILINE)
    if proc.returncode != 0 or found is None or float(found[2]) <= 0:
        raise OSError(proc.stderr.strip() or f"dd exited with {proc.returncode}")
    return int(found[1]) / float(found[2]) / 1e6


def _median(values: list[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _measure_disk(source: Path, scratch: Path, mib: int, repeats: int = 3) -> dict[str, Any]:
    """dd in the folder the stores live in: median MB/s of ``repeats`` runs per variant.

    ``write``: zeros with O_DIRECT (the device, no page cache); ``write_fdatasync``: zeros
    through the page cache, then fdatasync; ``copy``: the source file (in the page cache)
    to a new file, then fdatasync, what storing a copy costs at least; ``read``: the
    source file with O_DIRECT (from the device). A variant the filesystem refuses (no
    O_DIRECT on tmpfs) falls back to the buffered form, and ``commands`` says which ran
    (FILE = the artifact's source file, OUT = a scratch file next to it).
    """
    count = f"count={max(1, mib * 2**20 // DD_BLOCK)}"
    variants: dict[str, list[str]] = {
        "write": [
            f"if=/dev/zero of=OUT bs=8M {count} oflag=direct",
            f"if=/dev/zero of=OUT bs=8M {count} conv=fdatasync",
        ],
        "write_fdatasync": [f"if=/dev/zero of=OUT bs=8M {count} conv=fdatasync"],
        "copy": ["if=FILE of=OUT bs=8M conv=fdatasync"],
        "read": ["if=FILE of=/dev/null bs=8M iflag=direct", "if=FILE of=/dev/null bs=8M"],
    }
    scratch.mkdir(parents=True, exist_ok=True)
    out = scratch / "dd.out"
    result: dict[str, Any] = {
        "bytes": mib * 2**20,
        "repeats": repeats,
        "FILE": str(source),
        "OUT": str(out),
        "commands": {},
    }
    for name, choices in variants.items():
        errors: list[str] = []
        for spec in choices:
            argv = spec.replace("OUT", str(out)).replace("FILE", str(source)).split()
            try:
                runs: list[float] = []
                for _ in range(repeats):
                    out.unlink(missing_ok=True)
                    os.sync()
                    runs.append(_dd_mbps(argv))
            except OSError as exc:
                errors.append(str(exc).splitlines()[-1] if str(exc) else "dd failed")
                continue
            result[f"{name}_mbps"] = round(_median(runs), 1)
            result[f"{name}_runs_mbps"] = [round(r, 1) for r in runs]
            result["commands"][name] = f"dd {spec}"
            break
        else:
            result[f"{name}_mbps"] = None
            result["commands"][name] = "failed: " + "; ".join(errors)
    out.unlink(missing_ok=True)
    os.sync()
    return result


def _blake3_hash_s(source: Path, repeats: int = 5) -> float | None:
    """Headway's ``digest_file`` of the source file (page-cached, as the tools see it)."""
    try:
        from headway.store.blobstore.digest import digest_file
    except ImportError:
        return None
    times: list[float] = []
    for _ in range(repeats):
        a = time.perf_counter()
        digest_file(source)
        times.append(time.perf_counter() - a)
    return round(_median(times), 4)


def prepare_artifacts(work: Path, sizes: Sizes) -> tuple[Path, dict[str, Any]]:
    """Write the random file once, then measure dd and BLAKE3 next to it."""
    source = work / "source" / "big.bin"
    _log(f"artifacts: writing {sizes.artifact_mib} MiB of random bytes to {source}")
    _write_random_file(source, sizes.artifact_mib)
    _log("artifacts: measuring the disk with dd and BLAKE3 on the file ...")
    disk = _measure_disk(source, work / "dd", sizes.artifact_mib)
    hash_s = _blake3_hash_s(source)
    disk["blake3_hash_s"] = hash_s
    disk["blake3_mbps"] = round(source.stat().st_size / 1e6 / hash_s, 1) if hash_s else None
    return source, disk


def add_artifact_ratios(rows: list[dict[str, Any]], disk: dict[str, Any]) -> None:
    """Each row against the disk (dd) and against hashing the file with BLAKE3."""

    def div(a: Any, b: Any) -> float | None:
        if not isinstance(a, int | float) or not isinstance(b, int | float) or b <= 0:
            return None
        return round(a / b, 3)

    for row in rows:
        res = row.get("result")
        if not row.get("ok") or res is None:
            continue
        res["second_vs_hash"] = div(res.get("second_log_s"), disk.get("blake3_hash_s"))
        res["upload_vs_dd_write"] = div(res.get("upload_mbps"), disk.get("write_mbps"))
        res["synced_upload_vs_dd_copy"] = div(res.get("synced_upload_mbps"), disk.get("copy_mbps"))
        res["download_vs_dd_read"] = div(res.get("download_mbps"), disk.get("read_mbps"))


def _disk_line(disk: dict[str, Any]) -> str:
    f = report.fmt_number
    cmds = disk["commands"]
    lines = [
        f"disk: dd in the stores' folder, {disk['bytes'] // 2**20} MiB, median of "
        f"{disk['repeats']} (FILE = the artifact file, OUT = a scratch file)"
    ]
    for key, label in (
        ("write", "write"),
        ("write_fdatasync", "write+fdatasync"),
        ("copy", "copy"),
        ("read", "read"),
    ):
        lines.append(f"  {label:<16} {f(disk.get(f'{key}_mbps'), 0):>7} MB/s  {cmds.get(key)}")
    lines.append(
        f"  {'BLAKE3 hash':<16} {f(disk.get('blake3_mbps'), 0):>7} MB/s  "
        f"headway digest_file(FILE): {f(disk.get('blake3_hash_s'))} s, median of 5"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Main


def _machine() -> dict[str, Any]:
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--only", default=",".join(ALL_TOOLS), help="tools, comma-separated")
    p.add_argument("--workloads", default=",".join(ALL_WORKLOADS), help="comma-separated")
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    p.add_argument("--scale", action="store_true", help="also W2 10k runs, W3 10M points")
    p.add_argument("--budget", type=float, default=None, help="seconds per capped peer run")
    p.add_argument("--no-install", action="store_true", help="skip peers not installed yet")
    p.add_argument("--reinstall", action="store_true", help="recreate the peers' venvs")
    p.add_argument("--keep-work", action="store_true", help="keep the stores after the run")
    args = p.parse_args(argv)
    for name, allowed in (("only", ALL_TOOLS), ("workloads", ALL_WORKLOADS)):
        chosen = [x.strip() for x in getattr(args, name).split(",") if x.strip()]
        bad = [x for x in chosen if x not in allowed]
        if bad:
            p.error(f"--{name}: unknown {bad}; choose from {','.join(allowed)}")
        setattr(args, name, chosen)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.budget is not None:
        sizes = Sizes(**{**sizes.__dict__, "budget_s": args.budget})
    jobs = plan(args.workloads, args.only, sizes, args.scale)
    with_mlflow_api = "mlflow-api" in args.workloads and {"headway", "mlflow"} <= set(args.only)
    if not jobs and not with_mlflow_api:
        _log("nothing to run for this --only / --workloads selection")
        return 1

    stamp = time.strftime("%Y%m%d-%H%M%S")
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    for old in WORK_ROOT.glob("run-*"):
        shutil.rmtree(old, ignore_errors=True)
    work = WORK_ROOT / f"run-{stamp}"
    work.mkdir()
    results_path = WORK_ROOT / f"results-{stamp}.json"

    tool_envs: dict[str, envs.ToolEnv] = {}
    for tool in dict.fromkeys(j.tool for j in jobs):
        env = envs.tool_env(tool, reinstall=args.reinstall, install=not args.no_install)
        tool_envs[tool] = env
        if env.ok:
            _log(f"{tool}: {env.version} ({env.python})")
        else:
            _log(f"{tool}: UNAVAILABLE — {env.error}")

    doc: dict[str, Any] = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv[1:],
        "quick": args.quick,
        "scale": args.scale,
        "sizes": sizes.__dict__,
        "machine": _machine(),
        "tools": {
            t: {"version": e.version, "ok": e.ok, "error": e.error, **e.extra}
            for t, e in tool_envs.items()
        },
        "workloads": {},
    }

    order = list(dict.fromkeys(j.workload for j in jobs))
    for workload in order:
        rows: list[dict[str, Any]] = []
        doc["workloads"][workload] = rows
        disk: dict[str, Any] | None = None
        if workload == "artifacts":
            source, disk = prepare_artifacts(work / "artifacts", sizes)
            doc["artifacts_disk"] = disk
            for job in jobs:
                if job.workload == "artifacts":
                    job.args = [*job.args, "--file", str(source)]
        for i, job in enumerate(j for j in jobs if j.workload == workload):
            _log(f"{workload}: {job.label} ({job.size:,}) ...")
            row = execute(job, tool_envs[job.tool], work / workload / f"{i}-{job.tool}", sizes)
            rows.append(row)
            status = "ok" if row["ok"] else "FAILED: " + str(row.get("error", "")).splitlines()[0]
            _log(f"{workload}: {job.label} {status} ({row.get('seconds', 0)}s)")
            results_path.write_text(json.dumps(doc, indent=2, default=str))
        if disk is not None:
            add_artifact_ratios(rows, disk)
            results_path.write_text(json.dumps(doc, indent=2, default=str))
        print(f"\n=== {workload}: {_title(workload, sizes)} ===")
        print(report.render_table(workload, rows), flush=True)
        if disk is not None:
            print(f"\n{_disk_line(disk)}")
            print(
                report.render_table(
                    workload, rows, report.ARTIFACTS_DISK_COLUMNS, with_notes=False
                ),
                flush=True,
            )
            shutil.rmtree(work / "artifacts" / "source", ignore_errors=True)

    if with_mlflow_api:
        runs = mlflow_api.QUICK_RUNS if args.quick else mlflow_api.FULL_RUNS
        doc["workloads"]["mlflow-api"] = rows = mlflow_api.run(work / "mlflow-api", runs)
        print(f"\n=== mlflow-api: {mlflow_api.title(runs)} ===")
        print(mlflow_api.render(rows), flush=True)

    results_path.write_text(json.dumps(doc, indent=2, default=str))
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nresults: {results_path}")
    print("ratios: Nx = Headway is N times better than that row (same mode); * = extrapolated")
    return 0


def _title(workload: str, sizes: Sizes) -> str:
    return {
        "w1": f"W1 hot loop: 1 run, {sizes.w1_steps:,} steps x 10 scalars",
        "w2": f"W2 many runs: {sizes.w2_runs:,} runs x 20 params x 10 metrics x 100 steps; "
        "top-50 filtered search",
        "w3": f"W3 long series: 1 metric, {sizes.w3_points:,} points",
        "server": f"server: {sizes.server_clients} clients x {sizes.server_steps:,} steps "
        "x 4 scalars",
        "artifacts": f"artifacts: one {sizes.artifact_mib} MiB file of random bytes, logged "
        "by two runs, downloaded once",
        "w2-scale": f"W2 at scale: {SCALE_W2_RUNS:,} runs (Headway only)",
        "w3-scale": f"W3 at scale: {SCALE_W3_POINTS:,} points (Headway only)",
    }.get(workload, workload)


if __name__ == "__main__":
    sys.exit(main())
