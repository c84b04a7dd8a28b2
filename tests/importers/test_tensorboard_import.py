"""``headway import tensorboard`` on logs written by TensorBoard's own writer.

The event files are made here with ``EventFileWriter`` and TensorBoard's protos and
plugin metadata: the legacy values PyTorch and TF1 write (``simple_value``, ``histo``,
``image``, ``audio``) next to the tensor values TF2 writes, as a real log folder mixes
them. No TensorFlow or PyTorch is needed.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from google.protobuf import struct_pb2
from PIL import Image
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.histogram import metadata as histogram_metadata
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.plugins.text import metadata as text_metadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.util import tensor_util

from headway.backend.base import BaseBackend
from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.cli.main import cli
from headway.cli.options import close_backends
from headway.entities import LogBatch, RunState, SearchQuery
from headway.errors import InvalidArgument
from headway.importers.common import ImportOptions, MissingDependency
from headway.importers.tensorboard import TensorBoardImporter
from headway.settings import Settings

START = 1_700_000_000.0


@dataclass
class Written:
    """What the test wrote, to compare the import against."""

    root: Path
    #: run name -> key -> [(step, wall time, value)]
    points: dict[str, dict[str, list[tuple[int, float, float]]]] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    #: step -> (min, max, sum, sum of squares, count) of the legacy histograms
    legacy_histograms: dict[int, tuple[float, float, float, float, int]] = field(
        default_factory=dict
    )
    #: step -> buckets [[left, right, count], ...] of the tensor histograms
    tensor_histograms: dict[int, list[list[float]]] = field(default_factory=dict)

    def add(self, run: str, key: str, step: int, wall: float, value: float) -> None:
        self.points.setdefault(run, {}).setdefault(key, []).append((step, wall, value))


def _png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((4, 6, 3), shade, dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def _event(step: int, wall: float, *values: summary_pb2.Summary.Value) -> event_pb2.Event:
    return event_pb2.Event(step=step, wall_time=wall, summary=summary_pb2.Summary(value=values))


def _write_train(folder: Path, written: Written, steps: range, *, first: bool) -> None:
    writer = EventFileWriter(str(folder))
    rng = np.random.default_rng(steps.start)
    if first:
        start = plugin_data_pb2.HParamsPluginData(
            session_start_info=plugin_data_pb2.SessionStartInfo(
                hparams={
                    "lr": struct_pb2.Value(number_value=0.003),
                    "optimizer": struct_pb2.Value(string_value="adam"),
                    "augment": struct_pb2.Value(bool_value=True),
                }
            )
        )
        writer.add_event(
            _event(
                0,
                START,
                summary_pb2.Summary.Value(
                    tag=hparams_metadata.SESSION_START_INFO_TAG,
                    metadata=hparams_metadata.create_summary_metadata(start),
                ),
            )
        )
        writer.add_event(
            event_pb2.Event(
                wall_time=START,
                log_message=event_pb2.LogMessage(level=event_pb2.LogMessage.WARN, message="hot"),
            )
        )
    for step in steps:
        wall = START + step * 0.5
        loss = float(np.float32(1.0 / (step + 1)))  # simple_value is a 32-bit float
        acc = float(rng.random())
        values = [
            summary_pb2.Summary.Value(tag="loss", simple_value=loss),
            summary_pb2.Summary.Value(
                tag="acc",
                tensor=tensor_util.make_tensor_proto(np.float64(acc)),
                # TF2 writers put the metadata on a tag's first value only.
                metadata=scalar_metadata.create_summary_metadata("", "") if step == 0 else None,
            ),
        ]
        written.add("train", "loss", step, wall, loss)
        written.add("train", "acc", step, wall, acc)
        if step % 50 == 0:
            data = rng.normal(size=100)
            counts, edges = np.histogram(data, bins=5)
            values.append(
                summary_pb2.Summary.Value(
                    tag="weights",
                    histo=summary_pb2.HistogramProto(
                        min=float(data.min()),
                        max=float(data.max()),
                        num=len(data),
                        sum=float(data.sum()),
                        sum_squares=float((data**2).sum()),
                        bucket_limit=[float(e) for e in edges[1:]],
                        bucket=[float(c) for c in counts],
                    ),
                )
            )
            written.legacy_histograms[step] = (
                float(data.min()),
                float(data.max()),
                float(data.sum()),
                float((data**2).sum()),
                len(data),
            )
            buckets = [[0.0, 1.0, 2.0], [1.0, 3.0, float(step % 7)], [3.0, 4.0, 1.0]]
            values.append(
                summary_pb2.Summary.Value(
                    tag="bias",
                    tensor=tensor_util.make_tensor_proto(np.array(buckets, dtype=np.float64)),
                    metadata=histogram_metadata.create_summary_metadata("", ""),
                )
            )
            written.tensor_histograms[step] = buckets
            png = _png(step % 255)
            values.append(
                summary_pb2.Summary.Value(
                    tag="samples/input",
                    image=summary_pb2.Summary.Image(
                        height=4, width=6, colorspace=3, encoded_image_string=png
                    ),
                )
            )
            written.images[f"media/images/samples/input/{step}_0.png"] = png
            text = f"**step {step}**: looks fine"
            values.append(
                summary_pb2.Summary.Value(
                    tag="notes",
                    tensor=tensor_util.make_tensor_proto(text),
                    metadata=text_metadata.create_summary_metadata("", ""),
                )
            )
            written.texts[step] = text
            values.append(
                summary_pb2.Summary.Value(
                    tag="voice",
                    audio=summary_pb2.Summary.Audio(sample_rate=8000, encoded_audio_string=b"RIFF"),
                )
            )
        writer.add_event(_event(step, wall, *values))
    writer.close()


def _write_logdir(root: Path) -> Written:
    written = Written(root)
    train = root / "train"
    _write_train(train, written, range(0, 200), first=True)
    # A restarted job adds a second event file to the same run folder.
    _write_train(train, written, range(200, 300), first=False)
    writer = EventFileWriter(str(train / "eval"))
    for step in range(0, 300, 10):
        wall = START + step
        value = step / 300
        writer.add_event(
            _event(
                step,
                wall,
                summary_pb2.Summary.Value(
                    tag="val/acc",
                    tensor=tensor_util.make_tensor_proto(np.float64(value)),
                    metadata=scalar_metadata.create_summary_metadata("", "") if step == 0 else None,
                ),
            )
        )
        written.add("train/eval", "val/acc", step, wall, value)
    writer.close()
    writer = EventFileWriter(str(root / "val"))
    for step in range(50):
        loss = float(np.float32(2.0 / (step + 1)))
        writer.add_event(
            _event(
                step,
                START + step,
                summary_pb2.Summary.Value(tag="loss", simple_value=loss),
                # Headway keys cannot start with a space: reported, not imported.
                summary_pb2.Summary.Value(tag=" padded", simple_value=1.0),
            )
        )
        written.add("val", "loss", step, START + step, loss)
    writer.close()
    return written


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return _write_logdir(tmp_path_factory.mktemp("tb") / "kt-logs")


@pytest.fixture
def imported(logdir: Written, local_backend: LocalBackend) -> dict[str, str]:
    """Run name -> run id, after one import of the log folder."""
    importer = TensorBoardImporter()
    report = importer.import_runs(local_backend, importer.discover([logdir.root]))
    assert not report.failed, report.text()
    return {o.source.name: o.run_id for o in report.outcomes}


def _history(backend: BaseBackend, run_id: str) -> dict[str, list[tuple[int, float, float]]]:
    keys = backend.metric_keys(run_id)
    return {
        key: list(zip(s.steps.tolist(), s.times.tolist(), s.values.tolist(), strict=True))
        for key, s in backend.get_history(run_id, keys).items()
    }


def test_every_scalar_point_is_imported_exactly(
    logdir: Written, imported: dict[str, str], local_backend: LocalBackend
) -> None:
    assert set(imported) == {"train", "train/eval", "val"}
    for run, expected in logdir.points.items():
        history = _history(local_backend, imported[run])
        for key, points in expected.items():
            assert history[key] == points, f"{run}: {key}"
    assert len(_history(local_backend, imported["train"])["loss"]) == 300  # both files


def test_histograms_become_statistics_and_a_table(
    logdir: Written, imported: dict[str, str], local_backend: LocalBackend
) -> None:
    run_id = imported["train"]
    history = _history(local_backend, run_id)
    for step, (lo, hi, total, squares, n) in logdir.legacy_histograms.items():
        at = {k: dict((s, v) for s, _, v in history[f"weights/{k}"]) for k in ("min", "max")}
        assert at["min"][step] == lo and at["max"][step] == hi
        mean = dict((s, v) for s, _, v in history["weights/mean"])[step]
        std = dict((s, v) for s, _, v in history["weights/std"])[step]
        assert mean == pytest.approx(total / n)
        assert std == pytest.approx(np.sqrt(squares / n - (total / n) ** 2))
    step, buckets = 50, logdir.tensor_histograms[50]
    mids = [(b[0] + b[1]) / 2 for b in buckets]
    counts = [b[2] for b in buckets]
    mean = dict((s, v) for s, _, v in history["bias/mean"])[step]
    assert mean == pytest.approx(np.average(mids, weights=counts))
    assert dict((s, v) for s, _, v in history["bias/max"])[step] == 4.0
    table = local_backend.get_file(run_id, "histograms/bias.csv").decode().splitlines()
    assert table[0] == "step,wall_time,left,right,count"
    assert len(table) == 1 + 3 * len(logdir.tensor_histograms)
    assert table[4].startswith(f"50,{START + 25.0!r},0.0,1.0,2")
    weights = local_backend.get_file(run_id, "histograms/weights.csv").decode().splitlines()
    assert len(weights) > len(logdir.legacy_histograms)


def test_images_text_hparams_and_log_messages(
    logdir: Written, imported: dict[str, str], local_backend: LocalBackend
) -> None:
    run_id = imported["train"]
    files = local_backend.list_files(run_id)
    for path, png in logdir.images.items():
        assert path in files
        assert local_backend.get_file(run_id, path) == png
    notes = local_backend.get_file(run_id, "text/notes.md").decode()
    for step, text in logdir.texts.items():
        assert f"## step {step}\n\n{text}\n" in notes
    run = local_backend.get_run(run_id)
    assert run.config == {"lr": 0.003, "optimizer": "adam", "augment": True}
    console = local_backend.get_console(run_id)
    assert [(c.stream, c.text, c.time) for c in console] == [("stderr", "hot", START)]


def test_runs_are_named_by_folder_and_keep_their_times(
    logdir: Written, imported: dict[str, str], local_backend: LocalBackend
) -> None:
    run = local_backend.get_run(imported["train/eval"])
    assert run.project == "kt-logs" and run.name == "train/eval"
    assert run.state is RunState.FINISHED
    assert run.metadata["imported_from"]["tool"] == "tensorboard"
    assert run.metadata["imported_from"]["complete"] is True
    # EventFileWriter stamps its first event (the file version) with the real time.
    assert run.finished_at is not None and run.finished_at >= run.created_at


def test_cli_imports_once_then_skips_everything(logdir: Written, tmp_path: Path) -> None:
    store = ["--dir", str(tmp_path / "store")]
    runner = CliRunner()
    first = runner.invoke(cli, ["import", "tensorboard", str(logdir.root), *store])
    close_backends()  # what `headway` does on exit
    assert first.exit_code == 0, first.output
    total = sum(len(points) for run in logdir.points.values() for points in run.values())
    histogram_points = 4 * 2 * len(logdir.legacy_histograms)  # min/max/mean/std, 2 tags
    lines = first.output.splitlines()
    assert lines[0] == (
        f"3 runs imported into kt-logs: {total + histogram_points:,} points, "
        f"1 console line, {len(logdir.images) + 3} files"
    )
    audio = len(logdir.images)  # one audio clip was written with each image
    assert f"{audio} values skipped: TensorBoard audio data is not imported" in lines
    assert (
        "50 values skipped: the key ' padded' is not valid in Headway (1-256 printable "
        "characters, no leading or trailing spaces)"
    ) in lines
    backend = LocalBackend(Settings.from_env(env={}, dir=str(tmp_path / "store")), migrate=False)
    try:
        before = {
            rid: (_history(backend, rid), backend.list_files(rid))
            for rid in (r.id for r in backend.iter_runs(SearchQuery(project="kt-logs")))
        }
        second = runner.invoke(cli, ["import", "tensorboard", str(logdir.root), *store])
        close_backends()
        assert second.exit_code == 0, second.output
        assert second.output.splitlines()[:2] == [
            "0 runs imported",
            "3 runs already imported (skipped):",
        ]
        after = {
            rid: (_history(backend, rid), backend.list_files(rid))
            for rid in (r.id for r in backend.iter_runs(SearchQuery(project="kt-logs")))
        }
        assert after == before
    finally:
        backend.close()


class _FailAfter(LocalBackend):
    """A store that loses its connection after some batches (an interrupted import)."""

    budget = 0

    def log_batch(self, run_id: str, batch: LogBatch) -> bool:
        if self.budget <= 0:
            raise ConnectionError("connection lost")
        self.budget -= 1
        return super().log_batch(run_id, batch)


def test_an_interrupted_import_resumes_without_duplicates(
    logdir: Written, settings: Settings
) -> None:
    importer = TensorBoardImporter()
    sources = [s for s in importer.discover([logdir.root]) if s.name == "train"]
    options = ImportOptions(batch_points=100)  # many batches, so it can stop mid-run
    backend = _FailAfter(settings, migrate=True)
    try:
        backend.budget = 3
        first = importer.import_runs(backend, sources, options)
        assert first.outcomes[0].status == "failed"
        assert "connection lost" in first.text()
        run_id = first.outcomes[0].run_id
        assert backend.get_run(run_id).state is RunState.RUNNING  # partly there
        backend.budget = 10_000
        second = importer.import_runs(backend, sources, options)
        assert second.outcomes[0].status == "resumed", second.text()
        assert "(1 of them finished an interrupted import)" in second.text()
        history = _history(backend, run_id)
        for key, points in logdir.points["train"].items():
            assert history[key] == points  # each point once, in order
        assert importer.import_runs(backend, sources, options).outcomes[0].status == "skipped"
    finally:
        backend.close()


def test_large_files_go_to_one_artifact_version(
    logdir: Written, local_backend: LocalBackend
) -> None:
    importer = TensorBoardImporter()
    sources = [s for s in importer.discover([logdir.root]) if s.name == "train"]
    options = ImportOptions(max_file_bytes=50)  # every image, table and text is "large"
    report = importer.import_runs(local_backend, sources, options)
    outcome = report.outcomes[0]
    assert outcome.artifact == f"{outcome.run_id}-files:v0"
    assert f"stored in artifact {outcome.run_id}-files:v0" in report.text()
    stored = {
        e.path for e in local_backend.artifacts.files("kt-logs", f"{outcome.run_id}-files", 0)
    }
    assert set(logdir.images) | {"histograms/weights.csv", "text/notes.md"} <= stored
    assert local_backend.list_files(outcome.run_id) == []
    versions = local_backend.artifacts.run_artifacts(outcome.run_id)["outputs"]
    assert [v.version for v in versions] == [0]
    # A re-import of a complete run reads nothing and uploads nothing.
    again = importer.import_runs(local_backend, sources, options)
    assert again.outcomes[0].status == "skipped"
    assert len(local_backend.artifacts.list_versions("kt-logs", f"{outcome.run_id}-files")) == 1


def test_progress_covers_every_byte_once(logdir: Written, local_backend: LocalBackend) -> None:
    importer = TensorBoardImporter()
    sources = importer.discover([logdir.root])
    seen: list[tuple[int, str]] = []
    importer.import_runs(local_backend, sources, progress=lambda n, label: seen.append((n, label)))
    assert sum(n for n, _ in seen) == sum(s.size for s in sources)
    assert {label for _, label in seen} == {"train", "train/eval", "val"}
    seen.clear()  # skipped runs count too, so the bar still reaches the end
    importer.import_runs(local_backend, sources, progress=lambda n, label: seen.append((n, label)))
    assert sum(n for n, _ in seen) == sum(s.size for s in sources)


def test_a_deleted_run_is_not_imported_again(logdir: Written, local_backend: LocalBackend) -> None:
    importer = TensorBoardImporter()
    sources = [s for s in importer.discover([logdir.root]) if s.name == "val"]
    run_id = importer.import_runs(local_backend, sources).outcomes[0].run_id
    local_backend.delete_run(run_id)
    report = importer.import_runs(local_backend, sources).text()
    assert f"(deleted in Headway; `headway runs restore {run_id}` brings it back)" in report


def test_a_folder_without_event_files_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidArgument, match="holds no TensorBoard event files"):
        TensorBoardImporter().discover([tmp_path / "empty"])
    done = subprocess.run(
        [Path(sys.executable).parent / "headway", "import", "tensorboard", "empty"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: empty holds no TensorBoard event files")


def test_missing_tensorboard_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, logdir: Written
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard.backend.event_processing.io_wrapper", None)
    with pytest.raises(MissingDependency, match=r"pip install 'headway\[import-tensorboard\]'"):
        TensorBoardImporter().discover([logdir.root])


def test_import_into_a_running_server(
    logdir: Written, headway_url: str, local_backend: LocalBackend
) -> None:
    result = CliRunner().invoke(
        cli, ["import", "tensorboard", str(logdir.root), "--url", headway_url, "-p", "remote"]
    )
    close_backends()
    assert result.exit_code == 0, result.output
    http = HttpBackend(headway_url)
    try:
        runs = {r.name: r.id for r in http.iter_runs(SearchQuery(project="remote"))}
        assert set(runs) == {"train", "train/eval", "val"}
        history = _history(http, runs["train"])
        assert history["loss"] == logdir.points["train"]["loss"]
        files = http.list_files(runs["train"])
        assert set(logdir.images) <= set(files)
    finally:
        http.close()
