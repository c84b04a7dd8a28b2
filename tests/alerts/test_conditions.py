"""The alert condition engine: exact firing and resolution points for every kind of
condition, against hand-worked series, a plain-Python oracle and pandas."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest

from headway.alerting import conditions as engine
from headway.alerting.conditions import Evaluation, Series, evaluate, evaluate_many
from headway.entities.alerts import (
    SEVERITIES,
    Anomaly,
    Change,
    Condition,
    IsNan,
    Threshold,
    Verdict,
    condition_from_dict,
)
from headway.entities.monitoring import MonitorResult
from headway.errors import InvalidArgument

NAN = math.nan
INF = math.inf
MONDAY = datetime(2026, 3, 2)


def days(n: int, start: datetime = MONDAY) -> list[datetime]:
    return [start + timedelta(days=i) for i in range(n)]


def judge(condition: Condition, values: Sequence[float | None], **kw: Any) -> Evaluation:
    return evaluate(condition, Series.build(days(len(values)), values, **kw))


def idx(mask: np.ndarray) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)]


# --- entities: the stored / wire form -------------------------------------------------

ALL_CONDITIONS: list[Condition] = [
    Threshold("above", 0.5),
    Threshold("below", -2, for_windows=3),
    Threshold("outside", low=0.2, high=0.8),
    Threshold("inside", low=-1, high=1, for_windows=2),
    IsNan(),
    IsNan(for_windows=4),
    Change("drop", 0.1, "reference"),
    Change("rise", 0.25, "previous", for_windows=2),
    Change("either", 1, "first"),
    Change("drop", 0.5, "rolling", baseline_windows=7),
    Anomaly("zscore"),
    Anomaly("ewma", window=12, k=2.5, warmup=4, direction="above", for_windows=2),
    Anomaly("zscore", window=8, warmup=3, seasonal="day_of_week", direction="below"),
    Verdict(),
    Verdict(("alert", "standing"), for_windows=2),
]


@pytest.mark.parametrize("condition", ALL_CONDITIONS, ids=repr)
def test_condition_round_trips_through_json(condition: Condition) -> None:
    stored = json.loads(json.dumps(condition.to_dict()))
    assert stored["kind"] == condition.kind
    assert condition_from_dict(stored) == condition
    assert condition_from_dict(stored).to_dict() == stored


def test_numbers_are_stored_as_floats_and_verdicts_as_a_tuple() -> None:
    assert Threshold("above", 1) == Threshold("above", 1.0)
    assert Threshold("above", 1).to_dict() == {
        "kind": "threshold",
        "op": "above",
        "value": 1.0,
        "low": None,
        "high": None,
        "for_windows": 1,
    }
    from_json = condition_from_dict({"kind": "verdict", "verdicts": ["alert", "drift", "alert"]})
    assert from_json == Verdict(("alert", "drift"))
    assert SEVERITIES == ("info", "warning", "critical")


def test_defaults_fill_in_optional_keys() -> None:
    assert condition_from_dict({"kind": "anomaly", "method": "ewma"}) == Anomaly("ewma")
    assert condition_from_dict({"kind": "is_nan"}) == IsNan(for_windows=1)


BAD_DICTS: list[tuple[Any, str, str]] = [
    ({"op": "above", "value": 1}, "kind", "kind must be one of threshold, is_nan"),
    ({"kind": "treshold"}, "kind", "got 'treshold'"),
    ({"kind": "threshold", "op": "above", "valu": 1}, "valu", "allowed keys are kind, op, value"),
    ({"kind": "threshold", "value": 1}, "op", "needs 'op'"),
    ({"kind": "threshold", "op": "over", "value": 1}, "op", "above, below, outside, inside"),
    ({"kind": "threshold", "op": "above"}, "value", "value must be a finite number"),
    ({"kind": "threshold", "op": "above", "value": "1"}, "value", "got '1'"),
    ({"kind": "threshold", "op": "above", "value": True}, "value", "finite number"),
    ({"kind": "threshold", "op": "above", "value": NAN}, "value", "finite number"),
    ({"kind": "threshold", "op": "below", "value": INF}, "value", "finite number"),
    ({"kind": "threshold", "op": "above", "value": 1, "low": 0}, "low", "takes value"),
    ({"kind": "threshold", "op": "outside", "low": 0}, "high", "high must be"),
    ({"kind": "threshold", "op": "inside", "low": 1, "high": 1}, "low", "less than high"),
    ({"kind": "threshold", "op": "inside", "low": 0, "high": 1, "value": 3}, "value", "low, high"),
    (
        {"kind": "threshold", "op": "above", "value": 1, "for_windows": 0},
        "for_windows",
        "1 to 1000",
    ),
    ({"kind": "is_nan", "for_windows": 1001}, "for_windows", "1 to 1000"),
    ({"kind": "is_nan", "for_windows": 2.0}, "for_windows", "whole number"),
    ({"kind": "is_nan", "for_windows": True}, "for_windows", "whole number"),
    ({"kind": "change", "direction": "drop", "relative": 0.1}, "baseline", "needs 'baseline'"),
    (
        {"kind": "change", "direction": "down", "relative": 0.1, "baseline": "first"},
        "direction",
        "drop, rise, either",
    ),
    (
        {"kind": "change", "direction": "drop", "relative": 0, "baseline": "first"},
        "relative",
        "greater than 0",
    ),
    (
        {"kind": "change", "direction": "drop", "relative": -0.1, "baseline": "first"},
        "relative",
        "greater than 0",
    ),
    (
        {"kind": "change", "direction": "drop", "relative": 0.1, "baseline": "last"},
        "baseline",
        "reference, previous, first, rolling",
    ),
    (
        {
            "kind": "change",
            "direction": "drop",
            "relative": 0.1,
            "baseline": "first",
            "baseline_windows": 3,
        },
        "baseline_windows",
        "applies to baseline rolling",
    ),
    (
        {
            "kind": "change",
            "direction": "drop",
            "relative": 0.1,
            "baseline": "rolling",
            "baseline_windows": 0,
        },
        "baseline_windows",
        "1 to 1000",
    ),
    ({"kind": "anomaly", "method": "mad"}, "method", "zscore, ewma"),
    ({"kind": "anomaly", "method": "zscore", "window": 1}, "window", "2 to 1000"),
    ({"kind": "anomaly", "method": "zscore", "warmup": 1}, "warmup", "2 to 1000"),
    ({"kind": "anomaly", "method": "ewma", "k": 0}, "k", "greater than 0"),
    ({"kind": "anomaly", "method": "ewma", "seasonal": "weekly"}, "seasonal", "none, day_of_week"),
    ({"kind": "anomaly", "method": "ewma", "direction": "up"}, "direction", "either, above, below"),
    ({"kind": "verdict", "verdicts": []}, "verdicts", "non-empty list"),
    ({"kind": "verdict", "verdicts": "drift"}, "verdicts", "non-empty list"),
    (
        {"kind": "verdict", "verdicts": ["drifted"]},
        "verdicts",
        "ok, drift, alert, insufficient_data, standing",
    ),
    (["threshold"], "kind", "must be an object"),
]


@pytest.mark.parametrize(("data", "key", "message"), BAD_DICTS, ids=[m for _, _, m in BAD_DICTS])
def test_bad_conditions_name_the_key_and_what_is_allowed(data: Any, key: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        condition_from_dict(data)
    assert message in info.value.message
    assert info.value.details["key"] == key


def test_unknown_key_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidArgument) as info:
        condition_from_dict({"kind": "is_nan", "for": 2})
    assert info.value.details["allowed"] == ["kind", "for_windows"]


# --- series ---------------------------------------------------------------------------


def test_build_sorts_and_the_last_value_of_a_repeated_time_wins() -> None:
    s = Series.build(
        ["2026-03-03T00:00:00Z", "2026-03-02", "2026-03-03T01:00:00+01:00", "2026-03-04"],
        [1, 2, 3, None],
        verdicts=["ok", "ok", "drift", "ok"],
    )
    # 01:00+01:00 is 00:00 UTC: the same window as the first point, sent later.
    assert s.times.tolist() == [datetime(2026, 3, 2), datetime(2026, 3, 3), datetime(2026, 3, 4)]
    assert s.values.tolist()[:2] == [2.0, 3.0] and math.isnan(s.values[2])
    assert s.verdicts == ("ok", "drift", "ok")


def test_build_accepts_datetimes_dates_and_datetime64() -> None:
    aware = datetime(2026, 3, 2, 12, tzinfo=timezone(timedelta(hours=-5)))
    s = Series.build([aware, date(2026, 3, 1), np.datetime64("2026-03-05T10", "ns")], [1, 2, 3])
    assert s.times.tolist() == [
        datetime(2026, 3, 1),
        datetime(2026, 3, 2, 17),
        datetime(2026, 3, 5, 10),
    ]
    index = pd.date_range("2026-03-02", periods=3, freq="D", tz="UTC")
    assert Series.build(index.to_numpy(), np.arange(3)).times[0] == np.datetime64("2026-03-02")
    assert Series.build(list(index), [1, 2, 3]).times.dtype == np.dtype("datetime64[us]")
    assert Series.build([datetime(2026, 1, 1, tzinfo=UTC)], [1]).times[0] == np.datetime64(
        "2026-01-01"
    )


@pytest.mark.parametrize(
    ("times", "values", "message"),
    [
        (["2026-03-02", "yesterday"], [1, 2], "time 1 is not an ISO 8601"),
        (["2026-03-02"], [1, 2], "differ in length"),
        (["2026-03-02", "2026-03-03"], [1, "high"], "value 1 is not a number"),
        ([3], [1], "time 0 must be a datetime"),
        (np.array(["NaT"], dtype="datetime64[us]"), [1], "NaT"),
        (["2026-03-02", "2026-03-03"], np.zeros((2, 1)), "values must be 1-D"),
    ],
)
def test_build_refuses_bad_input(times: Any, values: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        Series.build(times, values)


def test_series_constructor_refuses_unsorted_times() -> None:
    times = np.array(["2026-03-03", "2026-03-02"], dtype="datetime64[us]")
    with pytest.raises(InvalidArgument, match="strictly increasing"):
        Series(times, np.array([1.0, 2.0]))
    with pytest.raises(InvalidArgument, match="reference must be a finite number"):
        Series.build(days(1), [1.0], reference=NAN)


# --- threshold ------------------------------------------------------------------------


def test_threshold_fires_and_resolves() -> None:
    e = judge(Threshold("above", 4), [1, 5, 5, 1, 5])
    assert idx(e.breach) == [1, 2, 4]
    assert e.transitions() == [(1, "firing"), (3, "resolved"), (4, "firing")]
    assert e.upper.tolist() == [4.0] * 5 and np.isnan(e.lower).all()
    assert np.isnan(e.baseline).all()
    with pytest.raises(ValueError, match="read-only"):
        e.firing[0] = True


@pytest.mark.parametrize(
    ("condition", "breaching"),
    [
        # Strict on the alerting side: a value on the line does not breach.
        (Threshold("above", 4), [5.0, INF]),
        (Threshold("below", 4), [1.0, 2.0, 3.0, -INF]),
        (Threshold("outside", low=2, high=4), [1.0, 5.0, INF, -INF]),
        # inside is the complement of outside: its edges are inside.
        (Threshold("inside", low=2, high=4), [2.0, 3.0, 4.0]),
    ],
)
def test_threshold_boundaries(condition: Threshold, breaching: list[float]) -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, INF, -INF, NAN]
    e = judge(condition, values)
    assert [values[i] for i in idx(e.breach)] == breaching
    assert idx(~e.evaluable) == [7]


def test_for_windows_needs_consecutive_breaches() -> None:
    rule = Threshold("above", 4, for_windows=3)
    # Two breaches, a clear, one breach: never three in a row.
    assert judge(rule, [5, 5, 1, 5]).transitions() == []
    e = judge(rule, [5, 5, 1, 5, 5, 5, 5, 1, 5])
    assert idx(e.breach) == [0, 1, 3, 4, 5, 6, 8]
    assert e.transitions() == [(5, "firing"), (7, "resolved")]


def test_missing_value_neither_fires_nor_resolves() -> None:
    e = judge(Threshold("above", 4), [5, NAN, NAN, 1, NAN, 1])
    assert idx(e.evaluable) == [0, 3, 5]
    assert e.firing.tolist() == [True, True, True, False, False, False]
    # ...nor breaks a run of breaches.
    e = judge(Threshold("above", 4, for_windows=2), [5, NAN, 5, NAN, 1])
    assert e.transitions() == [(2, "firing"), (4, "resolved")]


def test_gaps_in_time_are_not_windows() -> None:
    # A window that was not computed is absent: for_windows counts points present.
    times = [MONDAY, MONDAY + timedelta(days=5), MONDAY + timedelta(days=6)]
    e = evaluate(Threshold("above", 4, for_windows=2), Series.build(times, [5, 5, 1]))
    assert e.transitions() == [(1, "firing"), (2, "resolved")]


def test_late_data_replaces_the_value_and_changes_the_outcome() -> None:
    times = days(4)
    rule = Threshold("above", 4)
    first = evaluate(rule, Series.build(times, [1, 1, 1, 1]))
    assert first.transitions() == []
    # Window 1 recomputed (labels arrived): the new value is sent after the old one.
    recomputed = Series.build([*times, times[1]], [1, 1, 1, 1, 9])
    assert recomputed.values.tolist() == [1, 9, 1, 1]
    assert evaluate(rule, recomputed).transitions() == [(1, "firing"), (2, "resolved")]


def test_empty_series() -> None:
    for condition in ALL_CONDITIONS:
        series = Series.build([], [], verdicts=[], reference=1.0)
        e = evaluate(condition, series)
        assert len(e) == 0 and e.transitions() == []


# --- is_nan ---------------------------------------------------------------------------


def test_is_nan_fires_on_a_missing_validation_loss() -> None:
    val_loss = [0.9, 0.8, NAN, None, 0.7]
    e = judge(IsNan(), val_loss)
    assert idx(e.breach) == [2, 3] and e.evaluable.all()
    assert e.transitions() == [(2, "firing"), (4, "resolved")]
    assert judge(IsNan(for_windows=2), val_loss).transitions() == [(3, "firing"), (4, "resolved")]
    # Infinity is a value (a diverged loss), not a missing one.
    assert idx(judge(IsNan(), [1, INF, -INF]).breach) == []


# --- change ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "breaching", "lower", "upper"),
    [("drop", [3], 75.0, NAN), ("rise", [4], NAN, 125.0), ("either", [3, 4], 75.0, 125.0)],
)
def test_change_against_the_reference(
    direction: Any, breaching: list[int], lower: float, upper: float
) -> None:
    # relative 0.25 of |100|: exact in binary, so the edges 75 and 125 are hit exactly.
    e = judge(Change(direction, 0.25, "reference"), [100, 80, 75, 74, 126, 125], reference=100)
    assert idx(e.breach) == breaching
    assert e.evaluable.all() and (e.baseline == 100).all()
    np.testing.assert_array_equal(e.lower, [lower] * 6)
    np.testing.assert_array_equal(e.upper, [upper] * 6)


def test_change_against_the_reference_needs_one() -> None:
    with pytest.raises(InvalidArgument, match="reference value"):
        judge(Change("drop", 0.1, "reference"), [1, 2])


def test_change_against_a_zero_baseline() -> None:
    e = judge(Change("rise", 0.5, "reference"), [0, 0.001, -1], reference=0)
    assert idx(e.breach) == [1]


def test_change_against_the_previous_value_skips_missing_ones() -> None:
    e = judge(Change("drop", 0.25, "previous"), [100, 100, 70, NAN, 70, INF, 50, 60])
    np.testing.assert_array_equal(e.baseline, [NAN, 100, 100, 70, 70, 70, 70, 50])
    assert idx(e.evaluable) == [1, 2, 4, 5, 6, 7]
    assert idx(e.breach) == [2, 6]  # 70 < 75; 50 < 52.5
    assert e.transitions() == [(2, "firing"), (4, "resolved"), (6, "firing"), (7, "resolved")]


def test_change_against_the_first_value() -> None:
    e = judge(Change("drop", 0.25, "first"), [NAN, 100, 120, 70, NAN, 80])
    np.testing.assert_array_equal(e.baseline, [NAN, NAN, 100, 100, 100, 100])
    assert e.transitions() == [(3, "firing"), (5, "resolved")]


def test_change_against_a_rolling_mean() -> None:
    e = judge(
        Change("either", 0.5, "rolling", baseline_windows=3), [10, 20, NAN, 30, 10, 40, 10, 9]
    )
    # Judged once three values precede a point; the missing one is skipped.
    np.testing.assert_array_equal(e.baseline, [NAN, NAN, NAN, NAN, 20, 20, 80 / 3, 20])
    assert idx(e.evaluable) == [4, 5, 6, 7]
    assert e.lower[4] == 10 and e.upper[4] == 30
    assert idx(e.breach) == [5, 6, 7]  # 10 is on the edge; 40 > 30; 10 < 13.3; 9 < 10


# --- anomaly --------------------------------------------------------------------------


def test_zscore_band_is_the_mean_and_std_of_earlier_values_only() -> None:
    values = [10.0, 12.0] * 5 + [30.0, 11.0, 11.0]
    e = judge(Anomaly("zscore", window=10, warmup=10), values)
    assert idx(e.evaluable) == [10, 11, 12]  # warm-up: ten earlier values
    std = statistics.stdev([10.0, 12.0] * 5)
    assert e.baseline[10] == pytest.approx(11.0)
    assert e.upper[10] == pytest.approx(11.0 + 3 * std)
    assert e.transitions() == [(10, "firing"), (11, "resolved")]
    # The spike stays in the history (see the module docstring): the next band is wider.
    assert e.upper[11] - e.lower[11] > 3 * (e.upper[10] - e.lower[10])


def test_warm_up_never_fires() -> None:
    spikes = [10, 10.5, 9.5, 100, 10, 10.5, 9.5, 10, 100, 10]
    e = judge(Anomaly("zscore", window=4, warmup=5), spikes)
    assert idx(e.evaluable) == [5, 6, 7, 8, 9]
    assert np.isnan(e.upper[:5]).all() and np.isnan(e.baseline[:5]).all()
    assert idx(e.breach) == [8]  # the spike at 3 came during the warm-up


def test_a_flat_history_has_no_spread() -> None:
    # 0.1 and 0.3 are not exact in binary: the band must still be exactly the level.
    values = [0.1] * 10 + [0.3] * 25 + [0.3000001]
    e = judge(Anomaly("zscore", window=10, warmup=5), values)
    assert e.breach[10]  # the level moved
    assert (e.baseline[20:] == 0.3).all() and (e.upper[20:] == 0.3).all()
    assert idx(e.breach[20:]) == [15]  # only the last value, off the flat level


def test_a_level_shift_fires_then_resolves_as_the_history_learns_it() -> None:
    values = [10.0, 12.0] * 10 + [20.0] * 30
    for method in ("zscore", "ewma"):
        e = judge(Anomaly(method, window=10, warmup=10), values)
        transitions = e.transitions()
        assert transitions[0] == (20, "firing")
        assert transitions[-1][1] == "resolved" and transitions[-1][0] <= 30
        assert not e.firing[30:].any()


@pytest.mark.parametrize(
    ("direction", "breaching"), [("either", [8, 9]), ("above", [8]), ("below", [9])]
)
def test_anomaly_direction(direction: Any, breaching: list[int]) -> None:
    values = [10.0, 11.0] * 4 + [20.0, 0.0]
    e = judge(Anomaly("zscore", window=8, warmup=8, k=2.0, direction=direction), values)
    assert idx(e.breach) == breaching
    assert np.isnan(e.lower[8]) == (direction == "above")
    assert np.isnan(e.upper[8]) == (direction == "below")


def weekly_series(weeks: int = 10, drop: Sequence[int] = ()) -> Series:
    """Daily values, ~10 on weekdays but ~50 every Monday, with a spike to 80 on the last
    Monday. Each weekday's values cycle -0.5, 0, +0.5 week by week."""
    times, values = [], []
    for i in range(weeks * 7):
        if i in drop:
            continue
        week, weekday = divmod(i, 7)
        level = 50.0 if weekday == 0 else 10.0
        if weekday == 0 and week == weeks - 1:
            level = 80.0
        times.append(MONDAY + timedelta(days=i))
        values.append(level + 0.5 * (week % 3 - 1))
    return Series.build(times, values)


@pytest.mark.parametrize("method", ["zscore", "ewma"])
def test_a_monday_spike_pattern_is_seasonal_not_anomalous(method: Any) -> None:
    # A Thursday and a Saturday are missing: weekdays come from the timestamps, not from
    # counting points.
    series = weekly_series(drop=(10, 26))
    mondays = [i for i, t in enumerate(series.times.tolist()) if t.weekday() == 0]
    plain = evaluate(Anomaly(method, window=5, warmup=5), series)
    assert idx(plain.breach) == mondays[1:]  # a history of five days holds no Monday
    seasonal = evaluate(Anomaly(method, window=6, warmup=3, seasonal="day_of_week"), series)
    assert idx(seasonal.breach) == [mondays[-1]]  # only the spike to 80
    # Warm-up is per weekday: three earlier values of the same day.
    assert idx(seasonal.evaluable)[0] == 21 - 1  # day 21 is index 20 after one dropped day
    assert seasonal.transitions() == [(mondays[-1], "firing"), (mondays[-1] + 1, "resolved")]


def test_seasonal_anomaly_needs_times_in_a_batch() -> None:
    with pytest.raises(InvalidArgument, match="needs the series' times"):
        evaluate_many(Anomaly("zscore", seasonal="day_of_week"), np.zeros((2, 30)))


@pytest.mark.parametrize("method", ["zscore", "ewma"])
def test_anomaly_band_matches_pandas(method: Any) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(5.0, 2.0, size=300).cumsum() / 10
    e = judge(Anomaly(method, window=15, warmup=2, k=2.0), list(x))
    s = pd.Series(x)
    if method == "zscore":
        mean = s.rolling(15, min_periods=2).mean().shift(1)
        std = s.rolling(15, min_periods=2).std().shift(1)
    else:
        mean = s.ewm(span=15, adjust=False).mean().shift(1)
        std = np.sqrt(s.ewm(span=15, adjust=False).var(bias=True)).shift(1)
    np.testing.assert_allclose(e.baseline[2:], mean[2:], rtol=1e-12)
    np.testing.assert_allclose(e.upper[2:], (mean + 2 * std)[2:], rtol=1e-9)
    np.testing.assert_allclose(e.lower[2:], (mean - 2 * std)[2:], rtol=1e-9)
    assert e.breach.any()


def test_infinity_is_judged_but_stays_out_of_the_history() -> None:
    values = [10.0, 12.0] * 5 + [INF, 11.0, 20.0]
    e = judge(Anomaly("zscore", window=10, warmup=10), values)
    clean = judge(Anomaly("zscore", window=10, warmup=10), values[:10] + values[11:])
    assert e.breach[10]
    np.testing.assert_array_equal(e.upper[11:], clean.upper[10:])


# --- verdicts and fairness ------------------------------------------------------------


def test_verdict_drift() -> None:
    verdicts = ["ok", "drift", "drift", "ok", "insufficient_data", "drift", "insufficient_data"]
    verdicts += ["ok"]
    values = [0.0] * len(verdicts)
    e = judge(Verdict(), values, verdicts=verdicts)
    assert idx(e.breach) == [1, 2, 5]
    assert idx(~e.evaluable) == [4, 6]  # insufficient data neither fires nor resolves
    assert e.transitions() == [(1, "firing"), (3, "resolved"), (5, "firing"), (7, "resolved")]
    e = judge(Verdict(for_windows=2), values, verdicts=verdicts)
    assert e.transitions() == [(2, "firing"), (3, "resolved")]
    e = judge(Verdict(("insufficient_data",)), values, verdicts=verdicts)
    assert idx(e.breach) == [4, 6] and e.evaluable.all()


def test_verdict_needs_verdicts() -> None:
    with pytest.raises(InvalidArgument, match="needs the series' verdicts"):
        judge(Verdict(), [1.0])


def test_fairness_gap_above_a_limit_for_one_attribute() -> None:
    """ "Equalized odds difference above 0.1 for gender": the rule selects fairness results
    of subject ``gender`` and that metric; a threshold on the value and a verdict rule
    (the monitor's own judgement: the whole bootstrap interval beyond the limit) differ."""
    gaps = [(0.05, "ok"), (0.12, "ok"), (0.20, "alert"), (0.25, "alert"), (0.08, "ok")]
    results = []
    for i, (gap, verdict) in enumerate(gaps):
        start = MONDAY + timedelta(days=i)
        for subject, value, v in (("gender", gap, verdict), ("disability", 0.5, "alert")):
            results.append(
                MonitorResult(
                    start,
                    start + timedelta(days=1),
                    "fairness",
                    subject,
                    "*",
                    "equalized_odds_difference",
                    value,
                    verdict=v,
                )
            )
    picked = [
        r
        for r in results
        if r.kind == "fairness"
        and r.subject == "gender"
        and r.metric == "equalized_odds_difference"
    ]
    series = Series.build(
        [r.window_start for r in picked],
        [r.value for r in picked],
        verdicts=[r.verdict for r in picked],
    )
    by_value = evaluate(Threshold("above", 0.1), series)
    assert by_value.transitions() == [(1, "firing"), (4, "resolved")]
    by_verdict = evaluate(Verdict(("alert",)), series)
    assert by_verdict.transitions() == [(2, "firing"), (4, "resolved")]


# --- a plain-Python oracle, and the batch path ----------------------------------------


def oracle(condition: Condition, series: Series) -> dict[str, list[Any]]:
    """The documented semantics, point by point, with no vectorisation at all."""
    values = series.values.tolist()
    weekdays = [t.weekday() for t in series.times.tolist()]
    n = len(values)
    out: dict[str, list[Any]] = {
        "breach": [False] * n,
        "evaluable": [False] * n,
        "lower": [NAN] * n,
        "upper": [NAN] * n,
        "baseline": [NAN] * n,
    }
    for i, x in enumerate(values):
        lo: Any = NAN
        hi: Any = NAN
        base: Any = NAN
        earlier = [v for v in values[:i] if math.isfinite(v)]
        if isinstance(condition, Threshold):
            if condition.op == "above":
                hi = condition.value
            elif condition.op == "below":
                lo = condition.value
            else:
                lo, hi = condition.low, condition.high
            ok = not math.isnan(x)
            hit = lo <= x <= hi if condition.op == "inside" else x < lo or x > hi
        elif isinstance(condition, Change):
            if condition.baseline == "reference":
                base = series.reference if series.reference is not None else NAN
            elif condition.baseline == "first" and earlier:
                base = earlier[0]
            elif condition.baseline == "previous" and earlier:
                base = earlier[-1]
            elif condition.baseline == "rolling" and len(earlier) >= condition.baseline_windows:
                base = statistics.fmean(earlier[-condition.baseline_windows :])
                if len(set(earlier[-condition.baseline_windows :])) == 1:
                    base = earlier[-1]
            spread = condition.relative * abs(base)
            if condition.direction != "rise":
                lo = base - spread
            if condition.direction != "drop":
                hi = base + spread
            ok = not math.isnan(x) and not math.isnan(base)
            hit = x < lo or x > hi
        else:
            assert isinstance(condition, Anomaly)
            history = [
                v
                for v, day in zip(values[:i], weekdays[:i], strict=True)
                if math.isfinite(v) and (condition.seasonal == "none" or day == weekdays[i])
            ]
            # The band is drawn at a missing value too: the one that would apply.
            ready = len(history) >= condition.warmup
            ok = not math.isnan(x) and ready
            if ready:
                if condition.method == "zscore":
                    h = history[-condition.window :]
                    base, std = statistics.fmean(h), statistics.stdev(h)
                    if len(set(h)) == 1:
                        base, std = h[0], 0.0
                else:
                    alpha = 2 / (condition.window + 1)
                    base, var = history[0], 0.0
                    for v in history[1:]:
                        d = v - base
                        base += alpha * d
                        var = (1 - alpha) * (var + alpha * d * d)
                    std = math.sqrt(var)
                if condition.direction != "above":
                    lo = base - condition.k * std
                if condition.direction != "below":
                    hi = base + condition.k * std
            hit = x < lo or x > hi
        out["breach"][i] = ok and hit
        out["evaluable"][i] = ok
        out["lower"][i], out["upper"][i], out["baseline"][i] = lo, hi, base
    firing, run, state = [], 0, False
    for ok, hit in zip(out["evaluable"], out["breach"], strict=True):
        if ok:
            run = run + 1 if hit else 0
            state = run >= condition.for_windows
        firing.append(state)
    out["firing"] = firing
    return out


ORACLE_CONDITIONS: list[Condition] = [
    Threshold("above", 1.0, for_windows=2),
    Threshold("below", -0.5),
    Threshold("outside", low=-1.0, high=1.0, for_windows=3),
    Threshold("inside", low=-0.3, high=0.3),
    Change("drop", 0.5, "reference"),
    Change("either", 0.8, "previous", for_windows=2),
    Change("rise", 0.3, "first"),
    Change("either", 0.6, "rolling", baseline_windows=4),
    Anomaly("zscore", window=8, k=1.5, warmup=3),
    Anomaly("zscore", window=30, k=1.2, warmup=5, direction="above", for_windows=2),
    Anomaly("ewma", window=6, k=1.5, warmup=2),
    Anomaly("ewma", window=20, k=1.0, warmup=8, direction="below"),
    Anomaly("zscore", window=3, k=1.5, warmup=2, seasonal="day_of_week"),
    Anomaly("ewma", window=4, k=1.5, warmup=2, seasonal="day_of_week", for_windows=2),
]


def random_series(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Values with spikes, missing and infinite values, on days with gaps."""
    x = rng.normal(size=n) + np.where(rng.random(n) < 0.1, 4.0, 0.0)
    x[rng.random(n) < 0.1] = NAN
    x[rng.random(n) < 0.02] = INF
    x[rng.random(n) < 0.02] = -INF
    x[rng.random(n) < 0.05] = 0.7  # repeats, for flat histories
    steps = rng.choice([1, 1, 1, 2, 4], size=n)
    times = np.datetime64("2026-03-02", "us") + np.cumsum(steps) * np.timedelta64(1, "D")
    return times, x


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("condition", ORACLE_CONDITIONS, ids=repr)
def test_engine_matches_the_oracle(condition: Condition, seed: int) -> None:
    rng = np.random.default_rng(seed)
    times, x = random_series(rng, 80)
    series = Series(times, x, reference=float(rng.normal()))
    e = evaluate(condition, series)
    expected = oracle(condition, series)
    for name in ("breach", "evaluable", "firing"):
        assert getattr(e, name).tolist() == expected[name], name
    for name in ("lower", "upper", "baseline"):
        np.testing.assert_allclose(getattr(e, name), expected[name], rtol=1e-9, atol=1e-12)
    assert e.breach.any() and (~e.breach & e.evaluable).any()


@pytest.mark.parametrize("seed", range(3))
def test_a_missing_value_is_the_same_as_an_absent_window(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    times, x = random_series(rng, 60)
    x[~np.isfinite(x)] = 0.0
    holes = np.flatnonzero(rng.random(60) < 0.15)
    with_nan = x.copy()
    with_nan[holes] = NAN
    kept = np.setdiff1d(np.arange(60), holes)
    for condition in ORACLE_CONDITIONS:
        full = evaluate(condition, Series(times, with_nan, reference=0.5))
        absent = evaluate(condition, Series(times[kept], x[kept], reference=0.5))
        for name in ("breach", "evaluable", "firing"):
            np.testing.assert_array_equal(getattr(full, name)[kept], getattr(absent, name))
        # Sums run over differently cut blocks: equal up to rounding.
        for name in ("lower", "upper", "baseline"):
            np.testing.assert_allclose(getattr(full, name)[kept], getattr(absent, name), 1e-12)


VERDICT_WORDS = np.array(["ok", "drift", "alert", "insufficient_data", "standing"])


@pytest.mark.parametrize("chunk", [None, 150])
@pytest.mark.parametrize("seed", range(4))
def test_evaluate_many_equals_evaluate_row_by_row(
    seed: int, chunk: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if chunk is not None:
        # Big batches are judged a few rows at a time; make this small one take that path.
        monkeypatch.setattr(engine, "_CHUNK_POINTS", chunk)
    rng = np.random.default_rng(seed)
    rows, n = 12, 70
    times, _ = random_series(rng, n)
    x = np.stack([random_series(rng, n)[1] for _ in range(rows)])
    x[0] = rng.normal(size=n)  # one row with every value present
    x[1] = NAN  # and one with none
    references = rng.normal(size=rows)
    references[2] = NAN
    verdicts = rng.choice(VERDICT_WORDS, size=(rows, n))
    conditions = [*ORACLE_CONDITIONS, IsNan(for_windows=2), Verdict(("drift", "alert"))]
    for condition in conditions:
        batch = evaluate_many(condition, x, times, references=references, verdicts=verdicts)
        assert batch.breach.shape == (rows, n)
        for r in range(rows):
            reference = None if np.isnan(references[r]) else float(references[r])
            if reference is None and getattr(condition, "baseline", None) == "reference":
                # A batch row without a reference is not judged; one series is refused.
                assert not batch.row(r).evaluable.any()
                continue
            one = evaluate(condition, Series(times, x[r], tuple(verdicts[r]), reference))
            for name in ("breach", "evaluable", "firing", "lower", "upper", "baseline"):
                np.testing.assert_array_equal(
                    getattr(batch.row(r), name), getattr(one, name), err_msg=f"{condition} {r}"
                )


def test_evaluate_many_refuses_bad_shapes() -> None:
    with pytest.raises(InvalidArgument, match="2-D"):
        evaluate_many(Threshold("above", 1), [1.0, 2.0])
    with pytest.raises(InvalidArgument, match="one entry per column"):
        evaluate_many(Threshold("above", 1), np.zeros((2, 3)), days(2))
    with pytest.raises(InvalidArgument, match="one number per row"):
        evaluate_many(Change("drop", 0.1, "reference"), np.zeros((2, 3)), references=[1, 2, 3])
    with pytest.raises(InvalidArgument, match="shape of values"):
        evaluate_many(Verdict(), np.zeros((2, 3)), verdicts=[["ok"] * 3])
    with pytest.raises(InvalidArgument, match="transitions"):
        evaluate_many(Threshold("above", 1), np.zeros((2, 3))).transitions()


@pytest.mark.parametrize("shape", [(0, 10), (3, 0), (0, 0), (1, 1)])
def test_empty_and_tiny_batches(shape: tuple[int, int]) -> None:
    times = np.datetime64("2026-03-02", "us") + np.arange(shape[1]) * np.timedelta64(1, "D")
    for condition in ALL_CONDITIONS:
        e = evaluate_many(
            condition, np.ones(shape), times, references=1.0, verdicts=np.full(shape, "ok")
        )
        assert e.breach.shape == e.baseline.shape == shape
