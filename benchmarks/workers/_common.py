"""Helpers shared by every worker. Standard library only: workers run in peers' venvs.

A worker is started as ``python workers/<tool>_worker.py --workload W ...`` and prints
exactly one line starting with ``RESULT_PREFIX`` followed by a JSON object. Anything
else a tool prints (banners, warnings) is ignored by the driver.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import sys
import time
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "
SEED = 20240611


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True)
    p.add_argument("--workdir", required=True, type=Path)
    p.add_argument("--variant", default="local", help="local | server")
    p.add_argument("--url", default=None, help="server URL for --variant server")
    p.add_argument("--steps", type=int, default=0, help="W1 steps / W3 points / server steps")
    p.add_argument("--keys", type=int, default=10, help="scalars per step")
    p.add_argument("--runs", type=int, default=0, help="W2 runs")
    p.add_argument("--params", type=int, default=20)
    p.add_argument("--metrics", type=int, default=10)
    p.add_argument("--run-steps", type=int, default=100, help="W2 steps per run")
    p.add_argument("--cap", type=int, default=0, help="measure at most this many units")
    p.add_argument("--budget", type=float, default=0.0, help="measure at most this long (s)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--buckets", type=int, default=1000)
    p.add_argument("--batch", type=int, default=1000, help="points per request (batched APIs)")
    p.add_argument("--client", type=int, default=0, help="server workload client index")
    p.add_argument("--go-file", type=Path, default=None, help="start barrier for clients")
    p.add_argument("--ready-file", type=Path, default=None)
    p.add_argument("--file", type=Path, default=None, help="artifacts workload: the file to log")
    return p.parse_args(argv)


def emit(result: dict[str, Any]) -> None:
    """Print the one result line the driver reads."""
    result.setdefault("peak_rss_mb", peak_rss_mb())
    sys.stdout.flush()
    sys.stdout.write(RESULT_PREFIX + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def peak_rss_mb() -> float:
    """Peak resident set size of this process (``ru_maxrss`` is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def current_rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    return float("nan")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            out.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return out


def descendants_peak_rss_mb() -> float:
    """Sum of peak RSS (VmHWM) of all live descendant processes, e.g. a tool's service.

    Sampled just before ``finish()``: helper processes such as W&B's ``wandb-core`` do
    their work outside the training process, so its own ``ru_maxrss`` understates the cost.
    """
    total_kib = 0
    stack = _children(os.getpid())
    seen: set[int] = set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total_kib += int(line.split()[1])
                        break
        except OSError:
            continue
        stack.extend(_children(pid))
    return round(total_kib / 1024.0, 1)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100.0 * len(sorted_values)) - 1))
    return float(sorted_values[k])


def latency_stats_us(ns: array[int] | list[int], prefix: str = "log") -> dict[str, float]:
    """Median / p99 / mean / max of per-call durations given in nanoseconds, in µs."""
    if not ns:
        return {}
    s = sorted(ns)
    return {
        f"{prefix}_median_us": round(percentile(s, 50) / 1000.0, 3),
        f"{prefix}_p99_us": round(percentile(s, 99) / 1000.0, 3),
        f"{prefix}_mean_us": round(sum(s) / len(s) / 1000.0, 3),
        f"{prefix}_max_us": round(s[-1] / 1000.0, 3),
    }


def median(values: Sequence[float]) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2.0


class Budget:
    """Stop measuring after ``cap`` units or ``seconds`` of wall time, whichever first.

    A capped measurement is extrapolated to the full size by the worker and labelled
    ``extrapolated`` in the results.
    """

    def __init__(self, target: int, cap: int = 0, seconds: float = 0.0) -> None:
        self.target = target
        self.limit = min(target, cap) if cap > 0 else target
        self.seconds = seconds
        self.started = time.perf_counter()

    def reached(self, done: int) -> bool:
        if done >= self.limit:
            return True
        return self.seconds > 0 and time.perf_counter() - self.started >= self.seconds


# ---------------------------------------------------------------------------------------
# Deterministic data, identical for every tool.


def w1_keys(n: int) -> list[str]:
    return [f"k{j}" for j in range(n)]


def w1_base(n: int) -> list[float]:
    rng = random.Random(SEED)
    return [rng.random() for _ in range(n)]


def w1_row(keys: list[str], base: list[float], step: int) -> dict[str, float]:
    """The dict logged at ``step``: cheap to build, built outside the timed call."""
    x = step * 1e-6
    return {k: b + x for k, b in zip(keys, base, strict=True)}


def w2_run_data(
    index: int, n_params: int, n_metrics: int, n_steps: int
) -> tuple[dict[str, float], list[list[float]]]:
    """Params p0..p{n-1} and ``n_steps`` rows of metrics m0..m{n-1} for run ``index``."""
    rng = random.Random(SEED * 7919 + index)
    params = {f"p{j}": rng.random() for j in range(n_params)}
    rows = [[rng.random() for _ in range(n_metrics)] for _ in range(n_steps)]
    return params, rows


def w3_values(n: int) -> array[float]:
    """A decaying noisy loss curve of ``n`` points."""
    rng = random.Random(SEED + 3)
    out = array("d", bytes(8 * n))
    for i in range(n):
        out[i] = math.exp(-5.0 * i / n) + 0.05 * rng.random()
    return out


def envelope_client(
    steps: Sequence[int], values: Sequence[float], n_points: int, buckets: int
) -> tuple[list[float], list[float]]:
    """Client-side min/max per step bucket, what a peer without envelopes must do after a
    full read. Vectorised with NumPy when the tool's venv has it (all peers do)."""
    try:
        import numpy as np
    except ImportError:
        lo = [math.inf] * buckets
        hi = [-math.inf] * buckets
        for s, v in zip(steps, values, strict=True):
            b = min(buckets - 1, s * buckets // n_points)
            lo[b] = min(lo[b], v)
            hi[b] = max(hi[b], v)
        return lo, hi
    st = np.asarray(steps, dtype=np.int64)
    va = np.asarray(values, dtype=np.float64)
    if st.size == 0:
        return [], []
    order = np.argsort(st, kind="stable")
    st, va = st[order], va[order]
    bucket = np.minimum(st * buckets // max(n_points, 1), buckets - 1)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    return (
        np.minimum.reduceat(va, starts).tolist(),
        np.maximum.reduceat(va, starts).tolist(),
    )


def w2_expected(
    n_runs: int, n_params: int, n_metrics: int, n_steps: int, limit: int = 50
) -> list[float]:
    """The m1 values (descending) the W2 query must return: a cross-tool sanity check."""
    hits: list[float] = []
    for r in range(n_runs):
        params, rows = w2_run_data(r, n_params, n_metrics, n_steps)
        last = rows[-1]
        if params["p0"] < 0.5 and last[0] >= 0.2:
            hits.append(last[1])
    hits.sort(reverse=True)
    return hits[:limit]


def wait_for_go(args: argparse.Namespace) -> None:
    """Server workload: say we're ready, then wait until the driver says go."""
    if args.ready_file is not None:
        args.ready_file.write_text(str(os.getpid()))
    if args.go_file is None:
        return
    deadline = time.monotonic() + 600
    while not args.go_file.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("no go signal from the driver within 600 s")
        time.sleep(0.001)


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------------------
# Result records, the same shape for every tool.


def w1_result(
    args: argparse.Namespace,
    measured: int,
    lat: array[int],
    t0: float,
    t_init: float,
    loop_start: float,
    loop_end: float,
    t_done: float,
    rss_init_mb: float,
    children_rss_mb: float,
) -> dict[str, Any]:
    """W1 record. ``finish_s`` is loop end → durable (``finish()`` returned)."""
    init_s = t_init - t0
    loop_s = loop_end - loop_start
    finish_s = t_done - loop_end
    total_s = t_done - t0
    extrapolated = 0 < measured < args.steps
    scale = args.steps / measured if measured else float("nan")
    return {
        "steps_target": args.steps,
        "steps_measured": measured,
        "keys": args.keys,
        "extrapolated": extrapolated,
        **latency_stats_us(lat),
        "init_s": round(init_s, 4),
        "loop_s": round(loop_s, 4),
        "finish_s": round(finish_s, 4),
        "total_s": round(total_s, 4),
        # Full-size estimate: init + loop scaled to the target + the measured finish.
        "total_s_full": round(init_s + loop_s * scale + finish_s, 3)
        if extrapolated
        else round(total_s, 4),
        "points_per_s": round(measured * args.keys / (loop_s + finish_s), 1)
        if loop_s + finish_s > 0
        else None,
        "rss_after_init_mb": rss_init_mb,
        "children_peak_rss_mb": children_rss_mb,
    }


def w2_result(
    args: argparse.Namespace,
    measured: int,
    tool_s: float,
    wall_s: float,
    search_times: list[float],
    top: list[float | None],
    *,
    search_label: str,
    runs_in_store: int | None = None,
    note: str = "",
) -> dict[str, Any]:
    """W2 record. ``ingest_s`` is time inside the tool's calls for the measured runs."""
    extrapolated = 0 < measured < args.runs
    per_run = tool_s / measured if measured else float("nan")
    expected = w2_expected(
        runs_in_store if runs_in_store is not None else measured,
        args.params,
        args.metrics,
        args.run_steps,
    )
    got = [round(v, 9) if v is not None else None for v in top]
    want = [round(v, 9) for v in expected]
    return {
        "runs_target": args.runs,
        "runs_measured": measured,
        "runs_in_store": runs_in_store if runs_in_store is not None else measured,
        "extrapolated": extrapolated,
        "ingest_s": round(tool_s, 3),
        "ingest_wall_s": round(wall_s, 3),
        "ingest_s_full": round(per_run * args.runs, 2) if extrapolated else round(tool_s, 3),
        "per_run_ms": round(per_run * 1000.0, 3),
        "search_median_ms": round(median(search_times) * 1000.0, 3) if search_times else None,
        "search_first_ms": round(search_times[0] * 1000.0, 3) if search_times else None,
        "search_results": len(top),
        "search_correct": got == want if search_times else None,
        "search_top3": got[:3],
        "expected_results": len(want),
        "expected_top3": want[:3],
        "search_label": search_label,
        "note": note,
    }


def w3_result(
    args: argparse.Namespace,
    *,
    measured: int,
    init_s: float,
    loop_s: float,
    finish_s: float,
    read_times: list[float],
    read_points: int | None,
    env_times: list[float],
    env_min: float | None,
    env_max: float | None,
    env_label: str,
    note: str = "",
    bulk_ingest_s: float | None = None,
) -> dict[str, Any]:
    """W3 record. ``ingest_s`` is first log → durable; reads are medians of repeats.

    ``bulk_ingest_s``: the same points through the tool's whole-series API, where it has
    one (Headway ``log_series``, MLflow ``log_batch``), from the call until durable.
    """
    extrapolated = 0 < measured < args.steps
    ingest_s = loop_s + finish_s
    expected = w3_values(args.steps)[:measured] if measured else array("d")
    return {
        "points_target": args.steps,
        "points_measured": measured,
        "extrapolated": extrapolated,
        "init_s": round(init_s, 4),
        "loop_s": round(loop_s, 4),
        "finish_s": round(finish_s, 4),
        "ingest_s": round(ingest_s, 4),
        "ingest_s_full": round(loop_s * args.steps / measured + finish_s, 3)
        if extrapolated
        else round(ingest_s, 4),
        "ingest_points_per_s": round(measured / ingest_s, 1) if ingest_s > 0 else None,
        "read_median_s": round(median(read_times), 4) if read_times else None,
        "read_first_s": round(read_times[0], 4) if read_times else None,
        "read_points": read_points,
        "read_correct": (read_points == measured) if read_times else None,
        "envelope_median_s": round(median(env_times), 5) if env_times else None,
        "envelope_first_s": round(env_times[0], 5) if env_times else None,
        "envelope_correct": (
            env_min is not None
            and env_max is not None
            and math.isclose(env_min, min(expected), rel_tol=1e-6)
            and math.isclose(env_max, max(expected), rel_tol=1e-6)
        )
        if env_times and measured
        else None,
        "envelope_label": env_label,
        "bulk_ingest_s": round(bulk_ingest_s, 4) if bulk_ingest_s is not None else None,
        "note": note,
    }


# ---------------------------------------------------------------------------------------
# Artifacts workload: store sizes, flushing, and the record.

MB = 1_000_000  # throughput unit, as dd prints it


def store_bytes(root: Path) -> int:
    """Bytes a folder occupies on disk, like ``du -s --block-size=1``: allocated blocks of
    every file and folder under it, hard links counted once."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames, ""]:
            try:
                st = os.lstat(os.path.join(dirpath, name) if name else dirpath)
            except OSError:
                continue  # removed while we walked (a temporary file)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += st.st_blocks * 512
    return total


def timed_sync() -> float:
    """Seconds ``sync()`` takes: flushing what the tool left in the page cache."""
    a = time.perf_counter()
    os.sync()
    return time.perf_counter() - a


def same_content(a: Path, b: Path) -> bool:
    import filecmp

    return a.stat().st_size == b.stat().st_size and filecmp.cmp(a, b, shallow=False)


def artifacts_result(
    *,
    size: int,
    init_s: float,
    first_call_s: float,
    first_log_s: float,
    first_sync_s: float,
    first_bytes: int,
    second_call_s: float,
    second_log_s: float,
    second_sync_s: float,
    second_bytes: int,
    second_bytes_with_run: int,
    download_s: float | None,
    download_sync_s: float | None,
    download_ok: bool | None,
    download_error: str | None = None,
    note: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """Artifacts record. ``*_log_s`` is from building the artifact until the run's
    ``finish()`` (or ``end_run``) returned; ``*_call_s`` the logging call alone;
    ``*_sync_s`` a ``sync()`` right after (what was still in the page cache)."""

    def rate(seconds: float | None) -> float | None:
        return round(size / MB / seconds, 1) if seconds else None

    return {
        "size_bytes": size,
        "size_mib": round(size / 2**20, 1),
        "init_s": round(init_s, 4),
        "first_call_s": round(first_call_s, 4),
        "first_log_s": round(first_log_s, 4),
        "first_sync_s": round(first_sync_s, 4),
        "first_bytes": first_bytes,
        "second_call_s": round(second_call_s, 4),
        "second_log_s": round(second_log_s, 4),
        "second_sync_s": round(second_sync_s, 4),
        "second_bytes": second_bytes,
        "second_bytes_with_run": second_bytes_with_run,
        "upload_mbps": rate(first_log_s),
        "synced_upload_mbps": rate(first_log_s + first_sync_s),
        "download_s": round(download_s, 4) if download_s is not None else None,
        "download_sync_s": round(download_sync_s, 4) if download_sync_s is not None else None,
        "download_mbps": rate(download_s),
        "download_ok": download_ok,
        "download_error": download_error,
        "note": note,
        **extra,
    }
