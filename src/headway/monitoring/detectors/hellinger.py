"""Hellinger distance on binned proportions."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from headway.monitoring.detectors.base import BaseBinnedDetector


class HellingerDetector(BaseBinnedDetector):
    """H = √(1 - clip(Σ √(r·c), 0, 1)), range [0, 1], Evidently's form. Equal to
    ‖√r - √c‖₂ / √2 for proportions summing to 1. Drift if ``h >= threshold``.
    """

    name: ClassVar[str] = "hellinger"
    label: ClassVar[str] = "Hellinger distance"

    def distance(self, ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
        overlap = float(np.sum(np.sqrt(ref * cur)))
        return float(np.sqrt(1.0 - min(max(overlap, 0.0), 1.0)))
