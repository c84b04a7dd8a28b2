"""Data-quality checks of one column in one window, against its reference.

Drift detectors drop missing values (as Evidently does), so a jump in missing values is not
drift; it shows up here. Rates are shares of the window's rows for missing values, and of
its finite non-null values for new categories and out-of-range values.

Issue codes returned in :attr:`QualityResult.issues`, in this order:

``no_rows``
    The window has no rows at all for the column.
``all_missing``
    The window has rows and every one is null, NaN or ±inf.
``missing_spike``
    missing rate ≥ max(2 x reference missing rate, reference missing rate + 0.05) and > 0.
    With a clean reference that is 5 % missing; it takes both a relative and an absolute
    rise, so a reference at 1 % flags at 6 % and one at 20 % flags at 40 %.
``type_mismatch``
    At least one value that is not a number in a numerical column (strings, including
    numeric strings, dates, objects). Such values count as missing for the statistics.
``new_category``
    At least one value in a category the reference never had (any share > 0).
``out_of_range``
    More than max(5 %, 4 / (n_reference + 1)) of the finite values lie below the reference
    minimum or above its maximum. Under no change the expected share outside the range of
    n i.i.d. reference values is 2 / (n + 1); the floor keeps small references from
    flagging on that alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from headway.monitoring.detectors.profiles import (
    CategoricalCurrent,
    ColumnProfile,
    CurrentColumn,
    NumericalCurrent,
)

#: Absolute rise of the missing rate (over the reference's) needed for ``missing_spike``.
MISSING_SPIKE_ABSOLUTE = 0.05
#: Relative rise (factor on the reference's missing rate) needed for ``missing_spike``.
MISSING_SPIKE_FACTOR = 2.0
#: Share of values outside the reference range above which ``out_of_range`` is flagged.
OUT_OF_RANGE_SHARE = 0.05


@dataclass(frozen=True)
class QualityResult:
    """Data-quality figures of one column in one window, with the issues they raise."""

    column: str
    n_rows: int
    n_missing: int
    missing_rate: float
    reference_missing_rate: float
    n_type_mismatch: int
    new_categories: tuple[str, ...]
    new_category_rate: float
    n_out_of_range: int
    out_of_range_rate: float
    issues: tuple[str, ...]


def column_quality(profile: ColumnProfile, current: CurrentColumn) -> QualityResult:
    """Check one prepared window of a column against its reference profile.

    Args:
        profile: the reference profile from ``fit_profile``.
        current: the window from ``prepare_current(profile, …)``.

    Returns:
        The counts, rates and issue codes described in the module docstring.
    """
    n_rows = current.n_rows
    missing_rate = current.n_missing / n_rows if n_rows else 0.0
    ref_rate = profile.n_missing / profile.n_rows if profile.n_rows else 0.0
    new: tuple[str, ...] = ()
    new_rate = 0.0
    n_out = 0
    if isinstance(current, CategoricalCurrent):
        new = tuple(current.new_categories)
        new_rate = current.n_new / current.n if current.n else 0.0
    elif isinstance(current, NumericalCurrent) and profile.n and current.n:
        xs = current.values
        below = int(np.searchsorted(xs, current.reference.min, side="left"))
        above = current.n - int(np.searchsorted(xs, current.reference.max, side="right"))
        n_out = below + above
    out_rate = n_out / current.n if current.n else 0.0

    issues: list[str] = []
    if n_rows == 0:
        issues.append("no_rows")
    elif current.n_missing == n_rows:
        issues.append("all_missing")
    spike_at = max(MISSING_SPIKE_FACTOR * ref_rate, ref_rate + MISSING_SPIKE_ABSOLUTE)
    # The slack keeps the documented boundary exact: 0.01 + 0.05 is 0.060000000000000005.
    if missing_rate > 0 and missing_rate >= spike_at - 1e-12:
        issues.append("missing_spike")
    if current.n_type_mismatch > 0:
        issues.append("type_mismatch")
    if new:
        issues.append("new_category")
    if out_rate > max(OUT_OF_RANGE_SHARE, 4.0 / (profile.n + 1)):
        issues.append("out_of_range")

    return QualityResult(
        column=profile.name,
        n_rows=n_rows,
        n_missing=current.n_missing,
        missing_rate=missing_rate,
        reference_missing_rate=ref_rate,
        n_type_mismatch=current.n_type_mismatch,
        new_categories=new,
        new_category_rate=new_rate,
        n_out_of_range=n_out,
        out_of_range_rate=out_rate,
        issues=tuple(issues),
    )
