"""Reference profiles, fitted once, and current windows, prepared once per column.

A profile keeps what every detector needs from the reference: the sorted finite values,
std₀, range, reference-quantile bins, and the distinct values when there are few. A window
is converted, cleaned and sorted once by :func:`prepare_current`; every detector then reads
the same :class:`NumericalCurrent` or :class:`CategoricalCurrent`, and the costlier shared
quantities (the merge with the reference, distinct counts, bin counts) are computed on first
use and cached on it.

Missing values (null, NaN, ±inf) and values of the wrong type are counted and dropped, as
Evidently drops NaN and ±inf before testing; data quality reports them instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from headway.errors import InvalidArgument
from headway.monitoring.detectors import _sorted
from headway.monitoring.detectors._convert import ColumnValues, category_counts, to_float

ColumnKind = Literal["numerical", "categorical"]
COLUMN_KINDS: tuple[ColumnKind, ...] = ("numerical", "categorical")

#: Reference-quantile bins for binned methods (PSI, KL, JS, Hellinger) on numerical columns.
N_QUANTILE_BINS = 10
#: Up to this many distinct reference values, binned methods use one bin per value
#: (Evidently's ``get_binned_data`` rule, ``reference.nunique() <= 20``).
MAX_DISTINCT = 20


@dataclass(frozen=True, eq=False)
class NumericalProfile:
    """A numerical reference column.

    ``edges`` are the distinct reference quantiles at 0, 0.1, …, 1; ``counts`` are the
    reference counts in the open-ended bins around them (see ``_sorted.bin_counts``).
    ``distinct``/``distinct_counts`` are set when the reference has ≤ 20 distinct values.
    """

    kind: ClassVar[Literal["numerical"]] = "numerical"
    name: str
    n: int
    n_missing: int
    n_type_mismatch: int
    values: NDArray[np.float64] = field(repr=False)
    std0: float
    min: float
    max: float
    edges: NDArray[np.float64] = field(repr=False)
    counts: NDArray[np.int64] = field(repr=False)
    n_distinct: int
    distinct: NDArray[np.float64] | None = field(repr=False)
    distinct_counts: NDArray[np.int64] | None = field(repr=False)

    @property
    def n_rows(self) -> int:
        """All reference rows, usable or not."""
        return self.n + self.n_missing + self.n_type_mismatch


@dataclass(frozen=True, eq=False)
class CategoricalProfile:
    """A categorical reference column: categories by descending frequency, then by name."""

    kind: ClassVar[Literal["categorical"]] = "categorical"
    name: str
    n: int
    n_missing: int
    categories: tuple[str, ...]
    counts: NDArray[np.int64] = field(repr=False)

    @property
    def n_type_mismatch(self) -> int:
        """Always 0: any value can be a category label."""
        return 0

    @property
    def n_rows(self) -> int:
        """All reference rows, usable or not."""
        return self.n + self.n_missing

    @cached_property
    def index(self) -> dict[str, int]:
        """Position of each category in ``categories``."""
        return {c: i for i, c in enumerate(self.categories)}


ColumnProfile: TypeAlias = NumericalProfile | CategoricalProfile


@dataclass(frozen=True, eq=False)
class NumericalCurrent:
    """A numerical window, sorted, with shared statistics computed on first use."""

    kind: ClassVar[Literal["numerical"]] = "numerical"
    name: str
    n: int
    n_missing: int
    n_type_mismatch: int
    values: NDArray[np.float64] = field(repr=False)
    reference: NumericalProfile = field(repr=False)

    @property
    def n_rows(self) -> int:
        """All window rows, usable or not."""
        return self.n + self.n_missing + self.n_type_mismatch

    @property
    def min(self) -> float:
        return float(self.values[0]) if self.n else float("nan")

    @property
    def max(self) -> float:
        return float(self.values[-1]) if self.n else float("nan")

    @cached_property
    def n_distinct(self) -> int:
        """Distinct values in this window alone."""
        return _sorted.n_distinct(self.values)

    @cached_property
    def distinct(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Distinct values of this window and their counts."""
        return _sorted.distinct(self.values)

    @cached_property
    def n_unique(self) -> int:
        """Distinct values over reference and window (Evidently's ``nunique`` of both)."""
        ref = self.reference
        if self.n == 0:
            return ref.n_distinct
        values = self.distinct[0]
        ref_values = ref.distinct if ref.distinct is not None else ref.values
        return ref.n_distinct + len(values) - _sorted.n_common(ref_values, values)

    @cached_property
    def bin_counts(self) -> NDArray[np.int64]:
        """Counts in the reference-quantile bins (aligned with ``reference.counts``)."""
        if len(self.reference.edges) == 0:
            return np.zeros(0, dtype=np.int64)
        return _sorted.bin_counts(self.values, self.reference.edges)

    @cached_property
    def ks_w1(self) -> tuple[float, float]:
        """KS statistic and unnormalised W1 against the reference, from one merge."""
        if self.n == 0 or self.reference.n == 0:
            raise InvalidArgument(f"column {self.name!r}: KS and W1 need non-empty samples")
        return _sorted.ks_w1(self.reference.values, self.values)


@dataclass(frozen=True, eq=False)
class CategoricalCurrent:
    """A categorical window: counts over the reference's categories plus new ones."""

    kind: ClassVar[Literal["categorical"]] = "categorical"
    name: str
    n: int
    n_missing: int
    counts: NDArray[np.int64] = field(repr=False)
    new_categories: Mapping[str, int]
    reference: CategoricalProfile = field(repr=False)

    @property
    def n_type_mismatch(self) -> int:
        """Always 0: any value can be a category label."""
        return 0

    @property
    def n_rows(self) -> int:
        """All window rows, usable or not."""
        return self.n + self.n_missing

    @property
    def n_unique(self) -> int:
        """Distinct categories over reference and window."""
        return len(self.reference.categories) + len(self.new_categories)

    @property
    def n_new(self) -> int:
        """Values in categories the reference never had."""
        return sum(self.new_categories.values())


CurrentColumn: TypeAlias = NumericalCurrent | CategoricalCurrent


def fit_profile(name: str, values: ColumnValues, kind: ColumnKind) -> ColumnProfile:
    """Profile a reference column once.

    Args:
        name: column name, carried into results and messages.
        values: numpy array, pandas Series/Index, pyarrow Array/ChunkedArray or a list.
        kind: ``"numerical"`` or ``"categorical"``.

    Returns:
        A :class:`NumericalProfile` or :class:`CategoricalProfile`.

    Raises:
        InvalidArgument: ``kind`` is not a column kind.
    """
    if kind == "numerical":
        return _fit_numerical(name, values)
    if kind == "categorical":
        counts, n_missing = category_counts(values)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return CategoricalProfile(
            name=name,
            n=sum(counts.values()),
            n_missing=n_missing,
            categories=tuple(k for k, _ in ordered),
            counts=np.array([v for _, v in ordered], dtype=np.int64),
        )
    raise InvalidArgument(
        f"column {name!r}: unknown column kind {kind!r}; expected one of {list(COLUMN_KINDS)}"
    )


def _fit_numerical(name: str, values: ColumnValues) -> NumericalProfile:
    col = to_float(values)
    xs = col.values
    if col.owned:
        xs.sort()
    else:
        xs = np.sort(xs)
    n = len(xs)
    if n == 0:
        empty_f, empty_i = np.zeros(0), np.zeros(0, dtype=np.int64)
        nan = float("nan")
        return NumericalProfile(
            name, 0, col.n_missing, col.n_type_mismatch, xs, nan, nan, nan, empty_f, empty_i, 0,
            empty_f, empty_i,
        )  # fmt: skip
    edges = _sorted.quantile_edges(xs, N_QUANTILE_BINS)
    n_distinct = _sorted.n_distinct(xs)
    distinct, distinct_counts = _sorted.distinct(xs) if n_distinct <= MAX_DISTINCT else (None, None)
    return NumericalProfile(
        name=name,
        n=n,
        n_missing=col.n_missing,
        n_type_mismatch=col.n_type_mismatch,
        values=xs,
        std0=float(np.std(xs)),
        min=float(xs[0]),
        max=float(xs[-1]),
        edges=edges,
        counts=_sorted.bin_counts(xs, edges),
        n_distinct=n_distinct,
        distinct=distinct,
        distinct_counts=distinct_counts,
    )


def prepare_current(profile: ColumnProfile, values: ColumnValues) -> CurrentColumn:
    """Convert, clean and (numerical) sort one window of a column, once for all detectors.

    Args:
        profile: the column's reference profile; it fixes the column kind.
        values: the window's values in any form :func:`fit_profile` accepts.

    Returns:
        A :class:`NumericalCurrent` (sorted finite values; nulls, NaN and ±inf counted as
        missing; non-numbers counted in ``n_type_mismatch``) or a :class:`CategoricalCurrent`
        (counts over the reference categories, new categories by descending count).

    Raises:
        InvalidArgument: ``profile`` is not a column profile.
    """
    if isinstance(profile, NumericalProfile):
        col = to_float(values)
        xs = col.values
        if col.owned:
            xs.sort()
        else:
            xs = np.sort(xs)
        return NumericalCurrent(
            profile.name, len(xs), col.n_missing, col.n_type_mismatch, xs, profile
        )
    if isinstance(profile, CategoricalProfile):
        counts, n_missing = category_counts(values)
        aligned = np.zeros(len(profile.categories), dtype=np.int64)
        new: dict[str, int] = {}
        index = profile.index
        for label, k in counts.items():
            i = index.get(label)
            if i is None:
                new[label] = k
            else:
                aligned[i] = k
        new = dict(sorted(new.items(), key=lambda kv: (-kv[1], kv[0])))
        return CategoricalCurrent(
            profile.name, sum(counts.values()), n_missing, aligned, new, profile
        )
    raise InvalidArgument(f"expected a column profile, got {type(profile).__name__}")
