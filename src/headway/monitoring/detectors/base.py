"""The detector contract: one class per drift method, one file per class.

A detector compares a reference :class:`~headway.monitoring.detectors.profiles.ColumnProfile`
with a window prepared by ``prepare_current`` and returns a :class:`Score`. Whether a score
means drift is decided by :meth:`BaseDetector.drifted` with Evidently 0.7's operators, so
verdicts agree with Evidently's at the threshold itself: KS drifts if ``p <= t``, the other
tests if ``p < t``, and distances if ``d >= t``.

Detectors hold no state and are safe to share between threads.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from headway.errors import InvalidArgument
from headway.monitoring.detectors import _sorted
from headway.monitoring.detectors.profiles import (
    CategoricalCurrent,
    CategoricalProfile,
    ColumnKind,
    ColumnProfile,
    CurrentColumn,
    NumericalCurrent,
    NumericalProfile,
)

DetectorKind = Literal["test", "distance"]


@dataclass(frozen=True)
class Score:
    """A detector's output: the statistic, and the p-value for hypothesis tests."""

    statistic: float
    p_value: float | None = None


class BaseDetector(abc.ABC):
    """A drift method for one column.

    Class attributes:
        name: registry key, e.g. ``"wasserstein"``.
        label: display name, e.g. ``"Wasserstein distance (normed)"`` (Evidently's).
        kind: ``"test"`` (judged on the p-value) or ``"distance"`` (judged on the statistic).
        applies_to: the column kinds the method accepts.
        default_threshold: the threshold used when the caller gives none.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    kind: ClassVar[DetectorKind]
    applies_to: ClassVar[frozenset[ColumnKind]]
    default_threshold: ClassVar[float]

    @abc.abstractmethod
    def score(self, profile: ColumnProfile, current: CurrentColumn) -> Score:
        """Compare a window with its reference.

        Args:
            profile: the reference profile from ``fit_profile``.
            current: the window from ``prepare_current(profile, …)``.

        Returns:
            The statistic, and for tests the p-value.

        Raises:
            InvalidArgument: the method does not apply to this column kind, ``current`` was
                prepared against another profile, or either sample is empty.
        """

    def drifted(self, score: Score, threshold: float) -> bool:
        """Whether ``score`` means drift at ``threshold``, with Evidently's operators.

        Args:
            score: a score returned by :meth:`score`.
            threshold: a p-value level for tests, a distance for distances.

        Returns:
            For tests ``p_value < threshold`` (KS overrides with ``<=``); for distances
            ``statistic >= threshold``. A NaN or missing value is never drift.
        """
        if self.kind == "test":
            return score.p_value is not None and bool(score.p_value < threshold)
        return bool(score.statistic >= threshold)

    def check_applicable(self, kind: ColumnKind) -> None:
        """Raise ``InvalidArgument`` unless the method accepts ``kind`` columns."""
        if kind not in self.applies_to:
            only = " and ".join(sorted(self.applies_to))
            raise InvalidArgument(f"{self.name} applies to {only} columns only, not {kind} columns")

    def check(self, profile: ColumnProfile, current: CurrentColumn) -> None:
        """Validate a (profile, window) pair before scoring; see :meth:`score` for errors."""
        self.check_applicable(profile.kind)
        if current.reference is not profile:
            raise InvalidArgument(
                f"column {profile.name!r}: the window was prepared against another profile"
            )
        if profile.n == 0 or current.n == 0:
            raise InvalidArgument(
                f"column {profile.name!r}: {self.name} needs non-empty samples "
                f"(reference has {profile.n} values, current has {current.n})"
            )


class BaseBinnedDetector(BaseDetector):
    """A distance between binned reference and current proportions.

    Bins are Evidently's where it can be matched exactly: categories of reference and
    current (new categories get their own bins), and for numerical references with ≤ 20
    distinct values one bin per distinct value of reference and current. Other numerical
    columns use the reference's fitted quantile bins (10 bins plus two open outer bins);
    Evidently's Sturges bins over reference + current change with every window, so they
    are not used.
    """

    kind: ClassVar[DetectorKind] = "distance"
    applies_to: ClassVar[frozenset[ColumnKind]] = frozenset({"numerical", "categorical"})
    default_threshold: ClassVar[float] = 0.1

    def score(self, profile: ColumnProfile, current: CurrentColumn) -> Score:
        self.check(profile, current)
        ref, cur = binned_counts(profile, current)
        return Score(self.distance(ref / profile.n, cur / current.n))

    @abc.abstractmethod
    def distance(self, ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
        """The distance between reference and current proportions over the same bins.

        Args:
            ref: reference proportions, summing to 1.
            cur: current proportions, summing to 1.

        Returns:
            A non-negative float.
        """


@dataclass(frozen=True, eq=False)
class ValueCounts:
    """Reference and current counts, one bin per distinct value of reference and current.

    ``first`` is the bin of the smallest value (categories compare as strings), the
    "key" Evidently's Z-test codes against.
    """

    ref: NDArray[np.float64]
    cur: NDArray[np.float64]
    first: int


def value_counts(profile: ColumnProfile, current: CurrentColumn) -> ValueCounts:
    """Counts per distinct value (numerical) or category over reference and current."""
    if isinstance(profile, CategoricalProfile) and isinstance(current, CategoricalCurrent):
        n_new = len(current.new_categories)
        ref = np.concatenate((profile.counts, np.zeros(n_new, dtype=np.int64)))
        new = np.fromiter(current.new_categories.values(), dtype=np.int64, count=n_new)
        cur = np.concatenate((current.counts, new))
        labels = (*profile.categories, *current.new_categories)
        first = min(range(len(labels)), key=labels.__getitem__)
        return ValueCounts(ref.astype(np.float64), cur.astype(np.float64), first)
    profile, current = as_numerical(profile, current)
    if profile.distinct is not None and profile.distinct_counts is not None:
        ref_values, ref_counts = profile.distinct, profile.distinct_counts
    else:
        ref_values, ref_counts = _sorted.distinct(profile.values)
    cur_values, cur_counts = current.distinct
    keys = np.union1d(ref_values, cur_values)
    ref_at = np.zeros(len(keys))
    cur_at = np.zeros(len(keys))
    ref_at[np.searchsorted(keys, ref_values)] = ref_counts
    cur_at[np.searchsorted(keys, cur_values)] = cur_counts
    return ValueCounts(ref_at, cur_at, 0)


def binned_counts(
    profile: ColumnProfile, current: CurrentColumn
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Reference and current counts over the same bins (see :class:`BaseBinnedDetector`)."""
    if isinstance(profile, NumericalProfile) and profile.distinct is None:
        profile, current = as_numerical(profile, current)
        return profile.counts.astype(np.float64), current.bin_counts.astype(np.float64)
    counts = value_counts(profile, current)
    return counts.ref, counts.cur


def as_numerical(
    profile: ColumnProfile, current: CurrentColumn
) -> tuple[NumericalProfile, NumericalCurrent]:
    """The pair, typed as numerical; ``InvalidArgument`` if either side is not."""
    if isinstance(profile, NumericalProfile) and isinstance(current, NumericalCurrent):
        return profile, current
    raise InvalidArgument(f"column {profile.name!r}: expected a numerical profile and window")


def fill_zeroes(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Evidently's smoothing for PSI and KL: zeros become min_nonzero/1e6 if min_nonzero ≤
    1e-4, else 1e-4, in each vector separately and without renormalising."""
    nonzero = p[p != 0]
    if len(nonzero) == 0:
        return p
    low = float(nonzero.min())
    return np.where(p == 0, low / 10**6 if low <= 0.0001 else 0.0001, p)
