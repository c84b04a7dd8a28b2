"""Data-quality rules and the reference-vs-current distributions for charts."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from headway.errors import InvalidArgument
from headway.monitoring.detectors import fit_profile, prepare_current
from headway.monitoring.detectors.profiles import ColumnKind
from headway.monitoring.distributions import distribution
from headway.monitoring.drift import column_drift
from headway.monitoring.quality import QualityResult, column_quality


def quality(ref: Any, cur: Any, kind: ColumnKind = "numerical") -> QualityResult:
    profile = fit_profile("x", ref, kind)
    return column_quality(profile, prepare_current(profile, cur))


def with_missing(n_rows: int, n_missing: int) -> np.ndarray:
    x = np.linspace(0.0, 1.0, n_rows)
    x[:n_missing] = np.nan
    return x


@pytest.mark.parametrize(
    ("ref_missing", "cur_missing", "spike"),
    [
        (0, 5, True),  # clean reference: 5 % is a spike
        (0, 4, False),
        (1, 6, True),  # 1 %: needs +5 points
        (1, 5, False),
        (20, 40, True),  # 20 %: needs twice the rate
        (20, 39, False),
        (60, 100, False),  # 2 x 60 % cannot be reached; all_missing says it instead
    ],
)
def test_missing_spike_rule(ref_missing: int, cur_missing: int, spike: bool) -> None:
    q = quality(with_missing(100, ref_missing), with_missing(100, cur_missing))
    assert q.missing_rate == cur_missing / 100
    assert q.reference_missing_rate == ref_missing / 100
    assert ("missing_spike" in q.issues) is spike


def test_missing_spike_is_quality_not_drift() -> None:
    rng = np.random.default_rng(1)
    ref = rng.normal(size=5000)
    ref[rng.random(5000) < 0.05] = np.nan
    cur = rng.normal(size=5000)
    cur[rng.random(5000) < 0.30] = np.nan
    profile = fit_profile("x", ref, "numerical")
    current = prepare_current(profile, cur)
    assert column_drift(profile, current).verdict == "no_drift"
    assert column_quality(profile, current).issues == ("missing_spike",)


def test_all_missing_and_no_rows() -> None:
    q = quality(np.arange(50.0), [None, np.nan, np.inf])
    assert q.issues == ("all_missing", "missing_spike") and q.n_missing == 3
    empty = quality(np.arange(50.0), np.zeros(0))
    assert empty.issues == ("no_rows",) and empty.n_rows == 0 and empty.missing_rate == 0.0
    assert quality(np.arange(50.0), np.arange(50.0)).issues == ()


def test_type_mismatch_is_counted_and_flagged() -> None:
    cur = np.array([1.0, "2.0", "n/a", None, 4.0] + [3.0] * 95, dtype=object)
    q = quality(np.arange(100.0), cur)
    assert (q.n_rows, q.n_type_mismatch, q.n_missing) == (100, 2, 1)
    assert q.issues == ("type_mismatch",)


def test_new_categories_are_listed_by_count() -> None:
    ref = ["a"] * 60 + ["b"] * 40
    cur = ["a"] * 50 + ["b"] * 40 + ["zz"] * 6 + ["new"] * 3 + [None]
    q = quality(ref, cur, "categorical")
    assert q.new_categories == ("zz", "new")
    assert q.new_category_rate == pytest.approx(9 / 99)
    assert q.issues == ("new_category",)
    assert q.n_out_of_range == 0
    clean = quality(ref, ref[::-1], "categorical")
    assert clean.issues == () and clean.new_category_rate == 0.0


@pytest.mark.parametrize(("n_out", "flagged"), [(50, False), (51, True)])
def test_out_of_range_above_five_percent(n_out: int, flagged: bool) -> None:
    ref = np.linspace(0.0, 10.0, 1000)
    inside = np.linspace(0.0, 10.0, 1000 - n_out)
    low = n_out // 2
    cur = np.r_[inside, np.full(low, -0.5), np.full(n_out - low, 10.5)]
    q = quality(ref, cur)
    assert q.n_out_of_range == n_out and q.out_of_range_rate == n_out / 1000
    assert ("out_of_range" in q.issues) is flagged


def test_out_of_range_floor_for_small_references() -> None:
    # 4 / (n_ref + 1) = 0.2 for 19 reference values: 3 of 20 outside is not flagged.
    q = quality(np.arange(19.0), np.r_[np.arange(17.0), [30.0, 31.0, -1.0]])
    assert q.out_of_range_rate == 0.15 and "out_of_range" not in q.issues


# -- distributions ------------------------------------------------------------------------


def test_numerical_distribution_shares_reference_edges() -> None:
    rng = np.random.default_rng(2)
    ref = rng.normal(0.0, 1.0, 3000)
    cur = np.r_[rng.normal(0.5, 1.0, 2000), [np.nan]]
    profile = fit_profile("x", ref, "numerical")
    d = distribution(profile, prepare_current(profile, cur), bins=30)
    edges = np.array(d.edges)
    width = (ref.max() - ref.min()) / 30
    inner = np.linspace(ref.min(), ref.max(), 31)
    start = int(np.flatnonzero(np.isclose(edges, ref.min()))[0])
    assert np.allclose(edges[start : start + 31], inner)
    assert np.allclose(np.diff(edges), width)
    assert edges[0] <= ref.min() and edges[-1] >= np.nanmax(cur)
    assert list(d.reference_counts) == list(np.histogram(ref, edges)[0])
    assert list(d.current_counts) == list(np.histogram(cur[~np.isnan(cur)], edges)[0])
    assert (d.n_reference, d.n_current) == (3000, 2000)


def test_far_outlier_gets_one_wide_bin() -> None:
    ref = np.linspace(0.0, 1.0, 500)
    profile = fit_profile("x", ref, "numerical")
    d = distribution(profile, prepare_current(profile, [0.5, 1e9]), bins=10)
    assert len(d.edges or ()) == 12 and d.edges is not None and d.edges[-1] == 1e9
    assert d.current_counts == (0,) * 5 + (1,) + (0,) * 4 + (1,)
    const = fit_profile("c", np.full(10, 4.0), "numerical")
    dc = distribution(const, prepare_current(const, [4.0, 4.0]), bins=4)
    assert sum(dc.reference_counts) == 10 and sum(dc.current_counts) == 2


def test_categorical_distribution_top_and_other() -> None:
    ref = ["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 5
    cur = ["a"] * 10 + ["e"] * 8 + ["d"] * 1 + [None]
    profile = fit_profile("x", ref, "categorical")
    d = distribution(profile, prepare_current(profile, cur), top=3)
    # combined shares: a .5+.526, e 0+.421, b .3, c .15, d .05+.053
    assert d.categories == ("a", "e", "b", "other")
    assert d.reference_counts == (50, 0, 30, 20) and d.current_counts == (10, 8, 0, 1)
    assert d.other is True
    payload = json.loads(json.dumps(d.to_dict()))
    assert payload["categories"] == ["a", "e", "b", "other"] and payload["edges"] is None
    everything = distribution(profile, prepare_current(profile, pd.Series(cur)), top=20)
    assert everything.other is False and sum(everything.reference_counts) == 100


def test_distribution_arguments_are_checked() -> None:
    profile = fit_profile("x", [1.0, 2.0], "numerical")
    with pytest.raises(InvalidArgument, match="bins"):
        distribution(profile, prepare_current(profile, [1.0]), bins=0)
