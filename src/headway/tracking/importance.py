"""Which config values matter for a metric: correlation and random-forest importance.

For each config key, over the runs that have the target: the correlation with the target
(Pearson for numbers; for categories the correlation ratio, which is unsigned) and the
key's share of a random forest's impurity importance when predicting the target from all
keys together. Correlation sees one key at a time; the forest also sees interactions, so
the two are shown side by side, as W&B's parameter-importance panel does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from headway.entities import Run
from headway.errors import InvalidArgument

#: A forest on more runs than this is fitted on a random sample of them: importances
#: are stable well before that, and the answer stays interactive.
MAX_FIT_RUNS = 4000
MIN_RUNS = 3


@dataclass(frozen=True)
class ParamImportance:
    param: str
    kind: Literal["numeric", "categorical"]
    correlation: float | None
    importance: float
    runs: int


@dataclass(frozen=True)
class ImportanceResult:
    target: str
    runs_used: int
    params: list[ParamImportance]


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def column_value(run: Run, column: str) -> Any:
    """``summary.<key>``, ``config.<key>`` or a run attribute, as the search API names them."""
    if column.startswith("summary."):
        return run.summary.get(column[8:])
    if column.startswith("config."):
        return flatten(run.config).get(column[7:])
    raise InvalidArgument(f"target must be summary.<key> or config.<key>, got {column!r}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _correlation_ratio(codes: np.ndarray, y: np.ndarray) -> float | None:
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0:
        return None
    between = sum(
        float((codes == c).sum()) * (float(y[codes == c].mean()) - float(y.mean())) ** 2
        for c in np.unique(codes)
    )
    return math.sqrt(between / total)


def parameter_importance(
    runs: Iterable[Run], target: str, params: Sequence[str] | None = None, seed: int = 0
) -> ImportanceResult:
    """Importance of ``params`` (default: every scalar config key that varies) for ``target``."""
    rows: list[tuple[dict[str, Any], float]] = []
    for run in runs:
        value = _number(column_value(run, target))
        if value is not None:
            rows.append((flatten(run.config), value))
    if len(rows) < MIN_RUNS:
        raise InvalidArgument(
            f"parameter importance needs at least {MIN_RUNS} runs with a numeric {target}; "
            f"{len(rows)} have one"
        )
    return importance_of_rows(rows, target, params, seed)


def importance_of_rows(
    rows: Sequence[tuple[dict[str, Any], float]],
    target: str,
    params: Sequence[str] | None = None,
    seed: int = 0,
) -> ImportanceResult:
    """The same for ``(flat config, target value)`` pairs, e.g. a sweep's trials."""
    wanted = [p.removeprefix("config.") for p in params] if params else None
    keys = wanted or sorted({k for config, _ in rows for k in config})
    y = np.array([target_value for _, target_value in rows])
    columns: list[tuple[str, Literal["numeric", "categorical"], np.ndarray, int]] = []
    for key in keys:
        values = [config.get(key) for config, _ in rows]
        present = [v for v in values if v is not None and not isinstance(v, list | dict)]
        if wanted is None and len({repr(v) for v in present}) < 2:
            continue  # a key that never varies explains nothing
        numbers = [_number(v) for v in values]
        if present and all(n is not None for n in (_number(v) for v in present)):
            filled = np.array([n if n is not None else np.nan for n in numbers])
            median = float(np.nanmedian(filled)) if np.isfinite(filled).any() else 0.0
            columns.append(
                (key, "numeric", np.where(np.isnan(filled), median, filled), len(present))
            )
        else:
            labels = [repr(v) for v in values]
            _, codes = np.unique(labels, return_inverse=True)
            columns.append((key, "categorical", codes.astype(np.float64), len(present)))
    if not columns:
        raise InvalidArgument("no config key varies across these runs")

    features = np.column_stack([c[2] for c in columns])
    importances = _forest_importances(features, y, seed)
    result = [
        ParamImportance(
            param=f"config.{key}",
            kind=kind,
            correlation=_pearson(x, y) if kind == "numeric" else _correlation_ratio(x, y),
            importance=float(imp),
            runs=count,
        )
        for (key, kind, x, count), imp in zip(columns, importances, strict=True)
    ]
    result.sort(key=lambda p: -p.importance)
    return ImportanceResult(target=target, runs_used=len(rows), params=result)


def _forest_importances(features: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.ensemble import RandomForestRegressor  # heavy import, only when asked

    rng = np.random.default_rng(seed)
    if len(y) > MAX_FIT_RUNS:
        pick = rng.choice(len(y), MAX_FIT_RUNS, replace=False)
        features, y = features[pick], y[pick]
    if float(y.std()) == 0.0:
        return np.zeros(features.shape[1])
    forest = RandomForestRegressor(
        n_estimators=64,
        min_samples_leaf=5 if len(y) >= 50 else 1,
        # Each tree sees half the runs: half the fitting time, importances as stable.
        max_samples=max(len(y) // 2, 2) if len(y) >= 50 else None,
        random_state=seed,
        n_jobs=1,
    )
    forest.fit(features, y)
    return np.asarray(forest.feature_importances_, dtype=np.float64)
