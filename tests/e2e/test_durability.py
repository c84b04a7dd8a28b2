"""Never lose data, never break training: end to end, with real processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_support import HEADWAY, ServerProcess, free_port, run_script, script_env

import headway

pytestmark = pytest.mark.e2e


def _history(backend: object, run_id: str, key: str) -> list[int]:
    series = backend.get_history(run_id, [key])[key]  # type: ignore[attr-defined]
    return series.steps.tolist()  # type: ignore[no-any-return]


def test_offline_run_then_sync_twice_has_no_duplicates(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code = """
import headway
run = headway.init(project="offline", mode="offline", config={"lr": 0.1})
for i in range(2500):
    run.log({"loss": 1.0 / (i + 1)})
run.summary["best"] = 0.5
run.finish()
print(run.id)
"""
    done = run_script(code, script_env(store))
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    assert not (store / "headway.db").exists()  # offline wrote only the spool

    for _ in range(2):
        synced = subprocess.run(
            [HEADWAY, "sync", "--all", "--dir", str(store)], capture_output=True, text=True
        )
        assert synced.returncode == 0, synced.stderr
    api_run = headway.Api(dir=store).run(run_id)
    assert api_run.state.value == "finished"
    assert _history(api_run._backend, run_id, "loss") == list(range(2500))
    assert api_run.summary["best"] == 0.5
    assert api_run.config == {"lr": 0.1}


def test_server_outage_mid_run_catches_up(tmp_path: Path, server: ServerProcess) -> None:
    marker = tmp_path / "phase"
    code = f"""
import time, pathlib, headway
marker = pathlib.Path({str(marker)!r})
run = headway.init(project="outage", url={server.url!r})
print(run.id, flush=True)
for i in range(3000):
    run.log({{"loss": float(i)}})
    if i == 1000:
        marker.write_text("logged-1000")
        while marker.read_text() != "server-back":
            run.log({{"loss_during_outage": 1.0}})
            time.sleep(0.01)
run.finish()
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=script_env(tmp_path / "client-store", HEADWAY_FLUSH_INTERVAL="0.05"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        run_id = proc.stdout.readline().strip()
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text() == "logged-1000"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        server.stop()
        time.sleep(1.5)  # training keeps logging while the server is down
        server.start()
        marker.write_text("server-back")
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "cannot reach the tracking backend" in stderr  # one clear warning
    assert "reachable again" in stderr
    from headway.backend.http import HttpBackend

    backend = HttpBackend(server.url)
    # Every value arrived once and in order (steps also advance for the outage metric).
    values = backend.get_history(run_id, ["loss"])["loss"].values.tolist()
    assert values == [float(i) for i in range(3000)]
    assert len(_history(backend, run_id, "loss_during_outage")) > 10
    assert backend.get_run(run_id).state.value == "finished"


def test_dead_server_never_breaks_training(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    code = f"""
import headway
with headway.init(project="dead", url={dead!r}) as run:
    for i in range(500):
        run.log({{"loss": float(i)}})
print("TRAINING-DONE", run.id)
"""
    done = run_script(code, script_env(tmp_path / "client", HEADWAY_FLUSH_INTERVAL="0.05"))
    assert done.returncode == 0, done.stderr
    assert "TRAINING-DONE" in done.stdout
    assert "headway sync" in done.stderr
    run_id = done.stdout.split()[-1]
    server = ServerProcess(tmp_path / "server-store", int(dead.rsplit(":", 1)[1]))
    server.start()
    try:
        synced = subprocess.run(
            [HEADWAY, "sync", "--url", server.url, "--dir", str(tmp_path / "client")],
            capture_output=True,
            text=True,
        )
        assert synced.returncode == 0, synced.stderr
        from headway.backend.http import HttpBackend

        backend = HttpBackend(server.url)
        assert _history(backend, run_id, "loss") == list(range(500))
        assert backend.get_run(run_id).state.value == "finished"
    finally:
        server.stop()


def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    store = tmp_path / "store"
    progress = tmp_path / "progress"
    code = f"""
import os, time, pathlib, headway
progress = pathlib.Path({str(progress)!r})
scratch = progress.with_suffix(".tmp")
run = headway.init(project="kill9", id="victim1")
i = 0
start = time.monotonic()
while True:
    run.log({{"loss": float(i)}})
    if i % 200 == 0:  # atomically, so the test never reads a half-written file
        scratch.write_text(f"{{i}} {{time.monotonic() - start}}")
        os.replace(scratch, progress)
    i += 1
    time.sleep(0.0005)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], env=script_env(store))
    try:
        deadline = time.monotonic() + 60
        while not progress.exists() or int(progress.read_text().split()[0]) < 3000:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        last_reported = int(progress.read_text().split()[0])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    synced = subprocess.run([HEADWAY, "sync", "--dir", str(store)], capture_output=True, text=True)
    assert synced.returncode == 0, synced.stderr
    steps = _history(headway.Api(dir=store).backend, "victim1", "loss")
    assert steps == list(range(len(steps)))  # no gaps, no duplicates
    # Points logged more than ~1 s before the kill are all there (0.5 ms per step).
    assert len(steps) >= last_reported - 2000
    run = headway.Api(dir=store).run("victim1")
    assert run.state.value == "running"  # until the heartbeat timeout marks it crashed


def test_crashed_run_is_detected_by_the_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code = """
import os, signal, headway
run = headway.init(project="crash", id="crashy1")
run.log({"x": 1.0})
run.flush()
os.kill(os.getpid(), signal.SIGKILL)
"""
    done = run_script(code, script_env(store))
    assert done.returncode == -signal.SIGKILL
    from headway.backend.local import LocalBackend
    from headway.settings import Settings

    backend = LocalBackend(Settings.from_env(env={}, dir=str(store), crash_timeout=0.5))
    time.sleep(1.0)
    backend.service.detect_crashed(force=True)
    assert backend.get_run("crashy1").state.value == "crashed"


def test_uncaught_exception_marks_failed_with_traceback(tmp_path: Path) -> None:
    code = """
import headway
run = headway.init(project="fail", id="failing1")
run.log({"x": 1.0})
raise RuntimeError("the data loader broke")
"""
    done = run_script(code, script_env(tmp_path / "store"))
    assert done.returncode == 1
    assert "the data loader broke" in done.stderr  # the user still sees their traceback
    run = headway.Api(dir=tmp_path / "store").run("failing1")
    assert run.state.value == "failed"
    assert "RuntimeError: the data loader broke" in (run.error or "")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_mark_killed(tmp_path: Path, sig: signal.Signals) -> None:
    ready = tmp_path / "ready"
    code = f"""
import time, pathlib, headway
run = headway.init(project="signals", id="sig{int(sig)}")
pathlib.Path({str(ready)!r}).write_text("1")
while True:
    run.log({{"x": 1.0}})
    time.sleep(0.01)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], env=script_env(tmp_path / "store"))
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    run = headway.Api(dir=tmp_path / "store").run(f"sig{int(sig)}")
    assert run.state.value == "killed"
    assert len(run.history(["x"])) > 0


def test_console_git_and_environment_are_captured(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["config", "user.email", "t@e.st"], ["config", "user.name", "T"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    script = repo / "train.py"
    script.write_text(
        "import sys, headway\n"
        "run = headway.init(project='capture', id='cap1')\n"
        "print('epoch 1 done')\n"
        "print('warning: low data', file=sys.stderr)\n"
        "import time; time.sleep(0.6)\n"
        "run.log({'x': 1.0})\n"
        "run.finish()\n"
    )
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "first"], cwd=repo, check=True)
    script.write_text(script.read_text() + "# uncommitted change\n")
    env = script_env(
        tmp_path / "store",
        HEADWAY_CAPTURE_SYSTEM_METRICS="true",
        HEADWAY_SYSTEM_METRICS_INTERVAL="0.1",
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "epoch 1 done" in done.stdout  # the user still sees output
    api_run = headway.Api(dir=tmp_path / "store").run("cap1")
    lines = [(stream, text) for _, stream, text in api_run.console()]
    assert ("stdout", "epoch 1 done") in lines
    assert ("stderr", "warning: low data") in lines
    meta = api_run.metadata
    assert meta["git"]["dirty"] is True and len(meta["git"]["commit"]) == 40
    assert "uncommitted change" in api_run.file("git/diff.patch").decode()
    assert "train.py" in json.dumps(meta)
    assert any(k.startswith("system/") for k in api_run.metric_keys())


def test_many_processes_write_sqlite_at_once(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code = """
import headway
with headway.init(project="parallel") as run:
    for i in range(3000):
        run.log({"a": float(i), "b": 2.0})
"""
    env = script_env(store, HEADWAY_FLUSH_INTERVAL="0.01")
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        assert "locked" not in err and "refused" not in err
    runs = list(headway.Api(dir=store).runs("parallel"))
    assert len(runs) == 6
    for run in runs:
        assert run.state.value == "finished"
        assert len(run.history(["a"])) == 3000
