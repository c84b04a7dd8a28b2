from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import headway
from headway.errors import InvalidArgument


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    for flag in ("SYSTEM_METRICS", "CONSOLE", "PACKAGES"):
        monkeypatch.setenv(f"HEADWAY_CAPTURE_{flag}", "false")


def _raw(tmp_path: Path, run_id: str, key: str) -> headway.entities.Series:
    return headway.Api(dir=tmp_path).backend.get_history(run_id, [key])[key]


def test_series_continues_the_run_steps_and_keeps_every_point(tmp_path: Path) -> None:
    values = np.array([0.9, math.nan, math.inf, 0.4])
    with headway.init(project="p", dir=tmp_path) as run:
        run.log({"loss": 1.0})
        run.log_series("loss", values)
        values[0] = -1.0  # the caller may reuse its array: what was logged is a copy
        assert run.step == 5
        run.log({"loss": 0.3})
    raw = _raw(tmp_path, run.id, "loss")
    assert raw.steps.tolist() == [0, 1, 2, 3, 4, 5]
    got = raw.values.tolist()
    assert got[:2] == [1.0, 0.9] and math.isnan(got[2]) and got[3:] == [math.inf, 0.4, 0.3]
    stored = headway.Api(dir=tmp_path).run(run.id)
    assert stored.summary["loss"] == 0.3
    assert stored.metrics["loss"]["max"] == math.inf and stored.metrics["loss"]["count"] == 6


def test_explicit_steps_and_times(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path) as run:
        run.log_series(
            "val/acc", [0.5, 0.6, 0.7], steps=[10, 20, 30], times=[1e9, 1e9 + 1, 1e9 + 2]
        )
        run.log_series("epoch_acc", [0.1, 0.2], steps=np.array([1.0, 2.0]))
        assert run.step == 3
    raw = _raw(tmp_path, run.id, "val/acc")
    assert raw.steps.tolist() == [10, 20, 30]
    assert raw.times.tolist() == [1e9, 1e9 + 1, 1e9 + 2]
    assert _raw(tmp_path, run.id, "epoch_acc").steps.tolist() == [1, 2]


def test_a_million_points_round_trip(tmp_path: Path) -> None:
    values = np.random.default_rng(1).normal(size=1_000_000)
    with headway.init(project="p", dir=tmp_path) as run:
        run.log_series("loss", values)
    raw = _raw(tmp_path, run.id, "loss")
    assert np.array_equal(raw.values, values)
    assert np.array_equal(raw.steps, np.arange(1_000_000))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": ["a", "b"]}, "'loss': values must be numbers"),
        ({"values": [[1.0, 2.0]]}, "'loss': values must be one-dimensional"),
        ({"values": [1.0, 2.0], "steps": [1]}, "'loss': steps has 1 entries but values has 2"),
        ({"values": [1.0], "steps": [-1]}, "'loss': steps must be between 0"),
        ({"values": [1.0], "steps": [1.5]}, "'loss': steps must be whole numbers"),
        ({"values": [1.0], "times": [math.nan]}, "'loss': times must be finite"),
        ({"values": [1.0], "times": [1.0, 2.0]}, "'loss': times has 2 entries"),
    ],
)
def test_bad_series_are_refused_naming_the_key(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with headway.init(project="p", dir=tmp_path) as run:
        with pytest.raises(InvalidArgument, match=message):
            run.log_series("loss", **kwargs)  # type: ignore[arg-type]
        run.log({"ok": 1.0})
    assert headway.Api(dir=tmp_path).run(run.id).summary["ok"] == 1.0


def test_bad_key_is_refused(tmp_path: Path) -> None:
    with (
        headway.init(project="p", dir=tmp_path) as run,
        pytest.raises(InvalidArgument, match="invalid metric key"),
    ):
        run.log_series(" loss", [1.0])
