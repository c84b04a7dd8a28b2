"""Group fairness of a binary classifier, with fairlearn 0.15's exact definitions.

Per group ``g`` of a sensitive attribute, from its confusion cells (tn, fp, fn, tp):

* selection rate ``SR = (tp + fp) / n``; ``TPR = tp / (tp + fn)``; ``FPR = fp / (fp + tn)``;
  ``FNR = fn / (fn + tp)``. A 0/0 rate is **0**, as fairlearn gets from sklearn's
  ``confusion_matrix(normalize="true")``: a group without actual positives has TPR = FNR = 0,
  one without actual negatives FPR = 0.

Disparities (fairlearn's default ``method="between_groups"``), over the groups with at least
``min_rows`` rows:

* ``demographic_parity_difference = max SR - min SR``;
* ``demographic_parity_ratio = min SR / max SR`` (NaN when nobody is selected, 0/0);
* ``equalized_odds_difference = max(TPR diff, FPR diff)`` (``agg="worst_case"``);
* ``equal_opportunity_difference = max TPR - min TPR``.

Default verdict thresholds (fairlearn has none; :class:`FairnessThresholds`): an issue when the
demographic parity ratio is below 0.8 (the "four-fifths rule" of the US EEOC guidelines), or
when the equalized odds or equal opportunity difference exceeds 0.1. Groups under ``min_rows``
rows are reported as insufficient and left out of the disparities; with fewer than two groups
left every verdict is ``insufficient data``.

Optional intervals (``n_boot > 0``) resample the rows of the included groups through one
multinomial draw over their ``(k, 4)`` cells (``headway.monitoring.bootstrap``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from headway.errors import InvalidArgument
from headway.monitoring.bootstrap import (
    DEFAULT_CONFIDENCE,
    FloatArray,
    check_boot_args,
    multinomial_replicates,
    percentile_bounds,
)
from headway.monitoring.performance import MetricValue, group_codes

Verdict = Literal["ok", "issue", "undefined", "insufficient data"]
DISPARITIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)
# The difference in selection rates has no conventional threshold: its ratio carries the check.
CHECKED = DISPARITIES[1:]


@dataclass(frozen=True)
class FairnessThresholds:
    min_demographic_parity_ratio: float = 0.8
    max_equalized_odds_difference: float = 0.1
    max_equal_opportunity_difference: float = 0.1


DEFAULT_THRESHOLDS = FairnessThresholds()


@dataclass(frozen=True)
class GroupCounts:
    """Confusion cells per group: ``counts[g] = (tn, fp, fn, tp)``."""

    attribute: str
    groups: tuple[str, ...]
    counts: npt.NDArray[np.int64]  # shape (k, 4)


@dataclass(frozen=True)
class FairnessReport:
    attribute: str
    groups: tuple[str, ...]  # every group seen, sorted
    n: dict[str, int]
    selection_rate: dict[str, float]
    tpr: dict[str, float]
    fpr: dict[str, float]
    fnr: dict[str, float]
    demographic_parity_difference: MetricValue
    demographic_parity_ratio: MetricValue
    equalized_odds_difference: MetricValue
    equal_opportunity_difference: MetricValue
    insufficient: tuple[str, ...]  # groups under min_rows, left out of the disparities
    verdicts: dict[str, Verdict]  # ratio, equalized odds and equal opportunity checks
    issues: tuple[str, ...]  # one sentence per failed check
    messages: tuple[str, ...]  # notes: excluded groups, 0/0 conventions applied


def group_confusion(
    attribute: str,
    groups: npt.ArrayLike,
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    positive: Any = 1,
) -> GroupCounts:
    """Confusion cells of every group in one ``bincount`` over ``code·4 + 2·y + ŷ``.

    Labels equal to ``positive`` count as positive, everything else as negative; missing group
    values form a group named ``(missing)``.
    """
    codes, names = group_codes(groups)
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.ndim != 1 or yt.shape != yp.shape or yt.shape[0] != codes.shape[0]:
        raise InvalidArgument(
            f"groups, y_true and y_pred must be 1-D of one length: "
            f"{codes.shape}, {yt.shape}, {yp.shape}"
        )
    cell = codes * 4 + 2 * (yt == positive) + (yp == positive)
    counts = np.bincount(cell, minlength=4 * len(names)).reshape(len(names), 4)
    return GroupCounts(attribute, names, counts.astype(np.int64))


def group_rates(counts: npt.ArrayLike) -> dict[str, FloatArray]:
    """Selection rate, TPR, FPR, FNR of ``(..., k, 4)`` cells, 0/0 → 0 as fairlearn."""
    c = np.asarray(counts, dtype=np.float64)
    tn, fp, fn, tp = c[..., 0], c[..., 1], c[..., 2], c[..., 3]
    return {
        "selection_rate": _div0(tp + fp, tn + fp + fn + tp),
        "tpr": _div0(tp, tp + fn),
        "fpr": _div0(fp, fp + tn),
        "fnr": _div0(fn, fn + tp),
    }


def disparities(counts: npt.ArrayLike) -> dict[str, FloatArray]:
    """The four between-groups disparities of ``(..., k, 4)`` cells, over axis ``-2``."""
    rates = group_rates(counts)
    sr, tpr, fpr = rates["selection_rate"], rates["tpr"], rates["fpr"]
    sr_max = sr.max(axis=-1)
    tpr_diff = tpr.max(axis=-1) - tpr.min(axis=-1)
    fpr_diff = fpr.max(axis=-1) - fpr.min(axis=-1)
    ratio = np.full(sr_max.shape, np.nan)
    np.divide(sr.min(axis=-1), sr_max, out=ratio, where=sr_max != 0)
    return {
        "demographic_parity_difference": sr_max - sr.min(axis=-1),
        "demographic_parity_ratio": ratio,
        "equalized_odds_difference": np.maximum(tpr_diff, fpr_diff),
        "equal_opportunity_difference": tpr_diff,
    }


def fairness_report(
    counts: GroupCounts,
    *,
    min_rows: int = 30,
    n_boot: int = 0,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
    thresholds: FairnessThresholds = DEFAULT_THRESHOLDS,
) -> FairnessReport:
    """Per-group rates, disparities with optional intervals, and verdicts."""
    check_boot_args(n_boot, confidence)
    cells = np.asarray(counts.counts, dtype=np.int64)
    if cells.ndim != 2 or cells.shape != (len(counts.groups), 4):
        raise InvalidArgument(
            f"counts must have shape ({len(counts.groups)}, 4), got {cells.shape}"
        )
    names = counts.groups
    sizes = cells.sum(axis=1)
    rates = group_rates(cells)
    keep = sizes >= min_rows
    insufficient = tuple(g for g, ok in zip(names, keep, strict=True) if not ok)
    messages = [
        f"group {g!r} has {int(sizes[i])} rows (< {min_rows}): insufficient data, "
        "excluded from the disparities"
        for i, g in enumerate(names)
        if not keep[i]
    ]
    for i, g in enumerate(names):
        if keep[i] and cells[i, 2] + cells[i, 3] == 0:
            messages.append(f"group {g!r} has no actual positives: TPR and FNR are 0 by convention")
        if keep[i] and cells[i, 0] + cells[i, 1] == 0:
            messages.append(f"group {g!r} has no actual negatives: FPR is 0 by convention")
    enough = int(keep.sum()) >= 2
    values = {name: np.nan for name in DISPARITIES}
    bounds = {name: (np.nan, np.nan) for name in DISPARITIES}
    if enough:
        values = {name: float(v) for name, v in disparities(cells[keep]).items()}
        if n_boot > 0:
            rng = np.random.default_rng(seed)
            reps = disparities(multinomial_replicates(cells[keep], n_boot, rng))
            for name, rep in reps.items():
                lo, hi = percentile_bounds(rep, confidence)
                bounds[name] = (float(lo), float(hi))
    else:
        messages.append(
            f"fewer than two groups with at least {min_rows} rows: disparities not computed"
        )
    verdicts, issues = _verdicts(values, enough, thresholds, counts.attribute)
    metric = {n: MetricValue(n, values[n], *bounds[n]) for n in DISPARITIES}
    by_group = {key: dict(zip(names, map(float, rates[key]), strict=True)) for key in rates}
    return FairnessReport(
        attribute=counts.attribute,
        groups=names,
        n={g: int(s) for g, s in zip(names, sizes, strict=True)},
        selection_rate=by_group["selection_rate"],
        tpr=by_group["tpr"],
        fpr=by_group["fpr"],
        fnr=by_group["fnr"],
        demographic_parity_difference=metric["demographic_parity_difference"],
        demographic_parity_ratio=metric["demographic_parity_ratio"],
        equalized_odds_difference=metric["equalized_odds_difference"],
        equal_opportunity_difference=metric["equal_opportunity_difference"],
        insufficient=insufficient,
        verdicts=verdicts,
        issues=tuple(issues),
        messages=tuple(messages),
    )


def _verdicts(
    values: dict[str, float], enough: bool, th: FairnessThresholds, attribute: str
) -> tuple[dict[str, Verdict], list[str]]:
    if not enough:
        return {name: "insufficient data" for name in CHECKED}, []
    # (value fails?, message) per checked disparity.
    checks: dict[str, tuple[bool, str]] = {
        "demographic_parity_ratio": (
            values["demographic_parity_ratio"] < th.min_demographic_parity_ratio,
            f"demographic parity ratio {values['demographic_parity_ratio']:.3f} is below "
            f"{th.min_demographic_parity_ratio} (four-fifths rule) across {attribute!r}",
        ),
        "equalized_odds_difference": (
            values["equalized_odds_difference"] > th.max_equalized_odds_difference,
            f"equalized odds difference {values['equalized_odds_difference']:.3f} exceeds "
            f"{th.max_equalized_odds_difference} across {attribute!r}",
        ),
        "equal_opportunity_difference": (
            values["equal_opportunity_difference"] > th.max_equal_opportunity_difference,
            f"equal opportunity difference {values['equal_opportunity_difference']:.3f} "
            f"exceeds {th.max_equal_opportunity_difference} across {attribute!r}",
        ),
    }
    verdicts: dict[str, Verdict] = {}
    issues = []
    for name, (failed, message) in checks.items():
        if np.isnan(values[name]):
            verdicts[name] = "undefined"
        elif failed:
            verdicts[name] = "issue"
            issues.append(message)
        else:
            verdicts[name] = "ok"
    return verdicts, issues


def _div0(num: FloatArray, den: FloatArray) -> FloatArray:
    return np.divide(
        num, den, out=np.zeros(np.broadcast_shapes(num.shape, den.shape)), where=den != 0
    )
