"""The backend contract: one suite every ``BaseBackend`` must pass.

Use it by subclassing ``BackendContract`` in a test module that provides a ``backend``
fixture (a fresh, empty backend per test). Headway runs it against the embedded backend
on SQLite, ``HttpBackend`` against a real server, and PostgreSQL.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from headway.backend.base import BaseBackend
from headway.entities import (
    ConsoleLine,
    LogBatch,
    RunCreate,
    RunFinish,
    RunState,
    RunUpdate,
    SearchQuery,
    Series,
)
from headway.errors import AlreadyExists, Conflict, InvalidArgument, NotFound


def series(key: str, steps: Any, values: Any) -> Series:
    s = np.asarray(steps, dtype=np.int64)
    return Series(key, s, np.full(s.shape[0], time.time()), np.asarray(values, dtype=np.float64))


def batch(seq: int, **metrics: tuple[Any, Any]) -> LogBatch:
    return LogBatch(
        seq=seq, metrics={k: series(k, *sv) for k, sv in metrics.items()}, time=time.time()
    )


class BackendContract:
    """Behaviour every backend shares. Each test gets a fresh ``backend``."""

    # -- projects and runs ------------------------------------------------------------------
    def test_create_and_get_run(self, backend: BaseBackend) -> None:
        run = backend.create_run(
            RunCreate(
                project="dropout",
                name="lr-small",
                config={"optimizer": {"lr": 0.01, "name": "adam"}, "layers": [64, 32]},
                tags=("baseline", "fall-2026"),
                notes="first try",
                group="semester-1",
                job_type="train",
            )
        )
        got = backend.get_run(run.id)
        assert got.name == "lr-small"
        assert got.project == "dropout"
        assert got.state is RunState.RUNNING
        assert got.config == {"optimizer": {"lr": 0.01, "name": "adam"}, "layers": [64, 32]}
        assert set(got.tags) == {"baseline", "fall-2026"}
        assert (got.notes, got.group, got.job_type) == ("first try", "semester-1", "train")
        projects = {p.name: p for p in backend.list_projects()}
        assert projects["dropout"].run_count == 1

    def test_run_id_is_unique(self, backend: BaseBackend) -> None:
        backend.create_run(RunCreate(project="p", id="abc123"))
        with pytest.raises(AlreadyExists):
            backend.create_run(RunCreate(project="p", id="abc123"))

    def test_missing_run_is_not_found(self, backend: BaseBackend) -> None:
        with pytest.raises(NotFound, match="nope"):
            backend.get_run("nope")
        with pytest.raises(NotFound):
            backend.log_batch("nope", batch(0, loss=([0], [1.0])))

    @pytest.mark.parametrize("name", ["", "has space", "-lead", "x" * 200, "a/b"])
    def test_bad_project_names_are_refused(self, backend: BaseBackend, name: str) -> None:
        with pytest.raises(InvalidArgument, match="project name"):
            backend.create_run(RunCreate(project=name))

    def test_update_delete_restore(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        backend.update_run(run.id, RunUpdate(name="renamed", tags=("x",), notes="n"))
        got = backend.get_run(run.id)
        assert (got.name, got.tags, got.notes) == ("renamed", ("x",), "n")
        backend.delete_run(run.id)
        assert backend.search_runs(SearchQuery(project="p")).total == 0
        backend.restore_run(run.id)
        assert backend.search_runs(SearchQuery(project="p")).total == 1

    def test_key_value_tags(self, backend: BaseBackend) -> None:
        run = backend.create_run(
            RunCreate(project="kv", kv_tags={"team": "edu", "mlflow.source.type": "LOCAL"})
        )
        assert backend.get_run(run.id).kv_tags == {"mlflow.source.type": "LOCAL", "team": "edu"}
        backend.update_run(run.id, RunUpdate(kv_tags={"team": None, "stage": "pilot"}))
        assert backend.get_run(run.id).kv_tags == {"mlflow.source.type": "LOCAL", "stage": "pilot"}
        # A batch carries them too, and search finds them by key.
        other = backend.create_run(RunCreate(project="kv"))
        backend.log_batch(other.id, LogBatch(seq=0, update=RunUpdate(kv_tags={"stage": "prod"})))
        page = backend.search_runs(SearchQuery(project="kv", filter='tag.stage = "prod"'))
        assert [r.id for r in page.runs] == [other.id]
        with pytest.raises(InvalidArgument, match=r"string value|kv_tags\.n"):
            backend.update_run(run.id, RunUpdate(kv_tags={"n": 1}))  # type: ignore[dict-item]
        with pytest.raises(InvalidArgument, match="tag key"):
            backend.create_run(RunCreate(project="kv", kv_tags={"": "x"}))

    def test_finish_states(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        done = backend.finish_run(run.id, RunState.FAILED, exit_code=1, error="Traceback: boom")
        assert done.state is RunState.FAILED
        assert done.error == "Traceback: boom"
        assert done.finished_at is not None
        with pytest.raises(InvalidArgument):
            backend.finish_run(run.id, RunState.RUNNING)
        resumed = backend.resume_run(run.id)
        assert resumed.state is RunState.RUNNING

    # -- ingestion --------------------------------------------------------------------------
    def test_log_and_read_history(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        assert backend.log_batch(run.id, batch(0, loss=([0, 1, 2], [3.0, 2.0, 1.0])))
        assert backend.log_batch(run.id, batch(1, loss=([3, 4], [0.5, math.nan]), acc=([4], [0.9])))
        hist = backend.get_history(run.id, ["loss", "acc", "missing"])
        assert hist["loss"].steps.tolist() == [0, 1, 2, 3, 4]
        assert hist["loss"].values[:4].tolist() == [3.0, 2.0, 1.0, 0.5]
        assert math.isnan(hist["loss"].values[4])
        assert len(hist["missing"]) == 0
        assert backend.metric_keys(run.id) == ["acc", "loss"]
        got = backend.get_run(run.id)
        assert got.last_step == 4
        assert got.metrics["loss"]["min"] == 0.5
        assert got.metrics["loss"]["max"] == 3.0
        assert got.metrics["loss"]["count"] == 5
        assert got.summary["acc"] == 0.9

    def test_duplicate_batches_are_ignored(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        b = batch(0, loss=([0, 1], [1.0, 2.0]))
        assert backend.log_batch(run.id, b) is True
        assert backend.log_batch(run.id, b) is False
        assert len(backend.get_history(run.id, ["loss"])["loss"]) == 2

    def test_repeated_and_backward_steps_are_kept(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        backend.log_batch(run.id, batch(0, loss=([5, 6, 7], [1.0, 2.0, 3.0])))
        backend.log_batch(run.id, batch(1, loss=([3, 6], [9.0, 8.0])))
        hist = backend.get_history(run.id, ["loss"])["loss"]
        assert hist.steps.tolist() == [5, 6, 7, 3, 6]
        assert hist.values.tolist() == [1.0, 2.0, 3.0, 9.0, 8.0]
        ranged = backend.get_history(run.id, ["loss"], min_step=4, max_step=6)["loss"]
        assert ranged.steps.tolist() == [5, 6, 6]

    def test_infinities_are_stored(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        backend.log_batch(run.id, batch(0, loss=([0, 1], [math.inf, -math.inf])))
        values = backend.get_history(run.id, ["loss"])["loss"].values.tolist()
        assert values == [math.inf, -math.inf]

    def test_large_series_spans_chunks(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        n = 50_000
        values = np.sin(np.arange(n) / 100.0)
        values[31_337] = 50.0
        for seq, start in enumerate(range(0, n, 12_500)):
            stop = start + 12_500
            backend.log_batch(run.id, batch(seq, loss=(np.arange(start, stop), values[start:stop])))
        hist = backend.get_history(run.id, ["loss"])["loss"]
        assert len(hist) == n
        np.testing.assert_array_equal(hist.values, values)
        window = backend.get_history(run.id, ["loss"], min_step=20_000, max_step=20_009)["loss"]
        assert window.steps.tolist() == list(range(20_000, 20_010))

    def test_envelope_is_exact(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        n = 100_000
        values = np.zeros(n)
        values[77_777] = 1000.0
        values[12_345] = -5.0
        backend.log_batch(run.id, batch(0, loss=(np.arange(n), values)))
        for buckets in (1, 7, 1000, 100_000):
            env = backend.get_envelopes([run.id], ["loss"], buckets=buckets)[run.id]["loss"]
            assert env.count.sum() == n
            assert env.max.max() == 1000.0
            assert env.min.min() == -5.0
            spike = int(np.argmax(env.max))
            assert env.edges[spike] <= 77_777 < env.edges[spike + 1]
        zoom = backend.get_envelopes(
            [run.id], ["loss"], buckets=10, min_step=77_000, max_step=78_000
        )
        z = zoom[run.id]["loss"]
        assert z.count.sum() == 1001
        assert z.max.max() == 1000.0
        with pytest.raises(InvalidArgument, match="buckets"):
            backend.get_envelopes([run.id], ["loss"], buckets=0)

    def test_config_changes_need_permission(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p", config={"lr": 0.1}))
        backend.update_config(run.id, {"batch_size": 32, "lr": 0.1})
        with pytest.raises(Conflict, match="lr"):
            backend.update_config(run.id, {"lr": 0.2})
        backend.update_config(run.id, {"lr": 0.2}, allow_val_change=True)
        assert backend.get_run(run.id).config == {"lr": 0.2, "batch_size": 32}

    def test_unserialisable_config_is_refused(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        with pytest.raises(InvalidArgument, match="lr"):
            backend.update_config(run.id, {"lr": float("nan")})

    def test_user_summary_overrides(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        backend.log_batch(run.id, batch(0, acc=([0, 1], [0.5, 0.7])))
        backend.update_summary(run.id, {"acc": 0.99, "best_model": "rf"})
        got = backend.get_run(run.id)
        assert got.summary["acc"] == 0.99
        assert got.summary["best_model"] == "rf"
        assert got.metrics["acc"]["last"] == 0.7

    def test_metric_definition_sets_summary_rule(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        backend.log_batch(run.id, batch(0, **{"val/acc": ([0, 1, 2], [0.5, 0.9, 0.7])}))
        assert backend.get_run(run.id).summary["val/acc"] == 0.7
        defs = [{"pattern": "val/*", "step_metric": "epoch", "summary": "max"}]
        backend.update_run(run.id, RunUpdate(metadata={"metric_defs": defs}))
        assert backend.get_run(run.id).summary["val/acc"] == 0.9

    def test_one_batch_creates_changes_logs_and_finishes(self, backend: BaseBackend) -> None:
        run_id = "allinone01"
        defs = [{"pattern": "val/*", "summary": "max"}]
        first = LogBatch(
            seq=0,
            create=RunCreate(project="p", id=run_id, config={"lr": 0.1}, tags=("a",)),
            update=RunUpdate(tags=("b", "c"), metadata={"metric_defs": defs, "host": "x"}),
            config={"depth": 4},
            metrics={"val/acc": series("val/acc", [0, 1, 2], [0.5, 0.9, 0.7])},
            summary={"val/acc": None, "note": "kept"},
            console=[ConsoleLine(1.0, "stdout", "hello")],
            files={"code/train.py": b"v1"},
            time=time.time(),
        )
        assert backend.log_batch(run_id, first)
        second = LogBatch(
            seq=1,
            metrics={"val/acc": series("val/acc", [3], [0.95])},
            files={"code/train.py": b"v2"},
            finish=RunFinish(state=RunState.FINISHED, exit_code=0),
            time=time.time(),
        )
        assert backend.log_batch(run_id, second)
        assert not backend.log_batch(run_id, second)  # a re-sent batch changes nothing
        got = backend.get_run(run_id)
        assert got.state is RunState.FINISHED and got.exit_code == 0
        assert got.config == {"lr": 0.1, "depth": 4}
        assert got.tags == ("b", "c")
        assert got.metadata["host"] == "x"
        assert got.summary["val/acc"] == 0.95  # the "max" rule over both batches
        assert got.summary["note"] == "kept"
        assert got.metrics["val/acc"]["count"] == 4
        assert got.last_step == 3
        assert backend.get_file(run_id, "code/train.py") == b"v2"
        assert [c.text for c in backend.get_console(run_id)] == ["hello"]
        page = backend.search_runs(SearchQuery(project="p", filter="config.depth = 4"))
        assert [r.id for r in page.runs] == [run_id]

    def test_rule_change_and_points_in_one_batch(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        backend.log_batch(run.id, batch(0, loss=([0, 1], [3.0, 1.0])))
        both = LogBatch(
            seq=1,
            update=RunUpdate(metadata={"metric_defs": [{"pattern": "loss", "summary": "min"}]}),
            metrics={"loss": series("loss", [2], [2.0])},
            summary={"acc": 0.5},
            time=time.time(),
        )
        backend.log_batch(run.id, both)
        got = backend.get_run(run.id)
        assert got.summary["loss"] == 1.0
        assert got.metrics["loss"]["last"] == 2.0 and got.metrics["loss"]["count"] == 3
        assert got.summary["acc"] == 0.5

    def test_console_and_files(self, backend: BaseBackend) -> None:
        run = backend.create_run(RunCreate(project="p"))
        lines = [
            ConsoleLine(1.0 + i, "stdout" if i % 2 else "stderr", f"line {i}") for i in range(5)
        ]
        backend.log_batch(run.id, LogBatch(seq=0, console=lines[:3], time=time.time()))
        backend.log_batch(run.id, LogBatch(seq=1, console=lines[3:], time=time.time()))
        assert [c.text for c in backend.get_console(run.id)] == [f"line {i}" for i in range(5)]
        assert [c.text for c in backend.get_console(run.id, offset=2, limit=2)] == [
            "line 2",
            "line 3",
        ]
        backend.put_files(
            run.id, {"code/train.py": b"print('hi')\n", "requirements.txt": b"numpy==2\n"}
        )
        assert backend.list_files(run.id) == ["code/train.py", "requirements.txt"]
        assert backend.get_file(run.id, "code/train.py") == b"print('hi')\n"
        with pytest.raises(NotFound):
            backend.get_file(run.id, "nope.txt")
        with pytest.raises(InvalidArgument):
            backend.put_files(run.id, {"../etc/passwd": b"x"})

    # -- search -----------------------------------------------------------------------------
    def _fill(self, backend: BaseBackend, n: int = 30) -> list[str]:
        ids = []
        for i in range(n):
            run = backend.create_run(
                RunCreate(
                    project="search",
                    name=f"run-{i:02d}",
                    config={"optimizer": {"lr": 0.001 * (i + 1)}, "model": "rf" if i % 2 else "lr"},
                    tags=("baseline",) if i % 3 == 0 else (),
                )
            )
            backend.log_batch(run.id, batch(0, val_acc=([0], [i / n])))
            ids.append(run.id)
        return ids

    def test_search_filter_and_sort(self, backend: BaseBackend) -> None:
        ids = self._fill(backend)
        page = backend.search_runs(
            SearchQuery(
                project="search",
                filter=(
                    "config.optimizer.lr < 0.02 and summary.val_acc >= 0.3 "
                    'and tags contains "baseline"'
                ),
                order=("-summary.val_acc",),
            )
        )
        names = [r.name for r in page.runs]
        assert names == ["run-18", "run-15", "run-12", "run-09"]
        assert page.total == 4
        assert {r.id for r in page.runs} <= set(ids)

    def test_search_pages_with_cursor(self, backend: BaseBackend) -> None:
        self._fill(backend)
        seen: list[str] = []
        query = SearchQuery(project="search", order=("config.optimizer.lr",), limit=7)
        all_runs = list(backend.iter_runs(query))
        seen = [r.name for r in all_runs]
        assert seen == [f"run-{i:02d}" for i in range(30)]

    def test_search_projects_columns(self, backend: BaseBackend) -> None:
        self._fill(backend, 3)
        page = backend.search_runs(
            SearchQuery(project="search", columns=("config.model",), order=("name",))
        )
        assert page.runs[0].config == {"model": "lr"}
        assert page.runs[0].summary == {}

    def test_bad_filter_names_position(self, backend: BaseBackend) -> None:
        self._fill(backend, 2)
        with pytest.raises(InvalidArgument, match="position"):
            backend.search_runs(SearchQuery(project="search", filter="config.lr < and"))

    def test_export_to_parquet(self, backend: BaseBackend, tmp_path: Path) -> None:
        self._fill(backend, 3)
        paths = backend.export_project("search", tmp_path / "out")
        runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
        history = pd.read_parquet(tmp_path / "out" / "history.parquet")
        assert {p.name for p in paths} == {"runs.parquet", "history.parquet"}
        assert len(runs) == 3
        assert "config.optimizer.lr" in runs.columns
        assert len(history) == 3
        assert set(history.columns) == {"run_id", "key", "step", "time", "value"}
