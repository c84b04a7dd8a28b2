from __future__ import annotations

from typing import Any

from headway.sdk.writer.writer import _columns_flat


def _columns(rows: list[tuple[int, float, dict[str, float]]]) -> dict[str, Any]:
    """The writer's queue holds each row flat: step, time, values."""
    return _columns_flat([item for row in rows for item in row])


def test_same_keys_every_row() -> None:
    rows = [(i, 100.0 + i, {"a": float(i), "b": -float(i)}) for i in range(5)]
    cols = _columns(rows)
    assert cols["a"].steps.tolist() == [0, 1, 2, 3, 4]
    assert cols["b"].values.tolist() == [0.0, -1.0, -2.0, -3.0, -4.0]
    assert cols["a"].times.tolist() == [100.0, 101.0, 102.0, 103.0, 104.0]


def test_rows_with_different_keys_keep_their_own_steps() -> None:
    rows = [
        (0, 1.0, {"loss": 1.0}),
        (1, 2.0, {"loss": 0.5, "acc": 0.7}),
        (2, 3.0, {"acc": 0.8, "lr": 0.1}),  # same size as the row before, other keys
        (3, 4.0, {"loss": 0.25}),
    ]
    cols = _columns(rows)
    assert cols["loss"].steps.tolist() == [0, 1, 3]
    assert cols["acc"].steps.tolist() == [1, 2]
    assert cols["lr"].steps.tolist() == [2]
    assert cols["acc"].values.tolist() == [0.7, 0.8]


def test_whole_series_keep_their_place_among_rows() -> None:
    import numpy as np

    from headway.entities import Series
    from headway.sdk.writer.writer import _columns_with_series

    whole = Series("loss", np.array([5, 6]), np.array([3.0, 4.0]), np.array([0.2, 0.1]))
    other = Series("acc", np.array([0]), np.array([3.0]), np.array([0.9]))
    items = [0, 1.0, {"loss": 1.0}, -1, 0.0, whole, 1, 2.0, {"loss": 0.5}, -1, 0.0, other]
    merged = _columns_with_series(items)
    assert merged["loss"].steps.tolist() == [0, 5, 6, 1]
    assert merged["loss"].values.tolist() == [1.0, 0.2, 0.1, 0.5]
    assert merged["acc"].values.tolist() == [0.9]
