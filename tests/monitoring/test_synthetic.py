"""The synthetic monitoring dataset: determinism, schema, and every injected change checked
against independent oracles (scipy's Wasserstein / Jensen-Shannon, sklearn's metrics) on
daily windows of 2,000 rows against the 20,000-row reference, as Evidently's defaults see it.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance
from sklearn.metrics import accuracy_score, roc_auc_score

from headway.errors import InvalidArgument
from headway.monitoring import synthetic
from headway.monitoring.synthetic import SyntheticMonitoringData, generate

START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS, CHANGE_DAY = 28, 14
SEEDS = range(5)
CHANGE_SEEDS = range(3)  # the magnitudes hold for seeds 0..4 too; 3 keep the suite fast
DRIFT_THRESHOLD = 0.1  # Evidently 0.7 DataDriftPreset: W1/std and JS (natural log)

# Changed column and the smallest daily statistic promised by the module docstring.
INPUT_CHANGES = {
    "mean_shift": ("lms_logins_per_week", 0.4),
    "variance_change": ("avg_grade", 0.35),
    "new_category": ("course", 0.2),
    "proportion_shift": ("enrollment_type", 0.2),
}


@functools.cache
def data(scenario: str, seed: int) -> SyntheticMonitoringData:
    return generate(scenario=scenario, seed=seed)


def day_index(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray((frame["timestamp"] - pd.Timestamp(START)) // pd.Timedelta(days=1))


def w1_sorted(ref_sorted: np.ndarray, cur: np.ndarray) -> float:
    """Exact Wasserstein-1 between two empirical distributions, as
    ``scipy.stats.wasserstein_distance`` (checked against it below), for a sorted reference
    at least as large as ``cur``: the integral of |F^-1 - G^-1| over the two quantile grids.
    O(n) after sorting ``cur``; scipy re-sorts the 20,000-row reference on every call."""
    c = np.sort(cur)
    n, m = len(ref_sorted), len(c)
    assert n >= m > 0
    a = np.arange(n, dtype=np.int64) * m  # reference step i covers [a, a + m) in 1/(n*m)
    j0, j1 = a // n, (a + m - 1) // n  # the window steps it overlaps (at most two)
    len1 = np.where(j1 > j0, a + m - j1 * n, 0).astype(np.float64)
    total = np.abs(ref_sorted - c[j0]) * (m - len1) + np.abs(ref_sorted - c[j1]) * len1
    return float(total.sum()) / (n * m)


def daily_stats(d: SyntheticMonitoringData, column: str, *, use_scipy: bool = False) -> np.ndarray:
    """Evidently's default drift statistic at n_ref > 1000, per daily window: W1 /
    std(reference) for numerical columns, scipy's Jensen-Shannon distance (natural log) over
    the union of categories for categorical ones; NaNs dropped."""
    days = day_index(d.current)
    out = []
    if column in d.categorical:
        ref = d.reference[column].dropna().to_numpy(dtype=object)
        cur = d.current[column].to_numpy(dtype=object)
        codes, uniques = pd.factorize(np.concatenate([ref, cur]))
        p = np.bincount(codes[: len(ref)], minlength=len(uniques)) / len(ref)
        cur_codes = codes[len(ref) :]
        for k in range(DAYS):
            q = np.bincount(cur_codes[days == k], minlength=len(uniques))
            out.append(float(jensenshannon(p, q / q.sum(), base=None)))
    else:
        r = np.sort(d.reference[column].dropna().to_numpy(dtype=float))
        scale = max(float(np.std(r)), 0.001)
        values = d.current[column].to_numpy(dtype=float)
        for k in range(DAYS):
            c = values[days == k]
            c = c[~np.isnan(c)]
            w1 = float(wasserstein_distance(r, c)) if use_scipy else w1_sorted(r, c)
            out.append(w1 / scale)
    return np.array(out)


def fnr(frame: pd.DataFrame) -> float:
    positive = frame["dropped_out"] == 1
    return float(((frame["predicted"] == 0) & positive).sum() / positive.sum())


def split(d: SyntheticMonitoringData) -> tuple[pd.DataFrame, pd.DataFrame]:
    after = day_index(d.current) >= CHANGE_DAY
    return d.current[~after], d.current[after]


# --------------------------------------------------------------------------- basics


def test_same_seed_gives_identical_frames_and_another_seed_does_not() -> None:
    a = generate(scenario="all", seed=3, n_reference=3_000, days=4, rows_per_day=500, change_day=2)
    b = generate(scenario="all", seed=3, n_reference=3_000, days=4, rows_per_day=500, change_day=2)
    pd.testing.assert_frame_equal(a.reference, b.reference)
    pd.testing.assert_frame_equal(a.current, b.current)
    assert a.changes == b.changes
    c = generate(scenario="all", seed=4, n_reference=3_000, days=4, rows_per_day=500, change_day=2)
    assert not np.array_equal(a.current["avg_grade"], c.current["avg_grade"])


def test_schema() -> None:
    d = data("control", 0)
    assert d.features == synthetic.NUMERICAL + synthetic.CATEGORICAL
    assert d.categorical == synthetic.CATEGORICAL
    assert set(d.numerical) == set(synthetic.NUMERICAL)
    assert (d.prediction, d.label, d.segments, d.sensitive) == (
        "score",
        "dropped_out",
        ("course", "region"),
        ("gender", "disability"),
    )
    expected = [
        "student_id",
        "timestamp",
        "label_timestamp",
        *d.features,
        "score",
        "predicted",
        "dropped_out",
    ]
    assert len(d.reference) == 20_000
    assert len(d.current) == DAYS * 2_000
    for frame in (d.reference, d.current):
        assert list(frame.columns) == expected
        assert str(frame["timestamp"].dt.tz) == "UTC"
        assert frame["timestamp"].is_monotonic_increasing
        delay = frame["label_timestamp"] - frame["timestamp"]
        assert (delay == pd.Timedelta(days=21)).all()
        for column in synthetic.NUMERICAL:
            assert pd.api.types.is_numeric_dtype(frame[column]), column
            assert frame[column].nunique() > 5, column
        for column in synthetic.CATEGORICAL:
            assert frame[column].map(type).eq(str).all(), column
        assert frame[[c for c in frame.columns if c != "work_hours"]].notna().all().all()
        assert frame["score"].between(0, 1, inclusive="neither").all()
        assert set(frame["dropped_out"].unique()) == {0, 1}
        pd.testing.assert_series_equal(
            frame["predicted"],
            (frame["score"] >= d.threshold).astype(np.int64),
            check_names=False,
        )
        np.testing.assert_allclose(frame["score"], synthetic.model_score(frame), rtol=1e-12)
    ids = pd.concat([d.reference["student_id"], d.current["student_id"]])
    assert ids.is_unique
    assert d.reference["timestamp"].max() < pd.Timestamp(START) <= d.current["timestamp"].min()
    assert d.reference["timestamp"].min() >= pd.Timestamp(START - timedelta(days=10))
    assert d.current["timestamp"].max() < pd.Timestamp(START + timedelta(days=DAYS))
    assert (np.bincount(day_index(d.current)) == 2_000).all()


def test_reference_rates_and_calibration() -> None:
    ref = generate(scenario="control", seed=11, n_reference=200_000, days=1, change_day=1).reference
    assert ref["score"].mean() == pytest.approx(0.17, abs=0.01)
    assert ref["predicted"].mean() == pytest.approx(0.17, abs=0.01)
    assert ref["dropped_out"].mean() == pytest.approx(0.17, abs=0.01)
    assert ref["work_hours"].isna().mean() == pytest.approx(0.03, abs=0.005)
    assert ref["disability"].eq("declared").mean() == pytest.approx(0.11, abs=0.005)
    assert roc_auc_score(ref["dropped_out"], ref["score"]) == pytest.approx(0.82, abs=0.015)
    # Calibrated: the label rate in each score decile matches the mean score there.
    deciles = pd.qcut(ref["score"], 10, labels=False)
    by = ref.groupby(deciles)[["score", "dropped_out"]].mean()
    np.testing.assert_allclose(by["dropped_out"], by["score"], atol=0.015)


def test_invalid_arguments() -> None:
    with pytest.raises(InvalidArgument, match="unknown scenario"):
        generate(scenario="everything")
    with pytest.raises(InvalidArgument, match="change_day"):
        generate(days=10, change_day=11)
    with pytest.raises(InvalidArgument, match="positive"):
        generate(rows_per_day=0)
    with pytest.raises(InvalidArgument, match="timezone-aware"):
        generate(start=datetime(2026, 9, 1))


def test_changes_are_described() -> None:
    start = START + timedelta(days=CHANGE_DAY)
    assert data("control", 0).changes == ()
    every = data("all", 0).changes
    assert [c.kind for c in every] == list(synthetic.INPUT_KINDS)
    assert len({c.column for c in every}) == len(every)  # distinct columns
    for kind in synthetic.KINDS:
        (change,) = generate(scenario=kind, seed=0, n_reference=2_000, rows_per_day=100).changes
        assert change.kind == kind
        assert change.start == start
        assert change.description
    fairness = generate(scenario="fairness_regression", n_reference=2_000, rows_per_day=100)
    assert (fairness.changes[0].column, fairness.changes[0].group) == ("disability", "declared")


# --------------------------------------------------------------------------- drift oracles


@pytest.mark.parametrize("scenario", ["control", "all"])
def test_fast_w1_equals_scipy(scenario: str) -> None:
    d = data(scenario, 0)
    for column in ("avg_grade", "lms_logins_per_week", "work_hours", "credits_attempted"):
        np.testing.assert_allclose(
            daily_stats(d, column), daily_stats(d, column, use_scipy=True), rtol=1e-9
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_control_never_flags_any_column(seed: int) -> None:
    d = data("control", seed)
    for column in d.features:
        stats = daily_stats(d, column)
        # The sampling noise of W1/std at 2,000 vs 20,000 rows is ~0.03 on average; the
        # worst of 140 daily windows stays below 0.09, the categorical JS below 0.05.
        assert stats.max() < 0.09, (column, stats.max())
        assert stats.mean() < 0.04, (column, stats.mean())
        if column in d.categorical:
            assert stats.max() < 0.05, (column, stats.max())


@pytest.mark.parametrize("seed", CHANGE_SEEDS)
@pytest.mark.parametrize("kind", sorted(INPUT_CHANGES))
def test_input_change_is_visible_after_change_day_only(kind: str, seed: int) -> None:
    column, smallest = INPUT_CHANGES[kind]
    d, control = data(kind, seed), data("control", seed)
    stats = daily_stats(d, column)
    assert stats[:CHANGE_DAY].max() < DRIFT_THRESHOLD
    assert stats[CHANGE_DAY:].min() >= smallest >= 2 * DRIFT_THRESHOLD
    # Nothing else moved: the pre-change rows and the other input columns are the control's.
    pre, post = split(d)
    control_pre, control_post = split(control)
    assert pre.equals(control_pre)
    assert d.reference.equals(control.reference)
    others = [c for c in d.features if c != column]
    assert post[others].equals(control_post[others])


@pytest.mark.parametrize("seed", CHANGE_SEEDS)
def test_new_category_and_proportions(seed: int) -> None:
    _, post = split(data("new_category", seed))
    assert post["course"].eq("Data Science").mean() == pytest.approx(0.15, abs=0.01)
    assert not data("new_category", seed).reference["course"].eq("Data Science").any()
    _, post = split(data("proportion_shift", seed))
    shares = post["enrollment_type"].value_counts(normalize=True)
    np.testing.assert_allclose(
        shares[["full_time", "part_time", "online"]], [0.35, 0.25, 0.40], atol=0.01
    )


@pytest.mark.parametrize("seed", CHANGE_SEEDS)
def test_missing_spike_is_a_quality_change_not_drift(seed: int) -> None:
    d = data("missing_spike", seed)
    days = day_index(d.current)
    missing = d.current["work_hours"].isna().groupby(days).mean().to_numpy()
    assert missing[:CHANGE_DAY].max() < 0.06
    assert missing[CHANGE_DAY:].min() > 0.25
    assert d.current.loc[days >= CHANGE_DAY, "work_hours"].isna().mean() == pytest.approx(
        0.30, abs=0.01
    )
    # Missing completely at random: the present values keep their distribution.
    assert daily_stats(d, "work_hours").max() < 0.09


def test_all_scenario_flags_exactly_the_changed_columns() -> None:
    d = data("all", 0)
    changed = {column for column, _ in INPUT_CHANGES.values()}
    for column in d.features:
        stats = daily_stats(d, column)
        assert stats[:CHANGE_DAY].max() < DRIFT_THRESHOLD, column
        if column in changed:
            assert stats[CHANGE_DAY:].min() >= 2 * DRIFT_THRESHOLD, column
        else:
            assert stats[CHANGE_DAY:].max() < DRIFT_THRESHOLD, column
    _, post = split(d)
    assert post["work_hours"].isna().mean() == pytest.approx(0.30, abs=0.01)
    # 4 of 16 features drift: below the preset's dataset-drift share of 0.5.
    assert len(changed) / len(d.features) < 0.5


# --------------------------------------------------------------------------- performance


@pytest.mark.parametrize("seed", SEEDS)
def test_concept_drift_keeps_inputs_but_hurts_performance(seed: int) -> None:
    d, control = data("concept_drift", seed), data("control", seed)
    inputs = [*d.features, "score", "predicted"]
    assert d.current[inputs].equals(control.current[inputs])
    pre, post = split(d)
    assert pre.equals(split(control)[0])
    auc_pre = roc_auc_score(pre["dropped_out"], pre["score"])
    auc_post = roc_auc_score(post["dropped_out"], post["score"])
    acc_pre = accuracy_score(pre["dropped_out"], pre["predicted"])
    acc_post = accuracy_score(post["dropped_out"], post["predicted"])
    assert auc_pre > 0.79
    assert auc_post < auc_pre - 0.12
    assert acc_post < acc_pre - 0.05
    assert post["dropped_out"].mean() == pytest.approx(0.17, abs=0.02)


@pytest.mark.parametrize("seed", SEEDS)
def test_fairness_regression_hurts_only_the_declared_group(seed: int) -> None:
    d, control = data("fairness_regression", seed), data("control", seed)
    inputs = [*d.features, "score", "predicted"]
    assert d.current[inputs].equals(control.current[inputs])
    pre, post = split(d)
    declared_pre = pre[pre["disability"] == "declared"]
    declared_post = post[post["disability"] == "declared"]
    none_pre = pre[pre["disability"] == "none"]
    none_post = post[post["disability"] == "none"]
    assert fnr(declared_post) > fnr(declared_pre) + 0.12
    assert abs(fnr(none_post) - fnr(none_pre)) < 0.03
    # The other group's labels are exactly the control's; overall FNR moves only a little.
    _, control_post = split(control)
    control_none = control_post.loc[control_post["disability"] == "none", "dropped_out"]
    assert none_post["dropped_out"].equals(control_none)
    assert fnr(post) - fnr(pre) < 0.1
    assert declared_post["dropped_out"].mean() > 0.4
