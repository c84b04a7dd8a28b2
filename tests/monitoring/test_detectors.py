"""Drift detectors against SciPy and hand-written Evidently formulas."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from headway.errors import InvalidArgument
from headway.monitoring.detectors import (
    DETECTORS,
    Score,
    choose_method,
    fit_profile,
    get_detector,
    prepare_current,
)
from headway.monitoring.detectors.profiles import ColumnKind, CurrentColumn
from headway.monitoring.drift import DriftResult, column_drift, dataset_drift

REL = 1e-9


def pair(ref: Any, cur: Any, kind: ColumnKind = "numerical") -> tuple[Any, CurrentColumn]:
    profile = fit_profile("x", ref, kind)
    return profile, prepare_current(profile, cur)


def finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x)]


def dirty(rng: np.random.Generator, n: int, loc: float = 0.0, decimals: int = 1) -> np.ndarray:
    """Normal values rounded (ties) with NaN and ±inf sprinkled in."""
    x = np.round(rng.normal(loc, 1.0, n), decimals)
    idx = rng.choice(n, size=max(n // 50, 3), replace=False)
    x[idx[0::3]] = np.nan
    x[idx[1::3]] = np.inf
    x[idx[2::3]] = -np.inf
    return x


SIZES = [(40, 35), (500, 730), (1000, 1000), (3000, 10_000), (12_000, 8_000), (20_000, 15_000)]


@pytest.mark.parametrize(("n", "m"), SIZES)
def test_ks_matches_scipy_auto(n: int, m: int) -> None:
    rng = np.random.default_rng(n + m)
    a, b = dirty(rng, n), dirty(rng, m, loc=0.05)
    profile, current = pair(a, b)
    score = DETECTORS["ks"].score(profile, current)
    ref = stats.ks_2samp(finite(a), finite(b))
    assert score.statistic == pytest.approx(ref.statistic, rel=REL)
    assert score.p_value == pytest.approx(ref.pvalue, rel=REL, abs=1e-300)


def test_ks_asymptotic_path_when_only_one_side_is_large() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=200), rng.normal(0.1, 1.0, 25_000)
    score = DETECTORS["ks"].score(*pair(a, b))
    ref = stats.ks_2samp(a, b, method="asymp")
    assert score.statistic == pytest.approx(ref.statistic, rel=REL)
    assert score.p_value == pytest.approx(ref.pvalue, rel=REL)


@pytest.mark.parametrize(("n", "m"), [*SIZES, (5000, 5000)])
def test_wasserstein_normed_matches_scipy(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 3 + m)
    a, b = dirty(rng, n, decimals=2), dirty(rng, m, loc=0.2, decimals=2)
    score = DETECTORS["wasserstein"].score(*pair(a, b))
    fa, fb = finite(a), finite(b)
    expected = stats.wasserstein_distance(fa, fb) / max(np.std(fa), 0.001)
    assert score.statistic == pytest.approx(expected, rel=REL)
    assert score.p_value is None


def test_wasserstein_constant_reference_uses_std_floor() -> None:
    a = np.full(2000, 3.0)
    b = np.r_[np.full(1990, 3.0), np.full(10, 4.0)]
    score = DETECTORS["wasserstein"].score(*pair(a, b))
    assert score.statistic == pytest.approx(stats.wasserstein_distance(a, b) / 0.001, rel=REL)


def evidently_fill(p: np.ndarray) -> np.ndarray:
    p = p.copy()
    low = p[p != 0].min()
    p[p == 0] = low / 10**6 if low <= 0.0001 else 0.0001
    return p


def value_proportions(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's ``get_binned_data`` for categorical or few-valued columns (pandas)."""
    ra, rb = pd.Series(a).dropna(), pd.Series(b).dropna()
    keys = sorted(set(ra) | set(rb), key=str)
    ca, cb = ra.value_counts(), rb.value_counts()
    return (
        np.array([ca.get(k, 0) for k in keys]) / len(ra),
        np.array([cb.get(k, 0) for k in keys]) / len(rb),
    )


def quantile_proportions(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference-quantile bins with open outer bins, counted with plain masks."""
    e = np.unique(np.quantile(a, np.linspace(0, 1, 11)))
    masks = [lambda x: x < e[0]]
    masks += [lambda x, lo=lo, hi=hi: (x >= lo) & (x < hi) for lo, hi in itertools.pairwise(e[:-1])]
    masks += [lambda x: (x >= e[-2]) & (x <= e[-1]), lambda x: x > e[-1]]
    return (
        np.array([f(a).sum() for f in masks]) / len(a),
        np.array([f(b).sum() for f in masks]) / len(b),
    )


def hand(name: str, r: np.ndarray, c: np.ndarray) -> float:
    if name == "jensenshannon":
        return float(jensenshannon(r, c))
    if name == "psi":
        r, c = evidently_fill(r), evidently_fill(c)
        return float(np.sum((r - c) * np.log(r / c)))
    if name == "kl":
        return float(stats.entropy(evidently_fill(r), evidently_fill(c)))
    if name == "hellinger":
        return float(np.sqrt(1 - min(np.sum(np.sqrt(r * c)), 1.0)))
    assert name == "tvd"
    return float(0.5 * np.abs(r - c).sum())


BINNED = ["jensenshannon", "psi", "kl", "hellinger"]


@pytest.mark.parametrize("method", BINNED)
@pytest.mark.parametrize(("n", "m"), [(300, 450), (5000, 4000), (20_000, 20_000)])
def test_binned_numerical_on_reference_quantile_bins(method: str, n: int, m: int) -> None:
    rng = np.random.default_rng(n + 11 * m)
    a = dirty(rng, n, decimals=2)
    b = np.r_[dirty(rng, m, loc=0.3, decimals=2), [9.0, -9.0]]  # mass beyond the ref range
    score = DETECTORS[method].score(*pair(a, b))
    r, c = quantile_proportions(finite(a), finite(b))
    assert r[0] == 0 and r[-1] == 0 and c[0] > 0 and c[-1] > 0
    assert score.statistic == pytest.approx(hand(method, r, c), rel=REL)


@pytest.mark.parametrize("method", BINNED)
def test_binned_numerical_few_distinct_values_bins_by_value(method: str) -> None:
    rng = np.random.default_rng(3)
    a = rng.choice([0.0, 1.0, 2.5, 7.0], size=3000, p=[0.4, 0.3, 0.2, 0.1])
    b = rng.choice([0.0, 1.0, 2.5, 11.0], size=2500, p=[0.3, 0.3, 0.3, 0.1])  # 11 is new
    b[:7] = np.nan
    score = DETECTORS[method].score(*pair(a, b))
    r, c = value_proportions(a, b)
    assert len(r) == 5
    assert score.statistic == pytest.approx(hand(method, r, c), rel=REL)


@pytest.mark.parametrize("method", [*BINNED, "tvd"])
def test_binned_categorical_with_new_categories(method: str) -> None:
    rng = np.random.default_rng(4)
    a = rng.choice(["a", "b", "c", "d"], size=5000, p=[0.5, 0.3, 0.15, 0.05]).astype(object)
    b = rng.choice(["a", "b", "c", "e", "f"], size=3000, p=[0.4, 0.3, 0.2, 0.09, 0.01])
    b = b.astype(object)
    b[:40] = None
    score = DETECTORS[method].score(*pair(a, b, "categorical"))
    r, c = value_proportions(a, b)
    assert score.statistic == pytest.approx(hand(method, r, c), rel=REL)


@pytest.mark.parametrize("method", ["psi", "kl"])
def test_smoothing_of_empty_bins_when_some_share_is_tiny(method: str) -> None:
    # Shares of 1/20000 <= 1e-4 switch Evidently's fill value from 1e-4 to min/1e6.
    a = np.array(["a"] * 12_000 + ["b"] * 7_999 + ["rare"], dtype=object)
    b = np.array(["a"] * 11_000 + ["b"] * 8_999 + ["new"], dtype=object)
    score = DETECTORS[method].score(*pair(a, b, "categorical"))
    r, c = value_proportions(a, b)
    assert score.statistic == pytest.approx(hand(method, r, c), rel=REL)
    flat = hand(method, np.where(r == 0, 1e-4, r), np.where(c == 0, 1e-4, c))
    assert score.statistic != pytest.approx(flat, rel=1e-3)


def test_identical_samples_have_zero_distance() -> None:
    a = np.random.default_rng(5).normal(size=4000)
    for name in ["wasserstein", *BINNED]:
        assert DETECTORS[name].score(*pair(a, a[::-1].copy())).statistic == pytest.approx(0.0)


def test_chisquare_matches_scipy_categorical_and_numerical() -> None:
    rng = np.random.default_rng(6)
    a = rng.choice(["x", "y", "z"], size=800, p=[0.5, 0.3, 0.2])
    b = rng.choice(["x", "y", "z"], size=650, p=[0.45, 0.3, 0.25])
    for ref, cur, kind in [(a, b, "categorical"), (a == "x", b == "z", "numerical")]:
        ref = np.asarray(ref, dtype=object if kind == "categorical" else float)
        cur = np.asarray(cur, dtype=object if kind == "categorical" else float)
        score = DETECTORS["chisquare"].score(*pair(ref, cur, kind))  # type: ignore[arg-type]
        r, c = value_proportions(ref, cur)
        expected = stats.chisquare(c * len(cur), r * len(cur))
        assert score.statistic == pytest.approx(expected.statistic, rel=REL)
        assert score.p_value == pytest.approx(expected.pvalue, rel=REL)


def test_chisquare_new_category_gives_p_zero_like_scipy() -> None:
    a = np.array(["a"] * 300 + ["b"] * 200 + ["c"] * 100, dtype=object)
    b = np.array(["a"] * 280 + ["b"] * 200 + ["c"] * 100 + ["new"] * 20, dtype=object)
    score = DETECTORS["chisquare"].score(*pair(a, b, "categorical"))
    r, c = value_proportions(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = stats.chisquare(c * len(b), r * len(b))
    assert (score.statistic, score.p_value) == (expected.statistic, expected.pvalue)
    assert score.p_value == 0.0 and math.isinf(score.statistic)


def evidently_z(a: list[Any], b: list[Any]) -> float:
    if len(set(a)) == 1 and set(a) == set(b):
        return 1.0
    key = sorted(set(a) | set(b))[0]
    p1 = sum(v != key for v in a) / len(a)
    p2 = sum(v != key for v in b) / len(b)
    pooled = (p1 * len(a) + p2 * len(b)) / (len(a) + len(b))
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    return float(2 * (1 - stats.norm.cdf(abs(z))))


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        (["u"] * 70 + ["v"] * 30, ["u"] * 50 + ["v"] * 45, "categorical"),
        ([0.0] * 400 + [1.0] * 100, [0.0] * 300 + [1.0] * 150, "numerical"),
        ([True] * 40 + [False] * 60, [True] * 55 + [False] * 45, "categorical"),
        (["q"] * 50, ["r"] * 40, "categorical"),
        ([2.0] * 60, [2.0] * 35, "numerical"),
        (["s"] * 60, ["s"] * 35, "categorical"),
    ],
)
def test_z_test_matches_evidently_formula(a: list[Any], b: list[Any], kind: ColumnKind) -> None:
    score = DETECTORS["z"].score(*pair(a, b, kind))
    assert score.p_value == pytest.approx(evidently_z(a, b), rel=REL)


@pytest.mark.parametrize(
    ("n_ref", "n_values", "kind", "expected"),
    [
        (1000, 50, "numerical", "ks"),
        (1001, 50, "numerical", "wasserstein"),
        (1000, 6, "numerical", "ks"),
        (1000, 5, "numerical", "chisquare"),
        (1000, 3, "numerical", "chisquare"),
        (1000, 2, "numerical", "z"),
        (1001, 6, "numerical", "wasserstein"),
        (1001, 5, "numerical", "jensenshannon"),
        (1000, 3, "categorical", "chisquare"),
        (1000, 2, "categorical", "z"),
        (1001, 2, "categorical", "jensenshannon"),
        (1001, 40, "categorical", "jensenshannon"),
    ],
)
def test_auto_selection_boundaries(n_ref: int, n_values: int, kind: Any, expected: str) -> None:
    values = np.arange(n_ref) % n_values
    ref: Any = values.astype(float) if kind == "numerical" else values.astype(str)
    profile, current = pair(ref, ref[:300], kind)
    assert choose_method(profile, current) == expected
    assert column_drift(profile, current).method == expected


def test_auto_counts_finite_reference_values_and_union_of_distinct_values() -> None:
    ref = np.r_[np.arange(1000) % 3, [np.nan, np.inf]].astype(float)  # 1000 finite values
    profile, current = pair(ref, np.array([0.0, 1.0, 5.0, 6.0, 7.0] * 20))
    assert profile.n == 1000 and current.n_unique == 6
    assert choose_method(profile, current) == "ks"


@pytest.mark.parametrize("cur_values", [[0.0, -0.0, 1.0], [0.5, 2.0], np.arange(500) / 7.0])
def test_n_unique_is_distinct_count_over_both(cur_values: Any) -> None:
    ref = np.r_[np.arange(300) / 7.0, [0.0, 1.0, 2.0]]
    for r in (ref, ref[:10]):
        _, current = pair(r, np.asarray(cur_values, dtype=float))
        assert current.n_unique == len(np.unique(np.r_[r, cur_values]))


def test_evidently_operators_at_the_threshold() -> None:
    s = Score(statistic=0.3, p_value=0.05)
    assert DETECTORS["ks"].drifted(s, 0.05) is True  # KS: p <= t
    assert DETECTORS["chisquare"].drifted(s, 0.05) is False  # p < t
    assert DETECTORS["z"].drifted(s, 0.05) is False
    for name in ["wasserstein", "jensenshannon", "psi", "kl", "hellinger", "tvd"]:
        assert DETECTORS[name].drifted(Score(0.1), 0.1) is True  # d >= t
        assert DETECTORS[name].drifted(Score(np.nextafter(0.1, 0.0)), 0.1) is False
    assert DETECTORS["ks"].drifted(Score(0.1, float("nan")), 0.05) is False


def test_column_drift_threshold_equal_to_score() -> None:
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=800), rng.normal(0.15, 1.0, 700)
    profile, current = pair(a, b)
    ks = column_drift(profile, current, method="ks")
    assert ks.p_value is not None
    assert column_drift(profile, current, method="ks", threshold=ks.p_value).verdict == "drift"
    w = column_drift(profile, current, method="wasserstein")
    assert w.statistic is not None
    at = column_drift(profile, current, method="wasserstein", threshold=w.statistic)
    above = np.nextafter(w.statistic, np.inf)
    assert at.verdict == "drift"
    assert column_drift(profile, current, method="wasserstein", threshold=above).verdict == (
        "no_drift"
    )
    ca, cb = (rng.choice(["a", "b", "c"], size=k) for k in (900, 600))
    cp, cc = pair(ca, cb, "categorical")
    chi = column_drift(cp, cc)
    assert chi.method == "chisquare" and chi.p_value is not None
    assert column_drift(cp, cc, threshold=chi.p_value).verdict == "no_drift"


def test_insufficient_data_says_how_many_values_and_how_many_are_needed() -> None:
    ref = np.random.default_rng(9).normal(size=500)
    cur = np.r_[np.arange(12.0), [np.nan] * 50]
    r = column_drift(*pair(ref, cur))
    assert r.verdict == "insufficient_data"
    assert r.statistic is None and r.p_value is None and r.n_current == 12
    assert r.message is not None
    assert "current window has 12 non-null values" in r.message and "at least 30" in r.message
    empty = column_drift(*pair(ref, [np.nan, None]))
    assert empty.message is not None and "has 0 non-null values" in empty.message
    short_ref = column_drift(*pair(ref[:5], ref), min_rows=10)
    assert short_ref.verdict == "insufficient_data"
    assert short_ref.message is not None and "reference has 5 non-null values" in short_ref.message
    assert column_drift(*pair(ref[:5], ref[:5]), min_rows=5).verdict != "insufficient_data"


def test_unknown_method_and_applicability_errors() -> None:
    with pytest.raises(InvalidArgument, match=r"'nope'.*ks, wasserstein, psi"):
        get_detector("nope")
    num = pair(np.arange(100.0), np.arange(100.0))
    cat = pair(["a", "b"] * 50, ["a", "b"] * 50, "categorical")
    with pytest.raises(InvalidArgument, match="tvd applies to categorical columns only"):
        column_drift(*num, method="tvd")
    with pytest.raises(InvalidArgument, match="ks applies to numerical columns only"):
        DETECTORS["ks"].score(*cat)
    with pytest.raises(InvalidArgument, match="wasserstein applies to numerical"):
        get_detector("wasserstein", "categorical")
    with pytest.raises(InvalidArgument, match="another profile"):
        column_drift(num[0], prepare_current(fit_profile("x", np.arange(9.0), "numerical"), [1]))
    with pytest.raises(InvalidArgument, match="threshold"):
        column_drift(*num, threshold=float("nan"))
    with pytest.raises(InvalidArgument, match="unknown column kind"):
        fit_profile("x", [1], "text")  # type: ignore[arg-type]
    assert set(DETECTORS) == {"ks", "wasserstein", "psi", "kl", "jensenshannon", "hellinger"} | {
        "chisquare",
        "z",
        "tvd",
    }


def test_type_mismatch_counting_across_input_types() -> None:
    obj = np.array([1.5, "2.5", None, np.nan, np.inf, "abc", 3, True, -np.inf], dtype=object)
    profile = fit_profile("x", np.arange(50.0), "numerical")
    cur = prepare_current(profile, obj)
    assert (cur.n, cur.n_missing, cur.n_type_mismatch) == (3, 4, 2)
    assert list(cur.values) == [1.0, 1.5, 3.0]
    arrow = prepare_current(profile, pa.chunked_array([["1", None], ["x"]]))
    assert (arrow.n, arrow.n_missing, arrow.n_type_mismatch) == (0, 1, 2)
    strings = prepare_current(profile, pd.Series(["1", None, "y"], dtype="string"))
    assert (strings.n, strings.n_missing, strings.n_type_mismatch) == (0, 1, 2)
    assert fit_profile("x", obj, "numerical").n_type_mismatch == 2


def test_numerical_inputs_agree_across_containers() -> None:
    x = [3.0, None, 1.0, 2.0, 2.0, float("nan")]
    forms = [
        x,
        np.array(x, dtype=float),
        pd.Series(x, dtype="Float64"),
        pa.array(x),
        pa.chunked_array([x[:2], x[2:]]),
        pd.Series([3, None, 1, 2, 2, None], dtype="Int64"),
    ]
    for form in forms:
        p = fit_profile("x", form, "numerical")
        assert (p.n, p.n_missing, list(p.values)) == (4, 2, [1.0, 2.0, 2.0, 3.0]), type(form)


def test_categorical_inputs_compare_as_strings() -> None:
    ref = pd.Series([1, 2, 2, 3, 3, 3])
    profile = fit_profile("c", ref, "categorical")
    assert profile.categories == ("3", "2", "1") and list(profile.counts) == [3, 2, 1]
    forms: list[Any] = [
        pd.Series([1.0, np.nan, 2.0, 4.0]),  # int column that picked up a NaN
        ["1", None, "2", "4"],
        pa.chunked_array(  # chunks with different dictionaries
            [pa.array(["1", None]).dictionary_encode(), pa.array(["2", "4"]).dictionary_encode()]
        ),
        pa.array(["1", None, "2", "4"]),
        pd.Series(["1", None, "2", "4"], dtype="category"),
    ]
    for form in forms:
        cur = prepare_current(profile, form)
        assert cur.kind == "categorical"
        assert (cur.n, cur.n_missing, dict(cur.new_categories)) == (3, 1, {"4": 1}), form
        assert list(cur.counts) == [0, 1, 1]
    flags = fit_profile("b", np.array([True, False, True]), "categorical")
    assert flags.categories == ("True", "False")


def test_reference_bins_are_quantile_edges_fitted_once() -> None:
    a = np.random.default_rng(10).gamma(2.0, 3.0, 5000)
    profile = fit_profile("x", a, "numerical")
    assert np.array_equal(profile.edges, np.unique(np.quantile(a, np.linspace(0, 1, 11))))
    r, _ = quantile_proportions(a, a)
    assert np.array_equal(profile.counts, np.round(r * len(a)).astype(int))
    assert profile.std0 == pytest.approx(np.std(a), rel=REL)
    assert profile.distinct is None and profile.n_distinct == len(np.unique(a))


def test_dataset_drift_share_and_exclusions() -> None:
    def res(verdict: Any) -> DriftResult:
        return DriftResult("c", "numerical", "ks", "K-S p_value", None, None, 0.05, verdict, 1, 1)

    half = dataset_drift([res("drift"), res("no_drift"), res("insufficient_data")])
    assert (half.share, half.n_drifted, half.n_columns, half.drifted) == (0.5, 1, 2, True)
    below = dataset_drift([res("drift"), res("no_drift"), res("no_drift")])
    assert below.drifted is False and below.share == pytest.approx(1 / 3)
    none = dataset_drift([res("insufficient_data")])
    assert (none.n_columns, none.drifted, none.share) == (0, False, 0.0)
    assert dataset_drift([res("drift"), res("no_drift")], share_threshold=0.6).drifted is False
