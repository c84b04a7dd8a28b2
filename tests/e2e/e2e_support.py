"""Real processes: a `headway server` subprocess and training scripts run with Python."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

HEADWAY = str(Path(sys.executable).with_name("headway"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A `headway server` that tests can stop and start again on the same port."""

    def __init__(
        self,
        store: Path,
        port: int,
        *,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.args = args
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [HEADWAY, "server", "--port", str(self.port), "--dir", str(self.store), *self.args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"headway server exited with {self.proc.returncode}")
            time.sleep(0.1)
        raise RuntimeError("headway server did not start in 30 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self.proc = None


def script_env(store: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HEADWAY_DIR": str(store),
            "HEADWAY_CAPTURE_SYSTEM_METRICS": "false",
            "HEADWAY_CAPTURE_PACKAGES": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("HEADWAY_URL", None)
    env.update(extra)
    return env


def run_script(
    code: str, env: dict[str, str], *, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def filled_server(folder: Path, fill: str) -> Iterator[tuple[ServerProcess, dict[str, Any]]]:
    """A ``headway server`` on a store that the Python script ``fill`` filled in a
    subprocess; the script's last line of output is JSON, handed back as the data."""
    done = run_script(fill, script_env(folder / "store"), timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])
    server = ServerProcess(folder / "store", free_port())
    server.start()
    try:
        yield server, data
    finally:
        server.stop()
