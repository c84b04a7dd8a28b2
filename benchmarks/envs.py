"""Per-tool Python environments for the benchmark workers.

Headway runs from the repository's own ``.venv``. Each peer (MLflow, W&B, Aim) gets its
own venv under ``benchmarks/.venvs/<tool>``, created with ``python3 -m venv`` and filled
with ``pip install``. An install is done once and reused: a stamp file inside the venv
records what was installed. A peer that fails to install is reported and skipped; the
other tools still run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENVS_DIR = BENCH_DIR / ".venvs"
STAMP_NAME = ".bench-installed.json"

# What each peer needs, tried in order until one installs. "Latest" first; the later
# entries are fall-backs for a release that has no wheel for this Python.
PEER_SPECS: dict[str, list[list[str]]] = {
    "mlflow": [["mlflow"]],
    "wandb": [["wandb"]],
    "aim": [["aim"], ["aim<3.29"], ["aim<3.27"], ["aim<3.25"]],
    # The monitoring benchmark's peers (benchmarks/monitoring_peers.py), pinned to the
    # versions research/monitoring/METHODS.md describes; evidently 0.7 needs pandas < 3.
    "monitoring": [
        ["evidently==0.7.23", "nannyml==0.13.1", "fairlearn==0.15.0", "pandas<3", "pyarrow"]
    ],
}
# The distribution whose version is reported for each tool.
DIST_NAME = {
    "mlflow": "mlflow",
    "wandb": "wandb",
    "aim": "aim",
    "headway": "headway",
    "monitoring": "evidently",
}


@dataclass
class ToolEnv:
    """Where a tool's worker runs, or why it cannot."""

    tool: str
    python: Path | None
    version: str | None = None
    error: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.python is not None and self.error is None


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _dist_version(python: Path, dist: str) -> str | None:
    code = (
        "import importlib.metadata as m, sys\n"
        "try:\n"
        f"    print(m.version({dist!r}))\n"
        "except m.PackageNotFoundError:\n"
        "    sys.exit(1)\n"
    )
    proc = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def headway_env() -> ToolEnv:
    """Headway runs from the repository venv (``make install`` creates it)."""
    python = REPO_DIR / ".venv" / "bin" / "python"
    if not python.exists():
        return ToolEnv("headway", None, error=f"{python} not found: run `make install` first")
    version = _dist_version(python, "headway")
    probe = subprocess.run(
        [str(python), "-c", "import headway; headway.init; headway.Api"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        return ToolEnv(
            "headway", python, version, error=f"the headway SDK is not importable yet: {last}"
        )
    return ToolEnv("headway", python, version)


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _pip_install(python: Path, spec: list[str], log_path: Path) -> tuple[bool, str]:
    cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", *spec]
    with log_path.open("a") as log:
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=1800, check=False)
    if proc.returncode == 0:
        return True, ""
    tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
    return False, "\n".join(tail)


def peer_env(tool: str, *, reinstall: bool = False, install: bool = True) -> ToolEnv:
    """Create (once) and return the venv for a peer tool."""
    venv = VENVS_DIR / tool
    python = _venv_python(venv)
    stamp = venv / STAMP_NAME
    if reinstall and venv.exists():
        shutil.rmtree(venv)
    if stamp.exists() and python.exists():
        info = json.loads(stamp.read_text())
        return ToolEnv(tool, python, info.get("version"), extra={"spec": info.get("spec", "")})
    if not install:
        return ToolEnv(tool, None, error=f"not installed ({venv}); run without --no-install")

    VENVS_DIR.mkdir(parents=True, exist_ok=True)
    log_path = VENVS_DIR / f"{tool}-install.log"
    log_path.write_text("")
    started = time.monotonic()
    _log(f"creating venv for {tool} in {venv} (once; log: {log_path})")
    if venv.exists():
        shutil.rmtree(venv)
    proc = subprocess.run(
        ["python3", "-m", "venv", str(venv)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return ToolEnv(tool, None, error=f"python3 -m venv failed: {proc.stderr.strip()}")
    ok, why = _pip_install(python, ["--upgrade", "pip"], log_path)
    if not ok:
        _log(f"upgrading pip in the {tool} venv failed; continuing with the bundled pip")
    errors: list[str] = []
    for spec in PEER_SPECS[tool]:
        _log(f"pip install {' '.join(spec)} into {venv} ...")
        ok, why = _pip_install(python, spec, log_path)
        if ok:
            version = _dist_version(python, DIST_NAME[tool])
            stamp.write_text(
                json.dumps(
                    {
                        "tool": tool,
                        "spec": " ".join(spec),
                        "version": version,
                        "python": sys.version.split()[0],
                        "installed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                        "seconds": round(time.monotonic() - started, 1),
                    },
                    indent=2,
                )
            )
            _log(f"{tool} {version} installed in {time.monotonic() - started:.0f}s")
            return ToolEnv(tool, python, version, extra={"spec": " ".join(spec)})
        errors.append(f"pip install {' '.join(spec)} failed:\n{why}")
    return ToolEnv(tool, None, error="\n".join(errors))


def tool_env(tool: str, *, reinstall: bool = False, install: bool = True) -> ToolEnv:
    """The environment a tool's worker runs in (``sqlite`` uses this interpreter)."""
    if tool == "headway":
        return headway_env()
    if tool == "sqlite":
        import sqlite3

        return ToolEnv("sqlite", Path(sys.executable), sqlite3.sqlite_version)
    return peer_env(tool, reinstall=reinstall, install=install)


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every worker process gets: capture features off for all tools."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            # Headway: measure tracking, not system/console/package capture.
            "HEADWAY_CAPTURE_SYSTEM_METRICS": "false",
            "HEADWAY_CAPTURE_CONSOLE": "false",
            "HEADWAY_CAPTURE_PACKAGES": "false",
            # W&B: offline, quiet, no stats/console capture (also set in wandb.Settings).
            "WANDB_MODE": "offline",
            "WANDB_SILENT": "true",
            "WANDB_CONSOLE": "off",
            "WANDB_DISABLE_GIT": "true",
            "WANDB_DISABLE_CODE": "true",
            "WANDB_DISABLE_JOB_CREATION": "true",
            # MLflow: no system metrics (off by default; explicit), no telemetry, no
            # git lookups or emoji banners.
            "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "GIT_PYTHON_REFRESH": "quiet",
            # Aim: no anonymous usage reports.
            "AIM_UI_TELEMETRY_ENABLED": "0",
        }
    )
    env.pop("HEADWAY_URL", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    if extra:
        env.update(extra)
    return env
