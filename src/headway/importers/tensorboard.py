"""``headway import tensorboard``: event files read with TensorBoard's own reader.

A run is a folder that directly holds event files (``events.out.tfevents.*``); nested
folders are runs of their own, named by their path below the log folder. The files of a
run are read in name order (their names start with the time they were opened), with
TensorBoard's ``event_file_loader`` and its ``data_compat`` layer, which turns the
legacy ``histo`` / ``image`` / ``audio`` values of TF1 and PyTorch writers into the
tensor form TF2 writes, so both are handled by one path.

What becomes what (docs/importers.md has the table):

- scalars -> metric points (step, wall time, value);
- histograms -> ``<tag>/min|max|mean|std`` metric points, plus every bucket of every
  step in the run file ``histograms/<tag>.csv``;
- images -> run files ``media/images/<tag>/<step>_<i>.<ext>``;
- text -> the run file ``text/<tag>.md``, one section per step;
- hparams (session start info) -> the run's config;
- old-style ``log_message`` events -> console lines.

Everything else (audio, PR curves, meshes, graphs, …) is counted as skipped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from headway.entities import RunState
from headway.errors import InvalidArgument
from headway.importers.base import BaseImporter
from headway.importers.common import SourceRun, file_path, require
from headway.importers.sink import HISTOGRAM_STATS, HistogramTable, RunSink, histogram_stats

EXTRA = "import-tensorboard"
_IMAGE_TYPES = (
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF8", "gif"),
    (b"RIFF", "webp"),
    (b"BM", "bmp"),
)
#: TensorBoard's log levels; the two worst go to stderr.
_STDERR_LEVELS = (30, 40, 50)  # WARN, ERROR, FATAL in tensorboard's event.proto


def _tb(module: str) -> ModuleType:
    return require(f"tensorboard.{module}", EXTRA, why="Importing TensorBoard logs")


class TensorBoardImporter(BaseImporter):
    tool = "tensorboard"
    id_prefix = "tb"
    default_project = "tensorboard"

    def discover(self, paths: Sequence[Path]) -> list[SourceRun]:
        io_wrapper = _tb("backend.event_processing.io_wrapper")
        found: list[SourceRun] = []
        seen: set[str] = set()
        for root in paths:
            if not root.is_dir():
                raise InvalidArgument(
                    f"{root} is not a folder: give the TensorBoard log folder (the one "
                    "passed to `tensorboard --logdir`)"
                )
            runs = _run_folders(root, io_wrapper)
            if not runs:
                raise InvalidArgument(
                    f"{root} holds no TensorBoard event files (events.out.tfevents.*) at "
                    "any depth: is it a TensorBoard log folder?"
                )
            logdir_name = root.resolve().name
            for folder, files in runs:
                rel = folder.relative_to(root).as_posix()
                # The first file's name holds its start time, host and process id, so it
                # stays the same when the log folder is moved or more files are added.
                identity = files[0].name
                if identity in seen:  # a copied run folder: keep both apart
                    identity = f"{identity}@{rel}"
                seen.add(identity)
                found.append(
                    SourceRun(
                        identity=identity,
                        path=folder,
                        name=logdir_name if rel == "." else rel,
                        size=sum(f.stat().st_size for f in files),
                        project=logdir_name,
                        extra={"files": tuple(files)},
                    )
                )
        return found

    def read(self, source: SourceRun, sink: RunSink) -> None:
        reader = _Reader(
            sink,
            loader=_tb("backend.event_processing.event_file_loader"),
            data_compat=_tb("data_compat"),
            tensor_util=_tb("util.tensor_util"),
            hparams=_tb("plugins.hparams.metadata"),
        )
        sink.describe(name=source.name)
        for path in source.extra["files"]:
            reader.read_file(path)
            sink.advance(path.stat().st_size)
        reader.write_tables()
        sink.finish(RunState.FINISHED, end_time=reader.last_time or None)


def _run_folders(root: Path, io_wrapper: Any) -> list[tuple[Path, list[Path]]]:
    """Folders at or under ``root`` that directly hold event files, sorted by path."""
    runs: list[tuple[Path, list[Path]]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        events = sorted(
            Path(dirpath) / name
            for name in filenames
            if io_wrapper.IsSummaryEventsFile(os.path.join(dirpath, name))
        )
        if events:
            runs.append((Path(dirpath), events))
    return runs


@dataclass
class _Reader:
    """Turns one run's events into sink calls; keeps per-run state across its files."""

    sink: RunSink
    loader: Any
    data_compat: Any
    tensor_util: Any
    hparams: Any
    #: tag -> plugin name. TF2 writers put the metadata on a tag's first value only.
    plugins: dict[str, str] = field(default_factory=dict)
    histograms: dict[str, HistogramTable] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)
    last_time: float = 0.0

    def read_file(self, path: Path) -> None:
        # The legacy loader yields events as written; data_compat is applied below only
        # to the values that need it (the full EventFileLoader converts every scalar to
        # a tensor proto first, which made reading seven times slower).
        for event in self.loader.LegacyEventFileLoader(str(path)).Load():
            self.event(event)

    def event(self, event: Any) -> None:
        time = float(event.wall_time)
        if self.last_time == 0.0:
            self.sink.describe(created_at=time)
        self.last_time = max(self.last_time, time)
        kind = event.WhichOneof("what")
        if kind == "summary":
            step = int(event.step)
            point = self.sink.point
            for value in event.summary.value:
                if value.WhichOneof("value") == "simple_value":  # the common case, kept cheap
                    point(value.tag, step, time, value.simple_value)
                else:
                    self.value(step, time, value)
        elif kind == "log_message":
            stream = "stderr" if event.log_message.level in _STDERR_LEVELS else "stdout"
            for line in event.log_message.message.splitlines() or [""]:
                self.sink.console(time, stream, line)
        elif kind in ("graph_def", "meta_graph_def", "tagged_run_metadata"):
            self.sink.skip("graph", "model graphs and run metadata are not imported")

    def value(self, step: int, time: float, value: Any) -> None:
        kind = value.WhichOneof("value")
        original = value
        if kind in ("histo", "image", "audio"):
            value = self.data_compat.migrate_value(value)
        tag = value.tag
        plugin = value.metadata.plugin_data.plugin_name if value.HasField("metadata") else ""
        if plugin:
            self.plugins[tag] = plugin
        else:
            plugin = self.plugins.get(tag, "")
        if plugin == "scalars":
            self.scalar(tag, step, time, value)
        elif plugin == "histograms":
            self.histogram(tag, step, time, value, original)
        elif plugin == "images":
            self.images(tag, step, value)
        elif plugin == "text":
            self.text(tag, step, value)
        elif plugin == "hparams":
            self.hparams_start(value)
        else:
            what = f"TensorBoard {plugin} data" if plugin else "tensors without a plugin"
            self.sink.skip("value", f"{what} is not imported")

    def scalar(self, tag: str, step: int, time: float, value: Any) -> None:
        array = self.tensor_util.make_ndarray(value.tensor)
        if array.size != 1 or array.dtype.kind not in "biuf":
            self.sink.skip("value", "a scalar tag held a non-scalar tensor")
            return
        self.sink.point(tag, step, time, float(array.reshape(-1)[0]))

    def histogram(self, tag: str, step: int, time: float, value: Any, original: Any) -> None:
        buckets = self.tensor_util.make_ndarray(value.tensor)
        if buckets.ndim != 2 or (buckets.size and buckets.shape[1] != 3):
            self.sink.skip("value", "a histogram tensor did not have shape [k, 3]")
            return
        lefts, rights, counts = buckets[:, 0], buckets[:, 1], buckets[:, 2]
        self.histograms.setdefault(tag, HistogramTable()).add(step, time, lefts, rights, counts)
        if original.WhichOneof("value") == "histo" and original.histo.num > 0:
            # Old-style histograms carry exact statistics; use them over the buckets.
            h = original.histo
            mean = h.sum / h.num
            var = max(h.sum_squares / h.num - mean * mean, 0.0)
            stats: dict[str, float] | None = {
                "min": h.min,
                "max": h.max,
                "mean": mean,
                "std": var**0.5,
            }
        else:
            stats = histogram_stats(lefts, rights, counts)
        if stats is not None:
            for name in HISTOGRAM_STATS:
                self.sink.point(f"{tag}/{name}", step, time, stats[name])

    def images(self, tag: str, step: int, value: Any) -> None:
        # The image plugin's tensor: [width, height, encoded image, encoded image, …].
        blobs = list(value.tensor.string_val)[2:]
        for i, blob in enumerate(blobs):
            ext = next((e for magic, e in _IMAGE_TYPES if blob.startswith(magic)), "bin")
            self.sink.file(f"media/images/{file_path(tag)}/{step}_{i}.{ext}", bytes(blob))

    def text(self, tag: str, step: int, value: Any) -> None:
        body = _text_body(self.tensor_util.make_ndarray(value.tensor))
        self.texts.setdefault(tag, []).append(f"## step {step}\n\n{body}\n")

    def hparams_start(self, value: Any) -> None:
        try:
            info = self.hparams.parse_session_start_info_plugin_data(
                value.metadata.plugin_data.content
            )
        except Exception:  # experiment / session end records: no values to import
            return
        values: dict[str, Any] = {}
        for name, item in info.hparams.items():
            which = item.WhichOneof("kind")
            if which in ("number_value", "string_value", "bool_value"):
                values[name] = getattr(item, which)
        self.sink.config(values)

    def write_tables(self) -> None:
        """The per-tag files kept until the end: histogram tables and text logs."""
        for tag, table in sorted(self.histograms.items()):
            self.sink.file(f"histograms/{file_path(tag)}.csv", table.data())
        for tag, sections in sorted(self.texts.items()):
            self.sink.file(f"text/{file_path(tag)}.md", "\n".join(sections).encode())


def _text_body(array: Any) -> str:
    """A text summary as markdown: a string as is, a list one item a line, a table (as
    the text plugin shows 2-D arrays) one row a line with ``|`` between cells."""

    def cell(item: Any) -> str:
        return item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)

    if array.ndim == 0:
        return cell(array.item())
    if array.ndim == 1:
        return "\n".join(cell(item) for item in array)
    rows = array.reshape(array.shape[0], -1)
    return "\n".join(" | ".join(cell(item) for item in row) for row in rows)
