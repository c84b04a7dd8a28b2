"""The demo's sweep: tuning the dropout-risk booster's learning rate, regularisation and
class weights.

A TPE sweep over gradient boosting trained in rounds of 15 trees, so the validation AUC
reaches the sweep as it is logged and the median rule stops settings that learn too slowly
or overfit (a high learning rate peaks early and then falls). It runs in-process with
``headway.agent``, as a data scientist would in a notebook; the sweep page shows what it
found.
"""

from __future__ import annotations

import os
from typing import Any, Final

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

import headway
from headway.demo.training import Prepared, _auc, _log_loss

SWEEP_NAME: Final = "dropout-risk booster tuning"
#: The sweep's runs are grouped apart from the variants the team compares.
SWEEP_GROUP: Final = "booster-tuning"
#: Rounds of ``TREES_PER_ROUND`` trees; one round is one logged step.
ROUNDS: Final = 8
TREES_PER_ROUND: Final = 15


def sweep_config(trials: int, seed: int) -> dict[str, Any]:
    return {
        "name": SWEEP_NAME,
        "description": (
            "How fast the dropout-risk booster should learn, how much to regularise it, "
            "and whether to weight the rarer dropouts up, judged by validation AUC on "
            "the next semester."
        ),
        "method": "bayes",
        "metric": {"name": "val/auc", "goal": "maximize"},
        "parameters": {
            "learning_rate": {"distribution": "log_uniform_values", "min": 0.005, "max": 1.0},
            "l2_regularization": {"distribution": "log_uniform_values", "min": 0.01, "max": 30.0},
            "max_depth": {"min": 2, "max": 6},
            "class_weight": {"values": ["balanced", "none"]},
            "rounds": {"value": ROUNDS},
        },
        "early_terminate": {"type": "median", "min_trials": 4, "warmup": 2},
        "run_cap": trials,
        "seed": seed,
    }


def tune_dropout_model(
    data: Prepared,
    *,
    project: str,
    seed: int,
    trials: int = 20,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
    quiet: bool = False,
) -> str:
    """Run the sweep to its cap and return its id."""
    sweep_id = headway.sweep(sweep_config(trials, seed), project=project, dir=dir, url=url)

    def train() -> None:
        with headway.init(job_type="sweep", group=SWEEP_GROUP, tags=["sweep"]) as run:
            weight = run.config["class_weight"]
            model = HistGradientBoostingClassifier(
                learning_rate=float(run.config["learning_rate"]),
                l2_regularization=float(run.config["l2_regularization"]),
                max_depth=int(run.config["max_depth"]),
                class_weight=None if weight == "none" else weight,
                max_iter=0,
                warm_start=True,
                early_stopping=False,
                random_state=seed,
            )
            for _ in range(int(run.config["rounds"])):
                model.max_iter += TREES_PER_ROUND
                with threadpool_limits(limits=1):
                    model.fit(data.x_train, data.y_train)
                p_val = np.asarray(model.predict_proba(data.x_val)[:, 1], dtype=np.float64)
                point = {"val/loss": _log_loss(data.y_val, p_val)}
                if (auc := _auc(data.y_val, p_val)) is not None:
                    point["val/auc"] = auc
                run.log(point)

    headway.agent(sweep_id, function=train, dir=dir, url=url)
    if not quiet:
        found = headway.Api(url=url, dir=dir).sweep(sweep_id)
        counts = ", ".join(f"{n} {state}" for state, n in sorted(found.counts.items()))
        best = found.best[0] if found.best else None
        line = f"sweep {found.name!r} ({sweep_id}): {counts}"
        if best is not None and best.values:
            line += (
                f"; best val AUC {best.values[0]:.3f} with learning rate "
                f"{best.config['learning_rate']:.3g}, L2 {best.config['l2_regularization']:.3g}, "
                f"depth {best.config['max_depth']}, class_weight={best.config['class_weight']} "
                f"(run {best.run_id})"
            )
        print(line, flush=True)
    return sweep_id
