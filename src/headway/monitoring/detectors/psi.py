"""Population stability index on binned proportions."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from headway.monitoring.detectors.base import BaseBinnedDetector, fill_zeroes


class PSIDetector(BaseBinnedDetector):
    """PSI = Σ (r - c) · ln(r / c) over the bins of :class:`BaseBinnedDetector`.

    Zeros are smoothed with Evidently's rule (``fill_zeroes``) in each vector, without
    renormalising, as Evidently's ``psi`` does. Drift if ``psi >= threshold`` (0.1 by
    default; 0.25 is the usual "major shift" level).
    """

    name: ClassVar[str] = "psi"
    label: ClassVar[str] = "PSI"

    def distance(self, ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
        r, c = fill_zeroes(ref), fill_zeroes(cur)
        return float(np.sum((r - c) * np.log(r / c)))
