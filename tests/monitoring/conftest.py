"""Monitoring fixtures: monitors over the seeded synthetic dataset, closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import headway
from headway.backend.base import BaseBackend
from headway.monitoring.synthetic import SyntheticMonitoringData
from monitoring_support import dataset, open_monitor

MakeMonitor = Callable[..., tuple[headway.Monitor, SyntheticMonitoringData]]


@pytest.fixture
def make_monitor(local_backend: BaseBackend) -> Iterator[MakeMonitor]:
    opened: list[headway.Monitor] = []

    def make(
        scenario: str, name: str = "dropout", rows_per_day: int = 2_000, **extra: Any
    ) -> tuple[headway.Monitor, SyntheticMonitoringData]:
        data = dataset(scenario, rows_per_day=rows_per_day)
        monitor = open_monitor(local_backend, data, name=name, **extra)
        opened.append(monitor)
        return monitor, data

    yield make
    for m in opened:
        m.close()
