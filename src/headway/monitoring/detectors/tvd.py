"""Total variation distance between category proportions."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from headway.monitoring.detectors.base import BaseBinnedDetector
from headway.monitoring.detectors.profiles import ColumnKind


class TVDDetector(BaseBinnedDetector):
    """TVD = ½ Σ |r - c| over reference and current categories, range [0, 1].

    Evidently's ``TVD`` reports a permutation-test p-value instead (1000 permutations, too
    slow at 1M rows); the distance is on the same scale as the other distances. Drift if
    ``tvd >= threshold``.
    """

    name: ClassVar[str] = "tvd"
    label: ClassVar[str] = "Total variation distance"
    applies_to: ClassVar[frozenset[ColumnKind]] = frozenset({"categorical"})

    def distance(self, ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
        return float(0.5 * np.sum(np.abs(ref - cur)))
