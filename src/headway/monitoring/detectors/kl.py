"""Kullback-Leibler divergence of the reference from the current window."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import rel_entr  # type: ignore[import-untyped,unused-ignore]

from headway.monitoring.detectors.base import BaseBinnedDetector, fill_zeroes


class KLDetector(BaseBinnedDetector):
    """D(reference ‖ current) = Σ r · ln(r / c), natural log, like Evidently's ``kl_div``
    (``scipy.stats.entropy(r, c)``): zeros smoothed by ``fill_zeroes``, then both vectors
    renormalised. Drift if ``kl >= threshold``.
    """

    name: ClassVar[str] = "kl"
    label: ClassVar[str] = "Kullback-Leibler divergence"

    def distance(self, ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
        r, c = fill_zeroes(ref), fill_zeroes(cur)
        return float(np.sum(rel_entr(r / r.sum(), c / c.sum())))
