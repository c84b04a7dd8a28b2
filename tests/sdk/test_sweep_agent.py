"""``headway.sweep`` and ``headway.agent`` with a Python function, in embedded mode: the
trial's config reaches ``init``, runs are linked, pruning stops the training, failures are
recorded, and the command line an agent builds for a program."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import headway
from headway.entities import RunState
from headway.errors import InvalidArgument, NotFound
from headway.sdk.sweeps.command import build_command, param_env


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWAY_CAPTURE_SYSTEM_METRICS", "false")
    monkeypatch.setenv("HEADWAY_CAPTURE_CONSOLE", "false")
    monkeypatch.setenv("HEADWAY_CAPTURE_PACKAGES", "false")


SPACE = {
    "lr": {"distribution": "log_uniform_values", "min": 1e-3, "max": 1.0},
    "model": {"parameters": {"depth": {"values": [2, 4, 8]}}},
}


def test_a_function_agent_runs_linked_trials(tmp_path: Path) -> None:
    sweep_id = headway.sweep(
        {"method": "random", "metric": {"name": "loss"}, "run_cap": 4, "parameters": SPACE},
        project="tune",
        dir=tmp_path,
    )
    seen: list[dict[str, Any]] = []

    def train() -> None:
        with headway.init(config={"epochs": 2, "model": {"width": 16}}) as run:
            seen.append({"id": run.id, "project": run.project, "config": dict(run.config)})
            assert run.trial is not None and not run.should_prune()
            for epoch in range(run.config["epochs"]):
                run.log({"loss": run.config["lr"] + 1 / (epoch + 1)})

    assert headway.agent(sweep_id, function=train, dir=tmp_path) == 4
    api = headway.Api(dir=tmp_path)
    trials = api.sweep_trials(sweep_id)
    assert [t.number for t in trials] == [0, 1, 2, 3]
    for trial, run_seen in zip(trials, seen, strict=True):
        assert trial.run_id == run_seen["id"] and run_seen["project"] == "tune"
        # The sweep's parameters over the script's defaults, nested ones merged.
        assert run_seen["config"]["model"] == {"width": 16, "depth": trial.config["model"]["depth"]}
        assert run_seen["config"]["lr"] == trial.config["lr"]
        run = api.run(trial.run_id).entity  # type: ignore[arg-type]
        assert run.kv_tags == {"headway.sweep": sweep_id, "headway.trial": str(trial.number)}
        assert trial.values == (pytest.approx(trial.config["lr"] + 0.5),)
    sweep = api.sweep(sweep_id)
    assert sweep.counts == {"finished": 4}
    assert sweep.best[0].values == min(t.values for t in trials)  # type: ignore[type-var]


def test_pruning_stops_the_training_at_its_next_log(tmp_path: Path) -> None:
    sweep_id = headway.sweep(
        {
            "method": "grid",
            # Seed 5 orders this grid as written: the two good trials run first.
            "seed": 5,
            "metric": {"name": "loss"},
            "parameters": {"offset": {"values": [0.0, 0.1, 5.0, 6.0]}},
            "early_terminate": {"type": "median", "min_trials": 2},
        },
        project="tune",
        dir=tmp_path,
    )
    epochs_run: dict[float, int] = {}

    def train() -> None:
        import time

        run = headway.init()
        offset = run.config["offset"]
        for epoch in range(12):
            epochs_run[offset] = epoch + 1
            run.log({"loss": offset + 1 / (epoch + 1)})
            time.sleep(0.15)  # the pruner's answer comes back within half a second
        run.finish()

    assert headway.agent(sweep_id, function=train, dir=tmp_path) == 4
    api = headway.Api(dir=tmp_path)
    by_offset = {t.config["offset"]: t for t in api.sweep_trials(sweep_id)}
    assert [t.config["offset"] for t in api.sweep_trials(sweep_id)] == [0.0, 0.1, 5.0, 6.0]
    assert by_offset[0.0].state.value == "finished" and by_offset[0.1].state.value == "finished"
    for poor in (5.0, 6.0):
        trial = by_offset[poor]
        assert trial.state.value == "pruned", trial
        assert epochs_run[poor] < 12
        assert api.run(trial.run_id).entity.state is RunState.PRUNED  # type: ignore[arg-type]


def test_a_broken_training_function_fails_its_trials_and_stops_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep_id = headway.sweep(
        {"method": "random", "metric": {"name": "loss"}, "parameters": SPACE},
        project="tune",
        dir=tmp_path,
    )

    def train() -> None:
        run = headway.init()
        run.log({"loss": 1.0})
        raise ValueError("the dataset path is wrong")

    # The sweep has no cap: the agent stops on its own after three failures in a row.
    assert headway.agent(sweep_id, function=train, dir=tmp_path) == 3
    trials = headway.Api(dir=tmp_path).sweep_trials(sweep_id)
    assert [t.state.value for t in trials] == ["failed"] * 3
    assert "ValueError: the dataset path is wrong" in trials[0].message
    assert "ValueError: the dataset path is wrong" in capsys.readouterr().err


def test_bad_calls_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"headway\.init needs a project"):
        headway.init()
    with pytest.raises(NotFound, match="sweep 'nosuch' does not exist"):
        headway.agent("nosuch", function=lambda: None, dir=tmp_path)
    with pytest.raises(InvalidArgument, match="count must be a whole number"):
        headway.agent("nosuch", function=lambda: None, count=0, dir=tmp_path)
    sweep_id = headway.sweep(
        {"method": "random", "parameters": SPACE}, project="tune", dir=tmp_path
    )
    with pytest.raises(InvalidArgument, match="no program or command to run"):
        headway.agent(sweep_id, dir=tmp_path)
    yaml = tmp_path / "sweep.yaml"
    yaml.write_text("method: grid\nparameters:\n  x: {min: 0.1, max: 1.0}\n")
    with pytest.raises(InvalidArgument, match=r"parameters\.x: method grid needs a list"):
        headway.sweep(yaml, project="tune", dir=tmp_path)
    yaml.write_text("method: [grid\n")
    with pytest.raises(InvalidArgument, match="is not valid YAML"):
        headway.sweep(yaml, project="tune", dir=tmp_path)


def test_the_command_line_of_a_trial() -> None:
    config = {"lr": 0.01, "balanced": True, "tiny": False, "model": {"sizes": [64, 64]}}
    argv = build_command({"program": "train.py"}, config)
    assert argv[1:] == [
        sys.executable,
        "train.py",
        "--lr=0.01",
        "--balanced=True",
        "--tiny=False",
        "--model.sizes=[64, 64]",
    ]
    hydra = build_command({"command": ["python", "train.py", "${args_no_hyphens}"]}, config)
    assert hydra == [
        "python",
        "train.py",
        "lr=0.01",
        "balanced=True",
        "tiny=False",
        "model.sizes=[64, 64]",
    ]
    flags = build_command({"command": ["run", "${args_no_boolean_flags}", "${args_json}"]}, config)
    assert flags == ["run", "--lr=0.01", "--balanced", "--model.sizes=[64, 64]", json.dumps(config)]
    (path,) = build_command({"command": ["${args_json_file}"]}, config)
    assert json.loads(Path(path).read_text()) == config
    Path(path).unlink()
    assert param_env(config) == {
        "HEADWAY_PARAM_LR": "0.01",
        "HEADWAY_PARAM_BALANCED": "True",
        "HEADWAY_PARAM_TINY": "False",
        "HEADWAY_PARAM_MODEL_SIZES": "[64, 64]",
    }
