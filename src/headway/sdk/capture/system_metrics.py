"""Periodic samples of the machine and the run's process: CPU, memory, disk, network, GPUs.

Host CPU usage is computed from our own ``cpu_times`` snapshots instead of
``psutil.cpu_percent(None)``, whose "since the last call" state is shared with any other
code calling it on the same thread.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import psutil

logger = logging.getLogger(__name__)

PREFIX = "system/"
_MB = 1024 * 1024
_JOIN_TIMEOUT = 5.0


class _Counters(NamedTuple):
    disk_read: int
    disk_write: int
    net_sent: int
    net_recv: int


#: Baselines younger than this are not taken again when sampling starts.
_FRESH_BASELINE_S = 1.0
#: Without fresh baselines, the sampling thread takes them this long after it starts.
_SETTLE_S = 0.5


class SystemMetricsSampler:
    """Calls ``emit(sample())`` every ``interval`` seconds on a daemon thread.

    Metric names are listed in docs/capture.md. Sizes are in MiB (2**20 bytes); disk and
    network counters are host-wide and cumulative since :meth:`start` (or construction).
    A metric the platform cannot provide is left out of the sample rather than set to 0.

    Thread-safety: :meth:`start` and :meth:`stop` are meant for the thread that owns the
    run; :meth:`sample` may be called from any thread but is not meant to be concurrent
    with itself.
    """

    def __init__(
        self,
        interval: float,
        emit: Callable[[dict[str, float]], None],
        *,
        baselines_now: bool = True,
    ) -> None:
        """``baselines_now=False`` leaves the baselines to the sampling thread's start:
        reading the counters costs a few ms of /proc that ``headway.init`` should not
        wait for."""
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.interval = interval
        self._emit = emit
        self._process = _this_process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = False
        self._nvml: Any = None
        self._nvml_tried = False
        self._gpu_handles: list[Any] = []
        self._baseline_at = -math.inf
        if baselines_now:
            self._reset_baselines()

    def start(self) -> None:
        """Start sampling; the first sample comes one interval later. No-op if running."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._fresh_start = time.monotonic() - self._baseline_at > _FRESH_BASELINE_S
        self._start_nvml()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name="headway-system-metrics", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling; returns once the thread has ended (or after a few seconds)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(_JOIN_TIMEOUT)
        self._thread = None
        self._stop_nvml()

    def sample(self) -> dict[str, float]:
        """One sample of every available metric, keyed ``system/<name>``."""
        if self._baseline_at == -math.inf:
            self._reset_baselines()
        values: dict[str, float] = {}
        for part in (self._cpu, self._process_stats, self._memory, self._io, self._gpus):
            try:
                values.update(part())
            except Exception:  # one unsupported probe must not cost the other metrics
                self._warn_once(f"system metrics: {part.__name__} failed")
        return {PREFIX + key: value for key, value in values.items()}

    # -- the thread -------------------------------------------------------------------------

    def _loop(self) -> None:
        wait = self.interval
        if self._fresh_start:
            # A run that ends within moments never samples: it should not pay for
            # reading the baselines either.
            settle = min(_SETTLE_S, self.interval / 2)
            if self._stop.wait(settle):
                return
            self._reset_baselines()
            wait = self.interval - settle
        while not self._stop.wait(wait):
            wait = self.interval
            try:
                self._emit(self.sample())
            except Exception:  # the training script must never see our failures
                self._warn_once("system metrics: could not record a sample")

    def _warn_once(self, message: str) -> None:
        # A probe that fails once fails every interval; one warning is enough.
        if self._warned:
            logger.debug(message, exc_info=True)
        else:
            self._warned = True
            logger.warning("%s (further errors are logged at debug level)", message, exc_info=True)

    # -- probes -----------------------------------------------------------------------------

    def _reset_baselines(self) -> None:
        self._baseline_at = time.monotonic()
        self._last_cpu = psutil.cpu_times()
        self._base = self._counters()
        # The first cpu_percent() of a Process only starts its clock; prime it now so the
        # first real sample covers the first interval.
        self._process.cpu_percent(None)

    def _cpu(self) -> dict[str, float]:
        now = psutil.cpu_times()
        busy, total = _busy_total(now)
        last_busy, last_total = _busy_total(self._last_cpu)
        self._last_cpu = now
        elapsed = total - last_total
        percent = 100.0 * (busy - last_busy) / elapsed if elapsed > 0 else 0.0
        return {"cpu_percent": min(max(percent, 0.0), 100.0)}

    def _process_stats(self) -> dict[str, float]:
        with self._process.oneshot():
            # psutil reports 100 per fully used core; divide so it shares a 0-100 scale
            # with the host's cpu_percent.
            cpu = self._process.cpu_percent(None) / (os.cpu_count() or 1)
            rss = self._process.memory_info().rss
            threads = self._process.num_threads()
        return {
            "proc_cpu_percent": cpu,
            "proc_rss_mb": rss / _MB,
            "proc_threads": float(threads),
        }

    def _memory(self) -> dict[str, float]:
        memory = psutil.virtual_memory()
        # total - available is what psutil's percent is computed from; `used` is defined
        # differently on each OS and would not match the percentage.
        return {
            "memory_percent": float(memory.percent),
            "memory_used_mb": (memory.total - memory.available) / _MB,
        }

    def _io(self) -> dict[str, float]:
        now = self._counters()
        values: dict[str, float] = {}
        for name in _Counters._fields:
            current, base = getattr(now, name), getattr(self._base, name)
            if current >= 0 and base >= 0:
                # max(): counters can wrap or reset (a NIC going away); never report < 0.
                values[f"{name}_mb"] = max(current - base, 0) / _MB
        return values

    @staticmethod
    def _counters() -> _Counters:
        # Either can be None (containers without /proc/diskstats, no NICs); -1 = unknown.
        disk = psutil.disk_io_counters()
        net = psutil.net_io_counters()
        return _Counters(
            disk.read_bytes if disk else -1,
            disk.write_bytes if disk else -1,
            net.bytes_sent if net else -1,
            net.bytes_recv if net else -1,
        )

    # -- GPUs -------------------------------------------------------------------------------

    def _start_nvml(self) -> None:
        global _NVML_MISSING
        if self._nvml_tried or _NVML_MISSING:
            return
        self._nvml_tried = True
        try:
            nvml: Any = importlib.import_module("pynvml")
        except ImportError:  # remembered: a failed import is retried at a cost every run
            _NVML_MISSING = True
            logger.debug("pynvml is not installed; no GPU metrics")
            return
        try:
            nvml.nvmlInit()
        except Exception:  # no driver, no GPU: simply no GPU metrics
            logger.debug("NVML unavailable; no GPU metrics", exc_info=True)
            return
        try:
            count = nvml.nvmlDeviceGetCount()
            self._gpu_handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        except Exception:
            logger.debug("could not list GPUs", exc_info=True)
            self._gpu_handles = []
        self._nvml = nvml

    def _stop_nvml(self) -> None:
        nvml, self._nvml, self._gpu_handles = self._nvml, None, []
        self._nvml_tried = False
        if nvml is not None:
            try:
                nvml.nvmlShutdown()
            except Exception:
                logger.debug("nvmlShutdown failed", exc_info=True)

    def _gpus(self) -> dict[str, float]:
        self._start_nvml()  # for sample() called without start()
        nvml = self._nvml
        values: dict[str, float] = {}
        if nvml is None:
            return values
        for i, handle in enumerate(self._gpu_handles):
            # Each query on its own: consumer GPUs refuse some (power, often) with
            # NVMLError_NotSupported, and the rest is still worth having.
            for name, probe in _GPU_PROBES.items():
                try:
                    values[f"gpu.{i}.{name}"] = probe(nvml, handle)
                except Exception:
                    continue
        return values


def _gpu_memory_percent(nvml: Any, handle: Any) -> float:
    info = nvml.nvmlDeviceGetMemoryInfo(handle)
    return 100.0 * info.used / info.total if info.total else 0.0


_GPU_PROBES: dict[str, Callable[[Any, Any], float]] = {
    "util": lambda nvml, h: float(nvml.nvmlDeviceGetUtilizationRates(h).gpu),
    "memory_percent": _gpu_memory_percent,
    "memory_used_mb": lambda nvml, h: nvml.nvmlDeviceGetMemoryInfo(h).used / _MB,
    "temp_c": lambda nvml, h: float(nvml.nvmlDeviceGetTemperature(h, nvml.NVML_TEMPERATURE_GPU)),
    # NVML reports milliwatts.
    "power_w": lambda nvml, h: nvml.nvmlDeviceGetPowerUsage(h) / 1000.0,
}


def _busy_total(times: Any) -> tuple[float, float]:
    fields = times._asdict()
    # On Linux guest time is already counted in user/nice; counting it again would
    # inflate the total.
    total = sum(v for k, v in fields.items() if k not in {"guest", "guest_nice"})
    idle = fields.get("idle", 0.0) + fields.get("iowait", 0.0)
    return total - idle, total


_PROCESS: tuple[int, psutil.Process] | None = None
_NVML_MISSING = False


def _this_process() -> psutil.Process:
    """This process's ``psutil.Process``, made once per PID (a fork gets its own): building
    one reads /proc each time, and every run of a process samples the same one."""
    global _PROCESS
    pid = os.getpid()
    if _PROCESS is None or _PROCESS[0] != pid:
        _PROCESS = (pid, psutil.Process(pid))
    return _PROCESS[1]
