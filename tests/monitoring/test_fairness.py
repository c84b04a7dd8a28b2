"""Fairness metrics against fairlearn 0.15, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
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

from headway.monitoring.fairness import (
    FairnessThresholds,
    GroupCounts,
    fairness_report,
    group_confusion,
)

TOL = 1e-12
DISPARITIES = {
    "demographic_parity_difference": demographic_parity_difference,
    "demographic_parity_ratio": demographic_parity_ratio,
    "equalized_odds_difference": equalized_odds_difference,
    "equal_opportunity_difference": equal_opportunity_difference,
}


def _data(k: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random groups; group g0 has no actual positives and g1 no actual negatives."""
    rng = np.random.default_rng(seed)
    groups = np.array([f"g{i}" for i in range(k)])[rng.integers(0, k, n)]
    base = rng.uniform(0.1, 0.6, k)[rng.integers(0, k, n)]
    y = (rng.random(n) < base).astype(int)
    y[groups == "g0"] = 0
    y[groups == "g1"] = 1
    flip = rng.random(n) < rng.uniform(0.05, 0.4, k)[pd.factorize(groups, sort=True)[0]]
    yhat = np.where(flip, 1 - y, y)
    return groups, y, yhat


@pytest.mark.parametrize(("k", "seed"), [(2, 0), (4, 1), (7, 2)])
def test_matches_fairlearn_exactly(k: int, seed: int) -> None:
    groups, y, yhat = _data(k, 5000, seed)
    report = fairness_report(group_confusion("grp", groups, y, yhat), min_rows=0)
    frame = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
            "fnr": false_negative_rate,
        },
        y_true=y,
        y_pred=yhat,
        sensitive_features=groups,
    ).by_group
    assert report.groups == tuple(frame.index)
    for col in ("selection_rate", "tpr", "fpr", "fnr"):
        ours = getattr(report, col)
        for g in report.groups:
            assert ours[g] == pytest.approx(frame.loc[g, col], abs=TOL), (col, g)
    assert report.tpr["g0"] == 0.0 and report.fnr["g0"] == 0.0  # no positives: 0/0 -> 0
    assert report.fpr["g1"] == 0.0  # no negatives
    for name, fn in DISPARITIES.items():
        expected = fn(y, yhat, sensitive_features=groups)
        assert getattr(report, name).value == pytest.approx(expected, abs=TOL), name
    assert report.n == pd.Series(groups).value_counts().to_dict()
    assert any("no actual positives" in m for m in report.messages)


def test_counts_equal_a_crosstab_and_honour_positive_label() -> None:
    groups, y, yhat = _data(4, 3000, 3)
    labels = np.array(["reject", "admit"])
    counts = group_confusion("grp", groups, labels[y], labels[yhat], positive="admit")
    table = pd.crosstab(groups, [y, yhat]).reindex(
        columns=pd.MultiIndex.from_tuples([(0, 0), (0, 1), (1, 0), (1, 1)]), fill_value=0
    )
    assert counts.groups == tuple(table.index)
    assert counts.counts.tolist() == table.to_numpy().tolist()


def test_small_groups_are_excluded_from_disparities() -> None:
    groups, y, yhat = _data(4, 4000, 4)
    groups = groups.astype(object)
    groups[:12] = None  # a missing-value group of 12 rows
    groups[12:20] = "tiny"
    report = fairness_report(group_confusion("grp", groups, y, yhat), min_rows=30)
    assert report.insufficient == ("tiny", "(missing)")  # missing values sort last
    assert report.n["tiny"] == 8 and report.n["(missing)"] == 12
    assert "tiny" in report.selection_rate  # still reported per group
    kept = np.isin(groups, ["g0", "g1", "g2", "g3"])
    for name, fn in DISPARITIES.items():
        expected = fn(y[kept], yhat[kept], sensitive_features=groups[kept].astype(str))
        assert getattr(report, name).value == pytest.approx(expected, abs=TOL), name
    assert any("'tiny' has 8 rows" in m and "excluded" in m for m in report.messages)


def test_verdicts_use_documented_thresholds() -> None:
    # Cells (tn, fp, fn, tp). Group a selects 100/150, group b 60/170: DP ratio 0.53 < 0.8;
    # TPR 0.9 vs 0.5 (difference 0.4 > 0.1).
    counts = np.array([[40, 10, 10, 90], [60, 10, 50, 50]])
    report = fairness_report(GroupCounts("sex", ("a", "b"), counts))
    assert report.demographic_parity_ratio.value == pytest.approx((60 / 170) / (100 / 150))
    assert report.equal_opportunity_difference.value == pytest.approx(0.4)
    assert report.verdicts == {
        "demographic_parity_ratio": "issue",
        "equalized_odds_difference": "issue",
        "equal_opportunity_difference": "issue",
    }
    assert len(report.issues) == 3 and "four-fifths" in report.issues[0]

    fair = np.array([[40, 10, 10, 40], [41, 10, 10, 39]])
    report = fairness_report(GroupCounts("sex", ("a", "b"), fair))
    assert set(report.verdicts.values()) == {"ok"} and report.issues == ()
    lenient = FairnessThresholds(max_equalized_odds_difference=0.5)
    report = fairness_report(GroupCounts("sex", ("a", "b"), counts), thresholds=lenient)
    assert report.verdicts["equalized_odds_difference"] == "ok"


def test_nobody_selected_gives_nan_ratio_like_fairlearn() -> None:
    groups = np.array(["a"] * 40 + ["b"] * 40)
    y = np.tile([0, 1], 40)
    yhat = np.zeros(80, dtype=int)
    report = fairness_report(group_confusion("g", groups, y, yhat))
    assert np.isnan(demographic_parity_ratio(y, yhat, sensitive_features=groups))
    assert np.isnan(report.demographic_parity_ratio.value)
    assert report.verdicts["demographic_parity_ratio"] == "undefined"
    assert report.demographic_parity_difference.value == 0.0


def test_fewer_than_two_sufficient_groups() -> None:
    counts = np.array([[40, 10, 10, 40], [5, 1, 1, 5]])
    report = fairness_report(GroupCounts("g", ("a", "b"), counts), n_boot=50)
    assert report.insufficient == ("b",)
    assert np.isnan(report.equalized_odds_difference.value)
    assert set(report.verdicts.values()) == {"insufficient data"}
    assert any("fewer than two groups" in m for m in report.messages)


def test_bootstrap_intervals_cover_the_truth() -> None:
    # Selection rates 0.3, 0.4, 0.5 (true DPD 0.2); TPRs 0.6, 0.7, 0.9 (true EOpD 0.3).
    rng = np.random.default_rng(5)
    sizes = np.array([300, 500, 400])
    hits_dpd, hits_eop = [], []
    for seed in range(200):
        groups = np.repeat(["a", "b", "c"], sizes)
        y = (rng.random(sizes.sum()) < 0.5).astype(int)
        sr_neg = np.repeat([0.0, 0.1, 0.1], sizes)
        tpr = np.repeat([0.6, 0.7, 0.9], sizes)
        yhat = np.where(y == 1, rng.random(y.size) < tpr, rng.random(y.size) < sr_neg)
        report = fairness_report(
            group_confusion("g", groups, y, yhat.astype(int)), n_boot=200, seed=seed
        )
        dpd, eop = report.demographic_parity_difference, report.equal_opportunity_difference
        hits_dpd.append(dpd.lower <= 0.2 <= dpd.upper)
        hits_eop.append(eop.lower <= 0.3 <= eop.upper)
        assert dpd.lower <= dpd.value <= dpd.upper
    assert 0.88 <= np.mean(hits_dpd) <= 0.99
    assert 0.88 <= np.mean(hits_eop) <= 0.99
