"""The demo's sweep: it runs to its cap, prunes slow or overfitting settings, and its best
trial is a linked run with the parameters that won."""

from __future__ import annotations

from pathlib import Path

import headway
from headway.demo.sweeps import ROUNDS, SWEEP_GROUP, SWEEP_NAME

PROJECT = "student-dropout"


def test_the_demo_sweep_tunes_the_booster(demo: tuple[Path, list[str]]) -> None:
    store, run_ids = demo
    api = headway.Api(dir=store)
    (sweep,) = api.sweeps(PROJECT)
    assert sweep.name == SWEEP_NAME and sweep.state.value == "finished"
    assert sweep.total == 20 and set(sweep.counts) <= {"finished", "pruned"}
    assert sweep.counts.get("pruned", 0) >= 3, sweep.counts
    trials = api.sweep_trials(sweep.id)
    for trial in trials:
        run = api.run(trial.run_id).entity  # type: ignore[arg-type]
        assert run.group == SWEEP_GROUP and run.id not in run_ids
        assert run.state.value == trial.state.value
        steps = len(trial.intermediate)
        assert steps == ROUNDS if trial.state.value == "finished" else steps < ROUNDS
    best = sweep.best[0]
    assert best.values is not None
    assert best.values[0] == max(t.values[0] for t in trials if t.state.value == "finished")  # type: ignore[index]
    assert best.values[0] > 0.82
    importance = api.backend.sweeps.sweep_importance(sweep.id)
    assert importance.params[0].param == "learning_rate"
