"""``RunSink``: one source run's data as numbered ``LogBatch``es of bounded size.

Also the histogram helpers both TensorBoard and W&B histograms go through.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from headway.backend.base import BaseBackend
from headway.entities import ConsoleLine, LogBatch, RunCreate, RunState, RunUpdate, Series
from headway.entities.runs import RunFinish
from headway.errors import InvalidArgument
from headway.importers.common import (
    BATCH_BYTES,
    IMPORTED_FROM,
    MAX_CONSOLE_LINE,
    ImportOptions,
    RunOutcome,
    file_path,
)
from headway.tracking import validation as v

_MAX_BATCH_LINES = 50_000
_STEP_RANGE = "steps must be between 0 and 2**62"


def _bad_key(key: str) -> str:
    return (
        f"the key {key[:80]!r} is not valid in Headway (1-256 printable characters, "
        "no leading or trailing spaces)"
    )


class _Columns:
    """One metric's pending points, flat (no per-point tuples: a million of them make
    the cyclic GC rescan again and again)."""

    __slots__ = ("steps", "times", "values")

    def __init__(self) -> None:
        self.steps = array("q")
        self.times = array("d")
        self.values = array("d")


class RunSink:
    """Receives one source run's data and ships it as numbered, bounded ``LogBatch``es.

    Not thread-safe: one importer thread feeds one sink. Call :meth:`finish` last; a
    sink that was never finished leaves the run incomplete, and the next import of the
    same source resumes it.
    """

    def __init__(
        self,
        backend: BaseBackend,
        run_id: str,
        project: str,
        *,
        imported_from: Mapping[str, Any],
        options: ImportOptions,
        outcome: RunOutcome,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.backend = backend
        self.run_id = run_id
        self.project = project
        self.outcome = outcome
        self._imported_from = dict(imported_from)
        self._max_points = max(1, min(backend.max_batch_points, options.batch_points))
        self._max_file_bytes = options.max_file_bytes
        self._progress = progress
        self._seq = 0
        self._points: dict[str, _Columns] = {}
        self._pending_points = 0
        self._console: list[ConsoleLine] = []
        self._pending_bytes = 0
        self._files: dict[str, bytes] = {}
        self._config: dict[str, Any] = {}
        self._attributes: dict[str, Any] = {}
        self._created_at: datetime | None = None
        self._parent_id: str | None = None
        self._key_ok: dict[str, bool] = {}
        self._large: list[tuple[str, Path | bytes]] = []
        self._finished = False
        #: Latest wall time of the points sent so far.
        self.last_time = 0.0

    # -- data -------------------------------------------------------------------------------
    def point(self, key: str, step: int, time: float, value: float) -> None:
        """One metric point. Invalid keys, steps and times are counted as skipped.

        The hot path of every import (once per point): steps and times are checked a
        whole batch at a time, with NumPy, when the batch is cut.
        """
        columns = self._points.get(key)
        if columns is None:
            columns = self._start_key(key)
            if columns is None:
                return
        try:
            columns.steps.append(step)
        except OverflowError:  # beyond 64 bits
            self.skip("value", _STEP_RANGE)
            return
        columns.times.append(time)
        columns.values.append(value)
        self._pending_points += 1
        if self._pending_points >= self._max_points:
            self._flush()

    def points(
        self,
        key: str,
        steps: Sequence[int],
        times: Sequence[float],
        values: Sequence[float],
    ) -> None:
        """Many points of one metric at once: the same as calling :meth:`point` for each,
        batches cut at the same places, without a Python call per point."""
        total = len(steps)
        start = 0
        while start < total:
            columns = self._points.get(key)
            if columns is None:
                columns = self._start_key(key)  # counts one value when the key is bad
                if columns is None:
                    self.skip("value", _bad_key(key), total - start - 1)
                    return
            end = min(total, start + self._max_points - self._pending_points)
            before = len(columns.steps)
            try:
                columns.steps.extend(steps[start:end])
            except OverflowError:  # a step beyond 64 bits: let point() sort them out
                del columns.steps[before:]
                for i in range(start, end):
                    self.point(key, steps[i], times[i], values[i])
                start = end
                continue
            columns.times.extend(times[start:end])
            columns.values.extend(values[start:end])
            self._pending_points += end - start
            start = end
            if self._pending_points >= self._max_points:
                self._flush()

    def _start_key(self, key: str) -> _Columns | None:
        ok = self._key_ok.get(key)
        if ok is None:
            ok = self._key_ok[key] = self._valid_key(key)
        if not ok:
            self.skip("value", _bad_key(key))
            return None
        columns = self._points[key] = _Columns()
        return columns

    @property
    def latest_time(self) -> float:
        """The latest wall time of the points so far (0 before any)."""
        pending = (float(np.frombuffer(c.times).max()) for c in self._points.values() if c.times)
        return max([self.last_time, *pending])

    def console(self, time: float, stream: str, text: str) -> None:
        """One console line (``stream`` is "stdout" or "stderr"), split when very long."""
        for start in range(0, max(1, len(text)), MAX_CONSOLE_LINE):
            piece = text[start : start + MAX_CONSOLE_LINE]
            self._console.append(ConsoleLine(time, stream, piece))
            self._pending_bytes += len(piece)
        if self._pending_bytes >= BATCH_BYTES or len(self._console) >= _MAX_BATCH_LINES:
            self._flush()

    def file(self, path: str, data: bytes) -> None:
        """Store a file with the run (into the run's artifact when it is large)."""
        clean = file_path(path)
        if len(data) > self._max_file_bytes:
            self._large.append((clean, data))
            return
        if self._files and self._pending_bytes + len(data) > BATCH_BYTES:
            self._flush()
        self._files[clean] = data
        self._pending_bytes += len(data)

    def file_from(self, path: str, source: Path) -> None:
        """Like :meth:`file`, reading ``source`` only when it is small enough."""
        try:
            size = source.stat().st_size
            if size > self._max_file_bytes:
                self._large.append((file_path(path), source))
                return
            data = source.read_bytes()
        except OSError as exc:
            self.skip("file", f"could not be read ({exc.strerror or exc})")
            return
        self.file(path, data)

    def config(self, values: Mapping[str, Any]) -> None:
        """Merge config values; a value Headway cannot store is skipped, not fatal."""
        for key, value in values.items():
            try:
                clean = v.config_tree({key: value})
            except InvalidArgument as exc:
                self.skip("config value", exc.message)
                continue
            _merge(self._config, clean)

    def describe(
        self,
        *,
        name: str | None = None,
        tags: Sequence[str] | None = None,
        kv_tags: Mapping[str, str] | None = None,
        notes: str | None = None,
        group: str | None = None,
        job_type: str | None = None,
        created_at: float | None = None,
        metadata: Mapping[str, Any] | None = None,
        parent_id: str | None = None,
    ) -> None:
        """Set run attributes. Before the first batch they go into the run's creation;
        later, into the next batch as an update (``created_at`` and ``parent_id`` only
        count before)."""
        for attr, value, check in (
            ("name", name, v.run_name),
            ("group", group, v.run_name),
            ("job_type", job_type, v.run_name),
        ):
            if value:
                try:
                    self._attributes[attr] = check(value)
                except InvalidArgument:
                    self.skip(attr.replace("_", " "), "not valid in Headway")
        if tags is not None:
            kept = []
            for tag in tags:
                try:
                    kept.append(v.tag(tag))
                except InvalidArgument:
                    self.skip("tag", "not valid in Headway (1-128 printable characters)")
            self._attributes["tags"] = tuple(dict.fromkeys(kept))
        for key, value in (kv_tags or {}).items():  # MLflow's kind of tag
            try:
                self._attributes.setdefault("kv_tags", {}).update(v.kv_tags({key: value}))
            except InvalidArgument as exc:
                self.skip("tag", exc.message)
        if notes:
            self._attributes["notes"] = str(notes)
        if metadata:
            merged = dict(self._attributes.get("metadata", {}))
            merged.update(_json_safe(metadata))
            self._attributes["metadata"] = merged
        if created_at is not None and self._seq == 0 and math.isfinite(created_at):
            self._created_at = datetime.fromtimestamp(created_at, UTC)
        if parent_id and self._seq == 0:
            try:
                self._parent_id = v.run_id(parent_id)
            except InvalidArgument:
                self.skip("parent run", "its id is not a valid Headway run id")

    def skip(self, what: str, why: str, count: int = 1) -> None:
        """Count something left out, for the report (``what`` is a singular noun)."""
        self.outcome.skipped[(what, why)] += count

    def advance(self, nbytes: int) -> None:
        """Report progress through the source."""
        if self._progress is not None and nbytes:
            self._progress(nbytes)

    def flush(self) -> None:
        """Send what is pending now, creating the run if it does not exist yet (e.g.
        before logging an artifact that names the run as its producer). Call it at the
        same place in the data on every import, so batches are cut where they were."""
        self._flush(force=True)

    # -- the end ----------------------------------------------------------------------------
    def finish(
        self,
        state: RunState,
        *,
        summary: Mapping[str, Any] | None = None,
        exit_code: int | None = None,
        error: str | None = None,
        end_time: float | None = None,
    ) -> None:
        """Send everything left, with the user summary, the run's end and the marker
        that the import is complete. Large files go into an artifact first, so a run
        marked complete has everything."""
        if self._large:
            self._flush(force=True)  # the artifact's run must exist
            self._log_large_files()
        clean_summary: dict[str, Any] = {}
        for key, value in (summary or {}).items():
            if not self._valid_key(key):
                self.skip("summary value", _bad_key(key))
                continue
            try:
                json.dumps(value, allow_nan=True)
            except (TypeError, ValueError):
                self.skip("summary value", "not storable as JSON")
                continue
            clean_summary[key] = value
        marker = {**self._imported_from, "complete": True}
        if self.outcome.artifact:
            marker["large_files_artifact"] = self.outcome.artifact
        self.describe(metadata={IMPORTED_FROM: marker})
        end = end_time if end_time is not None else self.latest_time
        self._flush(
            force=True,
            summary=clean_summary,
            finish=RunFinish(state, exit_code=exit_code, error=error),
            time=end if end and math.isfinite(end) else 0.0,
        )
        self._finished = True

    @property
    def finished(self) -> bool:
        return self._finished

    # -- internals --------------------------------------------------------------------------
    def _valid_key(self, key: str) -> bool:
        try:
            v.metric_key(key)
        except InvalidArgument:
            return False
        return True

    def _flush(
        self,
        *,
        force: bool = False,
        summary: Mapping[str, Any] | None = None,
        finish: RunFinish | None = None,
        time: float = 0.0,
    ) -> None:
        if not force and not (self._points or self._console or self._files or self._config):
            return
        metrics = {}
        for key, c in self._points.items():
            series = self._checked(
                Series(
                    key,
                    np.frombuffer(c.steps, dtype=np.int64).copy(),
                    np.frombuffer(c.times, dtype=np.float64).copy(),
                    np.frombuffer(c.values, dtype=np.float64).copy(),
                )
            )
            if len(series):
                metrics[key] = series
                self.last_time = max(self.last_time, float(series.times.max()))
        create = update = None
        if self._seq == 0:
            attrs = self._attributes
            create = RunCreate(
                project=self.project,
                id=self.run_id,
                name=attrs.get("name"),
                tags=attrs.get("tags", ()),
                kv_tags=attrs.get("kv_tags", {}),
                notes=attrs.get("notes", ""),
                group=attrs.get("group"),
                job_type=attrs.get("job_type"),
                metadata={IMPORTED_FROM: self._imported_from, **attrs.get("metadata", {})},
                created_at=self._created_at,
                parent_id=self._parent_id,
            )
        elif self._attributes:
            update = RunUpdate(**self._attributes)
        batch = LogBatch(
            seq=self._seq,
            metrics=metrics,
            summary=dict(summary or {}),
            config=self._config,
            console=tuple(self._console),
            time=time,
            create=create,
            update=update,
            files=self._files,
            finish=finish,
        )
        if self.backend.log_batch(self.run_id, batch):
            self.outcome.points += batch.point_count
            self.outcome.console_lines += len(batch.console)
            self.outcome.files += len(batch.files)
        self._seq += 1
        self._points = {}
        self._pending_points = 0
        self._console = []
        self._pending_bytes = 0
        self._files = {}
        self._config = {}
        self._attributes = {}

    def _checked(self, series: Series) -> Series:
        """The series without points the store would refuse, which are counted."""
        bad_step = (series.steps < 0) | (series.steps >= v.MAX_STEP)
        bad_time = ~np.isfinite(series.times)
        if not (bad_step.any() or bad_time.any()):
            return series
        if n := int(bad_step.sum()):
            self.skip("value", _STEP_RANGE, n)
        if n := int((bad_time & ~bad_step).sum()):
            self.skip("value", "wall time is not a finite number", n)
        keep = ~(bad_step | bad_time)
        return Series(series.key, series.steps[keep], series.times[keep], series.values[keep])

    def _log_large_files(self) -> None:
        # The SDK's artifact path: hashed, only missing blobs sent, identical content
        # returns the existing version, so a re-import never makes a second one.
        from headway.sdk.artifacts.builder import Artifact
        from headway.sdk.artifacts.logger import log_artifact

        artifact = Artifact(
            f"{self.run_id}-files",
            "run-files",
            description=f"Files of imported run {self.run_id} too large for run files",
        )
        seen: set[str] = set()
        for path, content in self._large:
            if path in seen:
                continue
            seen.add(path)
            if isinstance(content, Path):
                artifact.add_file(content, name=path)
            else:
                with artifact.new_file(path, mode="wb") as out:
                    out.write(content)
        version, _ = log_artifact(self.backend, self.project, artifact, run_id=self.run_id)
        self.outcome.artifact = f"{version.name}:v{version.version}"
        self.outcome.large_files = len(seen)
        self.outcome.large_file_limit = self._max_file_bytes


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _json_safe(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with anything JSON cannot hold turned into text (metadata is
    informative; a stray object must not fail the run)."""
    out: dict[str, Any] = json.loads(json.dumps(dict(values), default=str, allow_nan=True))
    return out


# -- histograms (TensorBoard histograms, W&B wandb.Histogram) ---------------------------------
HISTOGRAM_STATS = ("min", "max", "mean", "std")


def histogram_stats(
    lefts: Sequence[float], rights: Sequence[float], counts: Sequence[float]
) -> dict[str, float] | None:
    """Min, max, mean and standard deviation of a bucketed histogram, from bucket edges
    and midpoints (so mean and std are approximate); None when it is empty."""
    left = np.asarray(lefts, dtype=np.float64)
    right = np.asarray(rights, dtype=np.float64)
    count = np.asarray(counts, dtype=np.float64)
    total = float(count.sum())
    if total <= 0:
        return None
    used = np.nonzero(count > 0)[0]
    mid = (left + right) / 2
    mean = float((mid * count).sum() / total)
    var = float(((mid - mean) ** 2 * count).sum() / total)
    return {
        "min": float(left[used[0]]),
        "max": float(right[used[-1]]),
        "mean": mean,
        "std": math.sqrt(max(var, 0.0)),
    }


class HistogramTable:
    """One tag's histograms over steps, kept as a CSV file: every bucket of every step."""

    HEADER = "step,wall_time,left,right,count\n"

    def __init__(self) -> None:
        self._parts: list[str] = [self.HEADER]
        self.rows = 0

    def add(
        self,
        step: int,
        time: float,
        lefts: Sequence[float],
        rights: Sequence[float],
        counts: Sequence[float],
    ) -> None:
        self._parts.extend(
            f"{step},{time!r},{float(lo)!r},{float(hi)!r},{float(n):g}\n"
            for lo, hi, n in zip(lefts, rights, counts, strict=True)
        )
        self.rows += 1

    def data(self) -> bytes:
        return "".join(self._parts).encode()
