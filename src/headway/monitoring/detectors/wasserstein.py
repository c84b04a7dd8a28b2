"""Normalised Wasserstein-1 distance (Evidently's default for large numerical references)."""

from __future__ import annotations

from typing import ClassVar

from headway.monitoring.detectors import _sorted
from headway.monitoring.detectors.base import BaseDetector, DetectorKind, Score, as_numerical
from headway.monitoring.detectors.profiles import ColumnKind, ColumnProfile, CurrentColumn

#: Evidently's floor on the reference standard deviation.
STD_FLOOR = 0.001


class WassersteinDetector(BaseDetector):
    """``wasserstein_distance(reference, current) / max(std₀(reference), 0.001)``.

    std₀ is the population (ddof 0) standard deviation of the finite reference values. W1
    is the mean gap between order statistics when both samples have the same size, else
    it comes from the window's shared merge with the presorted reference. Drift if
    ``distance >= threshold``.
    """

    name: ClassVar[str] = "wasserstein"
    label: ClassVar[str] = "Wasserstein distance (normed)"
    kind: ClassVar[DetectorKind] = "distance"
    applies_to: ClassVar[frozenset[ColumnKind]] = frozenset({"numerical"})
    default_threshold: ClassVar[float] = 0.1

    def score(self, profile: ColumnProfile, current: CurrentColumn) -> Score:
        self.check(profile, current)
        ref, cur = as_numerical(profile, current)
        # Equal sizes need no merge: W1 is then the mean gap between order statistics.
        w1 = _sorted.w1_equal_size(ref.values, cur.values) if ref.n == cur.n else cur.ks_w1[1]
        return Score(w1 / max(ref.std0, STD_FLOOR))
