"""Two-sample Kolmogorov-Smirnov test (Evidently's ``ks``, the default for small numerical
references)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from headway.monitoring.detectors.base import BaseDetector, DetectorKind, Score, as_numerical
from headway.monitoring.detectors.profiles import ColumnKind, ColumnProfile, CurrentColumn

#: ``scipy.stats.ks_2samp(method="auto")`` computes the exact p-value up to this sample size.
EXACT_MAX_N = 10_000


class KSDetector(BaseDetector):
    """p-value of ``scipy.stats.ks_2samp(reference, current)`` with ``method="auto"``.

    Up to 10,000 values on both sides SciPy itself is called (its exact distribution).
    Above that, D comes from the window's shared merge with the presorted reference and
    the p-value from SciPy's asymptotic path, ``kstwo.sf(D, round(n·m/(n+m)))``.
    Drift if ``p <= threshold`` (Evidently's operator for KS).
    """

    name: ClassVar[str] = "ks"
    label: ClassVar[str] = "K-S p_value"
    kind: ClassVar[DetectorKind] = "test"
    applies_to: ClassVar[frozenset[ColumnKind]] = frozenset({"numerical"})
    default_threshold: ClassVar[float] = 0.05

    def score(self, profile: ColumnProfile, current: CurrentColumn) -> Score:
        self.check(profile, current)
        ref, cur = as_numerical(profile, current)
        n, m = ref.n, cur.n
        if max(n, m) <= EXACT_MAX_N:
            res = stats.ks_2samp(ref.values, cur.values)
            return Score(float(res.statistic), float(res.pvalue))
        d, _ = cur.ks_w1
        big, small = sorted((float(n), float(m)), reverse=True)
        en = big * small / (big + small)
        p = float(np.clip(stats.kstwo.sf(d, np.round(en)), 0.0, 1.0))
        return Score(d, p)

    def drifted(self, score: Score, threshold: float) -> bool:
        """Drift if ``p_value <= threshold`` (Evidently's ``ks_stattest``)."""
        return score.p_value is not None and bool(score.p_value <= threshold)
