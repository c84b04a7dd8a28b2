"""Monitoring speed: Headway side by side with Evidently, NannyML and fairlearn, in one run.

    .venv/bin/python benchmarks/monitoring.py [--quick] [--sizes 100000,1000000]
        [--only headway,evidently,nannyml,fairlearn] [--repeat 3] [--peer-repeat 1]
        [--timeout 1800] [--no-install] [--reinstall]

Inputs come from ``benchmarks/monitoring_data.py`` (20 numerical + 10 categorical columns,
six documented injected changes, four of which are drift) and are cached under
``benchmarks/.cache/monitoring/``. Peers run in their own venv
(``benchmarks/.venvs/monitoring``, created on first use) through
``benchmarks/monitoring_peers.py``; every measurement, Headway's too, is a fresh process, so
its peak RSS is its own. Parquet reading is excluded from every tool's time.

Workloads, each printed as a table with ``peer / headway`` ratios (``10x`` = Headway ten
times faster or smaller):

- **drift, one window**: fit the reference and test every column of the current frame.
  Headway: ``fit_reference`` + ``prepare_current``/``column_drift`` per column +
  ``dataset_drift`` (the same functions a monitor window runs). Evidently:
  ``Report([DataDriftPreset()])``. Also shown, without ratio: a whole Headway window
  (``WindowComputer.inputs``: drift plus distributions for the charts, data quality and
  the domain-classifier multivariate test).
- **drift, ten windows**: the current frame split in ten consecutive windows.
  Headway: one fit, ten windows. NannyML: ``UnivariateDriftCalculator(chunk_number=10)``
  fit + calculate.
- **fairness**: 1,000,000 rows, one attribute with four groups; selection rate, TPR, FPR,
  FNR and accuracy per group plus the four disparities. Headway: ``group_confusion`` +
  ``group_rates`` + ``disparities`` from the string column (and, without ratio, the
  monitor's ``fairness_report`` with 200 bootstrap replicates for 95 % intervals).
  fairlearn: ``MetricFrame`` + the four disparity functions. Agreement: largest absolute
  difference of any per-group value or disparity.
- **ingestion**: ``monitor.log`` of the current frame (plus score, id, timestamp over ten
  days) in batches of 10,000 rows into an embedded store, then ``flush()`` (durable: Parquet
  written and indexed). Caller rows/s counts only the ``log`` calls; durable rows/s the
  whole. The floor row is ``pyarrow`` writing the same rows to one zstd Parquet file. Then
  ``monitor.compute()`` of the ten daily windows (every result kind): Headway only.

Results go to ``benchmarks/.work/monitoring-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import envs  # noqa: E402
import monitoring_data  # noqa: E402
from report import Column, fmt_number, render_table  # noqa: E402

CACHE = BENCH_DIR / ".cache" / "monitoring"
WORK = BENCH_DIR / ".work"
RESULT_PREFIX = "BENCH_RESULT "
PEERS = ("evidently", "nannyml", "fairlearn")
WINDOWS = 10
BATCH_ROWS = 10_000
INGEST_DAYS = 10


# --------------------------------------------------------------------------- helpers


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _log(msg: str) -> None:
    print(f"[monitoring] {msg}", file=sys.stderr, flush=True)


def _spec(with_prediction: bool = False) -> Any:
    from headway.entities.monitoring import MonitorSpec

    return MonitorSpec(
        project="bench",
        name="bench",
        features=(*monitoring_data.NUMERICAL, *monitoring_data.CATEGORICAL),
        categorical=monitoring_data.CATEGORICAL,
        prediction="score" if with_prediction else None,
        task="binary",
    )


def _read_tables(*paths: Path) -> tuple[list[Any], float]:
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    tables = [pq.read_table(p) for p in paths]
    return tables, time.perf_counter() - t0


# --------------------------------------------------------------------------- Headway workers


def _fit(args: argparse.Namespace) -> tuple[Any, Any, Any, dict[str, Any]]:
    """Read both frames (untimed), then fit the reference (timed): spec, fit, current."""
    from headway.monitoring.reference import fit_reference

    (ref, cur), read_s = _read_tables(Path(args.reference), Path(args.current))
    spec = _spec()
    facts: dict[str, Any] = {
        "rows_reference": ref.num_rows,
        "rows_current": cur.num_rows,
        "read_s": read_s,
        "rss_after_read_mb": _peak_rss_mb(),
        "cpu0": _cpu_s(),
    }
    t0 = time.perf_counter()
    fit = fit_reference(spec, ref, key="bench")
    facts["fit_s"] = time.perf_counter() - t0
    return spec, fit, cur, facts


def _timed(facts: dict[str, Any], key: str, seconds: float) -> dict[str, Any]:
    cpu0 = facts.pop("cpu0")
    return {**facts, key: seconds, "total_s": facts["fit_s"] + seconds, "cpu_s": _cpu_s() - cpu0}


def headway_drift(args: argparse.Namespace) -> dict[str, Any]:
    """Fit once, then ``args.windows`` consecutive windows of the current frame."""
    from headway.monitoring.detectors.profiles import prepare_current
    from headway.monitoring.drift import column_drift, dataset_drift

    spec, fit, cur, facts = _fit(args)
    t0 = time.perf_counter()
    size = -(-cur.num_rows // args.windows)
    drifted: list[list[str]] = []
    scores: dict[str, float | None] = {}
    share = None
    for w in range(args.windows):
        window = cur.slice(w * size, size)
        results = [
            column_drift(fit.profiles[c], prepare_current(fit.profiles[c], window.column(c)))
            for c in spec.features
        ]
        ds = dataset_drift(results)
        drifted.append(sorted(r.column for r in results if r.verdict == "drift"))
        if w == 0:
            scores = {r.column: r.statistic for r in results}
            share = ds.share
    return {
        **_timed(facts, "drift_s", time.perf_counter() - t0),
        "windows": args.windows,
        "drifted": drifted[0],
        "drifted_any_window": sorted({c for d in drifted for c in d}),
        "drift_share": share,
        "scores": scores,
    }


def headway_window(args: argparse.Namespace) -> dict[str, Any]:
    """A whole window's input results: drift, distributions, quality, multivariate."""
    from headway.monitoring.compute import WindowComputer

    spec, fit, cur, facts = _fit(args)
    t0 = time.perf_counter()
    start = datetime(2026, 9, 1, tzinfo=UTC)
    computer = WindowComputer(spec, fit, start, start + timedelta(days=1))
    drifts = computer.inputs(cur)
    seconds = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for r in computer.out.results:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    return {
        **_timed(facts, "window_s", seconds),
        "results": kinds,
        "drifted": sorted(d.column for d in drifts if d.verdict == "drift"),
    }


def headway_fairness(args: argparse.Namespace) -> dict[str, Any]:
    from headway.monitoring.fairness import (
        disparities,
        fairness_report,
        group_confusion,
        group_rates,
    )

    (table,), read_s = _read_tables(Path(args.fairness))
    groups = table.column("group").to_numpy()
    y_true = table.column("y_true").to_numpy()
    y_pred = table.column("y_pred").to_numpy()
    rss_after_read = _peak_rss_mb()
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    counts = group_confusion("group", groups, y_true, y_pred)
    rates = group_rates(counts.counts)
    cells = counts.counts.astype(float)
    rates["accuracy"] = (cells[:, 0] + cells[:, 3]) / cells.sum(axis=1)
    gaps = disparities(counts.counts)
    t1 = time.perf_counter()
    report = fairness_report(counts, n_boot=200)
    t2 = time.perf_counter()
    names = {
        "selection_rate": "selection_rate",
        "tpr": "true_positive_rate",
        "fpr": "false_positive_rate",
        "fnr": "false_negative_rate",
        "accuracy": "accuracy",
    }
    return {
        "rows": table.num_rows,
        "groups": len(counts.groups),
        "read_s": read_s,
        "rss_after_read_mb": rss_after_read,
        "total_s": t1 - t0,
        "with_intervals_s": t2 - t1,
        "cpu_s": _cpu_s() - cpu0,
        "by_group": {
            g: {names[m]: float(v[i]) for m, v in rates.items()}
            for i, g in enumerate(counts.groups)
        },
        "disparities": {k: float(v) for k, v in gaps.items()},
        "interval_verdicts": {k: str(v) for k, v in report.verdicts.items()},
    }


def _ingest_frame(path: Path) -> Any:
    """The current frame with what a serving loop logs: score, id and a timestamp."""
    import numpy as np
    import pandas as pd

    frame = pd.read_parquet(path)
    n = len(frame)
    rng = np.random.default_rng(11)
    frame["score"] = rng.random(n)
    ids = pd.Series(np.arange(n)).map("s{:08d}".format)
    start = pd.Timestamp(datetime.now(UTC) - timedelta(days=INGEST_DAYS + 1)).floor("D")
    stamps = start + pd.to_timedelta(np.arange(n) * (INGEST_DAYS * 86_400 / n), unit="s")
    return frame, ids, pd.Series(stamps)


def headway_ingest(args: argparse.Namespace) -> dict[str, Any]:
    import headway

    frame, ids, stamps = _ingest_frame(Path(args.current))
    reference = monitoring_data.make_frame(args.reference_rows, monitoring_data.REFERENCE_SEED)
    reference["score"] = 0.5
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        monitor = headway.Monitor(
            "bench",
            name="ingest",
            reference=reference,
            features=[*monitoring_data.NUMERICAL, *monitoring_data.CATEGORICAL],
            categorical=list(monitoring_data.CATEGORICAL),
            prediction="score",
            window="1d",
            dir=tmp,
        )
        rss_before = _peak_rss_mb()
        n = len(frame)
        log_s = 0.0
        t0 = time.perf_counter()
        for lo in range(0, n, BATCH_ROWS):
            hi = min(n, lo + BATCH_ROWS)
            s0 = time.perf_counter()
            monitor.log(frame.iloc[lo:hi], ids=ids.iloc[lo:hi], timestamps=stamps.iloc[lo:hi])
            log_s += time.perf_counter() - s0
        monitor.flush()
        durable_s = time.perf_counter() - t0
        c0 = time.perf_counter()
        report = monitor.compute()
        compute_s = time.perf_counter() - c0
        monitor.close()
        files = list(Path(tmp).rglob("*"))
        disk_mb = sum(f.stat().st_size for f in files if f.is_file()) / 1e6
    return {
        "rows": n,
        "batches": -(-n // BATCH_ROWS),
        "log_s": log_s,
        "durable_s": durable_s,
        "caller_rows_per_s": n / log_s,
        "durable_rows_per_s": n / durable_s,
        "compute_s": compute_s,
        "windows": report.windows,
        "rss_before_log_mb": rss_before,
        "store_mb": disk_mb,
    }


def parquet_floor(args: argparse.Namespace) -> dict[str, Any]:
    """The floor under ingestion: convert and write the same rows, one zstd Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame, ids, stamps = _ingest_frame(Path(args.current))
    frame["id"] = ids
    frame["timestamp"] = stamps
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        t0 = time.perf_counter()
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False),
            Path(tmp) / "rows.parquet",
            compression="zstd",
        )
        took = time.perf_counter() - t0
    return {"rows": len(frame), "durable_s": took, "durable_rows_per_s": len(frame) / took}


HEADWAY_WORKERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "drift": headway_drift,
    "window": headway_window,
    "fairness": headway_fairness,
    "ingest": headway_ingest,
    "floor": parquet_floor,
}


def _worker_main(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    result = HEADWAY_WORKERS[args.worker](args)
    result.update({"peak_rss_mb": _peak_rss_mb(), "loadavg_before": list(load), "ok": True})
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# --------------------------------------------------------------------------- driver


def _run(cmd: list[str], timeout: float) -> dict[str, Any]:
    env = envs.worker_env()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f}s"}
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return dict(json.loads(line[len(RESULT_PREFIX) :]))
    tail = "\n".join(proc.stderr.strip().splitlines()[-12:])
    return {"ok": False, "error": f"exit code {proc.returncode}\n{tail}"}


def _headway(worker: str, extra: list[str], args: argparse.Namespace) -> dict[str, Any]:
    python = str(envs.REPO_DIR / ".venv" / "bin" / "python")
    cmd = [python, str(Path(__file__).resolve()), "--worker", worker, *extra]
    best: dict[str, Any] | None = None
    for _ in range(args.repeat):
        res = _run(cmd, args.timeout)
        if not res.get("ok"):
            return res
        key = "durable_s" if "durable_s" in res else "total_s"
        if best is None or res[key] < best[key]:
            best = res
    assert best is not None
    return best


def _peers(
    inputs: monitoring_data.MonitoringInputs, tools: list[str], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    if not tools:
        return {}
    env = envs.tool_env("monitoring", reinstall=args.reinstall, install=not args.no_install)
    if not env.ok or env.python is None:
        return {t: {"ok": False, "error": env.error or "no venv"} for t in tools}
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        out = Path(tmp) / "peers.json"
        cmd = [
            str(env.python),
            str(BENCH_DIR / "monitoring_peers.py"),
            *inputs.peer_args(),
            "--only",
            ",".join(tools),
            "--repeat",
            str(args.peer_repeat),
            "--timeout",
            str(args.timeout),
            "--nannyml-chunks",
            str(WINDOWS),
            "--out",
            str(out),
        ]
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, text=True, check=False)
        if proc.returncode != 0 or not out.exists():
            return {
                t: {"ok": False, "error": f"monitoring_peers.py exit {proc.returncode}"}
                for t in tools
            }
        doc = json.loads(out.read_text())
    found: dict[str, dict[str, Any]] = {}
    for tool in tools:
        res = dict(doc["tools"].get(tool, {"error": "not run"}))
        res["ok"] = "error" not in res
        found[tool] = res
    return found


def _row(tool: str, label: str, size: int, res: dict[str, Any]) -> dict[str, Any]:
    return {
        "tool": tool,
        "label": label,
        "size": size,
        "ok": bool(res.get("ok")),
        "error": res.get("error"),
        "result": res,
    }


def _max_abs_diff(ours: dict[str, Any], theirs: dict[str, Any]) -> float | None:
    diffs: list[float] = []
    for group, metrics in theirs.get("by_group", {}).items():
        for metric, value in metrics.items():
            mine = ours.get("by_group", {}).get(group, {}).get(metric)
            if mine is None or value is None:
                return None
            diffs.append(abs(mine - value))
    for name, value in theirs.get("disparities", {}).items():
        mine = ours.get("disparities", {}).get(name)
        if mine is None or value is None:
            return None
        diffs.append(abs(mine - value))
    return max(diffs) if diffs else None


DRIFT_COLUMNS = [
    Column("total_s", "time s"),
    Column("peak_rss_mb", "peak RSS MB", digits=0),
    Column("drifted_text", "drifted columns", ratio=False),
    Column("as_expected", "flags exactly the injected drift", ratio=False),
]
FAIRNESS_COLUMNS = [
    Column("total_s", "time s"),
    Column("peak_rss_mb", "peak RSS MB", digits=0),
    Column("max_abs_diff", "max |Δ| vs fairlearn", ratio=False),
]
INGEST_COLUMNS = [
    Column("caller_rows_per_s", "log() rows/s", lower_is_better=False, ratio=False, digits=0),
    Column("durable_rows_per_s", "durable rows/s", lower_is_better=False, digits=0),
    Column("durable_s", "to durable s"),
    Column("compute_s", "compute 10 windows s", ratio=False),
    Column("peak_rss_mb", "peak RSS MB", digits=0, ratio=False),
]


def _drift_display(res: dict[str, Any], key: str, expected: tuple[str, ...]) -> None:
    if not res.get("ok"):
        return
    cols = res.get(key) or []
    extra = [c for c in cols if c not in expected]
    if len(cols) <= len(expected):
        res["drifted_text"] = ", ".join(cols) or "none"
    else:
        res["drifted_text"] = f"{len(cols)}, of which not injected: {', '.join(extra[:3])}, …"
    res["as_expected"] = sorted(cols) == sorted(expected)


def bench_size(
    n: int, tools: list[str], args: argparse.Namespace, doc: dict[str, Any]
) -> list[str]:
    _log(f"writing inputs for n={n:,} (cached in {CACHE}) ...")
    inputs = monitoring_data.write_inputs(CACHE, n, fairness_rows=args.fairness_rows)
    files = ["--reference", str(inputs.reference), "--current", str(inputs.current)]
    expected = monitoring_data.EXPECTED_DRIFTED
    tables: list[str] = []
    peers = _peers(inputs, [t for t in PEERS if t in tools and t != "fairlearn"], args)

    # Drift, one window.
    rows: list[dict[str, Any]] = []
    if "headway" in tools:
        _log(f"headway drift, one window, n={n:,} ...")
        res = _headway("drift", [*files, "--windows", "1"], args)
        _drift_display(res, "drifted", expected)
        rows.append(_row("headway", "headway (fit + drift)", n, res))
        _log(f"headway whole window, n={n:,} ...")
        whole = _headway("window", files, args)
        _drift_display(whole, "drifted", expected)
        rows.append(_row("headway-window", "headway (fit + whole window)", n, whole))
    if "evidently" in peers:
        res = peers["evidently"]
        _drift_display(res, "drifted", expected)
        rows.append(_row("evidently", f"evidently {res.get('version', '')}", n, res))
    title = f"Drift, one window: {n:,} reference x {n:,} current x 30 columns"
    tables.append(title + "\n" + render_table("drift", rows, DRIFT_COLUMNS))
    doc["drift_one_window"][str(n)] = rows

    # Drift, ten windows.
    rows = []
    if "headway" in tools:
        _log(f"headway drift, {WINDOWS} windows, n={n:,} ...")
        res = _headway("drift", [*files, "--windows", str(WINDOWS)], args)
        _drift_display(res, "drifted_any_window", expected)
        rows.append(_row("headway", f"headway (fit + {WINDOWS} windows)", n, res))
    if "nannyml" in peers:
        res = peers["nannyml"]
        _drift_display(res, "alerted", expected)
        rows.append(_row("nannyml", f"nannyml {res.get('version', '')}", n, res))
    title = f"Drift, {WINDOWS} windows of {n // WINDOWS:,} rows against {n:,} reference rows"
    tables.append(title + "\n" + render_table("drift", rows, DRIFT_COLUMNS))
    doc["drift_ten_windows"][str(n)] = rows
    return tables


def bench_fairness(tools: list[str], args: argparse.Namespace, doc: dict[str, Any]) -> str:
    rows_n = args.fairness_rows
    inputs = monitoring_data.write_inputs(CACHE, args.sizes[0], fairness_rows=rows_n)
    rows: list[dict[str, Any]] = []
    ours: dict[str, Any] = {}
    if "headway" in tools:
        _log(f"headway fairness, {rows_n:,} rows ...")
        ours = _headway("fairness", ["--fairness", str(inputs.fairness)], args)
        rows.append(_row("headway", "headway (counts → rates → disparities)", rows_n, ours))
        if ours.get("ok"):
            boot = {"ok": True, "total_s": ours["total_s"] + ours["with_intervals_s"]}
            boot["peak_rss_mb"] = ours["peak_rss_mb"]
            rows.append(_row("headway-boot", "headway (+ 200 bootstrap intervals)", rows_n, boot))
    if "fairlearn" in tools:
        res = _peers(inputs, ["fairlearn"], args)["fairlearn"]
        if res.get("ok") and ours.get("ok"):
            res["max_abs_diff"] = _max_abs_diff(ours, res)
        rows.append(_row("fairlearn", f"fairlearn {res.get('version', '')}", rows_n, res))
    doc["fairness"] = rows
    title = f"Fairness: {rows_n:,} rows, 4 groups, 5 metrics per group + 4 disparities"
    return title + "\n" + render_table("fairness", rows, FAIRNESS_COLUMNS)


def bench_ingest(n: int, args: argparse.Namespace, doc: dict[str, Any]) -> str:
    inputs = monitoring_data.write_inputs(CACHE, n, fairness_rows=args.fairness_rows)
    _log(f"headway ingestion of {n:,} rows ...")
    res = _headway("ingest", ["--current", str(inputs.current), "--reference-rows", "100000"], args)
    rows = [_row("headway", f"headway monitor.log ({BATCH_ROWS:,}-row batches)", n, res)]
    floor = _headway("floor", ["--current", str(inputs.current)], args)
    rows.append(_row("floor", "floor: pyarrow → one zstd Parquet file", n, floor))
    doc["ingest"] = rows
    title = (
        f"Ingestion: {n:,} predictions x 31 columns over {INGEST_DAYS} days, "
        "then compute every daily window"
    )
    return title + "\n" + render_table("ingest", rows, INGEST_COLUMNS)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows only")
    parser.add_argument(
        "--sizes", default=None, help="rows per frame, comma separated (default 100000,1000000)"
    )
    parser.add_argument("--only", default="headway," + ",".join(PEERS))
    parser.add_argument("--repeat", type=int, default=3, help="Headway: best of N fresh processes")
    parser.add_argument(
        "--peer-repeat", type=int, default=1, help="peers: best of N (each takes minutes)"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement")
    parser.add_argument("--no-install", action="store_true")
    parser.add_argument("--reinstall", action="store_true")
    # Worker mode (internal).
    parser.add_argument("--worker", choices=sorted(HEADWAY_WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    parser.add_argument("--current", help=argparse.SUPPRESS)
    parser.add_argument("--fairness", help=argparse.SUPPRESS)
    parser.add_argument("--windows", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--reference-rows", type=int, default=100_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sizes:
        args.sizes = [int(s) for s in args.sizes.split(",") if s]
    else:
        args.sizes = [100_000] if args.quick else [100_000, 1_000_000]
    args.fairness_rows = 100_000 if args.quick else monitoring_data.FAIRNESS_ROWS
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        _worker_main(args)
        return 0
    tools = [t for t in args.only.split(",") if t]
    unknown = sorted(set(tools) - {"headway", *PEERS})
    if unknown:
        raise SystemExit(f"unknown tool(s) {unknown}; expected headway or {', '.join(PEERS)}")
    started = time.strftime("%Y%m%d-%H%M%S")
    doc: dict[str, Any] = {
        "started": started,
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "loadavg": list(os.getloadavg()),
        },
        "sizes": args.sizes,
        "drift_one_window": {},
        "drift_ten_windows": {},
    }
    tables: list[str] = []
    for n in args.sizes:
        tables += bench_size(n, tools, args, doc)
        print("\n\n".join(tables[-2:]) + "\n", flush=True)
    if "headway" in tools or "fairlearn" in tools:
        tables.append(bench_fairness(tools, args, doc))
        print(tables[-1] + "\n", flush=True)
    if "headway" in tools:
        tables.append(bench_ingest(max(args.sizes), args, doc))
        print(tables[-1] + "\n", flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"monitoring-{started}.json"
    out.write_text(json.dumps(doc, indent=2, default=str))
    print("=" * 80)
    print("Monitoring benchmark (ratios: peer / headway; 10x = Headway ten times better)\n")
    print("\n\n".join(tables))
    print(f"\nload average now {fmt_number(os.getloadavg()[0])}; results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
