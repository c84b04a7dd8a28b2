from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import headway
from headway.errors import AlreadyExists, Conflict, InvalidArgument, NotFound


def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    for flag in ("SYSTEM_METRICS", "CONSOLE", "PACKAGES"):
        monkeypatch.setenv(f"HEADWAY_CAPTURE_{flag}", "false")


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    _quiet(monkeypatch)


def test_log_auto_and_explicit_steps(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path) as run:
        run.log({"loss": 1.0})
        run.log({"loss": 0.5})
        run.log({"loss": 0.7}, step=10)
        run.log({"loss": 0.6})
        run.log({"loss": 0.9}, step=3)  # an evaluation after a restart goes backwards
    hist = headway.Api(dir=tmp_path).run(run.id).history(["loss"])
    assert hist["step"].tolist() == [0, 1, 3, 10, 11]
    raw = headway.Api(dir=tmp_path).backend.get_history(run.id, ["loss"])["loss"]
    assert raw.steps.tolist() == [0, 1, 10, 11, 3]


def test_numeric_types_and_non_finite(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path) as run:
        run.log(
            {
                "int": 3,
                "bool": True,
                "np_float": np.float32(0.25),
                "np_int": np.int64(7),
                "zero_d": np.array(1.5),
                "nan": math.nan,
                "inf": math.inf,
                "ninf": -math.inf,
            }
        )
    api_run = headway.Api(dir=tmp_path).run(run.id)
    row = api_run.history().iloc[0]
    assert row["int"] == 3 and row["bool"] == 1.0 and row["np_float"] == 0.25
    assert row["np_int"] == 7 and row["zero_d"] == 1.5
    assert math.isnan(row["nan"]) and row["inf"] == math.inf and row["ninf"] == -math.inf


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"acc": "high"}, "'acc'.*str"),
        ({"acc": [1, 2]}, "'acc'.*list"),
        ({"acc": np.zeros(3)}, "'acc'.*shape"),
        ({"": 1.0}, "metric key"),
        ({3: 1.0}, "metric keys must be strings"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, data: dict[object, object], message: str) -> None:
    with (
        headway.init(project="p", dir=tmp_path) as run,
        pytest.raises(InvalidArgument, match=message),
    ):
        run.log(data)


@pytest.mark.parametrize("step", [1.5, -1, math.nan, math.inf, "3"])
def test_bad_steps_are_refused(tmp_path: Path, step: object) -> None:
    with (
        headway.init(project="p", dir=tmp_path) as run,
        pytest.raises(InvalidArgument, match="step"),
    ):
        run.log({"x": 1.0}, step=step)  # type: ignore[arg-type]


def test_config_styles_and_change_protection(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path, config={"optimizer": {"lr": 0.01}}) as run:
        assert run.config.optimizer.lr == 0.01
        assert run.config["optimizer"]["lr"] == 0.01
        run.config.batch_size = 64
        run.config["model.depth"] = 4
        run.config.update({"batch_size": 64})  # same value: fine
        with pytest.raises(Conflict, match=r"optimizer\.lr"):
            run.config.optimizer.lr = 0.1
        run.config.update({"optimizer": {"lr": 0.1}}, allow_val_change=True)
        with pytest.raises(InvalidArgument, match=r"'fn'.*function"):
            run.config.update({"fn": lambda: None})
    stored = headway.Api(dir=tmp_path).run(run.id).config
    assert stored == {"optimizer": {"lr": 0.1}, "batch_size": 64, "model": {"depth": 4}}


def test_summary_automatic_and_user(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path) as run:
        run.define_metric("val/*", step_metric="epoch", summary="max")
        for i, acc in enumerate([0.5, 0.9, 0.7]):
            run.log({"val/acc": acc, "loss": 1.0 / (i + 1), "epoch": i})
        run.summary["best_model"] = "rf"
        run.flush()
        assert run.summary["loss"] == pytest.approx(1 / 3)
        assert run.summary.stats("loss")["min"] == pytest.approx(1 / 3)
        assert run.summary["val/acc"] == 0.9
    stored = headway.Api(dir=tmp_path).run(run.id)
    assert stored.summary["val/acc"] == 0.9
    assert stored.summary["best_model"] == "rf"
    assert stored.metrics["loss"]["mean"] == pytest.approx((1 + 0.5 + 1 / 3) / 3)
    assert stored.metadata["metric_defs"][0]["step_metric"] == "epoch"


def test_module_level_functions(tmp_path: Path) -> None:
    run = headway.init(project="p", dir=tmp_path, config={"a": 1})
    headway.log({"x": 1.0})
    assert headway.config.a == 1
    headway.summary["final"] = 2
    headway.finish()
    assert headway.run is None
    stored = headway.Api(dir=tmp_path).run(run.id)
    assert stored.state.value == "finished"
    assert stored.summary["final"] == 2
    with pytest.raises(InvalidArgument, match="no active run"):
        headway.log({"x": 1.0})


def test_exception_in_with_block_marks_failed(tmp_path: Path) -> None:
    with pytest.raises(ZeroDivisionError), headway.init(project="p", dir=tmp_path) as run:
        run.log({"x": 1.0})
        _ = 1 / 0
    stored = headway.Api(dir=tmp_path).run(run.id)
    assert stored.state.value == "failed"
    assert "ZeroDivisionError" in (stored.error or "")


def test_resume_modes(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path, id="fixed1") as run:
        run.log({"x": 1.0})
        run.log({"x": 2.0})
    with pytest.raises(AlreadyExists, match="resume='allow'"):
        headway.init(project="p", dir=tmp_path, id="fixed1")
    with pytest.raises(NotFound):
        headway.init(project="p", dir=tmp_path, id="other1", resume="must")
    with headway.init(project="p", dir=tmp_path, id="fixed1", resume="allow") as again:
        assert again.step == 2
        again.log({"x": 3.0})
    hist = headway.Api(dir=tmp_path).run("fixed1").history(["x"])
    assert hist["x"].tolist() == [1.0, 2.0, 3.0]
    assert hist["step"].tolist() == [0, 1, 2]


def test_disabled_mode_stores_nothing(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path, mode="disabled") as run:
        run.log({"x": 1.0})
        with pytest.raises(InvalidArgument):
            run.log({"x": "bad"})
    assert not (tmp_path / "headway.db").exists()


def test_invalid_init_arguments(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="mode"):
        headway.init(project="p", dir=tmp_path, mode="sometimes")
    with pytest.raises(InvalidArgument, match="project name"):
        headway.init(project="bad name", dir=tmp_path)
    with pytest.raises(InvalidArgument, match="resume"):
        headway.init(project="p", dir=tmp_path, resume="allow")
    with pytest.raises(InvalidArgument, match="tag"):
        headway.init(project="p", dir=tmp_path, tags=["ok", ""])


def test_api_query(tmp_path: Path) -> None:
    for i in range(5):
        with headway.init(project="q", dir=tmp_path, name=f"r{i}", config={"lr": i / 10}) as run:
            for step in range(20):
                run.log({"acc": i / 10 + step / 1000})
    api = headway.Api(dir=tmp_path)
    assert [p.name for p in api.projects()] == ["q"]
    runs = api.runs("q", filter="config.lr >= 0.2", order=["-summary.acc"], limit=2)
    assert [r.name for r in runs] == ["r4", "r3"]
    frame = api.runs("q").to_pandas()
    assert len(frame) == 5 and "config.lr" in frame and "summary.acc" in frame
    one = api.run(runs[0].id)
    assert len(one.history(["acc"], min_step=5, max_step=9)) == 5
    assert len(one.history(["acc"], samples=10)) <= 10
    points = list(one.scan_history(["acc"], page_steps=7))
    assert [p["step"] for p in points] == list(range(20))


def test_a_store_from_a_newer_headway_never_breaks_training(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    from headway.sdk import connect
    from headway.store.sql.schema import upgrade

    store = tmp_path / "newer"
    upgrade(f"sqlite:///{store / 'headway.db'}")
    with sqlite3.connect(store / "headway.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connect._local.clear()
    with headway.init(project="p", dir=store) as run:
        run.log({"x": 1.0})
    assert "not reachable" in caplog.text and "newer" in caplog.text
    assert (store / "spool" / run.id / "spool.bin").stat().st_size > 0


def test_spool_is_removed_once_everything_is_stored(tmp_path: Path) -> None:
    with headway.init(project="p", dir=tmp_path) as online:
        online.log({"x": 1.0})
    with headway.init(project="p", dir=tmp_path, mode="offline") as offline:
        offline.log({"x": 1.0})
    assert not (tmp_path / "spool" / online.id / "spool.bin").exists()
    assert (tmp_path / "spool" / online.id / "run.json").exists()
    assert (tmp_path / "spool" / offline.id / "spool.bin").stat().st_size > 0
