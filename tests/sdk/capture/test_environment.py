from __future__ import annotations

import base64
import json
import os
import platform
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from headway.sdk.capture.environment import capture_environment


def test_metadata_describes_interpreter_machine_and_command() -> None:
    before = time.time()
    env = capture_environment(packages=False, code=False)
    after = time.time()

    meta = env.metadata
    assert meta["python_version"] == platform.python_version()
    assert meta["python_executable"] == sys.executable
    assert meta["os"] == platform.system()
    assert meta["hostname"]
    assert meta["cpu_count"] == os.cpu_count()
    assert meta["memory_total_mb"] > 0
    assert meta["argv"] == sys.argv
    assert meta["cwd"] == os.getcwd()
    assert before <= meta["start_time"] <= after
    assert isinstance(meta["gpus"], list)
    assert meta["gpu_count"] == len(meta["gpus"])
    json.dumps(meta)  # stored as JSON, so it must serialise as is
    assert env.files == {}


def test_requirements_list_installed_distributions() -> None:
    env = capture_environment(packages=True, code=False)

    lines = env.files["requirements.txt"].decode().splitlines()
    assert f"numpy=={np.__version__}" in lines
    assert all("==" in line for line in lines)
    assert len(lines) == len({line.split("==")[0].lower() for line in lines})  # no duplicates


def test_a_failing_part_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise KeyError("getpwuid(): uid not found: 4242")

    monkeypatch.setattr("getpass.getuser", no_user)

    meta = capture_environment(packages=False, code=False).metadata

    assert "username" not in meta
    assert meta["python_version"] == platform.python_version()


def test_no_gpus_without_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` fail

    meta = capture_environment(packages=False, code=False).metadata

    assert meta["gpus"] == []
    assert meta["gpu_count"] == 0


def test_gpus_are_listed_through_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    fake: Any = types.ModuleType("pynvml")
    fake.nvmlInit = lambda: calls.append("init")
    fake.nvmlShutdown = lambda: calls.append("shutdown")
    fake.nvmlSystemGetDriverVersion = lambda: b"550.54"
    fake.nvmlDeviceGetCount = lambda: 2
    fake.nvmlDeviceGetHandleByIndex = lambda i: i
    fake.nvmlDeviceGetName = lambda h: ["NVIDIA A100", b"Tesla T4"][h]
    fake.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(total=(h + 1) * 1024**3)
    monkeypatch.setitem(sys.modules, "pynvml", fake)

    meta = capture_environment(packages=False, code=False).metadata

    assert meta["gpu_count"] == 2
    assert meta["gpus"][0] == {
        "index": 0,
        "name": "NVIDIA A100",
        "memory_total_mb": 1024.0,
        "driver_version": "550.54",
    }
    assert meta["gpus"][1]["name"] == "Tesla T4"
    assert calls == ["init", "shutdown"]


def run_script(script: Path, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=script.parent,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


CAPTURE_SCRIPT = textwrap.dedent(
    """\
    import base64, json, sys
    import headway.sdk.capture.environment as environment

    if "--tiny-limit" in sys.argv:
        environment.MAX_CODE_BYTES = 10
    env = environment.capture_environment(packages=False, code=True)
    files = {k: base64.b64encode(v).decode() for k, v in env.files.items()}
    print(json.dumps({"metadata": env.metadata, "files": files}))
    """
)


def test_code_of_the_main_script_is_kept(tmp_path: Path) -> None:
    script = tmp_path / "train_model.py"
    script.write_text(CAPTURE_SCRIPT)

    result = run_script(script, "--lr", "0.1")

    assert base64.b64decode(result["files"]["code/train_model.py"]) == script.read_bytes()
    assert result["metadata"]["script"] == str(script.resolve())
    assert result["metadata"]["argv"] == [str(script), "--lr", "0.1"]


def test_code_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    script = tmp_path / "train_model.py"
    script.write_text(CAPTURE_SCRIPT)

    result = run_script(script, "--tiny-limit")

    assert result["files"] == {}
    assert result["metadata"]["script"] == str(script.resolve())


def test_no_code_without_a_script(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CAPTURE_SCRIPT],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )

    result = json.loads(out.stdout)
    assert result["files"] == {}
    assert "script" not in result["metadata"]
