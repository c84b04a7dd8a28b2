"""Start and stop the tracking servers the server-mode workloads talk to.

Every server listens on 127.0.0.1 on a free port, is waited on until its health endpoint
answers 200, and is terminated (by its own process group) when the block ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    cmd: list[str] = field(default_factory=list)

    def peak_rss_mb(self) -> float | None:
        """VmHWM of the server process and all its descendants (e.g. uvicorn workers)."""
        total = 0
        for pid in _tree(self.proc.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        return round(total / 1024.0, 1) if total else None


def _tree(root: int) -> list[int]:
    """``root`` and all its live descendants."""
    out: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in out:
            continue
        out.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                stack.extend(int(c) for c in task.read_text().split())
    return out


def _cpu_seconds(root: int) -> float:
    ticks = 0
    for pid in _tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _wait_idle(proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    """Wait until the server's process tree stops burning CPU.

    A health endpoint can answer while other worker processes are still importing
    (``mlflow server`` starts 4 uvicorn workers; each takes seconds on 2 cores), and a
    measurement taken then would be charged for their start-up.
    """
    deadline = time.monotonic() + timeout
    quiet = 0
    last = _cpu_seconds(proc.pid)
    while quiet < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(1.0)
        now = _cpu_seconds(proc.pid)
        quiet = quiet + 1 if now - last < 0.05 else 0
        last = now


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(
                f"server exited with code {proc.returncode} before {url} answered:\n"
                + _tail(log_path)
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
                last_error = f"HTTP {resp.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.2)
    raise ServerError(f"{url} did not answer 200 within {timeout:.0f}s ({last_error})")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def run_server(
    name: str,
    cmd: list[str],
    health_path: str,
    port: int,
    workdir: Path,
    env: dict[str, str],
    timeout: float = 120.0,
) -> Iterator[Server]:
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}-server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group: stopped as a whole, by its id
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, base + health_path, log_path, timeout)
        _wait_idle(proc)
        yield Server(name, base, proc, log_path, cmd)
    finally:
        _stop(proc)


def headway_server(
    headway_bin: Path, workdir: Path, env: dict[str, str]
) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    cmd = [
        str(headway_bin),
        "server",
        "--port",
        str(port),
        "--db",
        f"sqlite:///{workdir / 'server.db'}",
    ]
    return run_server("headway", cmd, "/api/v1/health", port, workdir, env)


def mlflow_server(
    mlflow_bin: Path, workdir: Path, env: dict[str, str]
) -> contextlib.AbstractContextManager[Server]:
    """``mlflow server`` with its defaults apart from the store, host and port."""
    port = free_port()
    cmd = [
        str(mlflow_bin),
        "server",
        "--backend-store-uri",
        f"sqlite:///{workdir / 'mlflow-server.db'}",
        "--artifacts-destination",
        str(workdir / "mlflow-artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return run_server("mlflow", cmd, "/health", port, workdir, env, timeout=180.0)
