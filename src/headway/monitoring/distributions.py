"""Reference-vs-current histograms for charts, on bins both sides share.

Numerical columns get equal-width bins fitted to the reference range and extended, in
bins of the same width, far enough to hold the window's minimum and maximum. When that
would add more than ``bins`` bins on a side (an outlier far out), a single wide bin
reaching the window's extreme is added instead, so one bad value cannot blow up the chart.

Categorical columns get the ``top`` categories by combined share (reference share +
current share, so a small window weighs as much as a large reference), then one bucket
with the rest, last.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from headway.errors import InvalidArgument
from headway.monitoring.detectors.profiles import (
    CategoricalCurrent,
    CategoricalProfile,
    ColumnKind,
    ColumnProfile,
    CurrentColumn,
    NumericalCurrent,
    NumericalProfile,
)

OTHER = "other"


@dataclass(frozen=True)
class Distribution:
    """Counts of reference and current values on the same bins or categories.

    Numerical: ``edges`` has one more entry than the count tuples; bins are
    [e_i, e_{i+1}) and the last one is closed, as in ``np.histogram``. Categorical:
    ``categories`` labels the counts; when ``other`` is true the last label is the bucket
    of every remaining category.
    """

    column: str
    kind: ColumnKind
    edges: tuple[float, ...] | None
    categories: tuple[str, ...] | None
    reference_counts: tuple[int, ...]
    current_counts: tuple[int, ...]
    n_reference: int
    n_current: int
    other: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (lists, str, int, float, bool, None)."""
        return {
            "column": self.column,
            "kind": self.kind,
            "edges": list(self.edges) if self.edges is not None else None,
            "categories": list(self.categories) if self.categories is not None else None,
            "reference_counts": list(self.reference_counts),
            "current_counts": list(self.current_counts),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "other": self.other,
        }


def distribution(
    profile: ColumnProfile, current: CurrentColumn, *, bins: int = 30, top: int = 20
) -> Distribution:
    """Reference and current histograms of one column on shared bins.

    Args:
        profile: the reference profile.
        current: the window prepared against ``profile``.
        bins: equal-width bins across the reference range (numerical).
        top: categories shown before the rest are bucketed (categorical).

    Returns:
        A :class:`Distribution`; with no values on either side, empty counts.

    Raises:
        InvalidArgument: ``bins`` or ``top`` < 1, or profile and window of different kinds.
    """
    if bins < 1 or top < 1:
        raise InvalidArgument(f"bins and top must be >= 1, got bins={bins}, top={top}")
    if isinstance(profile, NumericalProfile) and isinstance(current, NumericalCurrent):
        edges = _edges(profile, current, bins)
        return Distribution(
            column=profile.name,
            kind="numerical",
            edges=tuple(float(e) for e in edges),
            categories=None,
            reference_counts=_counts(profile.values, edges),
            current_counts=_counts(current.values, edges),
            n_reference=profile.n,
            n_current=current.n,
        )
    if isinstance(profile, CategoricalProfile) and isinstance(current, CategoricalCurrent):
        return _categorical(profile, current, top)
    raise InvalidArgument(f"column {profile.name!r}: profile and window are of different kinds")


def _edges(profile: NumericalProfile, current: NumericalCurrent, bins: int) -> NDArray[np.float64]:
    if profile.n == 0 and current.n == 0:
        return np.zeros(0)
    lo, hi = (profile.min, profile.max) if profile.n else (current.min, current.max)
    if hi == lo:
        half = 0.5 if lo == 0 else 0.05 * abs(lo)
        lo, hi = lo - half, hi + half
    width = (hi - lo) / bins
    inner = np.linspace(lo, hi, bins + 1)
    below: NDArray[np.float64] = np.zeros(0)
    above: NDArray[np.float64] = np.zeros(0)
    if current.n and current.min < lo:
        k = math.ceil((lo - current.min) / width)
        steps = np.arange(k, 0, -1) if k <= bins else None
        below = np.asarray(
            lo - width * steps if steps is not None else [current.min], dtype=np.float64
        )
        below[0] = min(below[0], current.min)
    if current.n and current.max > hi:
        k = math.ceil((current.max - hi) / width)
        steps = np.arange(1, k + 1) if k <= bins else None
        above = np.asarray(
            hi + width * steps if steps is not None else [current.max], dtype=np.float64
        )
        above[-1] = max(above[-1], current.max)
    return np.concatenate((below, inner, above))


def _counts(xs: NDArray[np.float64], edges: NDArray[np.float64]) -> tuple[int, ...]:
    if len(edges) == 0:
        return ()
    # np.histogram's convention on sorted data: [e_i, e_{i+1}), the last bin closed.
    pos = np.searchsorted(xs, edges, side="left")
    pos[-1] = np.searchsorted(xs, edges[-1], side="right")
    return tuple(int(c) for c in np.diff(pos))


def _categorical(
    profile: CategoricalProfile, current: CategoricalCurrent, top: int
) -> Distribution:
    labels = [*profile.categories, *current.new_categories]
    ref = np.concatenate((profile.counts, np.zeros(len(current.new_categories), dtype=np.int64)))
    cur = np.concatenate(
        (current.counts, np.fromiter(current.new_categories.values(), dtype=np.int64))
    )
    share = ref / max(profile.n, 1) + cur / max(current.n, 1)
    order = sorted(range(len(labels)), key=lambda i: (-share[i], labels[i]))
    shown, rest = order[:top], order[top:]
    categories = [labels[i] for i in shown]
    ref_counts = [int(ref[i]) for i in shown]
    cur_counts = [int(cur[i]) for i in shown]
    if rest:
        categories.append(OTHER if OTHER not in categories else f"{OTHER} (rest)")
        ref_counts.append(int(ref[rest].sum()))
        cur_counts.append(int(cur[rest].sum()))
    return Distribution(
        column=profile.name,
        kind="categorical",
        edges=None,
        categories=tuple(categories),
        reference_counts=tuple(ref_counts),
        current_counts=tuple(cur_counts),
        n_reference=profile.n,
        n_current=current.n,
        other=bool(rest),
    )
