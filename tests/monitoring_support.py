"""Small seeded synthetic datasets and monitors built through the SDK, for the tests."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import pandas as pd

import headway
from headway.backend.base import BaseBackend
from headway.monitoring.synthetic import THRESHOLD, SyntheticMonitoringData, generate

START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 6
CHANGE_DAY = 3
#: Labels of every row are known "now" (the generator's delay is in the past).
NOW = pd.Timestamp("2026-11-20", tz="UTC")
CHANGE_AT = pd.Timestamp(START) + pd.Timedelta(days=CHANGE_DAY)


@functools.cache
def dataset(scenario: str, seed: int = 0, rows_per_day: int = 2_000) -> SyntheticMonitoringData:
    return generate(
        scenario=scenario,
        seed=seed,
        n_reference=8_000,
        days=DAYS,
        rows_per_day=rows_per_day,
        start=START,
        change_day=CHANGE_DAY,
    )


def inputs_of(data: SyntheticMonitoringData, frame: pd.DataFrame) -> pd.DataFrame:
    columns = list(dict.fromkeys([*data.features, *data.segments, *data.sensitive]))
    return frame[columns]


def open_monitor(
    backend: BaseBackend, data: SyntheticMonitoringData, name: str = "dropout", **extra: Any
) -> headway.Monitor:
    return headway.Monitor(
        "edu",
        name=name,
        backend=backend,
        reference=data.reference,
        features=list(data.features),
        categorical=list(data.categorical),
        prediction=data.prediction,
        label=data.label,
        segments=list(data.segments),
        sensitive=list(data.sensitive),
        **{"decision_threshold": THRESHOLD, **extra},
    )


def log_all(
    monitor: headway.Monitor, data: SyntheticMonitoringData, *, labels: bool = True
) -> None:
    cur = data.current
    monitor.log(
        inputs_of(data, cur),
        cur[data.prediction],
        ids=cur["student_id"],
        timestamps=cur["timestamp"],
    )
    if labels:
        monitor.log_labels(cur["student_id"], cur[data.label], timestamps=cur["label_timestamp"])
