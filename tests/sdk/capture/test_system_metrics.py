from __future__ import annotations

import logging
import sys
import threading
import time
import types
from typing import Any

import psutil
import pytest

from headway.sdk.capture import system_metrics
from headway.sdk.capture.system_metrics import SystemMetricsSampler

ALWAYS = {
    "system/cpu_percent",
    "system/proc_cpu_percent",
    "system/proc_rss_mb",
    "system/proc_threads",
    "system/memory_percent",
    "system/memory_used_mb",
}
DISK = {"system/disk_read_mb", "system/disk_write_mb"}
NET = {"system/net_sent_mb", "system/net_recv_mb"}


@pytest.fixture(autouse=True)
def no_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests must behave the same on a GPU box; the GPU test installs its own fake.
    monkeypatch.setitem(sys.modules, "pynvml", None)


def wait_for(condition: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def test_sample_has_plausible_values() -> None:
    sampler = SystemMetricsSampler(1.0, lambda _: None)

    values = sampler.sample()

    expected = set(ALWAYS)
    if psutil.disk_io_counters() is not None:
        expected |= DISK
    if psutil.net_io_counters() is not None:
        expected |= NET
    assert expected <= set(values)
    assert all(key.startswith("system/") for key in values)
    assert values["system/proc_rss_mb"] > 1
    assert values["system/proc_threads"] >= 1
    assert 0 <= values["system/cpu_percent"] <= 100
    assert 0 <= values["system/memory_percent"] <= 100
    assert 0 < values["system/memory_used_mb"] <= psutil.virtual_memory().total / 2**20
    assert all(values[key] >= 0 for key in expected & (DISK | NET))


def test_process_cpu_reflects_work() -> None:
    sampler = SystemMetricsSampler(1.0, lambda _: None)
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass

    values = sampler.sample()

    assert 0 < values["system/proc_cpu_percent"] <= 100


def test_thread_emits_samples_and_stops() -> None:
    samples: list[dict[str, float]] = []
    sampler = SystemMetricsSampler(0.1, samples.append)

    sampler.start()
    try:
        assert wait_for(lambda: len(samples) >= 2)
    finally:
        stopped_at = time.monotonic()
        sampler.stop()
    assert time.monotonic() - stopped_at < 5  # the Event wakes the thread; no full wait
    assert not any(t.name == "headway-system-metrics" for t in threading.enumerate())
    count = len(samples)
    time.sleep(0.3)
    assert len(samples) == count
    assert set(samples[-1]) >= ALWAYS


def test_start_twice_and_stop_twice_are_harmless() -> None:
    samples: list[dict[str, float]] = []
    sampler = SystemMetricsSampler(0.05, samples.append)
    sampler.stop()  # before start

    sampler.start()
    sampler.start()
    assert sum(t.name == "headway-system-metrics" for t in threading.enumerate()) == 1
    sampler.stop()
    sampler.stop()

    sampler.start()  # restartable
    assert wait_for(lambda: len(samples) >= 1)
    sampler.stop()


def test_errors_in_the_thread_are_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def broken_emit(values: dict[str, float]) -> None:
        calls.append(1)
        raise RuntimeError("buffer full")

    sampler = SystemMetricsSampler(0.05, broken_emit)
    with caplog.at_level(logging.WARNING, logger="headway.sdk.capture.system_metrics"):
        sampler.start()
        try:
            assert wait_for(lambda: len(calls) >= 3)  # keeps sampling after a failure
        finally:
            sampler.stop()

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "could not record a sample" in warnings[0].getMessage()


def test_rejects_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval"):
        SystemMetricsSampler(0, lambda _: None)


class NotSupported(Exception):
    pass


def fake_nvml(calls: list[str]) -> Any:
    fake: Any = types.ModuleType("pynvml")
    fake.NVML_TEMPERATURE_GPU = 0
    fake.nvmlInit = lambda: calls.append("init")
    fake.nvmlShutdown = lambda: calls.append("shutdown")
    fake.nvmlDeviceGetCount = lambda: 2
    fake.nvmlDeviceGetHandleByIndex = lambda i: i
    fake.nvmlDeviceGetUtilizationRates = lambda h: types.SimpleNamespace(gpu=40 + h)
    fake.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(used=2 * 2**30, total=8 * 2**30)
    fake.nvmlDeviceGetTemperature = lambda h, sensor: 60 + h

    def power(h: int) -> int:
        if h == 1:
            raise NotSupported("power readings are not supported on this GPU")
        return 150_000  # milliwatts

    fake.nvmlDeviceGetPowerUsage = power
    return fake


def test_gpu_metrics_through_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(calls))
    # An earlier sampler in this process may have found no pynvml and remembered it.
    monkeypatch.setattr(system_metrics, "_NVML_MISSING", False)
    samples: list[dict[str, float]] = []
    sampler = SystemMetricsSampler(0.05, samples.append)

    sampler.start()
    try:
        assert wait_for(lambda: len(samples) >= 1)
    finally:
        sampler.stop()

    values = samples[0]
    assert values["system/gpu.0.util"] == 40
    assert values["system/gpu.0.memory_percent"] == 25
    assert values["system/gpu.0.memory_used_mb"] == 2048
    assert values["system/gpu.0.temp_c"] == 60
    assert values["system/gpu.0.power_w"] == 150
    assert values["system/gpu.1.util"] == 41
    assert "system/gpu.1.power_w" not in values  # unsupported, the rest still reported
    assert calls == ["init", "shutdown"]


def test_baselines_can_be_left_to_the_sampling_thread() -> None:
    samples: list[dict[str, float]] = []
    sampler = SystemMetricsSampler(0.1, samples.append, baselines_now=False)
    sampler.start()
    try:
        assert wait_for(lambda: len(samples) >= 1)
    finally:
        sampler.stop()
    assert 0 <= samples[0]["system/cpu_percent"] <= 100
    assert samples[0]["system/disk_read_mb"] >= 0


def test_a_missing_pynvml_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import raises ImportError
    monkeypatch.setattr(system_metrics, "_NVML_MISSING", False)
    sampler = SystemMetricsSampler(1.0, lambda _: None)
    sampler.start()
    sampler.stop()
    assert system_metrics._NVML_MISSING
