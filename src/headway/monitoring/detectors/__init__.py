"""Drift detectors: one file per method, all behind :class:`BaseDetector`.

Fit a reference column once with :func:`fit_profile`, prepare each window once with
:func:`prepare_current`, then score it with any detector from :data:`DETECTORS` (or the
one :func:`choose_method` picks, Evidently 0.7's ``DataDriftPreset`` rule).
"""

from __future__ import annotations

from typing import Final

from headway.errors import InvalidArgument
from headway.monitoring.detectors._sorted import release_workspace
from headway.monitoring.detectors.auto import choose_method
from headway.monitoring.detectors.base import BaseBinnedDetector, BaseDetector, Score
from headway.monitoring.detectors.chisquare import ChiSquareDetector
from headway.monitoring.detectors.hellinger import HellingerDetector
from headway.monitoring.detectors.jensenshannon import JensenShannonDetector
from headway.monitoring.detectors.kl import KLDetector
from headway.monitoring.detectors.ks import KSDetector
from headway.monitoring.detectors.profiles import (
    CategoricalCurrent,
    CategoricalProfile,
    ColumnKind,
    ColumnProfile,
    CurrentColumn,
    NumericalCurrent,
    NumericalProfile,
    fit_profile,
    prepare_current,
)
from headway.monitoring.detectors.psi import PSIDetector
from headway.monitoring.detectors.tvd import TVDDetector
from headway.monitoring.detectors.wasserstein import WassersteinDetector
from headway.monitoring.detectors.ztest import ZTestDetector

DETECTORS: Final[dict[str, BaseDetector]] = {
    d.name: d
    for d in (
        KSDetector(),
        WassersteinDetector(),
        PSIDetector(),
        KLDetector(),
        JensenShannonDetector(),
        HellingerDetector(),
        ChiSquareDetector(),
        ZTestDetector(),
        TVDDetector(),
    )
}


def get_detector(name: str, kind: ColumnKind | None = None) -> BaseDetector:
    """The detector registered as ``name``.

    Args:
        name: a key of :data:`DETECTORS`.
        kind: if given, the column kind the detector must apply to.

    Returns:
        The shared, stateless detector instance.

    Raises:
        InvalidArgument: unknown name (the message lists the valid ones), or the method
            does not apply to ``kind`` columns (e.g. "tvd applies to categorical columns
            only").
    """
    detector = DETECTORS.get(name)
    if detector is None:
        raise InvalidArgument(
            f"unknown drift method {name!r}; valid methods: {', '.join(DETECTORS)}",
            details={"method": name, "valid": list(DETECTORS)},
        )
    if kind is not None:
        detector.check_applicable(kind)
    return detector


__all__ = [
    "DETECTORS",
    "BaseBinnedDetector",
    "BaseDetector",
    "CategoricalCurrent",
    "CategoricalProfile",
    "ColumnKind",
    "ColumnProfile",
    "CurrentColumn",
    "NumericalCurrent",
    "NumericalProfile",
    "Score",
    "choose_method",
    "fit_profile",
    "get_detector",
    "prepare_current",
    "release_workspace",
]
