"""Per-group confusion counts with one bincount + fairlearn-style metrics on 1M rows; optional fairlearn check.

Usage: .venv/bin/python research/monitoring/speed/fairness.py            (NumPy only)
       /tmp/monspeed-venv/bin/python research/monitoring/speed/fairness.py  (also fairlearn MetricFrame)
"""
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import cur_rss_mb, rss_mb  # noqa: E402

N, G = 1_000_000, 4
rng = np.random.default_rng(7)
groups = np.array(["none", "physical", "learning", "sensory"])
g_codes = rng.choice(G, N, p=[0.7, 0.1, 0.15, 0.05]).astype(np.int8)
y = (rng.random(N) < 0.2).astype(np.int8)
flip = rng.random(N) < np.array([0.1, 0.12, 0.3, 0.15])[g_codes]  # group 2 gets more errors
yhat = np.where(flip, 1 - y, y).astype(np.int8)
sens = pd.Series(pd.Categorical.from_codes(g_codes, groups), name="disability")
print(f"data: {N:,} rows, RSS {cur_rss_mb():.0f} MB")


def fairness_counts(g, y, yhat, G):
    # one pass: cell = g*4 + 2*y + yhat  ->  [TN, FP, FN, TP] per group
    key = g.astype(np.int64) * 4 + 2 * y + yhat  # int8 arithmetic would overflow at G >= 32
    return np.bincount(key, minlength=G * 4).reshape(G, 4)


def metrics(c):
    tn, fp, fn, tp = c.T.astype(np.float64)
    n = tn + fp + fn + tp
    with np.errstate(divide="ignore", invalid="ignore"):
        sel = (tp + fp) / n
        tpr = tp / (tp + fn)
        fpr = fp / (fp + tn)
        fnr = fn / (fn + tp)
        acc = (tp + tn) / n
    per_group = pd.DataFrame({"selection_rate": sel, "tpr": tpr, "fpr": fpr, "fnr": fnr, "accuracy": acc,
                              "count": n}, index=groups)
    summary = {
        "demographic_parity_difference": sel.max() - sel.min(),
        "demographic_parity_ratio": sel.min() / sel.max(),
        "equalized_odds_difference": max(tpr.max() - tpr.min(), fpr.max() - fpr.min()),
        "equal_opportunity_difference": tpr.max() - tpr.min(),
    }
    return per_group, summary


best = 1e9
for _ in range(7):
    t0 = time.perf_counter()
    c = fairness_counts(g_codes, y, yhat, G)
    per_group, summary = metrics(c)
    best = min(best, time.perf_counter() - t0)
print(f"one-bincount fairness (int8 inputs): best {best * 1000:.1f} ms; peak RSS {rss_mb():.0f} MB")

# same from the shapes a monitor would actually hold: pandas categorical + int64 labels
y64, yhat64 = y.astype(np.int64), yhat.astype(np.int64)
t0 = time.perf_counter()
c2 = fairness_counts(sens.cat.codes.to_numpy(), y64, yhat64, G)
metrics(c2)
print(f"from pandas categorical codes + int64 labels: {(time.perf_counter() - t0) * 1000:.1f} ms")
t0 = time.perf_counter()
gs = sens.astype(object).to_numpy()
codes, uniq = pd.factorize(gs)
fairness_counts(codes, y64, yhat64, len(uniq))
print(f"from object strings (factorize first): {(time.perf_counter() - t0) * 1000:.1f} ms")

# segment metrics: 5 metrics x 40-course segment attribute, same trick
course = rng.integers(0, 40, N)
t0 = time.perf_counter()
cs = np.bincount(course * 4 + 2 * y64 + yhat64, minlength=160).reshape(40, 4)
metrics.__wrapped__ = None
print(f"segment confusion counts, 40 segments: {(time.perf_counter() - t0) * 1000:.1f} ms")

pd.set_option("display.width", 200)
print(per_group.to_string(float_format=lambda v: f"{v:.6f}"))
print({k: round(v, 6) for k, v in summary.items()})

try:
    import fairlearn
    from fairlearn.metrics import (MetricFrame, demographic_parity_difference, demographic_parity_ratio,
                                   equalized_odds_difference, false_negative_rate, false_positive_rate,
                                   selection_rate, true_positive_rate)
    from sklearn.metrics import accuracy_score
except ImportError:
    print("fairlearn not installed here; run with /tmp/monspeed-venv/bin/python for the comparison")
    sys.exit(0)

t0 = time.perf_counter()
mf = MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                          "fpr": false_positive_rate, "fnr": false_negative_rate, "accuracy": accuracy_score},
                 y_true=y64, y_pred=yhat64, sensitive_features=sens)
bg = mf.by_group
t_mf = time.perf_counter() - t0
t0 = time.perf_counter()
fl = {
    "demographic_parity_difference": demographic_parity_difference(y64, yhat64, sensitive_features=sens),
    "demographic_parity_ratio": demographic_parity_ratio(y64, yhat64, sensitive_features=sens),
    "equalized_odds_difference": equalized_odds_difference(y64, yhat64, sensitive_features=sens),
}
t_sum = time.perf_counter() - t0
print(f"fairlearn {fairlearn.__version__} MetricFrame (5 metrics x 4 groups): {t_mf:.2f} s; "
      f"+ 3 summary functions: {t_sum:.2f} s; peak RSS {rss_mb():.0f} MB")
err = np.nanmax(np.abs(bg[per_group.columns[:5]].reindex(groups).to_numpy() - per_group.iloc[:, :5].to_numpy()))
err2 = max(abs(fl[k] - summary[k]) for k in fl)
print(f"max |ours - fairlearn|: per-group {err:.2e}, summaries {err2:.2e}")
