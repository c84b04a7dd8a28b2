"""A drain larger than the backend's batch size goes out as several batches, in order,
with the run's end only in the last one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import headway
from headway.backend.local import LocalBackend
from headway.entities import LogBatch


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[LogBatch]:
    for flag in ("SYSTEM_METRICS", "CONSOLE", "PACKAGES"):
        monkeypatch.setenv(f"HEADWAY_CAPTURE_{flag}", "false")
    monkeypatch.setattr(LocalBackend, "max_batch_points", 100)
    seen: list[LogBatch] = []
    original = LocalBackend.log_batch

    def recording(self: LocalBackend, run_id: str, batch: LogBatch) -> Any:
        seen.append(batch)
        return original(self, run_id, batch)

    monkeypatch.setattr(LocalBackend, "log_batch", recording)
    return seen


def test_rows_are_split_by_the_backend_batch_size(tmp_path: Path, batches: list[LogBatch]) -> None:
    run = headway.init(project="p", dir=tmp_path)
    for step in range(1_000):
        run.log({f"k{j}": float(step * 10 + j) for j in range(10)})
    run.finish()
    assert all(b.point_count <= 100 for b in batches)
    assert sum(b.point_count for b in batches) == 10_000
    assert [b.finish is not None for b in batches].count(True) == 1
    assert batches[-1].finish is not None
    api_run = headway.Api(dir=tmp_path).run(run.id)
    assert api_run.state == "finished"
    k3 = api_run.history(["k3"])
    assert k3["step"].tolist() == list(range(1_000))
    assert k3["k3"].tolist() == [float(s * 10 + 3) for s in range(1_000)]


def test_a_whole_series_is_split_too(tmp_path: Path, batches: list[LogBatch]) -> None:
    values = np.arange(1_050, dtype=np.float64)
    with headway.init(project="p", dir=tmp_path) as run:
        run.log_series("loss", values)
    assert max(b.point_count for b in batches) <= 200  # a piece, plus rows estimated apart
    raw = headway.Api(dir=tmp_path).backend.get_history(run.id, ["loss"])["loss"]
    assert np.array_equal(raw.values, values)
    assert np.array_equal(raw.steps, np.arange(1_050))


def test_flush_returns_only_when_every_batch_is_stored(
    tmp_path: Path, batches: list[LogBatch]
) -> None:
    with headway.init(project="p", dir=tmp_path) as run:
        for step in range(500):
            run.log({"a": float(step), "b": 1.0})
        assert run.flush()
        stored = headway.Api(dir=tmp_path).backend.get_history(run.id, ["a"])["a"]
        assert len(stored) == 500
