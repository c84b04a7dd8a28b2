from __future__ import annotations

from headway.sdk.writer.writer import _columns


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
