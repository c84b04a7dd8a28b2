"""The machine, interpreter, command and code a run was started with.

Each part is captured on its own and skipped when it fails: a container without a user
name or a sandbox hiding ``/proc`` must still get everything else, and the run must start.
"""

from __future__ import annotations

import getpass
import importlib
import importlib.metadata
import logging
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

logger = logging.getLogger(__name__)

#: A "script" bigger than this is not source code worth keeping with every run.
MAX_CODE_BYTES = 10 * 1024 * 1024
REQUIREMENTS_FILE = "requirements.txt"
CODE_FOLDER = "code"
_MB = 1024 * 1024


@dataclass(frozen=True)
class CapturedEnvironment:
    #: JSON-serialisable facts about the run's process and machine (see docs/capture.md).
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Files to store with the run, by relative path: ``requirements.txt``, ``code/<script>``.
    files: dict[str, bytes] = field(default_factory=dict)


def capture_environment(*, packages: bool, code: bool) -> CapturedEnvironment:
    """Describe the current process and machine.

    Args:
        packages: also list installed distributions as ``requirements.txt``.
        code: also keep the main script's source as ``code/<script name>``.

    Never raises; a part that fails is left out.
    """
    start_time = time.time()
    script = _main_script()
    parts: dict[str, Callable[[], Any]] = {
        "python_version": platform.python_version,
        "python_implementation": platform.python_implementation,
        "python_executable": lambda: sys.executable or None,
        "platform": platform.platform,
        "os": platform.system,
        "os_release": platform.release,
        "hostname": socket.gethostname,
        "username": getpass.getuser,
        "cpu_model": _cpu_model,
        "cpu_count": os.cpu_count,
        "cpu_count_physical": lambda: psutil.cpu_count(logical=False),
        "memory_total_mb": lambda: round(psutil.virtual_memory().total / _MB, 1),
        "gpus": _gpus,
        "argv": lambda: list(sys.argv),
        "script": lambda: str(script) if script else None,
        "cwd": os.getcwd,
        "start_time": lambda: start_time,
    }
    metadata: dict[str, Any] = {}
    for key, part in parts.items():
        value = _attempt(key, part)
        if value is not None:
            metadata[key] = value
    metadata["gpu_count"] = len(metadata.get("gpus", []))

    files: dict[str, bytes] = {}
    if packages:
        requirements = _attempt(REQUIREMENTS_FILE, _requirements)
        if requirements is not None:
            files[REQUIREMENTS_FILE] = requirements
    if code and script is not None:
        source = _attempt("code", lambda: _read_code(script))
        if source is not None:
            files[f"{CODE_FOLDER}/{script.name}"] = source
    return CapturedEnvironment(metadata=metadata, files=files)


def _attempt(part: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception:  # one missing fact must not cost the others, nor the run
        logger.debug("could not capture %s", part, exc_info=True)
        return None


def _main_script() -> Path | None:
    """The file ``python`` was asked to run, or ``None`` (REPL, notebook, ``python -c``)."""
    try:
        main = sys.modules.get("__main__")
        # __main__.__file__ is right for both `python x.py` and `python -m pkg.x`, where
        # argv[0] can be a bare module name; argv[0] covers embedders that set no __file__.
        candidate = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv else "")
        if not candidate or not isinstance(candidate, str):
            return None
        path = Path(candidate).resolve()
        return path if path.is_file() else None
    except Exception:
        logger.debug("could not find the main script", exc_info=True)
        return None


def _read_code(script: Path) -> bytes | None:
    if script.stat().st_size >= MAX_CODE_BYTES:
        return None
    return script.read_bytes()


_requirements_cache: tuple[tuple[tuple[str, int], ...], bytes] | None = None


def _requirements() -> bytes:
    """Installed distributions, recomputed only when a folder on sys.path changes
    (installing or removing a package changes its folder's mtime)."""
    global _requirements_cache
    signature = tuple((p, _mtime(p)) for p in sys.path if p)
    if _requirements_cache is not None and _requirements_cache[0] == signature:
        return _requirements_cache[1]
    listing = _list_distributions()
    _requirements_cache = (signature, listing)
    return listing


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _list_distributions() -> bytes:
    versions: dict[str, str] = {}
    seen: set[str] = set()
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        # The same distribution can sit twice on sys.path; the first one is what imports.
        if name and name.lower() not in seen:
            seen.add(name.lower())
            versions[name] = dist.version
    lines = [f"{name}=={versions[name]}\n" for name in sorted(versions, key=str.lower)]
    return "".join(lines).encode("utf-8")


def _cpu_model() -> str | None:
    system = platform.system()
    if system == "Linux":
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                # x86 says "model name"; some ARM kernels only say "Processor"/"Hardware".
                key, _, value = line.partition(":")
                if key.strip().lower() in {"model name", "processor", "hardware"}:
                    value = value.strip()
                    if value and not value.isdigit():
                        return value
    elif system == "Darwin":
        out = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return platform.processor() or None


def _gpus() -> list[dict[str, Any]]:
    """NVIDIA GPUs through NVML; empty when ``pynvml`` or the driver is not there."""
    try:
        pynvml: Any = importlib.import_module("pynvml")
    except ImportError:
        return []
    pynvml.nvmlInit()
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus: list[dict[str, Any]] = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(
                {
                    "index": index,
                    "name": _text(pynvml.nvmlDeviceGetName(handle)),
                    "memory_total_mb": round(memory.total / _MB, 1),
                    "driver_version": driver,
                }
            )
        return gpus
    finally:
        pynvml.nvmlShutdown()


def _text(value: str | bytes) -> str:
    # Older pynvml releases return bytes, newer ones str.
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
