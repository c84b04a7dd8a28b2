"""Sweeps over real HTTP: the client's calls give what the service gives, errors keep their
codes and name the bad key, and agents' calls drive a trial from start to finish."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.entities import RunCreate
from headway.entities.sweeps import SweepState, TrialState
from headway.errors import Conflict, InvalidArgument, NotFound

API = "/api/v1"
CONFIG: dict[str, Any] = {
    "method": "bayes",
    "metric": {"name": "loss", "goal": "minimize"},
    "run_cap": 3,
    "early_terminate": {"type": "median", "min_trials": 1},
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
        "model": {"parameters": {"depth": {"min": 2, "max": 6}}},
    },
}


def test_a_trial_round_trip_over_http(
    http_backend: HttpBackend, local_backend: LocalBackend
) -> None:
    sweeps = http_backend.sweeps
    sweep = sweeps.create_sweep("tune", CONFIG, name="lr search")
    assert (sweep.name, sweep.project, sweep.method, sweep.state) == (
        "lr search",
        "tune",
        "tpe",
        SweepState.RUNNING,
    )
    assignment = sweeps.next_trial(sweep.id, "laptop:1")
    trial = assignment.trial
    assert assignment.status == "run" and trial is not None
    assert set(trial.params) == {"lr", "model.depth"}
    assert isinstance(trial.config["model"]["depth"], int)
    run = http_backend.create_run(RunCreate(project="tune", config=trial.config))
    linked = sweeps.start_trial(sweep.id, trial.number, run.id)
    assert linked.run_id == run.id and linked.agent == "laptop:1"
    assert sweeps.heartbeat_trial(sweep.id, trial.number).action == "continue"
    assert sweeps.report_trial(sweep.id, trial.number, [(0, 0.9), (1, 0.5)]).action == "continue"
    http_backend.update_summary(run.id, {"loss": 0.5})
    done = sweeps.finish_trial(sweep.id, trial.number, "finished")
    assert done.state is TrialState.FINISHED and done.values == (0.5,)
    # The HTTP client and the service agree on everything.
    assert sweeps.list_trials(sweep.id) == local_backend.sweeps.list_trials(sweep.id)
    assert sweeps.list_trials(sweep.id)[0].intermediate == {0: 0.9, 1: 0.5}
    (light,) = sweeps.list_trials(sweep.id, intermediate=False)
    assert light.intermediate == {} and light.values == (0.5,)
    over_http = sweeps.get_sweep(sweep.id)
    assert over_http == local_backend.sweeps.get_sweep(sweep.id)
    assert over_http.best[0].number == trial.number
    assert [s.id for s in sweeps.list_sweeps("tune")] == [sweep.id]
    paused = sweeps.sweep_action(sweep.id, "pause")
    assert paused.state is SweepState.PAUSED
    assert sweeps.next_trial(sweep.id, "laptop:1").status == "wait"
    with pytest.raises(Conflict, match="only a running sweep pauses"):
        sweeps.sweep_action(sweep.id, "pause")
    sweeps.delete_sweep(sweep.id)
    with pytest.raises(NotFound, match="does not exist"):
        sweeps.get_sweep(sweep.id)


def test_bad_sweep_files_are_400_naming_the_key(
    client: httpx.Client, http_backend: HttpBackend
) -> None:
    bad = {**CONFIG, "parameters": {"lr": {"min": 1.0, "max": 0.1}}}
    answer = client.post(f"{API}/sweeps", json={"config": bad, "project": "tune"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_argument"
    assert error["details"]["key"] == "parameters.lr.max"
    assert error["message"] == (
        "sweep config: parameters.lr.max: must be greater than min (0.1 <= 1)"
    )
    with pytest.raises(InvalidArgument, match="a sweep needs a project"):
        http_backend.sweeps.create_sweep(None, CONFIG)
    typo = client.post(f"{API}/sweeps", json={"config": CONFIG, "projet": "tune"})
    assert typo.status_code == 400, typo.text
    assert "projet" in typo.json()["error"]["message"]
    missing = client.post(f"{API}/sweeps/nope/next", json={"agent": "a"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "sweep 'nope' does not exist"


def test_importance_and_contour_over_http(http_backend: HttpBackend) -> None:
    sweeps = http_backend.sweeps
    sweep = sweeps.create_sweep(
        "tune",
        {
            "method": "random",
            "metric": {"name": "loss"},
            "run_cap": 12,
            "seed": 1,
            "parameters": {"x": {"min": -2.0, "max": 2.0}, "y": {"min": 0.0, "max": 1.0}},
        },
    )
    while (trial := sweeps.next_trial(sweep.id, "a").trial) is not None:
        run = http_backend.create_run(RunCreate(project="tune"))
        http_backend.update_summary(run.id, {"loss": trial.config["x"] ** 2})
        sweeps.finish_trial(sweep.id, trial.number, "finished", run_id=run.id)
    importance = sweeps.sweep_importance(sweep.id, method="random_forest")
    assert importance.params[0].param == "x" and importance.trials == 12
    grid = sweeps.sweep_contour(sweep.id, "x", "y")
    assert (len(grid.x), len(grid.y), len(grid.z)) == (40, 40, 40)
    with pytest.raises(InvalidArgument, match="metric 'acc' is not one of"):
        sweeps.sweep_importance(sweep.id, metric="acc")
