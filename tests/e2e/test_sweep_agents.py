"""Sweep agents as real processes: `headway agent` subprocesses against a real `headway
server` (SQLite) and straight against PostgreSQL, a server restarted mid-sweep, an agent
killed mid-trial, and pruning inside a child program."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import HEADWAY, ServerProcess, free_port, script_env

#: The program agents run: parses --name=value arguments, logs `loss` per epoch.
TRAIN = """
import argparse, json, os, sys, time
import headway

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float, required=True)
parser.add_argument("--model.depth", dest="depth", type=int, required=True)
args = parser.parse_args()
epochs = int(os.environ.get("EPOCHS", "3"))
run = headway.init(project="ignored-by-sweeps", config={"epochs": epochs})
assert run.config["x"] == args.x and run.config["model"]["depth"] == args.depth
assert os.environ["HEADWAY_PARAM_MODEL_DEPTH"] == str(args.depth)
for epoch in range(run.config["epochs"]):
    run.log({"loss": (args.x - 1) ** 2 + args.depth / 10 + 1 / (epoch + 1)})
    time.sleep(float(os.environ.get("EPOCH_SECONDS", "0")))
run.finish()
"""


def sweep_file(folder: Path, **extra: Any) -> Path:
    config: dict[str, Any] = {
        "program": str(folder / "train.py"),
        "method": "bayes",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {
            "x": {"min": -3.0, "max": 3.0},
            "model": {"parameters": {"depth": {"min": 1, "max": 5}}},
        },
    }
    config.update(extra)
    (folder / "train.py").write_text(TRAIN)
    path = folder / "sweep.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEADWAY, *args], env=env, capture_output=True, text=True, timeout=120)


def start_agents(
    sweep_id: str, n: int, env: dict[str, str], *extra: str
) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [HEADWAY, "agent", sweep_id, *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(n)
    ]


def wait_all(agents: list[subprocess.Popen[str]], timeout: float = 240) -> list[str]:
    outputs = []
    for agent in agents:
        out, _ = agent.communicate(timeout=timeout)
        assert agent.returncode == 0, out
        outputs.append(out)
    return outputs


def trials_of(api: str, sweep_id: str) -> list[dict[str, Any]]:
    return httpx.get(f"{api}/sweeps/{sweep_id}/trials", timeout=30).json()["trials"]


def check_complete(api: str, sweep_id: str, count: int) -> list[dict[str, Any]]:
    trials = trials_of(api, sweep_id)
    assert [t["number"] for t in trials] == list(range(count))
    assert all(t["state"] == "finished" for t in trials), [
        (t["number"], t["message"]) for t in trials
    ]
    run_ids = [t["run_id"] for t in trials]
    assert None not in run_ids and len(set(run_ids)) == count
    assert len({(t["params"]["x"], t["params"]["model.depth"]) for t in trials}) == count
    for t in trials:
        run = httpx.get(f"{api}/runs/{t['run_id']}", timeout=30).json()
        assert run["project"] == "tune"
        assert run["kv_tags"]["headway.sweep"] == sweep_id
        assert run["kv_tags"]["headway.trial"] == str(t["number"])
        assert run["config"]["x"] == t["config"]["x"] and run["config"]["epochs"] == 3
        assert t["values"] == [pytest.approx(run["summary"]["loss"])]
    return trials


def test_four_agents_share_a_40_trial_sweep_on_a_server(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "store", free_port())
    server.start()
    try:
        env = script_env(tmp_path / "client", HEADWAY_URL=server.url)
        made = cli(
            "sweep", "create", str(sweep_file(tmp_path, run_cap=40)), "--project", "tune", env=env
        )
        assert made.returncode == 0, made.stderr
        sweep_id = made.stdout.strip()
        assert f"headway agent {sweep_id}" in made.stderr
        outputs = wait_all(start_agents(sweep_id, 4, env))
        ran = [int(out.rsplit("ran ", 1)[1].split()[0]) for out in outputs]
        assert sum(ran) == 40 and all(n > 0 for n in ran), outputs
        api = f"{server.url}/api/v1"
        check_complete(api, sweep_id, 40)
        sweep = httpx.get(f"{api}/sweeps/{sweep_id}").json()
        assert sweep["state"] == "finished" and sweep["counts"] == {"finished": 40}
        assert len({t["agent"] for t in trials_of(api, sweep_id)}) == 4
        shown = cli("sweep", "show", sweep_id, env=env)
        assert "40 of 40 trials: 40 finished" in shown.stdout
    finally:
        server.stop()


def test_agents_on_one_machine_coordinate_through_the_embedded_store(tmp_path: Path) -> None:
    env = script_env(tmp_path / "store")
    made = cli(
        "sweep", "create", str(sweep_file(tmp_path, run_cap=9)), "--project", "tune", env=env
    )
    assert made.returncode == 0, made.stderr
    sweep_id = made.stdout.strip()
    wait_all(start_agents(sweep_id, 3, env))
    server = ServerProcess(tmp_path / "store", free_port())
    server.start()
    try:
        trials = check_complete(f"{server.url}/api/v1", sweep_id, 9)
        assert len({t["agent"] for t in trials}) == 3
    finally:
        server.stop()


@pytest.mark.postgres
def test_agents_coordinate_through_postgresql_without_a_server(
    tmp_path: Path, postgres_url: str
) -> None:
    assert cli("db", "upgrade", "--db", postgres_url, env=script_env(tmp_path)).returncode == 0
    env = script_env(tmp_path / "client", HEADWAY_DB_URL=postgres_url)
    made = cli(
        "sweep", "create", str(sweep_file(tmp_path, run_cap=8)), "--project", "tune", env=env
    )
    assert made.returncode == 0, made.stderr
    sweep_id = made.stdout.strip()
    wait_all(start_agents(sweep_id, 4, env))
    # Read back through a server on the same database.
    server = ServerProcess(tmp_path / "store", free_port(), args=("--db", postgres_url))
    server.start()
    try:
        check_complete(f"{server.url}/api/v1", sweep_id, 8)
    finally:
        server.stop()


def test_a_server_restart_and_a_pause_mid_sweep_lose_nothing(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "store", free_port())
    server.start()
    api = f"{server.url}/api/v1"
    env = script_env(tmp_path / "client", HEADWAY_URL=server.url, EPOCH_SECONDS="0.3")
    made = cli(
        "sweep", "create", str(sweep_file(tmp_path, run_cap=12)), "--project", "tune", env=env
    )
    sweep_id = made.stdout.strip()
    agents = start_agents(sweep_id, 2, env)
    try:
        deadline = time.monotonic() + 120
        while sum(t["state"] == "finished" for t in trials_of(api, sweep_id)) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        server.stop()
        time.sleep(3)  # agents and runs keep trying; runs spool their points meanwhile
        server.start()
        paused = httpx.post(f"{api}/sweeps/{sweep_id}/actions", json={"action": "pause"}).json()
        assert paused["state"] == "paused"
        # Trials that were running finish; no new one starts while paused.
        deadline = time.monotonic() + 60
        while any(t["state"] == "running" for t in trials_of(api, sweep_id)):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        count = len(trials_of(api, sweep_id))
        time.sleep(3)
        assert len(trials_of(api, sweep_id)) == count < 12
        resumed = httpx.post(f"{api}/sweeps/{sweep_id}/actions", json={"action": "resume"})
        assert resumed.json()["state"] == "running"
        wait_all(agents)
        check_complete(api, sweep_id, 12)
    finally:
        for agent in agents:
            if agent.poll() is None:
                agent.kill()
        server.stop()


def test_a_killed_agent_s_trial_fails_by_heartbeat_and_is_retried(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "store", free_port())
    server.start()
    api = f"{server.url}/api/v1"
    env = script_env(tmp_path / "client", HEADWAY_URL=server.url, EPOCH_SECONDS="1", EPOCHS="6")
    made = cli(
        "sweep",
        "create",
        str(sweep_file(tmp_path, run_cap=2, max_retries=1, heartbeat_timeout=3)),
        "--project",
        "tune",
        env=env,
    )
    sweep_id = made.stdout.strip()
    doomed = subprocess.Popen(
        [HEADWAY, "agent", sweep_id, "--count", "1"], env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not any(t["run_id"] for t in trials_of(api, sweep_id)):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        os.killpg(doomed.pid, signal.SIGKILL)  # the agent and its child die without a word
        doomed.wait()
        wait_all(start_agents(sweep_id, 1, env))
        trials = trials_of(api, sweep_id)
        first = trials[0]
        assert first["state"] == "failed" and "no heartbeat" in first["message"]
        retry = next(t for t in trials if t["retry_of"] == 0)
        assert retry["state"] == "finished" and retry["config"] == first["config"]
        assert sorted(t["state"] for t in trials) == ["failed", "finished", "finished"]
    finally:
        server.stop()


def test_a_child_program_is_pruned_and_its_run_ends_pruned(tmp_path: Path) -> None:
    env = script_env(tmp_path / "store", EPOCHS="8", EPOCH_SECONDS="0.4")
    config = sweep_file(
        tmp_path,
        method="random",
        run_cap=6,
        seed=2,
        early_terminate={"type": "median", "min_trials": 2, "warmup": 1},
        parameters={
            "x": {"values": [1.0, 1.2, 3.0, 3.0001, 2.9, 2.95]},
            "model": {"parameters": {"depth": {"value": 1}}},
        },
    )
    made = cli("sweep", "create", str(config), "--project", "tune", env=env)
    sweep_id = made.stdout.strip()
    (out,) = wait_all(start_agents(sweep_id, 1, env, "--count", "6"))
    shown = json.loads(cli("sweep", "trials", sweep_id, "--json", env=env).stdout)
    pruned = [t for t in shown if t["state"] == "pruned"]
    assert pruned, out
    ids = [t["run_id"] for t in pruned]
    code = (
        "import json, headway\n"
        f"print(json.dumps([headway.Api().run(t).state.value for t in {ids!r}]))"
    )
    states = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert json.loads(states.stdout) == ["pruned"] * len(pruned), states.stderr
    for t in pruned:
        assert t["message"].startswith("pruned at step ") and len(t["steps"]) < 8
