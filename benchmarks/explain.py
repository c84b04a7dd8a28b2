"""Explanation speed: what explaining one monitoring window costs, through Headway and shap.

    .venv/bin/python benchmarks/explain.py [--quick] [--repeat 3] [--json PATH]

A scikit-learn ``GradientBoostingClassifier`` (100 trees of depth 3) is trained on 20,000
synthetic rows of 20 numerical features (``make_classification``, 8 informative, seed 0),
then :func:`headway.monitoring.explain.explain` explains fresh rows of the same kind:

- **SHAP, tree**: ``method="shap"`` on 10,000 rows: shap's ``TreeExplainer``
  (path-dependent, log-odds).
- **SHAP, linear**: a ``LogisticRegression`` on the same data, ``method="shap"`` on
  10,000 rows with 100 background rows: Headway's closed form against shap's
  ``LinearExplainer`` with an independent masker over the same background (the same
  values; the benchmark checks they agree).
- **SHAP, model-agnostic**: the same model behind a plain function of a DataFrame
  (P(class 1)), so shap's ``PermutationExplainer`` runs, on 1,000 rows with 100 background
  rows from the training data and 10 antithetic permutations per row. Shap compiles its
  masking code with numba on first use in a process; that one-off cost is timed apart
  (``jit warm-up``) and kept out of the figure.
- **permutation fallback**: ``method="permutation"`` on 10,000 rows (occlusion values and
  permutation importance without outcomes, 5 shuffles per column): what a monitor without
  shap installed pays.

``--quick`` explains 2,000 / 100 / 2,000 rows. There is no other open-source peer: Headway
wraps shap, so each SHAP row also times shap called directly on the same rows (NumPy input,
no sampling, no mapping back to raw columns), and the difference is Headway's overhead. The
figure a user pays per window is Headway's. Each number is the best of ``--repeat`` runs
(at most 2 for the model-agnostic rows, which take about a minute each), Headway and shap
taking turns so that load from other processes falls on both alike. Results also go to
``benchmarks/.work/explain-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from headway.monitoring.explain import BACKGROUND_ROWS, PERMUTATIONS, explain

BENCH_DIR = Path(__file__).resolve().parent
WORK_ROOT = BENCH_DIR / ".work"
FEATURES = 20
TRAIN_ROWS = 20_000
PEER = (
    "Peer: shap itself (Headway wraps it; no other open-source library computes SHAP values "
    "for scikit-learn models as a library), so 'shap direct' is shap alone on the same rows "
    "and the Headway figure is what a user pays per window."
)


def make_model() -> tuple[GradientBoostingClassifier, pd.DataFrame, pd.DataFrame]:
    X, y = make_classification(
        n_samples=TRAIN_ROWS + 10_000,
        n_features=FEATURES,
        n_informative=8,
        n_redundant=4,
        random_state=0,
    )
    columns = [f"x{i:02d}" for i in range(FEATURES)]
    frame = pd.DataFrame(X, columns=columns)
    train, fresh = frame.iloc[:TRAIN_ROWS], frame.iloc[TRAIN_ROWS:]
    model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
    model.fit(train, y[:TRAIN_ROWS])
    return model, train, fresh.reset_index(drop=True)


def best_of(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Best time of each function, run in turns (A, B, A, B, ...) so that load from other
    processes on a shared machine falls on both alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def run(args: argparse.Namespace) -> dict[str, Any]:
    shap: Any = importlib.import_module("shap")

    tree_rows, agnostic_rows, fallback_rows = (
        (2_000, 100, 2_000) if args.quick else (10_000, 1_000, 10_000)
    )
    model, train, fresh = make_model()
    tree_X = fresh.iloc[:tree_rows]
    agnostic_X = fresh.iloc[:agnostic_rows]
    background = train.sample(BACKGROUND_ROWS, random_state=0)

    def positive(frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(model.predict_proba(frame)[:, 1])

    rows: dict[str, Any] = {}
    top: dict[str, list[str]] = {}

    def headway_tree() -> None:
        e = explain(model, tree_X, method="shap", max_rows=tree_rows)
        top["tree"] = list(e.importance)[:5]

    def shap_tree() -> None:
        shap.TreeExplainer(model).shap_values(tree_X.to_numpy(), check_additivity=False)

    headway_s, shap_s = best_of([headway_tree, shap_tree], args.repeat)
    rows["shap_tree"] = {"rows": tree_rows, "headway_s": headway_s, "shap_s": shap_s}
    print("[explain] tree done", file=sys.stderr, flush=True)

    linear = LogisticRegression(max_iter=1000).fit(train, model.predict(train))
    found: dict[str, np.ndarray] = {}

    def headway_linear() -> None:
        e = explain(linear, tree_X, background=background, method="shap", max_rows=tree_rows)
        found["headway"] = e.values[np.argsort(e.data.index.to_numpy())]
        top["linear"] = list(e.importance)[:5]

    def shap_linear() -> None:
        masker = shap.maskers.Independent(background.to_numpy(), BACKGROUND_ROWS)
        found["shap"] = np.asarray(
            shap.LinearExplainer(linear, masker).shap_values(tree_X.to_numpy())
        )

    headway_s, shap_s = best_of([headway_linear, shap_linear], args.repeat)
    agree = bool(np.allclose(found["headway"], found["shap"], atol=1e-8))
    rows["shap_linear"] = {
        "rows": tree_rows,
        "headway_s": headway_s,
        "shap_s": shap_s,
        "same_values": agree,
    }
    print("[explain] linear done", file=sys.stderr, flush=True)

    warm = time.perf_counter()
    explain(positive, agnostic_X.iloc[:2], background=background, method="shap")
    jit_s = time.perf_counter() - warm

    def headway_agnostic() -> None:
        e = explain(positive, agnostic_X, background=background, method="shap", max_rows=10**9)
        top["agnostic"] = list(e.importance)[:5]

    def shap_agnostic() -> None:
        masker = shap.maskers.Independent(background.to_numpy(), BACKGROUND_ROWS)
        explainer = shap.explainers.Permutation(
            lambda a: model.predict_proba(pd.DataFrame(a, columns=train.columns))[:, 1],
            masker,
            seed=0,
        )
        explainer(agnostic_X.to_numpy(), max_evals=PERMUTATIONS * (2 * FEATURES + 1), silent=True)

    headway_s, shap_s = best_of([headway_agnostic, shap_agnostic], min(args.repeat, 2))
    rows["shap_agnostic"] = {
        "rows": agnostic_rows,
        "headway_s": headway_s,
        "shap_s": shap_s,
        "jit_warmup_s": jit_s,
    }
    print("[explain] model-agnostic done", file=sys.stderr, flush=True)

    fallback_X = fresh.iloc[:fallback_rows]

    def headway_fallback() -> None:
        e = explain(model, fallback_X, method="permutation", max_rows=fallback_rows)
        top["fallback"] = list(e.importance)[:5]

    rows["permutation"] = {
        "rows": fallback_rows,
        "headway_s": best_of([headway_fallback], args.repeat)[0],
        "shap_s": None,
    }
    print("[explain] fallback done", file=sys.stderr, flush=True)
    return {"workloads": rows, "top_features": top, "shap": shap.__version__}


def fmt_rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}"


def table(results: dict[str, Any]) -> str:
    titles = {
        "shap_tree": "SHAP, tree (TreeExplainer)",
        "shap_linear": "SHAP, linear (LinearExplainer)",
        "shap_agnostic": "SHAP, model-agnostic (Permutation)",
        "permutation": "permutation fallback (no shap)",
    }
    head = (
        f"{'workload':<36} {'rows':>7} {'Headway s':>10} {'rows/s':>9} {'shap direct s':>14} "
        f"{'shap/Headway':>13}"
    )
    lines = [head, "-" * len(head)]
    for key, r in results["workloads"].items():
        peer = "-" if r["shap_s"] is None else f"{r['shap_s']:.3f}"
        ratio = "-" if r["shap_s"] is None else f"{r['shap_s'] / r['headway_s']:.2f}x"
        lines.append(
            f"{titles[key]:<36} {r['rows']:>7,} {r['headway_s']:>10.3f} "
            f"{fmt_rate(r['rows'], r['headway_s']):>9} {peer:>14} {ratio:>13}"
        )
    same = results["workloads"]["shap_linear"]["same_values"]
    lines.append(f"\nlinear: Headway's values equal shap's LinearExplainer's: {same}")
    jit = results["workloads"]["shap_agnostic"]["jit_warmup_s"]
    lines.append(f"\nshap's numba jit warm-up, once per process (not in the figures): {jit:.1f} s")
    lines.append(
        "top features: " + "; ".join(f"{k} {v}" for k, v in results["top_features"].items())
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 / 100 / 2,000 rows")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--json", type=Path, help="where to write the results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("shap") is None:
        print("benchmarks/explain.py needs shap: pip install -e '.[explain]'", file=sys.stderr)
        return 2
    results = run(args)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.json or WORK_ROOT / f"explain-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": "explain",
        "at": stamp,
        "quick": args.quick,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "peak_rss_mb": peak_mb,
        "results": results,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print("=" * 80)
    print(
        f"Explanations of a GradientBoostingClassifier (100 trees, depth 3, {FEATURES} "
        f"features), best of {args.repeat}; shap {results['shap']}\n"
    )
    print(table(results))
    print(f"\n{PEER}")
    print(
        f"\npeak RSS {peak_mb:,.0f} MB; load average now {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs; results: {out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
