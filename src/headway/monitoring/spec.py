"""Validation of a monitor's configuration: every mistake named before anything is stored."""

from __future__ import annotations

import re
from collections.abc import Iterable

from headway.entities.monitoring import MonitorSpec
from headway.errors import InvalidArgument
from headway.monitoring.windows import parse_window
from headway.tracking import validation as v

MONITOR_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
COLUMN_NAME = re.compile(r"^[^\x00-\x1f]{1,256}$")
#: Column names Headway uses inside inference files.
RESERVED = frozenset({"__id", "__ts", "__mv", "__label", "__label_ts"})
TASKS = ("binary", "multiclass", "regression")
#: SHAP on more rows a window buys little precision for its cost.
MAX_EXPLAIN_ROWS = 20_000


def monitor_name(name: object) -> str:
    if not isinstance(name, str) or not MONITOR_NAME.match(name):
        raise InvalidArgument(
            f"invalid monitor name {name!r}: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            details={"field": "name"},
        )
    return name


def _columns(field: str, values: Iterable[object]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InvalidArgument(f"{field} must be a list of column names, not one string")
    out: list[str] = []
    for value in values:
        if not isinstance(value, str) or not COLUMN_NAME.match(value) or value in RESERVED:
            raise InvalidArgument(
                f"invalid column name {value!r} in {field}",
                details={"field": field},
            )
        if value in out:
            raise InvalidArgument(f"column {value!r} is listed twice in {field}")
        out.append(value)
    return tuple(out)


def validate(spec: MonitorSpec, *, known_methods: Iterable[str]) -> MonitorSpec:
    """Return the spec with lists as tuples; raise InvalidArgument naming the bad field."""
    v.project_name(spec.project)
    monitor_name(spec.name)
    features = _columns("features", spec.features)
    if not features:
        raise InvalidArgument("a monitor needs at least one feature", details={"field": "features"})
    categorical = _columns("categorical", spec.categorical)
    stray = [c for c in categorical if c not in features]
    if stray:
        raise InvalidArgument(
            f"categorical columns {stray} are not among the features",
            details={"field": "categorical"},
        )
    segments = _columns("segments", spec.segments)
    sensitive = _columns("sensitive", spec.sensitive)
    if spec.task not in TASKS:
        raise InvalidArgument(
            f"invalid task {spec.task!r}: use one of {', '.join(TASKS)}", details={"field": "task"}
        )
    named = {"prediction": spec.prediction, "prediction_label": spec.prediction_label}
    named["label"] = spec.label
    for field, column in named.items():
        if column is not None:
            _columns(field, [column])
            if column in (*features, *segments, *sensitive):
                raise InvalidArgument(
                    f"{field} column {column!r} is also an input column", details={"field": field}
                )
    if spec.prediction is None and spec.prediction_label is None:
        raise InvalidArgument(
            "a monitor needs the prediction column (prediction=, the score or value the model "
            "returns) or the decided class (prediction_label=)",
            details={"field": "prediction"},
        )
    if spec.task == "regression" and spec.prediction is None:
        raise InvalidArgument(
            "a regression monitor needs prediction=", details={"field": "prediction"}
        )
    if spec.sensitive and spec.task == "regression":
        raise InvalidArgument(
            "fairness (sensitive=) needs a classification task", details={"field": "sensitive"}
        )
    parse_window(spec.window)
    if not 0.0 < float(spec.decision_threshold) < 1.0:
        raise InvalidArgument(
            "decision_threshold must be between 0 and 1", details={"field": "decision_threshold"}
        )
    methods = set(known_methods)
    for column, method in spec.methods.items():
        if column not in features and column != spec.prediction:
            raise InvalidArgument(
                f"methods names column {column!r}, which is not a feature or the prediction",
                details={"field": "methods"},
            )
        if method not in methods:
            raise InvalidArgument(
                f"unknown drift method {method!r} for column {column!r}: use one of "
                f"{', '.join(sorted(methods))}",
                details={"field": "methods"},
            )
    for column, threshold in spec.thresholds.items():
        if column not in features and column != spec.prediction:
            raise InvalidArgument(
                f"thresholds names column {column!r}, which is not a feature or the prediction",
                details={"field": "thresholds"},
            )
        if not isinstance(threshold, (int, float)) or not threshold >= 0:
            raise InvalidArgument(
                f"threshold for {column!r} must be a non-negative number",
                details={"field": "thresholds"},
            )
    if not isinstance(spec.min_rows, int) or not 1 <= spec.min_rows <= 1_000_000:
        raise InvalidArgument("min_rows must be an integer from 1 to 1,000,000")
    if spec.retention_days is not None and (
        not isinstance(spec.retention_days, int) or spec.retention_days < 1
    ):
        raise InvalidArgument("retention_days must be a positive number of days (or None)")
    explain_rows = spec.explain_rows
    if isinstance(explain_rows, bool) or not isinstance(explain_rows, int):
        raise InvalidArgument(
            f"explain_rows must be a number of rows (0: no explanations), got {explain_rows!r}",
            details={"field": "explain_rows"},
        )
    if not 0 <= explain_rows <= MAX_EXPLAIN_ROWS:
        raise InvalidArgument(
            f"explain_rows must be from 0 to {MAX_EXPLAIN_ROWS:,}, got {explain_rows}",
            details={"field": "explain_rows"},
        )
    if explain_rows and not spec.model:
        raise InvalidArgument(
            "explain_rows needs model=: the registered model ('name@alias') whose versions "
            "score the predictions",
            details={"field": "explain_rows"},
        )
    if explain_rows and spec.task == "multiclass":
        raise InvalidArgument(
            "explain_rows: explanations are of one score per row (binary or regression "
            "monitors), not of a multiclass model",
            details={"field": "explain_rows"},
        )
    return MonitorSpec(
        project=spec.project,
        name=spec.name,
        features=features,
        categorical=categorical,
        model=spec.model,
        reference=spec.reference,
        prediction=spec.prediction,
        prediction_label=spec.prediction_label,
        label=spec.label,
        segments=segments,
        sensitive=sensitive,
        task=spec.task,
        window=spec.window,
        decision_threshold=float(spec.decision_threshold),
        positive=spec.positive,
        methods=dict(spec.methods),
        thresholds={k: float(t) for k, t in spec.thresholds.items()},
        min_rows=spec.min_rows,
        retention_days=spec.retention_days,
        description=spec.description or "",
        explain_rows=explain_rows,
    )
