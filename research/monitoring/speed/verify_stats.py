"""Check the vectorised statistics against SciPy to 1e-9 on smaller samples (ties, NaNs, n != m).

Usage: .venv/bin/python research/monitoring/speed/verify_stats.py
"""
import sys

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import CAT_COLS, NUM_COLS, make_frame  # noqa: E402
from drift_pass import (Workspace, _hist_sorted, evidently_fill_zeroes, fit_reference, js_dist, ks_pvalue,  # noqa: E402
                        merge_ks_w1, w1_quantile_grid, drift_pass)

worst = {}


def chk(name, ours, ref, tol=1e-9):
    err = abs(ours - ref) / max(1.0, abs(ref))
    worst[name] = max(worst.get(name, 0.0), err)
    assert err <= tol, (name, ours, ref)


for (n, m, seed) in [(20_000, 15_000, 1), (5_001, 7_919, 2), (50_000, 50_000, 3), (1_000, 30_000, 4)]:
    ref = make_frame(n, seed=seed)
    cur = make_frame(m, seed=seed + 100, shift=seed % 2 == 1)
    num_ref, cat_ref = fit_reference(ref)
    out, _ = drift_pass(cur, num_ref, cat_ref)
    res = {r["column"]: r for r in out}
    for c in NUM_COLS:
        a = ref[c].dropna().to_numpy()
        b = cur[c].dropna().to_numpy()
        ks = stats.ks_2samp(a, b, method="asymp")
        chk("KS statistic vs ks_2samp", res[c]["ks"], ks.statistic)
        chk("KS p-value vs ks_2samp(method=asymp)", res[c]["ks_p"], ks.pvalue)
        w = stats.wasserstein_distance(a, b)
        chk("W1/std vs wasserstein_distance/np.std", res[c]["wasserstein_norm"], w / max(np.std(a), 0.001))
        chk("W1 quantile-grid variant", w1_quantile_grid(np.sort(a), np.sort(b)), w)
        r = num_ref[c]
        e = np.r_[-np.inf, r.inner_edges, np.inf]
        hp, hq = np.histogram(a, e)[0], np.histogram(b, e)[0]
        assert (hp == _hist_sorted(np.sort(a), r.inner_edges)).all() and (hq == _hist_sorted(np.sort(b), r.inner_edges)).all()
        chk("JS on quantile bins vs scipy jensenshannon", res[c]["js"], jensenshannon(hp / hp.sum(), hq / hq.sum()))
        # evidently picks JS on value counts when nunique(ref+cur) <= 5
        assert res[c]["nunique"] == len(np.unique(np.r_[a, b]))
    for c in CAT_COLS:
        rc = ref[c].value_counts()
        cc = cur[c].value_counts()
        keys = sorted(set(rc.index) | set(cc.index))
        rp = np.array([rc.get(k, 0) for k in keys]) / len(ref)
        cp = np.array([cc.get(k, 0) for k in keys]) / len(cur)
        chk("cat JS (Evidently 0.7 proportions) vs scipy jensenshannon", res[c]["js"],
            jensenshannon(rp, cp))
        chk("cat TVD", res[c]["tvd"], 0.5 * np.abs(rp - cp).sum())
        if res[c]["new_categories"] == 0:
            f_obs = np.array([cc.get(k, 0) for k in keys])
            f_exp = np.array([rc.get(k, 0) for k in keys]) * len(cur) / len(ref)
            chi = stats.chisquare(f_obs, f_exp)
            chk("chi-square statistic vs scipy chisquare", res[c]["chi2"], chi.statistic)
            chk("chi-square p-value vs scipy chisquare", res[c]["chi2_p"], chi.pvalue)

for k, v in worst.items():
    print(f"{k:55s} max rel. error {v:.2e}")
print("OK: all statistics within 1e-9 of SciPy")
