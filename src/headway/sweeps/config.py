"""A sweep file, validated: the W&B shape, plus the methods and rules Optuna brings.

Every error names the key that is wrong (``parameters.optimizer.parameters.lr.max``) and
what would be right, and nothing is stored until the whole file is valid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from headway.entities.sweeps import SweepMetric
from headway.errors import InvalidArgument

#: Method names as written in a sweep file, and the method each one means.
METHODS: dict[str, str] = {
    "grid": "grid",
    "random": "random",
    "bayes": "tpe",
    "tpe": "tpe",
    "cmaes": "cmaes",
    "cma-es": "cmaes",
    "gp": "gp",
    "qmc": "qmc",
    "nsga2": "nsga2",
    "nsga-ii": "nsga2",
}
#: Methods that can optimise several metrics at once.
MULTI_OBJECTIVE = frozenset({"grid", "random", "tpe", "gp", "qmc", "nsga2"})
DISTRIBUTIONS = (
    "constant",
    "categorical",
    "uniform",
    "int_uniform",
    "q_uniform",
    "log_uniform",
    "log_uniform_values",
    "q_log_uniform_values",
    "normal",
    "q_normal",
    "log_normal",
    "q_log_normal",
)
EARLY_TERMINATE = ("hyperband", "median", "percentile", "successive_halving")
TOP_KEYS = (
    "method",
    "metric",
    "parameters",
    "early_terminate",
    "run_cap",
    "program",
    "command",
    "name",
    "description",
    "project",
    "entity",
    "seed",
    "max_retries",
    "heartbeat_timeout",
)
_PARAM_KEYS = frozenset(
    {"value", "values", "probabilities", "distribution", "min", "max", "q", "mu", "sigma"}
)
#: A grid larger than this is refused: it is not a search anyone will finish.
MAX_GRID = 100_000
MAX_PARAMS = 200


@dataclass(frozen=True)
class ParamSpec:
    path: tuple[str, ...]
    distribution: str
    values: tuple[Any, ...] = ()
    probabilities: tuple[float, ...] | None = None
    min: float | None = None
    max: float | None = None
    q: float | None = None
    mu: float = 0.0
    sigma: float = 1.0

    @property
    def name(self) -> str:
        return ".".join(self.path)

    def grid_values(self) -> list[Any] | None:
        """The values a grid visits, or None for a continuous distribution."""
        kind = self.distribution
        if kind == "constant":
            return [self.values[0]]
        if kind == "categorical":
            return list(self.values)
        if kind == "int_uniform" and self.min is not None and self.max is not None:
            step = int(self.q or 1)
            return list(range(int(self.min), int(self.max) + 1, step))
        if kind == "q_uniform" and self.min is not None and self.max is not None:
            q = self.q or 1.0
            count = math.floor((self.max - self.min) / q + 1e-9) + 1
            return [_round_q(self.min + i * q, q) for i in range(count)]
        return None


@dataclass(frozen=True)
class EarlyTerminate:
    type: Literal["hyperband", "median", "percentile", "successive_halving"]
    min_iter: int | None = None
    max_iter: int | None = None
    eta: int = 3
    #: Trials that must finish before the rule prunes anything.
    min_trials: int = 5
    #: Steps a trial runs before the rule judges it.
    warmup: int = 0
    interval: int = 1
    percentile: float = 50.0
    min_early_stopping_rate: int = 0


@dataclass(frozen=True)
class SweepSpec:
    method: str
    metrics: tuple[SweepMetric, ...]
    params: tuple[ParamSpec, ...]
    early_terminate: EarlyTerminate | None = None
    run_cap: int | None = None
    program: str | None = None
    command: tuple[str, ...] | None = None
    name: str | None = None
    description: str = ""
    project: str | None = None
    seed: int | None = None
    max_retries: int = 0
    heartbeat_timeout: float = 120.0
    #: The validated file, kept to show and export as given.
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def grid(self) -> dict[str, list[Any]] | None:
        """Each parameter's grid values, when every parameter has some."""
        grid: dict[str, list[Any]] = {}
        for param in self.params:
            values = param.grid_values()
            if values is None:
                return None
            grid[param.name] = values
        return grid

    @property
    def space_size(self) -> int | None:
        grid = self.grid
        if self.method != "grid" or grid is None:
            return None
        return math.prod(len(v) for v in grid.values())


def _round_q(value: float, q: float) -> float:
    return round(round(value / q) * q, 12)


def _fail(key: str, message: str) -> InvalidArgument:
    return InvalidArgument(f"sweep config: {key}: {message}", details={"key": key})


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(key, f"must be a finite number, got {value!r}")
    return float(value)


def _integer(key: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, f"must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _fail(key, f"must be {bounds}, got {value}")
    return value


def _text(key: str, value: Any, limit: int = 256) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, f"must be a non-empty string, got {value!r}")
    if len(value) > limit:
        raise _fail(key, f"must be at most {limit} characters")
    return value


def _unknown(prefix: str, given: Mapping[str, Any], allowed: Any) -> None:
    for key in given:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise _fail(f"{prefix}{key}", f"unknown key (known keys: {known})")


def parse_sweep_config(config: Any) -> SweepSpec:
    """Validate a sweep file (a dict, as loaded from YAML or JSON)."""
    if not isinstance(config, Mapping):
        raise InvalidArgument(
            f"sweep config must be a mapping of keys to values, got {type(config).__name__}"
        )
    _unknown("", config, TOP_KEYS)
    method_name = config.get("method")
    if method_name is None:
        raise _fail("method", f"is required: one of {', '.join(METHODS)}")
    if not isinstance(method_name, str) or method_name.lower() not in METHODS:
        raise _fail("method", f"{method_name!r} is not one of {', '.join(METHODS)}")
    method = METHODS[method_name.lower()]
    metrics = _metrics(config.get("metric"), method)
    if "parameters" not in config:
        raise _fail("parameters", "is required: the parameters to search, by name")
    params = _parameters("parameters", config["parameters"], ())
    if len(params) > MAX_PARAMS:
        raise _fail("parameters", f"at most {MAX_PARAMS} parameters, got {len(params)}")
    if not any(p.distribution != "constant" for p in params):
        raise _fail("parameters", "nothing to search: every parameter has a single value")
    early = _early_terminate(config.get("early_terminate"), metrics)
    spec = SweepSpec(
        method=method,
        metrics=metrics,
        params=params,
        early_terminate=early,
        run_cap=_integer("run_cap", config["run_cap"], 1) if "run_cap" in config else None,
        program=_text("program", config["program"], 1024) if "program" in config else None,
        command=_command(config.get("command")),
        name=_text("name", config["name"], 128) if "name" in config else None,
        description=_description(config.get("description")),
        project=_text("project", config["project"], 128) if "project" in config else None,
        seed=_integer("seed", config["seed"], 0, 2**31 - 1) if "seed" in config else None,
        max_retries=(
            _integer("max_retries", config["max_retries"], 0, 10) if "max_retries" in config else 0
        ),
        heartbeat_timeout=_heartbeat(config.get("heartbeat_timeout")),
        raw=dict(config),
    )
    _check_method(spec)
    return spec


def _metrics(value: Any, method: str) -> tuple[SweepMetric, ...]:
    if value is None:
        if method in ("grid", "random"):
            return ()
        raise _fail("metric", f"is required for method {method!r}: {{name: ..., goal: ...}}")
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _fail("metric", "an empty list: give at least one {name, goal}")
    metrics: list[SweepMetric] = []
    for i, item in enumerate(items):
        key = f"metric[{i}]" if isinstance(value, list) else "metric"
        if not isinstance(item, Mapping):
            raise _fail(key, f"must be a mapping with name and goal, got {item!r}")
        _unknown(f"{key}.", item, ("name", "goal", "target"))
        if "name" not in item:
            raise _fail(f"{key}.name", "is required: the summary metric to optimise")
        name = _text(f"{key}.name", item["name"])
        goal = item.get("goal", "minimize")
        if goal not in ("minimize", "maximize"):
            raise _fail(f"{key}.goal", f"must be minimize or maximize, got {goal!r}")
        target = _number(f"{key}.target", item["target"]) if "target" in item else None
        if any(m.name == name for m in metrics):
            raise _fail(f"{key}.name", f"{name!r} is listed twice")
        metrics.append(SweepMetric(name=name, goal=goal, target=target))
    if len(metrics) > 1 and method not in MULTI_OBJECTIVE:
        raise _fail(
            "metric",
            f"method {method!r} optimises one metric; for several use nsga2, tpe, gp, qmc, "
            "random or grid",
        )
    return tuple(metrics)


def _parameters(key: str, value: Any, path: tuple[str, ...]) -> tuple[ParamSpec, ...]:
    if not isinstance(value, Mapping) or not value:
        raise _fail(key, "must be a non-empty mapping of parameter names to definitions")
    out: list[ParamSpec] = []
    for name, definition in value.items():
        pkey = f"{key}.{name}"
        if not isinstance(name, str) or not name or "." in name or "/" in name:
            raise _fail(pkey, "a parameter name must be a non-empty string without '.' or '/'")
        if not isinstance(definition, Mapping):
            raise _fail(
                pkey, f"must be a mapping (value, values or distribution), got {definition!r}"
            )
        if "parameters" in definition:
            _unknown(f"{pkey}.", definition, ("parameters",))
            out.extend(_parameters(f"{pkey}.parameters", definition["parameters"], (*path, name)))
            continue
        out.append(_param(pkey, definition, (*path, name)))
    return tuple(out)


def _param(key: str, d: Mapping[str, Any], path: tuple[str, ...]) -> ParamSpec:
    _unknown(f"{key}.", d, _PARAM_KEYS)
    kind = d.get("distribution")
    if kind is None:
        if "value" in d:
            kind = "constant"
        elif "values" in d:
            kind = "categorical"
        elif "min" in d and "max" in d:
            ints = all(isinstance(d[k], int) and not isinstance(d[k], bool) for k in ("min", "max"))
            kind = "int_uniform" if ints else "uniform"
        elif "mu" in d or "sigma" in d:
            kind = "normal"
        else:
            raise _fail(key, "needs value, values, min and max, or a distribution")
    if kind not in DISTRIBUTIONS:
        raise _fail(f"{key}.distribution", f"{kind!r} is not one of {', '.join(DISTRIBUTIONS)}")
    if kind == "constant":
        if "value" not in d:
            raise _fail(f"{key}.value", "is required for a constant")
        return ParamSpec(path, kind, values=(d["value"],))
    if kind == "categorical":
        return _categorical(key, d, path)
    if kind in ("normal", "q_normal", "log_normal", "q_log_normal"):
        mu = _number(f"{key}.mu", d.get("mu", 0.0))
        sigma = _number(f"{key}.sigma", d.get("sigma", 1.0))
        if sigma <= 0:
            raise _fail(f"{key}.sigma", f"must be positive, got {sigma:g}")
        q = _q(key, d) if kind.startswith("q_") else None
        return ParamSpec(path, kind, mu=mu, sigma=sigma, q=q)
    for bound in ("min", "max"):
        if bound not in d:
            raise _fail(f"{key}.{bound}", f"is required for {kind}")
    low, high = _number(f"{key}.min", d["min"]), _number(f"{key}.max", d["max"])
    if low >= high:
        raise _fail(f"{key}.max", f"must be greater than min ({high:g} <= {low:g})")
    q = _q(key, d) if kind.startswith("q_") or ("q" in d and kind == "int_uniform") else None
    if kind == "int_uniform":
        for bound in ("min", "max"):
            if not isinstance(d[bound], int) or isinstance(d[bound], bool):
                raise _fail(
                    f"{key}.{bound}", f"must be a whole number for int_uniform, got {d[bound]!r}"
                )
        if q is not None and q != int(q):
            raise _fail(f"{key}.q", f"must be a whole number for int_uniform, got {q:g}")
    if kind in ("log_uniform_values", "q_log_uniform_values") and low <= 0:
        raise _fail(f"{key}.min", f"must be positive for {kind}, got {low:g}")
    if kind == "log_uniform" and high > 700:
        raise _fail(
            f"{key}.max",
            "log_uniform takes natural-log bounds (W&B's meaning; exp(max) overflows); "
            "for bounds in plain values use log_uniform_values",
        )
    if "q" in d and q is None:
        raise _fail(f"{key}.q", f"is not used by {kind}; use q_uniform or q_log_uniform_values")
    return ParamSpec(path, kind, min=low, max=high, q=q)


def _q(key: str, d: Mapping[str, Any]) -> float:
    q = _number(f"{key}.q", d.get("q", 1))
    if q <= 0:
        raise _fail(f"{key}.q", f"must be positive, got {q:g}")
    return q


def _categorical(key: str, d: Mapping[str, Any], path: tuple[str, ...]) -> ParamSpec:
    values = d.get("values")
    if not isinstance(values, list) or not values:
        raise _fail(f"{key}.values", f"must be a non-empty list, got {values!r}")
    probabilities = None
    if "probabilities" in d:
        raw = d["probabilities"]
        if not isinstance(raw, list) or len(raw) != len(values):
            raise _fail(f"{key}.probabilities", f"must be a list of {len(values)} numbers")
        probabilities = tuple(_number(f"{key}.probabilities[{i}]", p) for i, p in enumerate(raw))
        if any(p < 0 for p in probabilities) or abs(sum(probabilities) - 1.0) > 1e-6:
            raise _fail(f"{key}.probabilities", "must be non-negative and sum to 1")
    return ParamSpec(path, "categorical", values=tuple(values), probabilities=probabilities)


def _early_terminate(value: Any, metrics: tuple[SweepMetric, ...]) -> EarlyTerminate | None:
    if value is None:
        return None
    key = "early_terminate"
    if not isinstance(value, Mapping):
        raise _fail(key, f"must be a mapping with a type, got {value!r}")
    kind = value.get("type")
    if kind not in EARLY_TERMINATE:
        raise _fail(f"{key}.type", f"{kind!r} is not one of {', '.join(EARLY_TERMINATE)}")
    if not metrics:
        raise _fail(key, "needs a metric: the value whose intermediate steps are judged")
    if len(metrics) > 1:
        raise _fail(key, "early termination judges one metric; this sweep optimises several")
    allowed = {
        "hyperband": ("type", "min_iter", "max_iter", "eta", "s", "strict"),
        "median": ("type", "min_trials", "warmup", "interval"),
        "percentile": ("type", "percentile", "min_trials", "warmup", "interval"),
        "successive_halving": ("type", "min_iter", "eta", "min_early_stopping_rate"),
    }[kind]
    _unknown(f"{key}.", value, allowed)

    def get_int(name: str, low: int, default: int | None) -> int | None:
        return _integer(f"{key}.{name}", value[name], low) if name in value else default

    eta = get_int("eta", 2, 3) or 3
    min_iter, max_iter = get_int("min_iter", 1, None), get_int("max_iter", 1, None)
    if kind == "hyperband":
        if min_iter is None and max_iter is None:
            raise _fail(key, "hyperband needs min_iter, or max_iter (with s)")
        if "s" in value and max_iter is not None and min_iter is None:
            s = _integer(f"{key}.s", value["s"], 0)
            min_iter = max(1, max_iter // eta**s)
        if min_iter is not None and max_iter is not None and min_iter >= max_iter:
            raise _fail(f"{key}.max_iter", f"must be greater than min_iter ({min_iter})")
    if kind == "successive_halving" and min_iter is None:
        min_iter = 1
    percentile = 50.0
    if kind == "percentile":
        if "percentile" not in value:
            raise _fail(f"{key}.percentile", "is required: keep trials above this percentile")
        percentile = _number(f"{key}.percentile", value["percentile"])
        if not 0 < percentile < 100:
            raise _fail(f"{key}.percentile", f"must be between 0 and 100, got {percentile:g}")
    return EarlyTerminate(
        type=kind,
        min_iter=min_iter,
        max_iter=max_iter,
        eta=eta,
        min_trials=get_int("min_trials", 0, 5) or 0,
        warmup=get_int("warmup", 0, 0) or 0,
        interval=get_int("interval", 1, 1) or 1,
        percentile=percentile,
        min_early_stopping_rate=get_int("min_early_stopping_rate", 0, 0) or 0,
    )


def _command(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise _fail("command", "must be a non-empty list of strings (macros like ${args} allowed)")
    for i, part in enumerate(value):
        if not isinstance(part, str):
            raise _fail(f"command[{i}]", f"must be a string, got {part!r}")
    return tuple(value)


def _description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 10_000:
        raise _fail("description", "must be a string of at most 10,000 characters")
    return value


def _heartbeat(value: Any) -> float:
    if value is None:
        return 120.0
    seconds = _number("heartbeat_timeout", value)
    if not 1 <= seconds <= 86_400:
        raise _fail("heartbeat_timeout", f"must be between 1 and 86400 seconds, got {seconds:g}")
    return seconds


def _check_method(spec: SweepSpec) -> None:
    if spec.method == "grid":
        for param in spec.params:
            if param.grid_values() is None:
                raise _fail(
                    f"parameters.{param.name}",
                    f"method grid needs a list of values; {param.distribution!r} is "
                    "continuous (use values, int_uniform or q_uniform)",
                )
        size = spec.space_size or 0
        if size > MAX_GRID:
            raise _fail("parameters", f"the grid has {size:,} points; at most {MAX_GRID:,}")
    if spec.method == "cmaes" and len(spec.metrics) > 1:
        raise _fail("method", "cmaes optimises one metric")
    if spec.method == "gp":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise _fail(
                "method", "gp needs PyTorch where the sweep runs: pip install 'headway[gp]'"
            ) from None
