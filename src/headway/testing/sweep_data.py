"""Hyperparameter sweeps with finished, pruned and multi-objective trials, for the sweeps UI.

:func:`fill_sweep_project` writes, through the public SDK only (``headway.sweep``,
``headway.agent``, ``headway.init``, ``run.log``), into the embedded store ``dir`` names
(or ``HEADWAY_DIR``):

* ``tune-lr``: a Bayesian (TPE) search minimising ``loss`` over ``x`` (uniform),
  ``lr`` (log-uniform) and ``optimizer`` (categorical), with median early termination,
  ``trials`` of its ``run_cap`` trials run, so it is still running (an agent could take
  the rest); poor trials log slowly, so the median rule prunes them while they run;
* ``trade-off``: an NSGA-II search with two metrics (``loss`` and ``latency``, both
  minimised) whose best trials form a Pareto front.

Each trial is a run (tags ``headway.sweep`` and ``headway.trial``) that logs its metric
for a few steps. The loss is a smooth function of the parameters, lowest near
``x = 0.3`` and ``lr = 0.01``, so the plots have something to show.

The browser tests run it in a subprocess; ``headway ui`` on the same folder shows it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import headway

STEPS = 5
#: A trial whose final loss is above this logs slowly: the median rule gets to see its
#: early steps while it still runs (the agent reports every half second), and prunes it.
SLOW_ABOVE = 0.8
SLOW_STEP = 0.2


@dataclass(frozen=True)
class SweepProject:
    project: str
    #: The single-metric TPE sweep (still running).
    sweep: str
    #: The two-metric NSGA-II sweep (finished).
    pareto_sweep: str
    trials: int
    pareto_trials: int


def loss_of(x: float, lr: float, optimizer: str) -> float:
    """The final loss of the synthetic training run: a bowl in x and log10(lr)."""
    penalty = 0.0 if optimizer == "adam" else 0.15
    return (x - 0.3) ** 2 + 0.5 * (math.log10(lr) + 2.0) ** 2 + penalty + 0.05


def _train() -> None:
    run = headway.init()
    x = float(run.config["x"])
    lr = float(run.config["lr"])
    optimizer = str(run.config["optimizer"])
    final = loss_of(x, lr, optimizer)
    for step in range(STEPS):
        # Falls towards ``final``: the early steps already tell good trials from bad ones.
        run.log({"loss": final + (STEPS - 1 - step) * 0.2}, step=step)
        if final > SLOW_ABOVE:
            time.sleep(SLOW_STEP)
    run.finish()


def _train_two() -> None:
    run = headway.init()
    width = int(run.config["width"])
    dropout = float(run.config["dropout"])
    loss = 1.0 / width + (dropout - 0.2) ** 2
    latency = width / 64 + 0.1 * dropout
    for step in range(2):
        run.log({"loss": loss + (1 - step) * 0.1, "latency": latency}, step=step)
    run.finish()


def fill_sweep_project(
    project: str = "tuning",
    *,
    dir: str | Path | None = None,
    trials: int = 16,
    run_cap: int = 40,
    pareto_trials: int = 12,
) -> SweepProject:
    """Create and run the two sweeps of the module docstring; returns their ids."""
    store = Path(dir) if dir is not None else None
    tuned = headway.sweep(
        {
            "name": "tune-lr",
            "method": "bayes",
            "metric": {"name": "loss", "goal": "minimize"},
            "parameters": {
                "x": {"distribution": "uniform", "min": -1.0, "max": 1.0},
                "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1.0},
                "optimizer": {"values": ["adam", "sgd"]},
            },
            "early_terminate": {"type": "median", "min_trials": 3, "warmup": 1},
            "run_cap": run_cap,
            "seed": 7,
        },
        project=project,
        dir=store,
    )
    headway.agent(tuned, function=_train, count=trials, dir=store)
    pareto = headway.sweep(
        {
            "name": "trade-off",
            "method": "nsga2",
            "metric": [
                {"name": "loss", "goal": "minimize"},
                {"name": "latency", "goal": "minimize"},
            ],
            "parameters": {
                "width": {"values": [8, 16, 32, 64, 128]},
                "dropout": {"min": 0.0, "max": 0.5},
            },
            "run_cap": pareto_trials,
            "seed": 3,
        },
        project=project,
        dir=store,
    )
    headway.agent(pareto, function=_train_two, dir=store)
    return SweepProject(
        project=project,
        sweep=tuned,
        pareto_sweep=pareto,
        trials=trials,
        pareto_trials=pareto_trials,
    )
