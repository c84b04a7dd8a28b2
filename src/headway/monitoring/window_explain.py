"""SHAP per monitoring window: what drives the model's scores, and how that moves.

A monitor with ``explain_rows`` explains a seeded sample of each window's predictions with
the model version that made each one (:func:`headway.monitoring.explain.explain`, the
reference sample as background) and stores results of kind ``explanation``:

- one per feature, metric ``importance``: the mean |SHAP value| over the explained rows
  (weighted by rows when several versions scored the window), with the feature's share of
  the total and its importance on the reference data in ``detail``;
- one for the window, subject ``*`` and metric ``importance_shift``: the total variation
  distance between the window's importance shares and the reference's
  (:func:`~headway.monitoring.explain.importance_drift`; 0 = same profile, 1 = disjoint),
  with the largest share changes, the method, the model versions and the highest-scored
  rows' top contributions ("why were these students flagged?") in ``detail``.

A model that cannot be loaded or explained leaves a message on the window, never a failed
computation.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from headway.entities.monitoring import MonitorResult, MonitorSpec
from headway.errors import HeadwayError
from headway.monitoring.explain import Explanation, explain, importance_drift

log = logging.getLogger(__name__)

KIND: Final = "explanation"
#: Highest-scored rows whose contributions a window keeps.
TOP_ROWS: Final = 10
TOP_FEATURES: Final = 5
SHIFTS_SHOWN: Final = 5

LoadModel = Callable[[int], object]
ReferenceImportance = Callable[[int], Mapping[str, float]]


def model_frame(spec: MonitorSpec, table: pa.Table) -> pd.DataFrame:
    """The inputs of logged predictions as the model reads them, indexed by prediction id."""
    columns = [c for c in spec.features if c in table.column_names]
    frame: pd.DataFrame = table.select(columns).to_pandas()
    frame.index = pd.Index(table.column("__id").to_pylist(), name="id")
    return frame


def features_for(model: object, spec: MonitorSpec) -> list[str] | None:
    """The columns to explain: the model's own (fitted on a frame), else the features."""
    return None if hasattr(model, "feature_names_in_") else list(spec.features)


def explain_window(
    spec: MonitorSpec,
    table: pa.Table,
    start: datetime,
    end: datetime,
    *,
    background: pd.DataFrame,
    default_version: int | None,
    load: LoadModel,
    reference_importance: ReferenceImportance,
) -> tuple[list[MonitorResult], list[str]]:
    """The window's ``explanation`` results and messages (see the module docstring)."""
    versions = _versions(table, default_version)
    if versions is None:
        return [], ["explanations skipped: the predictions name no model version"]
    # The sample depends on the window only, so recomputing it gives the same rows.
    rng = np.random.default_rng(zlib.crc32(start.isoformat().encode()))
    take = min(spec.explain_rows, table.num_rows)
    positions = np.sort(rng.choice(table.num_rows, size=take, replace=False))
    sample = table.take(pa.array(positions))
    frame = model_frame(spec, sample)
    chosen = versions[positions]
    parts: list[tuple[int, Explanation]] = []
    try:
        for version in sorted(set(chosen.tolist())):
            model = load(version)
            rows = frame[chosen == version]
            parts.append(
                (
                    version,
                    explain(
                        model,
                        rows,
                        background=background,
                        max_rows=len(rows),
                        features=features_for(model, spec),
                    ),
                )
            )
        main = max(parts, key=lambda p: p[1].rows)[0]
        reference = dict(reference_importance(main))
    except HeadwayError as exc:
        return [], [f"explanations skipped: {exc}"]
    except Exception as exc:
        log.warning("explaining %s window %s", spec.name, start, exc_info=True)
        return [], [f"explanations skipped: the model failed ({type(exc).__name__}: {exc})"]
    return _results(spec, start, end, parts, reference), []


def _versions(table: pa.Table, default: int | None) -> np.ndarray | None:
    raw = table.column("__mv").to_numpy(zero_copy_only=False)
    values = pd.array(raw, dtype="Int64")
    if default is None and values.isna().any():
        return None
    filled: np.ndarray = values.fillna(default if default is not None else 0).to_numpy(
        dtype=np.int64
    )
    return filled


def _results(
    spec: MonitorSpec,
    start: datetime,
    end: datetime,
    parts: list[tuple[int, Explanation]],
    reference: Mapping[str, float],
) -> list[MonitorResult]:
    rows = sum(e.rows for _, e in parts)
    importance: dict[str, float] = {}
    for _, e in parts:
        for feature, value in e.importance.items():
            importance[feature] = importance.get(feature, 0.0) + value * e.rows / rows
    ordered = dict(sorted(importance.items(), key=lambda kv: (-kv[1], kv[0])))
    total = sum(max(v, 0.0) for v in ordered.values())
    shift = importance_drift(reference, ordered) if total > 0 and reference else None

    def result(subject: str, metric: str, value: float | None, detail: dict[str, Any]) -> Any:
        return MonitorResult(
            window_start=start,
            window_end=end,
            kind=KIND,
            subject=subject,
            group="*",
            metric=metric,
            value=value,
            rows=rows,
            detail=detail,
        )

    out = [
        result(
            feature,
            "importance",
            value,
            {
                "share": max(value, 0.0) / total if total > 0 else None,
                "reference": reference.get(feature),
            },
        )
        for feature, value in ordered.items()
    ]
    top_rows = [
        r
        for _, e in parts
        for r in e.to_dict(top_rows=TOP_ROWS, top_features=TOP_FEATURES)["top_rows"]
    ]
    top_rows.sort(key=lambda r: -(r["output"] if r["output"] is not None else -np.inf))
    out.append(
        result(
            "*",
            "importance_shift",
            shift.total_variation if shift else None,
            {
                "method": "+".join(sorted({e.method for _, e in parts})),
                "output_space": parts[0][1].output_space,
                "model_versions": {str(v): e.rows for v, e in parts},
                "reference": dict(reference),
                "shifts": [
                    {
                        "feature": f.feature,
                        "reference_share": f.reference_share,
                        "current_share": f.current_share,
                        "change": f.change,
                    }
                    for f in (shift.features[:SHIFTS_SHOWN] if shift else ())
                ],
                "top_rows": top_rows[:TOP_ROWS],
            },
        )
    )
    return out
