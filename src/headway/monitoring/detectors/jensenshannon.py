"""Jensen-Shannon distance (Evidently's default for large categorical references and for
numerical ones with ≤ 5 distinct values)."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import jensenshannon  # type: ignore[import-untyped,unused-ignore]

from headway.monitoring.detectors.base import BaseBinnedDetector


class JensenShannonDetector(BaseBinnedDetector):
    """``scipy.spatial.distance.jensenshannon(r, c)``: the square root of the JS divergence
    in natural log, range [0, √ln 2 ≈ 0.833], on unsmoothed proportions (Evidently 0.7).

    Divide by √ln 2 (:func:`to_base2`) for NannyML's base-2 scale. Drift if
    ``distance >= threshold``.
    """

    name: ClassVar[str] = "jensenshannon"
    label: ClassVar[str] = "Jensen-Shannon distance"

    def distance(self, ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
        return float(jensenshannon(ref, cur))


def to_base2(distance: float) -> float:
    """A natural-log JS distance on the base-2 scale [0, 1]."""
    return distance / math.sqrt(math.log(2.0))
