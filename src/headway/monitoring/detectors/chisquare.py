"""Chi-square goodness-of-fit test (Evidently's ``chisquare``)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from headway.monitoring.detectors.base import BaseDetector, DetectorKind, Score, value_counts
from headway.monitoring.detectors.profiles import ColumnKind, ColumnProfile, CurrentColumn


class ChiSquareDetector(BaseDetector):
    """``scipy.stats.chisquare(f_obs, f_exp)`` over the distinct values or categories of
    reference and current, with ``f_obs`` the current counts and ``f_exp`` the reference
    counts x n_current / n_reference. A value the reference never had makes ``f_exp`` 0, so
    the statistic is inf and p = 0 (drift), as in Evidently. Drift if ``p < threshold``.
    """

    name: ClassVar[str] = "chisquare"
    label: ClassVar[str] = "chi-square p_value"
    kind: ClassVar[DetectorKind] = "test"
    applies_to: ClassVar[frozenset[ColumnKind]] = frozenset({"numerical", "categorical"})
    default_threshold: ClassVar[float] = 0.05

    def score(self, profile: ColumnProfile, current: CurrentColumn) -> Score:
        self.check(profile, current)
        counts = value_counts(profile, current)
        if np.any((counts.ref == 0) & (counts.cur > 0)):
            # SciPy returns the same but warns about the division by zero.
            return Score(float("inf"), 0.0)
        f_exp = counts.ref * (current.n / profile.n)
        res = stats.chisquare(counts.cur, f_exp)
        return Score(float(res.statistic), float(res.pvalue))
