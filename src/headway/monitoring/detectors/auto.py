"""Default method choice: Evidently 0.7 ``DataDriftPreset`` (``_get_default_stattest``).

| column      | reference values | distinct values (ref and current) | method        |
|-------------|------------------|---------------------------------|---------------|
| numerical   | ≤ 1000           | > 5 / 3-5 / ≤ 2                 | ks / chisquare / z |
| categorical | ≤ 1000           | > 2 / ≤ 2                       | chisquare / z |
| numerical   | > 1000           | > 5 / ≤ 5                       | wasserstein / jensenshannon |
| categorical | > 1000           | any                             | jensenshannon |

"Reference values" counts the finite, non-null reference values of the column.
"""

from __future__ import annotations

from headway.monitoring.detectors.profiles import (
    ColumnProfile,
    CurrentColumn,
    NumericalCurrent,
)

#: Above this many reference values Evidently switches from tests to distances.
SMALL_REFERENCE = 1000


def choose_method(profile: ColumnProfile, current: CurrentColumn) -> str:
    """The detector name Evidently's preset would use for this column and window.

    Args:
        profile: the reference profile.
        current: the window prepared against ``profile``.

    Returns:
        One of ``"ks"``, ``"chisquare"``, ``"z"``, ``"wasserstein"``, ``"jensenshannon"``.
    """
    if isinstance(current, NumericalCurrent):
        many = _more_unique_than(current, 5)
        if profile.n <= SMALL_REFERENCE:
            if many:
                return "ks"
            return "chisquare" if current.n_unique > 2 else "z"
        return "wasserstein" if many else "jensenshannon"
    if profile.n <= SMALL_REFERENCE:
        return "chisquare" if current.n_unique > 2 else "z"
    return "jensenshannon"


def _more_unique_than(current: NumericalCurrent, k: int) -> bool:
    # Either side alone having > k distinct values settles it without the exact union
    # count, which for continuous columns costs a search of every value in the reference.
    if max(current.reference.n_distinct, current.n_distinct) > k:
        return True
    return current.n_unique > k
