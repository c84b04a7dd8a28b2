"""Judge an alert condition over a time series, point by point: pure, vectorised NumPy.

The engine knows nothing about storage. It takes a condition
(:mod:`headway.entities.alerts`) and a :class:`Series` and returns an :class:`Evaluation`
with, for every point, whether the condition holds (``breach``), whether the point could be
judged at all (``evaluable``), the rule's state after the point (``firing``) and the band
to draw (``lower``, ``upper``, ``baseline``). :func:`evaluate_many` judges many series of
equal length at once (one row each) and gives the same answers as :func:`evaluate` row by
row.

Semantics
---------

Points and gaps
    A series is a strictly increasing list of UTC times with one value each
    (:meth:`Series.build` sorts, and keeps the *last* value given for a repeated time: that
    is how late data and recomputed windows arrive). A window that was not computed is
    simply absent: nothing is interpolated, "previous" means the previous point present,
    ``for_windows`` counts points present (not calendar windows), and for seasonal
    anomalies the weekday comes from each point's own timestamp.

Missing and infinite values
    ``NaN`` is a missing value. Only :class:`~headway.entities.alerts.IsNan` judges it; for
    every other kind a ``NaN`` point is not evaluable. Missing values never enter a baseline
    or an anomaly history — baselines and histories skip them and use the values before.
    ``±inf`` is a value that is judged (``+inf`` is above every line) but, like ``NaN``,
    never enters a baseline or a history, so one diverged point cannot poison the band of
    the points after it.

Boundaries
    Breaching is strict: ``above`` is ``value > line``, ``below`` is ``value < line``, a
    change or anomaly breaches only beyond its band's edge, never on it. ``inside`` is the
    complement of ``outside`` (``low <= value <= high``).

Baselines (:class:`~headway.entities.alerts.Change`)
    ``reference``: the series' reference value (every point is judged against it);
    ``first``: the first value of the series (points after it are judged);
    ``previous``: the last value before the point; ``rolling``: the mean of the last
    ``baseline_windows`` values before the point (judged once that many exist). A point
    with no baseline yet is not evaluable. With a baseline of 0 the band collapses onto 0:
    any move in the watched direction is an infinite relative change and breaches.

Anomaly history (:class:`~headway.entities.alerts.Anomaly`)
    The band at a point comes only from values *before* it (no look-ahead): ``zscore``
    uses the mean and sample standard deviation (ddof 1) of the last ``window`` values,
    ``ewma`` the exponentially weighted mean and variance of all earlier values
    (alpha = 2 / (window + 1), ``m += alpha·d; var = (1 - alpha)·(var + alpha·d²)`` with
    ``d`` the value minus the previous mean, starting from the first value with variance 0
    — pandas' ``ewm(span, adjust=False)`` mean and ``var(bias=True)``). With
    ``seasonal="day_of_week"`` the history of a point is only the earlier values on the
    same UTC weekday. A point is judged once ``warmup`` earlier values exist in its history.
    A history whose values are all equal has standard deviation 0: then any other value
    breaches.

    Points that breached stay in the history. Leaving them out would make the band depend
    on the verdicts: after a lasting level shift the new values would never be learnt, and
    the rule would fire forever. Kept in, a shift fires and then resolves once the history
    has absorbed the new level (within about ``window`` points); the price is that a big
    spike widens the band for the points after it. Keeping them also makes each point's
    band a function of the data alone, which is what lets it be vectorised.

Verdicts (:class:`~headway.entities.alerts.Verdict`)
    A point breaches when its verdict is one of the condition's; values are not looked
    at. ``insufficient_data`` is not evaluable unless the condition lists it.

Firing
    ``breach`` and ``evaluable`` are per point (``breach`` implies ``evaluable``). The rule
    starts not firing; it fires at the point where ``for_windows`` consecutive evaluable
    points have breached, stays firing through points that are not evaluable (a ``NaN``
    or the warm-up neither fires nor resolves, and does not break a run of breaches), and
    resolves at the first evaluable point that does not breach.

Bands
    ``lower`` / ``upper`` are the lines beyond which a point breaches (for ``inside``, the
    band within which it does), ``NaN`` on a side that does not alert or where there is no
    band yet (warm-up, no baseline); ``baseline`` is the reference line (the change
    baseline or the anomaly mean), ``NaN`` where there is none. At a missing value the
    band is still drawn: it is the one that value would have been judged against.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from headway.entities.alerts import Anomaly, Change, Condition, IsNan, Threshold, Verdict
from headway.errors import InvalidArgument

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
TimeArray = npt.NDArray[np.datetime64]
Transition = Literal["firing", "resolved"]
TimeLike = datetime | date | str | np.datetime64
TimesLike = Sequence[TimeLike] | npt.NDArray[Any]
ValuesLike = Sequence[float | None] | npt.NDArray[Any]

_TIME_DTYPE = np.dtype("datetime64[us]")
#: Points judged at once by :func:`evaluate_many` (rows are split into chunks this big).
_CHUNK_POINTS = 1 << 16
_FIELDS: dict[str, type] = {
    "breach": np.bool_,
    "evaluable": np.bool_,
    "firing": np.bool_,
    "lower": np.float64,
    "upper": np.float64,
    "baseline": np.float64,
}


@dataclass(frozen=True, eq=False)
class Series:
    """One series to judge: ``times`` (``datetime64[us]``, UTC, strictly increasing),
    ``values`` (``float64``, ``NaN`` = missing), optional per-point ``verdicts`` (for
    :class:`~headway.entities.alerts.Verdict`) and an optional finite ``reference`` value
    (for ``Change(baseline="reference")``).

    Build one with :meth:`build`, which converts, sorts and de-duplicates; the constructor
    only checks that its arguments already are in that form.
    """

    times: TimeArray
    values: FloatArray
    verdicts: tuple[str, ...] | None = None
    reference: float | None = None

    def __post_init__(self) -> None:
        times, values = self.times, self.values
        if not isinstance(times, np.ndarray) or times.dtype != _TIME_DTYPE or times.ndim != 1:
            raise InvalidArgument(
                "Series.times must be a 1-D datetime64[us] array; use Series.build"
            )
        if (
            not isinstance(values, np.ndarray)
            or values.dtype != np.float64
            or values.shape != times.shape
        ):
            raise InvalidArgument(
                "Series.values must be a float64 array as long as times; use Series.build"
            )
        _check_times(times)
        if self.verdicts is not None and (
            len(self.verdicts) != len(times) or not all(isinstance(v, str) for v in self.verdicts)
        ):
            raise InvalidArgument(
                f"verdicts must be one string per point ({len(times)}); got {len(self.verdicts)}"
            )
        if self.reference is not None:
            ref = self.reference
            if isinstance(ref, bool) or not isinstance(ref, int | float) or not math.isfinite(ref):
                raise InvalidArgument(f"reference must be a finite number or None; got {ref!r}")
            object.__setattr__(self, "reference", float(ref))

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def build(
        cls,
        times: TimesLike,
        values: ValuesLike,
        verdicts: Sequence[str] | None = None,
        reference: float | None = None,
    ) -> Series:
        """Make a series from times and values as they come from storage or a client.

        ``times``: datetimes (naive ones are UTC; aware ones are converted to UTC), ISO 8601
        strings (``2026-03-02``, ``2026-03-02T10:00:00Z``, with or without an offset) or a
        ``datetime64`` array; precision is cut to the microsecond. ``values``: numbers, with
        ``None`` or ``NaN`` for a missing value. Points are sorted by time; when a time
        appears more than once the *last* one given wins (its value and verdict), because a
        recomputed window or late data is sent after the value it replaces.

        Raises:
            InvalidArgument: lengths differ, a time cannot be read, or a value is not a number.
        """
        t = _to_times(times)
        v = _to_values(values)
        if len(v) != len(t):
            raise InvalidArgument(f"times and values differ in length: {len(t)} != {len(v)}")
        if verdicts is not None and len(verdicts) != len(t):
            raise InvalidArgument(
                f"verdicts and times differ in length: {len(verdicts)} != {len(t)}"
            )
        order = np.argsort(t, kind="stable")
        t = t[order]
        # After a stable sort the last of equal times is the last one given: keep it.
        keep = np.ones(len(t), dtype=bool)
        keep[:-1] = t[1:] != t[:-1]
        kept = order[keep]
        return cls(
            times=t[keep],
            values=v[kept],
            verdicts=None if verdicts is None else tuple(str(verdicts[i]) for i in kept),
            reference=reference,
        )


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A condition judged at every point of a series (see the module's semantics).

    Arrays are 1-D (one per point) from :func:`evaluate` and 2-D (series by points) from
    :func:`evaluate_many`; :meth:`row` takes one series out of the latter. They are
    read-only.
    """

    #: The condition holds at the point (implies ``evaluable``).
    breach: BoolArray
    #: The point could be judged: not missing, past the warm-up, with a baseline.
    evaluable: BoolArray
    #: The rule's state after the point.
    firing: BoolArray
    #: Line below which a point breaches (``inside``: the band's low edge); NaN where none.
    lower: FloatArray
    #: Line above which a point breaches (``inside``: the band's high edge); NaN where none.
    upper: FloatArray
    #: The change baseline or anomaly mean at the point; NaN where none.
    baseline: FloatArray

    def __post_init__(self) -> None:
        # Frozen all the way down: several fields may share one array (an all-NaN band).
        for name in _FIELDS:
            getattr(self, name).flags.writeable = False

    def __len__(self) -> int:
        return int(self.breach.shape[-1])

    def row(self, i: int) -> Evaluation:
        """The evaluation of series ``i`` of an :func:`evaluate_many` result."""
        if self.breach.ndim != 2:
            raise InvalidArgument("row() is for evaluate_many results (2-D)")
        return Evaluation(
            self.breach[i],
            self.evaluable[i],
            self.firing[i],
            self.lower[i],
            self.upper[i],
            self.baseline[i],
        )

    def transitions(self) -> list[tuple[int, Transition]]:
        """Where the rule changed state, in order: ``(index, "firing")`` at the point it
        started firing, ``(index, "resolved")`` at the point it stopped. The rule is taken
        as not firing before the first point."""
        if self.firing.ndim != 1:
            raise InvalidArgument("transitions() is for one series; use row(i) first")
        previous = np.concatenate(([False], self.firing[:-1]))
        changed = np.flatnonzero(self.firing != previous)
        return [(int(i), "firing" if self.firing[i] else "resolved") for i in changed]


def evaluate(condition: Condition, series: Series) -> Evaluation:
    """Judge ``condition`` at every point of ``series``.

    Returns:
        An :class:`Evaluation` with 1-D arrays as long as the series.

    Raises:
        InvalidArgument: ``Change(baseline="reference")`` on a series without a reference,
            or :class:`~headway.entities.alerts.Verdict` on a series without verdicts.
    """
    refs = None if series.reference is None else np.array([series.reference])
    verdicts = None if series.verdicts is None else np.array([series.verdicts], dtype=str)
    result = _judge(condition, _Input(series.values[None, :], series.times, refs, verdicts))
    return result.row(0)


def evaluate_many(
    condition: Condition,
    values: npt.ArrayLike,
    times: TimesLike | None = None,
    *,
    references: float | npt.ArrayLike | None = None,
    verdicts: Sequence[Sequence[str]] | npt.NDArray[Any] | None = None,
) -> Evaluation:
    """Judge one condition on many series of equal length at once.

    ``values`` is 2-D: one row per series, one column per point, ``NaN`` = missing. The
    rows share ``times`` (needed only by ``seasonal="day_of_week"``; strictly increasing,
    as :class:`Series` holds them). ``references`` is one value per row (or one for all;
    ``NaN`` leaves that row without a baseline) for ``Change(baseline="reference")``;
    ``verdicts`` is a rows-by-points array of verdict strings for
    :class:`~headway.entities.alerts.Verdict`. Row ``i`` of the result equals
    ``evaluate(condition, Series(times, values[i], verdicts[i], references[i]))``.

    Returns:
        An :class:`Evaluation` with 2-D (rows-by-points) arrays.

    Raises:
        InvalidArgument: ``values`` is not 2-D numbers, ``times``, ``references`` or
            ``verdicts`` do not match its shape, or the condition needs one of them and
            it is missing.
    """
    try:
        x = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"values must be numbers (NaN for missing): {exc}") from exc
    if x.ndim != 2:
        raise InvalidArgument(f"values must be 2-D (series by points); got {x.ndim}-D")
    rows, n = x.shape
    t = None
    if times is not None:
        t = _to_times(times)
        if t.shape != (n,):
            raise InvalidArgument(f"times must have one entry per column ({n}); got {len(t)}")
        _check_times(t)
    refs = None
    if references is not None:
        try:
            refs = np.broadcast_to(np.asarray(references, dtype=np.float64), (rows,))
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(
                f"references must be one number per row ({rows}) or one for all: {exc}"
            ) from exc
    v = None
    if verdicts is not None:
        v = np.asarray(verdicts, dtype=str)
        if v.shape != x.shape:
            raise InvalidArgument(
                f"verdicts must have the shape of values {x.shape}; got {v.shape}"
            )
    return _judge(condition, _Input(x, t, refs, v))


# --- the judges: one per condition kind ------------------------------------------------


@dataclass(frozen=True)
class _Input:
    x: FloatArray  # rows-by-points
    times: TimeArray | None
    references: FloatArray | None  # one per row
    verdicts: npt.NDArray[np.str_] | None  # rows-by-points


class _Judged(NamedTuple):
    breach: BoolArray
    evaluable: BoolArray
    lower: FloatArray
    upper: FloatArray
    baseline: FloatArray


def _judge(condition: Condition, inp: _Input) -> Evaluation:
    judge = _JUDGES.get(type(condition))
    if judge is None:
        raise InvalidArgument(f"not an alert condition: {condition!r}")
    rows, n = inp.x.shape
    step = max(1, _CHUNK_POINTS // max(n, 1))
    if rows <= step:
        return _judge_rows(condition, judge, inp)
    # Rows are independent: judging a few at a time keeps the temporaries in cache and
    # the memory bounded, whatever the batch.
    out: dict[str, npt.NDArray[Any]] = {
        name: np.empty((rows, n), dtype=dtype) for name, dtype in _FIELDS.items()
    }
    for start in range(0, rows, step):
        part = slice(start, start + step)
        e = _judge_rows(
            condition,
            judge,
            _Input(
                inp.x[part],
                inp.times,
                None if inp.references is None else inp.references[part],
                None if inp.verdicts is None else inp.verdicts[part],
            ),
        )
        for name in _FIELDS:
            out[name][part] = getattr(e, name)
    return Evaluation(**out)


def _judge_rows(
    condition: Condition, judge: Callable[[Any, _Input], _Judged], inp: _Input
) -> Evaluation:
    j = judge(condition, inp)
    breach = j.breach & j.evaluable
    firing = _firing(breach, j.evaluable, condition.for_windows)
    return Evaluation(breach, j.evaluable, firing, j.lower, j.upper, j.baseline)


def _full(shape: tuple[int, ...], value: float | None) -> FloatArray:
    return np.full(shape, np.nan if value is None else value, dtype=np.float64)


def _threshold(c: Threshold, inp: _Input) -> _Judged:
    x = inp.x
    none = _full(x.shape, None)
    # Comparisons with NaN are False, so a missing value never breaches.
    if c.op == "above":
        assert c.value is not None
        return _Judged(x > c.value, ~np.isnan(x), none, _full(x.shape, c.value), none)
    if c.op == "below":
        assert c.value is not None
        return _Judged(x < c.value, ~np.isnan(x), _full(x.shape, c.value), none, none)
    assert c.low is not None and c.high is not None
    if c.op == "outside":
        breach: BoolArray = (x < c.low) | (x > c.high)
    else:
        breach = (x >= c.low) & (x <= c.high)
    return _Judged(breach, ~np.isnan(x), _full(x.shape, c.low), _full(x.shape, c.high), none)


def _is_nan(c: IsNan, inp: _Input) -> _Judged:
    x = inp.x
    none = _full(x.shape, None)
    return _Judged(np.isnan(x), np.ones(x.shape, dtype=bool), none, none, none)


def _change(c: Change, inp: _Input) -> _Judged:
    x = inp.x
    base = _baseline(c, inp)
    spread = c.relative * np.abs(base)
    none = _full(x.shape, None)
    lower = base - spread if c.direction in ("drop", "either") else none
    upper = base + spread if c.direction in ("rise", "either") else none
    evaluable = ~np.isnan(x) & ~np.isnan(base)
    return _Judged((x < lower) | (x > upper), evaluable, lower, upper, base)


def _baseline(c: Change, inp: _Input) -> FloatArray:
    x = inp.x
    rows, n = x.shape
    if c.baseline == "reference":
        if inp.references is None:
            raise InvalidArgument(
                "the condition compares with the reference value, but the series has none"
            )
        return np.repeat(inp.references[:, None], n, axis=1)
    finite = np.isfinite(x)
    if c.baseline == "previous":
        last = np.maximum.accumulate(np.where(finite, np.arange(n), -1), axis=1)
        prev = np.full((rows, n), -1, dtype=np.int64)
        prev[:, 1:] = last[:, :-1]
        base = np.take_along_axis(x, np.maximum(prev, 0), axis=1)
        base[prev < 0] = np.nan
        return base
    if c.baseline == "first":
        if n == 0:
            return x.copy()
        first: IntArray = np.argmax(finite, axis=1)
        value = x[np.arange(rows), first]
        has_value = np.any(finite, axis=1, keepdims=True)
        after = (np.arange(n)[None, :] > first[:, None]) & has_value
        return np.where(after, value[:, None], np.nan)
    before, mean, _ = _history_stats(x, c.baseline_windows, spread=False)
    return np.where(before >= c.baseline_windows, mean, np.nan)


def _anomaly(c: Anomaly, inp: _Input) -> _Judged:
    x = inp.x
    band = _zscore_band if c.method == "zscore" else _ewma_band
    if c.seasonal == "none":
        mean, std = band(x, c.window, c.warmup)
    else:
        if inp.times is None:
            raise InvalidArgument("a seasonal anomaly condition needs the series' times")
        mean, std = _by_weekday(x, inp.times, lambda part: band(part, c.window, c.warmup))
    none = _full(x.shape, None)
    lower = mean - c.k * std if c.direction in ("either", "below") else none
    upper = mean + c.k * std if c.direction in ("either", "above") else none
    evaluable = ~np.isnan(x) & ~np.isnan(mean)
    return _Judged((x < lower) | (x > upper), evaluable, lower, upper, mean)


def _by_weekday(
    x: FloatArray,
    times: TimeArray,
    band: Callable[[FloatArray], tuple[FloatArray, FloatArray]],
) -> tuple[FloatArray, FloatArray]:
    """``band`` computed on each UTC weekday's points alone, in one call: each weekday of
    each row becomes a row of its own, padded at its end (padding comes after every real
    point, and histories only look back, so it never enters one)."""
    rows, n = x.shape
    weekday = (times.astype("datetime64[D]").astype(np.int64) + 3) % 7
    order = np.argsort(weekday, kind="stable")
    sizes = np.bincount(weekday, minlength=7)
    # Position of each point among the points of its weekday.
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    width = int(sizes.max(initial=0))
    stacked = np.zeros((7, rows, width))
    stacked[weekday, :, rank] = x.T
    mean, std = band(stacked.reshape(7 * rows, width))
    at = (weekday, slice(None), rank)
    return mean.reshape(7, rows, width)[at].T, std.reshape(7, rows, width)[at].T


def _verdict(c: Verdict, inp: _Input) -> _Judged:
    if inp.verdicts is None:
        raise InvalidArgument("a verdict condition needs the series' verdicts")
    v = inp.verdicts
    breach = np.isin(v, list(c.verdicts))
    evaluable = breach | (v != "insufficient_data")
    none = _full(v.shape, None)
    return _Judged(breach, evaluable, none, none, none)


_JUDGES: dict[type, Callable[[Any, _Input], _Judged]] = {
    Threshold: _threshold,
    IsNan: _is_nan,
    Change: _change,
    Anomaly: _anomaly,
    Verdict: _verdict,
}


# --- vectorised building blocks --------------------------------------------------------


def _firing(breach: BoolArray, evaluable: BoolArray, for_windows: int) -> BoolArray:
    """Firing after each point: the run of breaches since the last evaluable clear point
    (non-evaluable points neither extend nor break it) has reached ``for_windows``."""
    runs = np.cumsum(breach, axis=1, dtype=np.int32)
    # ``runs`` never decreases along a row, so its value at the last clear point is the
    # running maximum of its values at clear points: no gather needed.
    at_last_clear = np.maximum.accumulate(np.where(evaluable & ~breach, runs, 0), axis=1)
    run = runs - at_last_clear
    return np.greater_equal(run, for_windows)


def _compact(x: FloatArray) -> tuple[FloatArray, IntArray, bool]:
    """Each row's finite values moved to its front in order (zeros after them), for every
    point the number of finite values before it, and whether every value was finite (then
    the rows are unchanged and that number is the point's index).

    Histories and baselines skip missing values; in the compacted rows "the last w values
    before point i" is the plain slice ``[before[i] - w, before[i])``.
    """
    finite = np.isfinite(x)
    before = (np.cumsum(finite, axis=1) - finite).astype(np.int64)
    if finite.all():
        return x, before, True
    order = np.argsort(~finite, axis=1, kind="stable")
    y = np.take_along_axis(x, order, axis=1)
    y[~np.take_along_axis(finite, order, axis=1)] = 0.0
    return y, before, False


def _window_sums(z: FloatArray, w: int, *, squares: bool) -> tuple[FloatArray, FloatArray | None]:
    """``out[:, k] = z[:, max(0, k - w):k].sum(axis=1)`` for ``k = 0 … n``, and the same
    sums of ``z**2`` when ``squares`` is set.

    Each window is a block's suffix plus the next block's prefix (van Herk / Gil-Werman):
    O(n) whatever ``w``, and a sum adds at most ``w`` numbers, so unlike a difference of
    running totals its rounding does not grow with the length of the series. Blocks are
    laid out offset-major, so each step of the prefix and suffix loops (``w`` steps) is
    one long vector operation.
    """
    rows, n = z.shape
    # Block 0 is w zeros: the windows of the first points are the shorter histories.
    nb = 1 + -(-(n + 1) // w)
    padded = np.zeros((rows, nb * w))
    padded[:, w : w + n] = z
    blocks = np.ascontiguousarray(padded.reshape(rows, nb, w).transpose(2, 0, 1))
    del padded

    def sums(b: FloatArray) -> FloatArray:
        prefix = b.copy()
        suffix = b.copy()
        for t in range(1, w):
            prefix[t] += prefix[t - 1]
            suffix[w - 1 - t] += suffix[w - t]
        # The window starting at offset t of block b is suffix[t, b] + prefix[t - 1, b + 1];
        # one starting on a block boundary is the whole block, suffix[0, b].
        out = suffix[:, :, :-1]
        out[1:] += prefix[:-1, :, 1:]
        return out.transpose(1, 2, 0).reshape(rows, (nb - 1) * w)[:, : n + 1]

    return sums(blocks), sums(blocks * blocks) if squares else None


def _history_stats(
    x: FloatArray, w: int, *, spread: bool
) -> tuple[IntArray, FloatArray, FloatArray | None]:
    """For every point: how many finite values precede it, and the mean (and, with
    ``spread``, the sample variance) of the last ``min(that, w)`` of them (NaN if none)."""
    y, before, dense = _compact(x)
    rows, n = y.shape

    def at_points(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        # Columns of ``a`` are history lengths k = 0 … n; each point reads its own k.
        return a[:, :n] if dense else np.take_along_axis(a, before, axis=1)

    # Sums of values minus the row's first value: a series that stays near its level
    # cancels to small numbers, and one that never moves gives exact zeros.
    shift = y[:, :1].copy()
    z = y - shift
    count = np.minimum(before, w)
    sum1, sum2 = _window_sums(z, w, squares=spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = at_points(sum1)
        mean = shift + s1 / count
        var = None
        if sum2 is not None:
            s2 = at_points(sum2)
            var = np.maximum((s2 - s1 * s1 / count) / (count - 1), 0.0)
    # A history of one repeated value has that value as its exact mean and no spread,
    # whatever the rounding of the sums: otherwise the next equal value could "breach".
    # Counted in integers (changes between neighbours), so the test itself is exact.
    changes = np.zeros((rows, n + 1), dtype=np.int32)
    np.cumsum(y[:, 1:] != y[:, :-1], axis=1, out=changes[:, 2:])
    since = np.zeros_like(changes)
    if n + 1 > w:
        since[:, w:] = changes[:, 1 : n + 2 - w]
    flat = at_points(changes - since) == 0
    last = at_points(np.concatenate([np.full((rows, 1), np.nan), y], axis=1))
    mean = np.where(flat, last, mean)
    mean[before == 0] = np.nan
    if var is not None:
        var = np.where(flat, 0.0, var)
        var[count < 2] = np.nan
    return before, mean, var


def _zscore_band(x: FloatArray, w: int, warmup: int) -> tuple[FloatArray, FloatArray]:
    before, mean, var = _history_stats(x, w, spread=True)
    assert var is not None
    ready = before >= warmup
    return np.where(ready, mean, np.nan), np.where(ready, np.sqrt(var), np.nan)


def _ewma_band(x: FloatArray, span: int, warmup: int) -> tuple[FloatArray, FloatArray]:
    y, before, _ = _compact(x)
    alpha = 2.0 / (span + 1.0)
    keep = 1.0 - alpha
    # Relative to the first value: the mean starts at exactly 0, and stays 0 while the
    # series does not move, so a flat history has exactly zero variance.
    shift = y[:, :1].copy()
    z = y - shift
    mean = _recurse(alpha * z, keep)
    d = z.copy()
    d[:, 1:] -= mean[:, :-1]
    var = _recurse(alpha * keep * d * d, keep)
    # The band at a point is the state after the values before it.
    last = np.maximum(before - 1, 0)
    ready = before >= warmup
    m = np.take_along_axis(mean, last, axis=1) + shift
    s = np.sqrt(np.take_along_axis(var, last, axis=1))
    return np.where(ready, m, np.nan), np.where(ready, s, np.nan)


def _recurse(u: FloatArray, a: float) -> FloatArray:
    """``s[:, j] = a·s[:, j-1] + u[:, j]`` along each row, from ``s[:, -1] = 0``.

    The row is cut into about √n blocks of about √n points, laid out offset-major: one
    loop runs the recursion inside every block of every row at once, a second carries each
    block's end state into the next, so Python loops about 2·√n times, never once per point.
    """
    rows, n = u.shape
    if n == 0:
        return u.copy()
    size = math.isqrt(n - 1) + 1
    nb = -(-n // size)
    padded = np.zeros((rows, nb * size))
    padded[:, :n] = u
    local = np.ascontiguousarray(padded.reshape(rows, nb, size).transpose(2, 0, 1))
    del padded
    for t in range(1, size):
        local[t] += a * local[t - 1]
    # carry[:, b]: the state just before block b (its previous block's last value).
    carry = np.zeros((rows, nb))
    decay = a**size
    for b in range(1, nb):
        carry[:, b] = decay * carry[:, b - 1] + local[-1, :, b - 1]
    local += (a ** np.arange(1.0, size + 1.0))[:, None, None] * carry[None, :, :]
    out: FloatArray = local.transpose(1, 2, 0).reshape(rows, nb * size)[:, :n]
    return out


# --- input conversion ------------------------------------------------------------------


def _check_times(times: TimeArray) -> None:
    if np.isnat(times).any():
        raise InvalidArgument("times must not contain NaT")
    if len(times) > 1 and not (times[1:] > times[:-1]).all():
        raise InvalidArgument("times must be strictly increasing; use Series.build to sort")


def _to_times(times: TimesLike) -> TimeArray:
    if isinstance(times, np.ndarray) and times.dtype.kind == "M":
        out = times.astype(_TIME_DTYPE)
    else:
        items = list(times)
        out = np.empty(len(items), dtype=_TIME_DTYPE)
        for i, item in enumerate(items):
            out[i] = _to_time(item, i)
    if np.isnat(out).any():
        raise InvalidArgument(f"time {int(np.argmax(np.isnat(out)))} is missing (NaT)")
    return out


def _to_time(item: object, i: int) -> np.datetime64:
    value = item
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidArgument(f"time {i} is not an ISO 8601 date or time: {item!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return np.datetime64(value, "us")
    if isinstance(value, date):
        return np.datetime64(value, "D").astype(_TIME_DTYPE)
    if isinstance(value, np.datetime64):
        return value.astype(_TIME_DTYPE)
    raise InvalidArgument(f"time {i} must be a datetime or an ISO 8601 string; got {item!r}")


def _to_values(values: ValuesLike) -> FloatArray:
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise InvalidArgument(f"values must be 1-D; got {values.ndim}-D")
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return values.astype(np.float64)
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        try:
            out[i] = np.nan if v is None else float(v)
        except (TypeError, ValueError):
            raise InvalidArgument(f"value {i} is not a number: {v!r}") from None
    return out
