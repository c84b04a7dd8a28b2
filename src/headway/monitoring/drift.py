"""Per-column drift verdicts and the dataset-level drift share.

:func:`column_drift` scores one prepared window with a named detector or, by default,
the one Evidently 0.7's ``DataDriftPreset`` would pick, and turns the score into a
verdict with Evidently's operators. A side with too few values gets the verdict
``insufficient_data`` and a message with the counts, never a guess.

:func:`dataset_drift` is Evidently's ``get_dataset_drift``: the share of drifted columns,
drift if ``share >= 0.5``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from headway.errors import InvalidArgument
from headway.monitoring.detectors import choose_method, get_detector
from headway.monitoring.detectors.profiles import ColumnKind, ColumnProfile, CurrentColumn

Verdict = Literal["drift", "no_drift", "insufficient_data"]

#: Columns with fewer non-null values than this on either side are not tested.
DEFAULT_MIN_ROWS = 30
#: Evidently's ``drift_share``: dataset drift when at least half the columns drift.
DEFAULT_DRIFT_SHARE = 0.5


@dataclass(frozen=True)
class DriftResult:
    """One column's drift verdict for one window.

    ``statistic`` is the test statistic (KS D, χ², z) or the distance; ``p_value`` is set
    for tests. Both are ``None`` when the verdict is ``insufficient_data``.
    ``n_reference``/``n_current`` count the finite, non-null values that were compared.
    """

    column: str
    kind: ColumnKind
    method: str
    label: str
    statistic: float | None
    p_value: float | None
    threshold: float
    verdict: Verdict
    n_reference: int
    n_current: int
    message: str | None = None


@dataclass(frozen=True)
class DatasetDrift:
    """Share of drifted columns among those that could be tested."""

    share: float
    n_drifted: int
    n_columns: int
    threshold: float = DEFAULT_DRIFT_SHARE
    drifted: bool = False


def column_drift(
    profile: ColumnProfile,
    current: CurrentColumn,
    *,
    method: str | None = None,
    threshold: float | None = None,
    min_rows: int = DEFAULT_MIN_ROWS,
) -> DriftResult:
    """Test one column of one window for drift against its reference.

    Args:
        profile: the reference profile from ``fit_profile``.
        current: the window from ``prepare_current(profile, …)``.
        method: a detector name (``DETECTORS`` key); ``None`` picks Evidently's default
            with :func:`~headway.monitoring.detectors.auto.choose_method`.
        threshold: p-value level for tests, distance for distances; ``None`` uses the
            detector's default (0.05 for tests, 0.1 for distances).
        min_rows: the fewest finite, non-null values each side needs to be tested (at
            least 1 is always required).

    Returns:
        A :class:`DriftResult`; ``insufficient_data`` with a message when the reference or
        the window has fewer than ``min_rows`` values.

    Raises:
        InvalidArgument: unknown method, a method that does not apply to the column kind,
            a threshold that is not a finite number ≥ 0, ``min_rows`` < 0, or a window
            prepared against another profile.
    """
    if min_rows < 0:
        raise InvalidArgument(f"min_rows must be >= 0, got {min_rows}")
    if current.reference is not profile:
        raise InvalidArgument(
            f"column {profile.name!r}: the window was prepared against another profile"
        )
    name = method if method is not None else choose_method(profile, current)
    detector = get_detector(name, profile.kind)
    t = detector.default_threshold if threshold is None else float(threshold)
    if not math.isfinite(t) or t < 0:
        raise InvalidArgument(f"column {profile.name!r}: threshold must be a finite number >= 0")

    def result(
        verdict: Verdict,
        statistic: float | None = None,
        p_value: float | None = None,
        message: str | None = None,
    ) -> DriftResult:
        return DriftResult(
            column=profile.name,
            kind=profile.kind,
            method=detector.name,
            label=detector.label,
            statistic=statistic,
            p_value=p_value,
            threshold=t,
            verdict=verdict,
            n_reference=profile.n,
            n_current=current.n,
            message=message,
        )

    need = max(min_rows, 1)
    short = [
        f"the {side} has {n} non-null value{'s' if n != 1 else ''}"
        for side, n in (("reference", profile.n), ("current window", current.n))
        if n < need
    ]
    if short:
        return result(
            "insufficient_data",
            message=(
                f"column {profile.name!r}: not tested for drift: {' and '.join(short)}; "
                f"method {detector.name!r} needs at least {need} on each side"
            ),
        )
    score = detector.score(profile, current)
    verdict: Verdict = "drift" if detector.drifted(score, t) else "no_drift"
    return result(verdict, score.statistic, score.p_value)


def dataset_drift(
    results: Iterable[DriftResult], share_threshold: float = DEFAULT_DRIFT_SHARE
) -> DatasetDrift:
    """Dataset drift as in Evidently: drift if the share of drifted columns ≥ the threshold.

    Args:
        results: per-column results of one window.
        share_threshold: the share of drifted columns that means dataset drift.

    Returns:
        A :class:`DatasetDrift`. Columns with ``insufficient_data`` are left out of the
        denominator; if none are left, ``n_columns`` is 0, ``share`` 0.0 and ``drifted``
        False.

    Raises:
        InvalidArgument: ``share_threshold`` is not in [0, 1].
    """
    if not 0.0 <= share_threshold <= 1.0:
        raise InvalidArgument(f"share_threshold must be in [0, 1], got {share_threshold}")
    tested = [r for r in results if r.verdict != "insufficient_data"]
    n_drifted = sum(r.verdict == "drift" for r in tested)
    if not tested:
        return DatasetDrift(0.0, 0, 0, share_threshold, False)
    share = n_drifted / len(tested)
    return DatasetDrift(share, n_drifted, len(tested), share_threshold, share >= share_threshold)
