"""Pooled two-proportion Z-test (Evidently's ``z``, for binary columns)."""

from __future__ import annotations

import math
from typing import ClassVar

from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from headway.monitoring.detectors.base import BaseDetector, DetectorKind, Score, value_counts
from headway.monitoring.detectors.profiles import ColumnKind, ColumnProfile, CurrentColumn


class ZTestDetector(BaseDetector):
    """Evidently's ``z_stattest``: each value is coded 0 if it equals the smallest value of
    reference and current (categories compared as strings) and 1 otherwise, then

    z = (p₁ - p₂) / √(P(1 - P)(1/n₁ + 1/n₂)),  P = (p₁n₁ + p₂n₂)/(n₁ + n₂),
    p = 2(1 - Φ(|z|)).

    If both samples are constant with the same value, z = 0 and p = 1. Drift if
    ``p < threshold``.
    """

    name: ClassVar[str] = "z"
    label: ClassVar[str] = "Z-test p_value"
    kind: ClassVar[DetectorKind] = "test"
    applies_to: ClassVar[frozenset[ColumnKind]] = frozenset({"numerical", "categorical"})
    default_threshold: ClassVar[float] = 0.05

    def score(self, profile: ColumnProfile, current: CurrentColumn) -> Score:
        self.check(profile, current)
        counts = value_counts(profile, current)
        if len(counts.ref) == 1:
            return Score(0.0, 1.0)
        n1, n2 = profile.n, current.n
        p1 = (n1 - float(counts.ref[counts.first])) / n1
        p2 = (n2 - float(counts.cur[counts.first])) / n2
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
        # 1 - cdf rather than sf: Evidently's expression, so tiny p-values agree too.
        return Score(z, float(2.0 * (1.0 - stats.norm.cdf(abs(z)))))
