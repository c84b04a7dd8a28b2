"""Sweep files: every method and distribution accepted, and every mistake named by key."""

from __future__ import annotations

import math
from typing import Any

import pytest

from headway.errors import InvalidArgument
from headway.sweeps import space
from headway.sweeps.config import parse_sweep_config


def base(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "method": "bayes",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {
            "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
            "hidden": {"values": [32, 64, 128]},
        },
    }
    config.update(changes)
    return config


@pytest.mark.parametrize(
    "method", ["grid", "random", "bayes", "tpe", "cmaes", "gp", "qmc", "nsga2"]
)
def test_every_method_is_accepted(method: str) -> None:
    params: dict[str, Any] = {"x": {"values": [1, 2, 3]}, "y": {"min": 0, "max": 4}}
    if method not in ("grid",):
        params = {"x": {"min": -1.0, "max": 1.0}, "y": {"min": 0, "max": 4}}
    spec = parse_sweep_config({"method": method, "metric": {"name": "loss"}, "parameters": params})
    assert spec.method == {"bayes": "tpe"}.get(method, method)
    assert spec.metrics[0].goal == "minimize"


def test_distributions_are_inferred_and_nested_parameters_flatten() -> None:
    spec = parse_sweep_config(
        base(
            parameters={
                "epochs": {"value": 10},
                "layers": {"min": 1, "max": 4},
                "dropout": {"min": 0.0, "max": 0.5},
                "noise": {"mu": 0.0, "sigma": 0.1},
                "optimizer": {
                    "parameters": {
                        "name": {"values": ["adam", "sgd"]},
                        "momentum": {"distribution": "q_uniform", "min": 0.5, "max": 0.9, "q": 0.1},
                    }
                },
            }
        )
    )
    kinds = {p.name: p.distribution for p in spec.params}
    assert kinds == {
        "epochs": "constant",
        "layers": "int_uniform",
        "dropout": "uniform",
        "noise": "normal",
        "optimizer.name": "categorical",
        "optimizer.momentum": "q_uniform",
    }


def test_values_map_back_to_what_the_run_gets() -> None:
    spec = parse_sweep_config(
        base(
            parameters={
                "lr": {"distribution": "log_uniform", "min": math.log(1e-4), "max": math.log(1e-1)},
                "sizes": {"values": [[64, 64], [128]]},
                "weights": {"values": ["balanced", "none"], "probabilities": [0.9, 0.1]},
                "temp": {"distribution": "normal", "mu": 1.0, "sigma": 0.5},
                "step": {"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.25},
                "k": {"distribution": "int_uniform", "min": 2, "max": 10, "q": 2},
                "opt": {"parameters": {"beta": {"value": 0.9}}},
            }
        )
    )
    dists = space.distributions(spec)
    assert dists["lr"].low == pytest.approx(1e-4) and dists["lr"].log  # type: ignore[attr-defined]
    config = space.to_config(
        spec, {"lr": 0.01, "sizes": 1, "weights": 0.95, "temp": 0.5, "step": 0.5, "k": 6}
    )
    assert config == {
        "lr": 0.01,
        "sizes": [128],
        "weights": "none",
        "temp": pytest.approx(1.0),
        "step": 0.5,
        "k": 6,
        "opt": {"beta": 0.9},
    }
    # The weighted categorical follows its probabilities through the quantile.
    searched = {"lr": 0.01, "sizes": 0, "weights": 0.5, "temp": 0.5, "step": 0.5, "k": 6}
    assert space.to_config(spec, searched)["weights"] == "balanced"


def test_grid_enumerates_discrete_parameters() -> None:
    spec = parse_sweep_config(
        {
            "method": "grid",
            "parameters": {
                "C": {"values": [0.1, 1.0, 10.0]},
                "depth": {"distribution": "int_uniform", "min": 2, "max": 4},
                "frac": {"distribution": "q_uniform", "min": 0.0, "max": 0.5, "q": 0.25},
            },
        }
    )
    assert spec.space_size == 3 * 3 * 3
    assert spec.grid == {"C": [0.1, 1.0, 10.0], "depth": [2, 3, 4], "frac": [0.0, 0.25, 0.5]}


def test_wandb_hyperband_with_max_iter_and_s() -> None:
    spec = parse_sweep_config(
        base(early_terminate={"type": "hyperband", "max_iter": 27, "s": 2, "eta": 3})
    )
    assert spec.early_terminate is not None
    assert (spec.early_terminate.min_iter, spec.early_terminate.max_iter) == (3, 27)


@pytest.mark.parametrize(
    ("config", "key", "words"),
    [
        (base(methd="bayes"), "methd", "unknown key"),
        (base(method="bayesian"), "method", "'bayesian' is not one of"),
        ({"parameters": {"x": {"values": [1]}}}, "method", "is required"),
        (base(metric=None), "metric", "is required for method 'tpe'"),
        (base(metric={"goal": "minimize"}), "metric.name", "is required"),
        (base(metric={"name": "loss", "goal": "minimise"}), "metric.goal", "minimize or maximize"),
        (base(metric={"name": "loss", "gaol": "min"}), "metric.gaol", "unknown key"),
        (base(parameters={}), "parameters", "non-empty mapping"),
        (
            base(parameters={"lr": {"distribution": "logunif", "min": 1, "max": 2}}),
            "parameters.lr.distribution",
            "'logunif' is not one of",
        ),
        (
            base(parameters={"lr": {"min": 0.5, "max": 0.1}}),
            "parameters.lr.max",
            "greater than min",
        ),
        (
            base(parameters={"lr": {"distribution": "log_uniform_values", "min": 0, "max": 1}}),
            "parameters.lr.min",
            "positive",
        ),
        (
            base(parameters={"lr": {"distribution": "log_uniform", "min": 1e-4, "max": 1000}}),
            "parameters.lr.max",
            "natural-log bounds",
        ),
        (
            base(parameters={"lr": {"distribution": "uniform", "min": 0}}),
            "parameters.lr.max",
            "is required",
        ),
        (base(parameters={"lr": {"min": "a", "max": 1}}), "parameters.lr.min", "finite number"),
        (
            base(parameters={"n": {"distribution": "int_uniform", "min": 1.5, "max": 4}}),
            "parameters.n.min",
            "whole number",
        ),
        (
            base(parameters={"w": {"values": [1, 2], "probabilities": [0.5, 0.6]}}),
            "parameters.w.probabilities",
            "sum to 1",
        ),
        (base(parameters={"w": {"values": []}}), "parameters.w.values", "non-empty list"),
        (
            base(parameters={"w": {"value": 1, "colour": "red"}}),
            "parameters.w.colour",
            "unknown key",
        ),
        (
            base(parameters={"opt": {"parameters": {"lr": {"min": 1, "max": 0}}}}),
            "parameters.opt.parameters.lr.max",
            "greater than min",
        ),
        (base(parameters={"only": {"value": 3}}), "parameters", "nothing to search"),
        (base(parameters={"a.b": {"values": [1, 2]}}), "parameters.a.b", "without '.'"),
        (
            {"method": "grid", "parameters": {"lr": {"min": 0.1, "max": 1.0}}},
            "parameters.lr",
            "method grid needs a list",
        ),
        (base(early_terminate={"type": "hyperband"}), "early_terminate", "min_iter"),
        (base(early_terminate={"type": "asha"}), "early_terminate.type", "'asha' is not one of"),
        (
            base(early_terminate={"type": "median", "min_iter": 3}),
            "early_terminate.min_iter",
            "unknown key",
        ),
        (base(early_terminate={"type": "percentile"}), "early_terminate.percentile", "is required"),
        (
            {
                "method": "random",
                "parameters": {"x": {"values": [1, 2]}},
                "early_terminate": {"type": "median"},
            },
            "early_terminate",
            "needs a metric",
        ),
        (
            base(
                method="nsga2",
                metric=[{"name": "a"}, {"name": "b"}],
                early_terminate={"type": "median"},
            ),
            "early_terminate",
            "optimises several",
        ),
        (
            base(method="cmaes", metric=[{"name": "a"}, {"name": "b"}]),
            "metric",
            "optimises one metric",
        ),
        (
            base(metric=[{"name": "a"}, {"name": "a"}], method="nsga2"),
            "metric[1].name",
            "listed twice",
        ),
        (base(run_cap=0), "run_cap", "at least 1"),
        (base(command="python train.py"), "command", "list of strings"),
        (base(command=["python", 3]), "command[1]", "must be a string"),
        (base(max_retries=11), "max_retries", "between 0 and 10"),
        (base(heartbeat_timeout=0.1), "heartbeat_timeout", "between 1 and 86400"),
    ],
)
def test_bad_configs_name_the_key(config: dict[str, Any], key: str, words: str) -> None:
    if config.get("metric", "missing") is None:
        del config["metric"]
    with pytest.raises(InvalidArgument) as info:
        parse_sweep_config(config)
    assert info.value.details["key"] == key
    assert f"sweep config: {key}:" in info.value.message
    assert words in info.value.message


def test_a_config_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="must be a mapping"):
        parse_sweep_config(["method", "grid"])
