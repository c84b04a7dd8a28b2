"""Alert rule evaluation speed: Headway's condition engine alone.

    .venv/bin/python benchmarks/alerts.py [--quick] [--repeat 5] [--json PATH]

Times :mod:`headway.alerting.conditions` judging every point of random series (normal values,
mean 10 and std 1, with 1 % spikes of +8 and 1 % missing, daily timestamps) for five
conditions: a threshold (``above 12.5``, ``for_windows=2``), a drop against a rolling
baseline, and z-score, EWMA and day-of-week seasonal z-score anomalies. Two workloads:

- **(a) 1,000 rules x 10 windows** (10,000 points): once as one ``evaluate_many`` call on a
  1,000 x 10 array (rules sharing a condition), and once as 1,000 ``evaluate`` calls on
  ten-point ``Series`` — what the alert service does when every rule has its own condition.
- **(b) 1,000 rules x 10,000 windows** (10 M points): one ``evaluate_many`` call on a
  1,000 x 10,000 array. ``--quick`` uses 100 rules here.

Each number is the best of ``--repeat`` runs (default 5) in this process; points per
second are points judged divided by that time. There is no open-source peer that evaluates
alert rules over series as a library (Prometheus and Grafana evaluate rules inside their
servers, over their own storage), so only Headway's figures are printed. Results also go
to ``benchmarks/.work/alerts-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from headway.alerting.conditions import Series, evaluate, evaluate_many
from headway.entities.alerts import Anomaly, Change, Condition, Threshold

BENCH_DIR = Path(__file__).resolve().parent
WORK_ROOT = BENCH_DIR / ".work"
NO_PEER = (
    "No open-source peer evaluates alert rules over series as a library (Prometheus and "
    "Grafana do it inside their servers, over their own storage): Headway's figures only."
)

CONDITIONS: dict[str, Condition] = {
    "threshold": Threshold("above", 12.5, for_windows=2),
    "change": Change("drop", 0.2, "rolling", baseline_windows=5),
    "zscore": Anomaly("zscore", window=20, warmup=3),
    "ewma": Anomaly("ewma", window=20, warmup=3),
    "seasonal": Anomaly("zscore", window=8, warmup=3, seasonal="day_of_week"),
}


def make_data(rules: int, windows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = rng.normal(10.0, 1.0, size=(rules, windows))
    values += np.where(rng.random(values.shape) < 0.01, 8.0, 0.0)
    values[rng.random(values.shape) < 0.01] = np.nan
    times = np.datetime64("2000-01-03", "us") + np.arange(windows) * np.timedelta64(1, "D")
    return times, values


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def evaluate_each(condition: Condition, series: list[Series]) -> None:
    for s in series:
        evaluate(condition, s)


def fmt_rate(points: int, seconds: float) -> str:
    rate = points / seconds
    return f"{rate / 1e6:,.1f} M/s" if rate >= 1e6 else f"{rate / 1e3:,.0f} k/s"


def run(args: argparse.Namespace) -> dict[str, Any]:
    small_times, small = make_data(1000, 10)
    series = [Series(small_times, row) for row in small]
    big_rules = 100 if args.quick else 1000
    big_times, big = make_data(big_rules, 10_000, seed=1)
    rows: dict[str, Any] = {}
    for name, condition in CONDITIONS.items():
        batch_small = best_of(partial(evaluate_many, condition, small, small_times), args.repeat)
        loop_small = best_of(partial(evaluate_each, condition, series), max(1, args.repeat // 2))
        batch_big = best_of(partial(evaluate_many, condition, big, big_times), args.repeat)
        firing = int(evaluate_many(condition, big, big_times).firing[:, -1].sum())
        rows[name] = {
            "condition": condition.to_dict(),
            "a_batch_s": batch_small,
            "a_loop_s": loop_small,
            "b_rules": big_rules,
            "b_batch_s": batch_big,
            "b_points": int(big.size),
            "b_firing_at_end": firing,
        }
        print(f"[alerts] {name} done", file=sys.stderr, flush=True)
    return rows


def table(rows: dict[str, Any]) -> str:
    big_rules = next(iter(rows.values()))["b_rules"]
    head = (
        f"{'condition':<10} {'(a) batch':>11} {'pts/s':>11} {'(a) per rule':>13} "
        f"{'pts/s':>11} {'(b) batch':>10} {'pts/s':>11} {'firing':>7}"
    )
    lines = [
        "(a) 1,000 rules x 10 windows = 10,000 points; "
        f"(b) {big_rules:,} rules x 10,000 windows = {big_rules * 10_000:,} points",
        "(a) batch: one evaluate_many call; (a) per rule: 1,000 evaluate calls; "
        "firing: (b) rules firing after the last window",
        "",
        head,
        "-" * len(head),
    ]
    for name, r in rows.items():
        lines.append(
            f"{name:<10} {r['a_batch_s'] * 1e3:>8.2f} ms {fmt_rate(10_000, r['a_batch_s']):>11} "
            f"{r['a_loop_s'] * 1e3:>10.1f} ms {fmt_rate(10_000, r['a_loop_s']):>11} "
            f"{r['b_batch_s']:>8.3f} s {fmt_rate(r['b_points'], r['b_batch_s']):>11} "
            f"{r['b_firing_at_end']:>7}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="(b) with 100 rules, not 1,000")
    parser.add_argument("--repeat", type=int, default=5, help="best of N runs")
    parser.add_argument("--json", type=Path, help="where to write the results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = run(args)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.json or WORK_ROOT / f"alerts-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": "alerts",
        "at": stamp,
        "quick": args.quick,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "peak_rss_mb": peak_mb,
        "results": rows,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print("=" * 80)
    print(f"Alert rule evaluation, best of {args.repeat}\n")
    print(table(rows))
    print(f"\n{NO_PEER}")
    print(
        f"\npeak RSS {peak_mb:,.0f} MB; load average now {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs; results: {out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
