"""What a sweep found: the best trials, the Pareto front, parameter importance, contours."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from headway.entities.sweeps import (
    ContourGrid,
    ParamImportance,
    SweepImportance,
    SweepMetric,
    Trial,
    TrialState,
)
from headway.errors import InvalidArgument
from headway.sweeps import engine
from headway.sweeps.config import SweepSpec
from headway.tracking.importance import importance_of_rows

#: Contour grids are this many points a side.
CONTOUR_SIZE = 40


def _scored(trials: Sequence[Trial], count: int) -> list[Trial]:
    return [
        t
        for t in trials
        if t.state is TrialState.FINISHED
        and t.values is not None
        and len(t.values) == count
        and all(v is not None and math.isfinite(v) for v in t.values)
    ]


def best_trials(metrics: Sequence[SweepMetric], trials: Sequence[Trial]) -> tuple[Trial, ...]:
    """The best finished trial for one metric; the Pareto front (by first metric) for several."""
    if not metrics:
        return ()
    scored = _scored(trials, len(metrics))
    if not scored:
        return ()
    signs = np.array([1.0 if m.goal == "minimize" else -1.0 for m in metrics])
    costs = np.array([[float(v or 0.0) for v in t.values or ()] for t in scored]) * signs
    if len(metrics) == 1:
        return (scored[int(np.argmin(costs[:, 0]))],)
    front = [
        i
        for i in range(len(scored))
        if not np.any(np.all(costs <= costs[i], axis=1) & np.any(costs < costs[i], axis=1))
    ]
    front.sort(key=lambda i: tuple(costs[i]))
    return tuple(scored[i] for i in front)


def metric_index(spec: SweepSpec, metric: str | None) -> int:
    if not spec.metrics:
        raise InvalidArgument("this sweep has no metric to analyse")
    if metric is None:
        return 0
    for i, m in enumerate(spec.metrics):
        if m.name == metric:
            return i
    names = ", ".join(m.name for m in spec.metrics)
    raise InvalidArgument(f"metric {metric!r} is not one of the sweep's metrics ({names})")


def importance(
    spec: SweepSpec,
    sweep_id: str,
    records: Sequence[engine.TrialRecord],
    metric: str | None,
    method: str = "fanova",
) -> SweepImportance:
    """How much of the metric's variance each parameter explains, summing to 1: fANOVA
    (Optuna's evaluator, on the space the sampler searched), or the random forest the
    runs table's importance panel uses (``tracking.importance``, on the values the runs
    got)."""
    import optuna.importance as oi

    if method not in ("fanova", "random_forest"):
        raise InvalidArgument(f"importance method must be fanova or random_forest, got {method!r}")
    index = metric_index(spec, metric)
    name = spec.metrics[index].name
    finished = [r for r in records if r.state is TrialState.FINISHED and r.values]
    varied = _varied_params(finished)
    if len(finished) < 2 or not varied:
        return SweepImportance(metric=name, method=method, params=(), trials=len(finished))
    if method == "random_forest":
        rows = [(r.searched, float(r.values[index] or 0.0)) for r in finished if r.values]
        found = importance_of_rows(rows, name, varied)
        total = sum(p.importance for p in found.params) or 1.0
        params = tuple(
            ParamImportance(p.param.removeprefix("config."), p.importance / total)
            for p in found.params
        )
        return SweepImportance(metric=name, method=method, params=params, trials=len(finished))
    evaluator: Any = oi.FanovaImportanceEvaluator(seed=0)
    study = engine.build_study(spec, sweep_id, records, {}, seed=0)
    scores = oi.get_param_importances(
        study,
        evaluator=evaluator,
        params=varied,
        target=lambda t: t.values[index],
        normalize=True,
    )
    params = tuple(ParamImportance(k, float(v)) for k, v in scores.items())
    return SweepImportance(metric=name, method=method, params=params, trials=len(finished))


def _varied_params(records: Sequence[engine.TrialRecord]) -> list[str]:
    seen: dict[str, set[str]] = {}
    for r in records:
        for k, v in r.searched.items():
            seen.setdefault(k, set()).add(repr(v))
    return sorted(k for k, values in seen.items() if len(values) > 1)


def _axis(values: list[float], log: bool) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return np.log10(arr) if log else arr


def contour(
    spec: SweepSpec,
    trials: Sequence[Trial],
    x_param: str,
    y_param: str,
    metric: str | None,
) -> ContourGrid:
    """The metric linearly interpolated over two numeric parameters' plane."""
    from scipy.interpolate import griddata  # type: ignore[import-untyped,unused-ignore]

    index = metric_index(spec, metric)
    by_name = {p.name: p for p in spec.params}
    for key, param in (("x", x_param), ("y", y_param)):
        if param not in by_name:
            raise InvalidArgument(f"{key}={param!r} is not a parameter of this sweep")
    if x_param == y_param:
        raise InvalidArgument("x and y must be two different parameters")
    logs = [by_name[p].distribution.startswith(("log_", "q_log_")) for p in (x_param, y_param)]
    points: list[tuple[float, float, float]] = []
    for t in _scored(trials, len(spec.metrics)):
        xv, yv = t.params.get(x_param), t.params.get(y_param)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (xv, yv)):
            raise InvalidArgument("contours need two numeric parameters")
        points.append((float(xv), float(yv), float((t.values or ())[index] or 0.0)))  # type: ignore[arg-type]
    name = spec.metrics[index].name
    if len(points) < 3:
        return ContourGrid(name, x_param, y_param, (), (), (), logs[0], logs[1])
    xs = _axis([p[0] for p in points], logs[0])
    ys = _axis([p[1] for p in points], logs[1])
    zs = np.array([p[2] for p in points])
    gx = np.linspace(xs.min(), xs.max(), CONTOUR_SIZE)
    gy = np.linspace(ys.min(), ys.max(), CONTOUR_SIZE)
    mesh_x, mesh_y = np.meshgrid(gx, gy)
    try:
        grid = griddata((xs, ys), zs, (mesh_x, mesh_y), method="linear")
    except Exception:  # all points on a line: no plane to interpolate over
        grid = np.full(mesh_x.shape, np.nan)
    back_x = 10**gx if logs[0] else gx
    back_y = 10**gy if logs[1] else gy
    z = tuple(tuple(None if math.isnan(v) else float(v) for v in row) for row in grid)
    return ContourGrid(
        name,
        x_param,
        y_param,
        tuple(float(v) for v in back_x),
        tuple(float(v) for v in back_y),
        z,
        logs[0],
        logs[1],
    )
