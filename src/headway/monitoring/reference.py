"""The reference a monitor compares each window with, fitted once and reused.

Fitting sorts each numerical column, fixes bin edges and category codes, measures the
model's realised performance on the reference and fits the label-free estimator (CBPE).
Every window then reuses the fit, so a statistic is never recomputed for the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from headway.entities.monitoring import MonitorSpec
from headway.errors import InvalidArgument
from headway.monitoring.cbpe import CBPE
from headway.monitoring.detectors.profiles import ColumnProfile, fit_profile
from headway.monitoring.fairness import DISPARITIES, fairness_report, group_confusion
from headway.monitoring.performance import (
    ClassificationReport,
    RegressionReport,
    classification_performance,
    regression_performance,
)

#: Rows of the reference kept for the multivariate (domain classifier) check.
DOMAIN_SAMPLE = 2_000


@dataclass
class ReferenceFit:
    key: str
    rows: int
    profiles: dict[str, ColumnProfile]
    sample: pd.DataFrame
    baseline: ClassificationReport | RegressionReport | None = None
    cbpe: CBPE | None = None
    classes: tuple[str, ...] = ()
    #: attribute -> disparity -> the reference's value (fairness is judged against it).
    fairness: dict[str, dict[str, float]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def column_kind(spec: MonitorSpec, column: str) -> str:
    if column in spec.categorical or column in spec.segments or column in spec.sensitive:
        return "categorical"
    return "numerical"


def binary_labels(spec: MonitorSpec, values: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.int8]:
    """Labels as 0/1 for a binary task (``positive`` names the positive class for text)."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if (
        pa.types.is_boolean(arr.type)
        or pa.types.is_integer(arr.type)
        or pa.types.is_floating(arr.type)
    ):
        raw = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
        positive = float(spec.positive) if spec.positive is not None else 1.0
        out: npt.NDArray[np.int8] = (raw == positive).astype(np.int8)
        return out
    text = np.asarray(arr.cast(pa.string()).to_pylist(), dtype=object)
    if spec.positive is None:
        found = sorted({str(x) for x in text})
        raise InvalidArgument(
            f"labels are text ({', '.join(found[:5])}): set positive= to the class that means "
            "the positive outcome",
            details={"field": "positive"},
        )
    coded: npt.NDArray[np.int8] = (text == spec.positive).astype(np.int8)
    return coded


def decisions(spec: MonitorSpec, table: pa.Table) -> npt.NDArray[np.int8] | None:
    """The model's decided class (0/1) for a binary task."""
    if spec.prediction_label and spec.prediction_label in table.column_names:
        return binary_labels(spec, table.column(spec.prediction_label))
    if spec.prediction and spec.prediction in table.column_names:
        scores = scores_of(spec, table)
        return (scores >= spec.decision_threshold).astype(np.int8)
    return None


def scores_of(spec: MonitorSpec, table: pa.Table) -> npt.NDArray[np.float64]:
    assert spec.prediction is not None
    col = table.column(spec.prediction)
    return (
        np.asarray(col.to_numpy(), dtype=np.float64)
        if col.null_count == 0
        else np.asarray(col.cast(pa.float64()).fill_null(np.nan).to_numpy(), dtype=np.float64)
    )


def fit_reference(spec: MonitorSpec, table: pa.Table, key: str) -> ReferenceFit:
    missing = [c for c in spec.features if c not in table.column_names]
    if missing:
        raise InvalidArgument(
            f"the reference data has no column {', '.join(repr(c) for c in missing)}; "
            f"it has {', '.join(table.column_names[:20])}",
            details={"missing": missing},
        )
    profiles: dict[str, ColumnProfile] = {}
    columns = [*spec.inputs]
    if spec.prediction and spec.prediction in table.column_names:
        columns.append(spec.prediction)
    for column in columns:
        if column not in table.column_names:
            continue
        kind = (
            "numerical"
            if column == spec.prediction and spec.task != "multiclass"
            else column_kind(spec, column)
        )
        profiles[column] = fit_profile(column, table.column(column), kind)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    n = table.num_rows
    take = np.sort(rng.choice(n, size=min(n, DOMAIN_SAMPLE), replace=False)) if n else np.arange(0)
    sample = (
        table.select([c for c in spec.features if c in table.column_names])
        .take(pa.array(take))
        .to_pandas()
    )
    fit = ReferenceFit(key=key, rows=n, profiles=profiles, sample=sample)
    _fit_performance(spec, table, fit)
    return fit


def _fit_performance(spec: MonitorSpec, table: pa.Table, fit: ReferenceFit) -> None:
    if not spec.label or spec.label not in table.column_names:
        fit.messages.append(
            "the reference has no label column, so there is no performance baseline and no "
            "label-free estimate"
        )
        return
    if spec.task == "regression":
        if spec.prediction not in table.column_names:
            fit.messages.append("the reference has no prediction column: no performance baseline")
            return
        y = np.asarray(table.column(spec.label).cast(pa.float64()).to_numpy(), dtype=np.float64)
        fit.baseline = regression_performance(y, scores_of(spec, table), n_boot=0)
        return
    if spec.task != "binary":
        fit.messages.append("label-free estimation (CBPE) is computed for binary tasks only")
        return
    if not spec.prediction or spec.prediction not in table.column_names:
        fit.messages.append("the reference has no score column: no label-free estimate")
        return
    y_cls = binary_labels(spec, table.column(spec.label))
    scores = scores_of(spec, table)
    pred = decisions(spec, table)
    assert pred is not None
    fit.classes = ("0", "1")
    fit.baseline = classification_performance(y_cls, pred, scores, task="binary", n_boot=0)
    if len(np.unique(y_cls)) < 2:
        fit.messages.append("the reference labels have one class only: no label-free estimate")
        return
    fit.cbpe = CBPE.fit(scores, y_cls, pred, task="binary", threshold=spec.decision_threshold)
    for attribute in spec.sensitive:
        if attribute not in table.column_names:
            continue
        groups = table.column(attribute).cast(pa.string()).fill_null("(missing)")
        values = np.asarray(groups.to_numpy(zero_copy_only=False), dtype=object)
        report = fairness_report(
            group_confusion(attribute, values, y_cls, pred), min_rows=spec.min_rows
        )
        fit.fairness[attribute] = {name: float(getattr(report, name).value) for name in DISPARITIES}
