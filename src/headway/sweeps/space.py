"""Parameters as Optuna sees them, and back to the values a run's config gets.

Optuna has no normal distributions and its categorical choices must be plain scalars, so
some parameters are searched in another space and mapped back: a normal is searched as
its quantile in (0, 1), a categorical of lists or of weighted values as an index or a
quantile. The sampler learns in that space, and the run sees the real value.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from scipy.stats import norm  # type: ignore[import-untyped,unused-ignore]

from headway.sweeps.config import ParamSpec, SweepSpec

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution

_SCALARS = (str, int, float, bool, type(None))
#: A normal's quantile stays this far inside (0, 1): about ±6 standard deviations.
_EDGE = 1e-9


def _plain_choices(values: tuple[Any, ...]) -> bool:
    # bool is an int, so True and 1 would be one choice to Optuna; mixed types use indices.
    kinds = {type(v) for v in values}
    return (
        all(isinstance(v, _SCALARS) for v in values)
        and len(kinds) == 1
        and len(set(values)) == len(values)
    )


def distribution(param: ParamSpec, grid: bool = False) -> BaseDistribution | None:
    """The Optuna distribution searched for ``param``; None for a constant."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    kind = param.distribution
    if kind == "constant":
        return None
    if grid:
        values = param.grid_values() or []
        return CategoricalDistribution(list(range(len(values))))
    if kind == "categorical":
        if param.probabilities is not None:
            return FloatDistribution(0.0, 1.0)
        if _plain_choices(param.values):
            return CategoricalDistribution(list(param.values))
        return CategoricalDistribution(list(range(len(param.values))))
    if kind in ("normal", "q_normal", "log_normal", "q_log_normal"):
        return FloatDistribution(_EDGE, 1.0 - _EDGE)
    assert param.min is not None and param.max is not None
    if kind == "int_uniform":
        return IntDistribution(int(param.min), int(param.max), step=int(param.q or 1))
    if kind == "uniform":
        return FloatDistribution(param.min, param.max)
    if kind == "q_uniform":
        q = param.q or 1.0
        high = param.min + math.floor((param.max - param.min) / q + 1e-9) * q
        return FloatDistribution(param.min, high, step=q)
    if kind == "log_uniform":
        return FloatDistribution(math.exp(param.min), math.exp(param.max), log=True)
    # log_uniform_values, q_log_uniform_values (rounded to q on the way out)
    return FloatDistribution(param.min, param.max, log=True)


def distributions(spec: SweepSpec) -> dict[str, BaseDistribution]:
    grid = spec.method == "grid"
    out: dict[str, BaseDistribution] = {}
    for param in spec.params:
        dist = distribution(param, grid)
        if dist is not None:
            out[param.name] = dist
    return out


def grid_space(spec: SweepSpec) -> dict[str, list[int]]:
    """GridSampler's space: each parameter's grid values, by index."""
    return {
        p.name: list(range(len(p.grid_values() or [])))
        for p in spec.params
        if p.distribution != "constant"
    }


def to_value(param: ParamSpec, searched: Any, grid: bool = False) -> Any:
    """The value a run gets for ``param`` from what the sampler chose."""
    kind = param.distribution
    if kind == "constant":
        return param.values[0]
    if grid:
        return (param.grid_values() or [])[int(searched)]
    if kind == "categorical":
        if param.probabilities is not None:
            total = 0.0
            for value, p in zip(param.values, param.probabilities, strict=True):
                total += p
                if searched < total:
                    return value
            return param.values[-1]
        return searched if _plain_choices(param.values) else param.values[int(searched)]
    if kind in ("normal", "q_normal", "log_normal", "q_log_normal"):
        z = float(param.mu + param.sigma * norm.ppf(float(searched)))
        value = math.exp(z) if kind.startswith(("log_", "q_log_")) else z
        return _round(value, param.q) if param.q else value
    if kind == "int_uniform":
        return int(searched)
    if kind in ("q_uniform", "q_log_uniform_values"):
        return _round(float(searched), param.q or 1.0)
    return float(searched)


def _round(value: float, q: float | None) -> float:
    if not q:
        return value
    rounded = round(value / q) * q
    return int(rounded) if float(q).is_integer() else round(rounded, 12)


def to_config(spec: SweepSpec, searched: dict[str, Any]) -> dict[str, Any]:
    """The nested run config for one trial's sampled parameters."""
    grid = spec.method == "grid"
    config: dict[str, Any] = {}
    for param in spec.params:
        value = to_value(param, searched.get(param.name), grid)
        node = config
        for part in param.path[:-1]:
            node = node.setdefault(part, {})
        node[param.path[-1]] = value
    return config
