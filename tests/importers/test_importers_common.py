"""The shared part of the importers: batching, attributes, ids and the report.

These drive ``RunSink`` the way an importer does (the MLflow importer will too), against
a real embedded store.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from headway.backend.local import LocalBackend
from headway.entities import LogBatch, RunState
from headway.importers import sink as sink_module
from headway.importers.common import (
    ImportOptions,
    ImportReport,
    RunOutcome,
    SourceRun,
    project_name,
    run_id_for,
)
from headway.importers.sink import RunSink
from headway.settings import Settings


class _Recording(LocalBackend):
    batches: list[LogBatch]

    def log_batch(self, run_id: str, batch: LogBatch) -> bool:
        self.batches.append(batch)
        return super().log_batch(run_id, batch)


@pytest.fixture
def backend(settings: Settings) -> Iterator[_Recording]:
    recording = _Recording(settings, migrate=True)
    recording.batches = []
    yield recording
    recording.close()


def _sink(backend: LocalBackend, **options: int) -> RunSink:
    source = SourceRun(identity="x", path=Path("x"), name="x", size=0)
    outcome = RunOutcome(source=source, project="p", run_id="imp-1")
    return RunSink(
        backend,
        "imp-1",
        "p",
        imported_from={"tool": "test"},
        options=ImportOptions(**options),
        outcome=outcome,
    )


def test_batches_are_bounded_numbered_and_carry_attributes(backend: _Recording) -> None:
    sink = _sink(backend, batch_points=1000)
    sink.describe(name="first", tags=["a"], kv_tags={"team": "edu"}, created_at=1.7e9)
    for step in range(2500):
        sink.point("loss", step, 1.7e9 + step, 1 / (step + 1))
    sink.describe(name="renamed", notes="set after the run was created")
    sink.finish(RunState.FINISHED, summary={"best": 0.5})
    assert [b.seq for b in backend.batches] == [0, 1, 2]
    assert [b.point_count for b in backend.batches] == [1000, 1000, 500]
    assert backend.batches[0].create is not None and backend.batches[1].create is None
    run = backend.get_run("imp-1")
    assert (run.name, run.tags, run.kv_tags, run.notes) == (
        "renamed",
        ("a",),
        {"team": "edu"},
        "set after the run was created",
    )
    assert run.created_at.timestamp() == 1.7e9
    assert run.finished_at is not None and run.finished_at.timestamp() == 1.7e9 + 2499
    assert run.summary["best"] == 0.5 and run.metadata["imported_from"]["complete"] is True
    assert len(backend.get_history("imp-1", ["loss"])["loss"]) == 2500


def test_points_in_bulk_cut_batches_where_single_points_do(tmp_path: Path) -> None:
    """``RunSink.points`` (the MLflow importer's path) against ``point``: same batches."""
    cuts = []
    for bulk in (False, True):
        settings = Settings.from_env(env={}, dir=str(tmp_path / str(bulk)))
        recording = _Recording(settings, migrate=True)
        recording.batches = []
        sink = _sink(recording, batch_points=700)
        sink.describe(parent_id="parent-1")
        for key in ("a", "b", " bad"):
            steps, times = list(range(1000)), [1.7e9 + i for i in range(1000)]
            values = [float(i) for i in range(1000)]
            if bulk:
                sink.points(key, steps, times, values)
            else:
                for step, time, value in zip(steps, times, values, strict=True):
                    sink.point(key, step, time, value)
        sink.finish(RunState.FINISHED)
        cuts.append([(b.seq, {k: len(s) for k, s in b.metrics.items()}) for b in recording.batches])
        assert sink.outcome.skipped[("value", sink_module._bad_key(" bad"))] == 1000
        assert recording.get_run("imp-1").parent_id == "parent-1"
        recording.close()
    assert cuts[0] == cuts[1]
    assert [sum(sizes.values()) for _, sizes in cuts[0]] == [700, 700, 600]


def test_bad_values_are_counted_not_fatal(backend: _Recording) -> None:
    sink = _sink(backend)
    sink.point("ok", 0, 1.0, 1.0)
    sink.point("ok", -1, 1.0, 1.0)  # negative step
    sink.point("ok", 1, math.inf, 1.0)  # no usable time
    sink.point(" bad", 0, 1.0, 1.0)
    sink.config({"lr": 0.1, "broken": math.nan})
    sink.describe(tags=["x" * 500], kv_tags={"k": "v" * 100_000})
    sink.finish(RunState.FINISHED)
    skipped = sink.outcome.skipped
    assert skipped[("value", "steps must be between 0 and 2**62")] == 1
    assert skipped[("value", "wall time is not a finite number")] == 1
    assert sum(n for (what, _), n in skipped.items() if what == "config value") == 1
    assert sum(n for (what, _), n in skipped.items() if what == "tag") == 2
    run = backend.get_run("imp-1")
    assert run.config == {"lr": 0.1}
    assert backend.metric_keys("imp-1") == ["ok"]


def test_ids_and_project_names() -> None:
    assert run_id_for("tb", "p", "a") == run_id_for("tb", "p", "a")
    assert run_id_for("tb", "p", "a") != run_id_for("tb", "q", "a")
    assert run_id_for("wb", "p", "a").startswith("wb-")
    assert project_name("My Project/2024", "fallback") == "My-Project-2024"
    assert project_name("///", "fallback") == "fallback"


def test_report_names_failures_and_skips() -> None:
    source = SourceRun(identity="x", path=Path("runs/a"), name="a", size=0)
    ok = RunOutcome(source=source, project="p", run_id="tb-1", points=1, files=2)
    ok.skipped[("value", "text values are not metrics")] = 2
    failed = RunOutcome(source=source, project="p", run_id="tb-2", status="failed")
    failed.reason = "W&B could not read it"
    text = ImportReport("test", [ok, failed]).text()
    assert text.splitlines() == [
        "1 run imported into p: 1 point, 0 console lines, 2 files",
        "  runs/a -> p/tb-1 (a)",
        "1 run failed:",
        "  runs/a: W&B could not read it",
        "2 values skipped: text values are not metrics",
    ]
