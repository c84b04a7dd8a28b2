"""The peers' side of the monitoring benchmark: Evidently, NannyML and fairlearn on the same
Parquet inputs as Headway. Runs in the peer venv ``benchmarks/.venvs/monitoring``
(``envs.tool_env("monitoring")`` creates it: evidently 0.7.23, nannyml 0.13.1, fairlearn
0.15.0, pandas < 3, pyarrow).

    benchmarks/.venvs/monitoring/bin/python benchmarks/monitoring_peers.py \\
        --reference ref.parquet --current cur.parquet \\
        --numerical a,b,... --categorical c,d,... \\
        --fairness fair.parquet [--fairness-group group] [--fairness-true y_true] \\
        [--fairness-pred y_pred] [--only evidently,nannyml,fairlearn] [--repeat 1] \\
        [--nannyml-chunks 10] [--timeout 3600] --out result.json

``benchmarks/monitoring_data.py`` writes matching inputs; its ``MonitoringInputs.peer_args()``
gives every argument but ``--out``.

What is measured, each tool in its own fresh process (so ``ru_maxrss`` is that tool's peak):

- ``evidently``: ``Report([DataDriftPreset()], include_tests=True)`` with an explicit
  ``DataDefinition(numerical_columns=..., categorical_columns=...)``, current vs reference.
  Timed: ``dataset_s`` (two ``Dataset.from_pandas``), ``report_s`` (``Report.run``),
  ``total_s`` (both). Results: per column ``method``, ``score``, ``threshold`` and ``drift``
  (from the column's ValueDrift test: FAIL = drift), the drifted columns, their share and
  ``dataset_drift`` (the share test failed, i.e. share ≥ 0.5).
- ``nannyml``: ``UnivariateDriftCalculator`` with default methods (Jensen-Shannon for both
  column types), categorical columns declared, ``chunk_number`` chunks (default 10, so the
  reference has 10 chunks). Timed: ``fit_s``, ``calculate_s``, ``total_s``. Results: per
  column the mean and max analysis-chunk value, the threshold and the number of alerting
  chunks; the columns with any alert.
- ``fairlearn``: ``MetricFrame`` with selection_rate, true_positive_rate,
  false_positive_rate, false_negative_rate and accuracy_score by the group column
  (``metric_frame_s`` includes ``.by_group``), then ``demographic_parity_difference``,
  ``demographic_parity_ratio``, ``equalized_odds_difference`` and
  ``equal_opportunity_difference`` (``disparities_s``). Results: every per-group value and
  every disparity.

Every tool reports ``read_s`` (Parquet → pandas, excluded from the tool's time),
``rss_after_read_mb`` and ``peak_rss_mb`` (``resource.getrusage(RUSAGE_SELF).ru_maxrss``),
``cpu_s`` (user + system of the measured part), the load average before and after, and
versions. With ``--repeat N`` each tool runs N times (fresh processes): ``runs`` has every
run, the top-level fields are the fastest run's.

Output: the JSON document is written to ``--out`` and printed as one stdout line prefixed
with ``BENCH_RESULT ``. A tool that fails or times out gets ``{"error": ...}``; the others
still run. Exit code 0 unless the arguments are wrong.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "
TOOLS = ("evidently", "nannyml", "fairlearn")
TIME_KEY = {"evidently": "total_s", "nannyml": "total_s", "fairlearn": "total_s"}

# NannyML sends usage statistics by default; this machine has no route out anyway.
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _num(value: Any) -> Any:
    """JSON-safe number: numpy scalars → Python, NaN/inf → None."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return f if math.isfinite(f) else None


def _split(text: str) -> list[str]:
    return [c for c in text.split(",") if c]


def _read(paths: list[str], columns: list[str] | None) -> tuple[list[Any], float]:
    import pandas as pd

    t0 = time.perf_counter()
    frames = [pd.read_parquet(p, columns=columns) for p in paths]
    return frames, time.perf_counter() - t0


# --------------------------------------------------------------------------- workers


def run_evidently(args: argparse.Namespace) -> dict[str, Any]:
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    numerical, categorical = _split(args.numerical), _split(args.categorical)
    (ref, cur), read_s = _read([args.reference, args.current], numerical + categorical)
    rss_after_read = _peak_rss_mb()
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    cur_ds = Dataset.from_pandas(cur, data_definition=definition)
    ref_ds = Dataset.from_pandas(ref, data_definition=definition)
    t1 = time.perf_counter()
    snapshot = Report([DataDriftPreset()], include_tests=True).run(cur_ds, ref_ds)
    t2 = time.perf_counter()
    cpu = _cpu_s() - cpu0
    doc = snapshot.dict()

    columns: dict[str, dict[str, Any]] = {}
    share = None
    for metric in doc["metrics"]:
        config = metric.get("config", {})
        kind = str(config.get("type", ""))
        if kind.endswith("ValueDrift"):
            columns[config["column"]] = {
                "method": config.get("method"),
                "score": _num(metric["value"]),
                "threshold": _num(config.get("threshold")),
                "drift": None,
            }
        elif kind.endswith("DriftedColumnsCount"):
            share = _num(metric["value"]["share"])
    dataset_drift = None
    for test in doc.get("tests", []):
        params = test.get("metric_config", {}).get("params", {})
        kind = str(params.get("type", ""))
        failed = test.get("status") == "FAIL"
        if kind.endswith("ValueDrift") and params.get("column") in columns:
            columns[params["column"]]["drift"] = failed
        elif kind.endswith("DriftedColumnsCount"):
            dataset_drift = failed
    return {
        "version": evidently.__version__,
        "rows_reference": len(ref),
        "rows_current": len(cur),
        "n_numerical": len(numerical),
        "n_categorical": len(categorical),
        "read_s": read_s,
        "rss_after_read_mb": rss_after_read,
        "dataset_s": t1 - t0,
        "report_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": cpu,
        "columns": columns,
        "drifted": sorted(c for c, v in columns.items() if v["drift"]),
        "drift_share": share,
        "dataset_drift": dataset_drift,
    }


def run_nannyml(args: argparse.Namespace) -> dict[str, Any]:
    import nannyml

    numerical, categorical = _split(args.numerical), _split(args.categorical)
    (ref, cur), read_s = _read([args.reference, args.current], numerical + categorical)
    rss_after_read = _peak_rss_mb()
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    calc = nannyml.UnivariateDriftCalculator(
        column_names=numerical + categorical,
        treat_as_categorical=categorical,
        chunk_number=args.nannyml_chunks,
    )
    calc.fit(ref)
    t1 = time.perf_counter()
    result = calc.calculate(cur)
    t2 = time.perf_counter()
    cpu = _cpu_s() - cpu0

    frame = result.filter(period="analysis").to_df()
    columns: dict[str, dict[str, Any]] = {}
    for column in numerical + categorical:
        methods = sorted({m for c, m, _ in frame.columns if c == column})
        for method in methods:
            values = frame[(column, method, "value")].astype(float)
            alerts = frame[(column, method, "alert")].fillna(False).astype(bool)
            columns[column] = {
                "method": method,
                "mean": _num(values.mean()),
                "max": _num(values.max()),
                "upper_threshold": _num(frame[(column, method, "upper_threshold")].iloc[0]),
                "alert_chunks": int(alerts.sum()),
                "chunks": len(values),
            }
    return {
        "version": nannyml.__version__,
        "rows_reference": len(ref),
        "rows_current": len(cur),
        "chunk_number": args.nannyml_chunks,
        "read_s": read_s,
        "rss_after_read_mb": rss_after_read,
        "fit_s": t1 - t0,
        "calculate_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": cpu,
        "columns": columns,
        "alerted": sorted(c for c, v in columns.items() if v["alert_chunks"] > 0),
    }


def run_fairlearn(args: argparse.Namespace) -> dict[str, Any]:
    import fairlearn
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        demographic_parity_ratio,
        equal_opportunity_difference,
        equalized_odds_difference,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    cols = [args.fairness_group, args.fairness_true, args.fairness_pred]
    (frame,), read_s = _read([args.fairness], cols)
    group = frame[args.fairness_group]
    y_true = frame[args.fairness_true].to_numpy()
    y_pred = frame[args.fairness_pred].to_numpy()
    rss_after_read = _peak_rss_mb()
    metrics: dict[str, Callable[..., Any]] = {
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
        "accuracy": accuracy_score,
    }
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    mf = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=group)
    by_group = mf.by_group
    t1 = time.perf_counter()
    functions = {
        "demographic_parity_difference": demographic_parity_difference,
        "demographic_parity_ratio": demographic_parity_ratio,
        "equalized_odds_difference": equalized_odds_difference,
        "equal_opportunity_difference": equal_opportunity_difference,
    }
    disparities: dict[str, Any] = {}
    disparity_s: dict[str, float] = {}
    for name, fn in functions.items():
        s0 = time.perf_counter()
        disparities[name] = _num(fn(y_true, y_pred, sensitive_features=group))
        disparity_s[name] = time.perf_counter() - s0
    t2 = time.perf_counter()
    cpu = _cpu_s() - cpu0
    return {
        "version": fairlearn.__version__,
        "rows": len(frame),
        "groups": int(group.nunique()),
        "read_s": read_s,
        "rss_after_read_mb": rss_after_read,
        "metric_frame_s": t1 - t0,
        "disparities_s": t2 - t1,
        "disparity_function_s": disparity_s,
        "total_s": t2 - t0,
        "cpu_s": cpu,
        "by_group": {
            str(g): {m: _num(v) for m, v in row.items()} for g, row in by_group.iterrows()
        },
        "disparities": disparities,
    }


WORKERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "evidently": run_evidently,
    "nannyml": run_nannyml,
    "fairlearn": run_fairlearn,
}


def _worker_main(args: argparse.Namespace) -> None:
    load_before = os.getloadavg()
    result = WORKERS[args.worker](args)
    result.update(
        {
            "tool": args.worker,
            "peak_rss_mb": _peak_rss_mb(),
            "loadavg_before": list(load_before),
            "loadavg_after": list(os.getloadavg()),
        }
    )
    Path(args.out).write_text(json.dumps(result, indent=2))


# --------------------------------------------------------------------------- driver


def _child_args(args: argparse.Namespace, tool: str, out: Path) -> list[str]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--out", str(out)]
    for name in (
        "reference",
        "current",
        "numerical",
        "categorical",
        "fairness",
        "fairness_group",
        "fairness_true",
        "fairness_pred",
        "nannyml_chunks",
    ):
        value = getattr(args, name)
        if value is not None:
            argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


def _run_tool(args: argparse.Namespace, tool: str, workdir: Path) -> dict[str, Any]:
    out = workdir / f"{tool}.json"
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            _child_args(args, tool, out),
            capture_output=True,
            text=True,
            timeout=args.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"tool": tool, "error": f"timed out after {args.timeout:.0f}s"}
    if proc.returncode != 0 or not out.exists():
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        return {"tool": tool, "error": f"exit code {proc.returncode}\n{tail}"}
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_s"] = time.perf_counter() - started
    return result


def _driver_main(args: argparse.Namespace) -> None:
    only = _split(args.only)
    unknown = sorted(set(only) - set(TOOLS))
    if unknown:
        raise SystemExit(f"unknown tool(s) {unknown}; expected some of {list(TOOLS)}")
    needs = {
        "evidently": ("reference", "current", "numerical", "categorical"),
        "nannyml": ("reference", "current", "numerical", "categorical"),
        "fairlearn": ("fairness",),
    }
    tools = []
    for tool in only:
        missing = [n for n in needs[tool] if not getattr(args, n)]
        if missing:
            print(
                f"[monitoring_peers] skipping {tool}: no --{', --'.join(missing)}", file=sys.stderr
            )
        else:
            tools.append(tool)
    document: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "repeat": args.repeat,
        "inputs": {
            "reference": args.reference,
            "current": args.current,
            "fairness": args.fairness,
            "numerical": _split(args.numerical or ""),
            "categorical": _split(args.categorical or ""),
        },
        "tools": {},
    }
    with tempfile.TemporaryDirectory(prefix="monitoring-peers-") as tmp:
        for tool in tools:
            runs = []
            for i in range(args.repeat):
                print(f"[monitoring_peers] {tool} run {i + 1}/{args.repeat} ...", file=sys.stderr)
                runs.append(_run_tool(args, tool, Path(tmp)))
            ok = [r for r in runs if "error" not in r]
            if ok:
                best = dict(min(ok, key=lambda r: r[TIME_KEY[tool]]))
                if args.repeat > 1:
                    best["runs"] = runs
                document["tools"][tool] = best
            else:
                document["tools"][tool] = {"tool": tool, "error": runs[-1]["error"], "runs": runs}
            print(
                f"[monitoring_peers] {tool}: "
                + (
                    f"{document['tools'][tool][TIME_KEY[tool]]:.2f} s"
                    if ok
                    else document["tools"][tool]["error"].splitlines()[0]
                ),
                file=sys.stderr,
            )
    text = json.dumps(document)
    if args.out:
        Path(args.out).write_text(json.dumps(document, indent=2))
    print(RESULT_PREFIX + text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time Evidently, NannyML and fairlearn on Parquet inputs (run in the "
        "benchmarks/.venvs/monitoring venv).",
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--reference", help="reference frame (Parquet)")
    parser.add_argument("--current", help="current frame (Parquet), same columns")
    parser.add_argument("--numerical", default="", help="comma-separated numerical columns")
    parser.add_argument("--categorical", default="", help="comma-separated categorical columns")
    parser.add_argument("--fairness", help="fairness frame (Parquet): group, y_true, y_pred")
    parser.add_argument("--fairness-group", default="group", help="sensitive attribute column")
    parser.add_argument("--fairness-true", default="y_true", help="true label column (0/1)")
    parser.add_argument("--fairness-pred", default="y_pred", help="predicted label column (0/1)")
    parser.add_argument(
        "--only", default=",".join(TOOLS), help=f"tools to run (default: {','.join(TOOLS)})"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="fresh-process runs per tool; fastest reported"
    )
    parser.add_argument("--nannyml-chunks", type=int, default=10, help="NannyML chunk_number")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds per tool run before it is killed"
    )
    parser.add_argument("--out", help="write the JSON result here (also printed to stdout)")
    parser.add_argument("--worker", choices=TOOLS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        _worker_main(args)
    else:
        _driver_main(args)


if __name__ == "__main__":
    main()
