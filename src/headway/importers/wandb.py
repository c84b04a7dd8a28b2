"""``headway import wandb``: W&B run folders, read with W&B's own reader.

A W&B run folder (``wandb/offline-run-<time>-<id>`` or ``wandb/run-<time>-<id>``) holds
the run's transaction log ``run-<id>.wandb`` and a ``files/`` folder. The log is read by
the ``wandb`` package itself: its ``wandb-core`` program prints every record as one
JSON line (``wandb leet inspect --json``; the Python-side ``datastore`` reader of older
versions is gone), and this module maps the records to a Headway run:

- ``run`` -> name, tags, notes, group, job type, start time, config;
- ``config`` -> config changes; ``summary`` -> values set directly in the summary;
- ``history`` -> metric points at the row's step and ``_timestamp`` (every row);
  ``wandb.Histogram`` values -> ``<key>/min|max|mean|std`` points and the run file
  ``histograms/<key>.csv``;
- ``stats`` -> system metrics ``system/<W&B name>``, one step per sample;
- ``output_raw`` -> console lines; ``exit`` -> the final state and exit code;
- ``environment`` -> run metadata; ``metric`` (``define_metric``) -> metric definitions;
- ``files/`` -> run files (images and tables logged as media live there too).
"""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

from headway.entities import RunState
from headway.errors import InvalidArgument
from headway.importers.base import BaseImporter
from headway.importers.common import MissingDependency, SourceRun, file_path, parse_time, require
from headway.importers.sink import HISTOGRAM_STATS, HistogramTable, RunSink, histogram_stats

EXTRA = "import-wandb"
#: History keys W&B adds to every row; the step and time are used, never stored as metrics.
_INTERNAL = ("_step", "_runtime", "_timestamp")
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_SUMMARY_RULES = ("min", "max", "mean", "last", "first", "none")
_RECORDS_WITH_DATA_LEFT_OUT = {
    "artifact": ("artifact record", "W&B artifacts are not imported"),
    "use_artifact": ("artifact record", "W&B artifacts are not imported"),
    "link_artifact": ("artifact record", "W&B artifacts are not imported"),
    "tbrecord": (
        "TensorBoard record",
        "synced TensorBoard logs are not imported here; use `headway import tensorboard`",
    ),
}


def _wandb(module: str) -> ModuleType:
    return require(module, EXTRA, why="Importing W&B runs")


class WandbImporter(BaseImporter):
    tool = "wandb"
    id_prefix = "wb"
    default_project = "wandb"

    def discover(self, paths: Sequence[Path]) -> list[SourceRun]:
        files: list[Path] = []
        for path in paths:
            found = _wandb_files(path)
            if not found:
                raise InvalidArgument(
                    f"{path} is not a W&B run folder: expected a run-<id>.wandb file in it, "
                    "a wandb/ folder of run folders (offline-run-*), or a .wandb file"
                )
            files.extend(found)
        core = _core_path()
        runs: list[SourceRun] = []
        for file in dict.fromkeys(files):
            head = _first_run_record(core, file)
            runs.append(
                SourceRun(
                    # W&B names the folder after the run's start time and id, so the
                    # name survives moving the folder and differs for a resumed run.
                    identity=f"{file.parent.name}/{file.name}",
                    path=file.parent,
                    name=head.get("display_name") or head.get("run_id") or file.parent.name,
                    size=file.stat().st_size,
                    project=head.get("project") or None,
                    extra={"file": file, "core": core},
                )
            )
        return runs

    def read(self, source: SourceRun, sink: RunSink) -> None:
        run = _WandbRun(sink)
        sink.describe(name=source.name)
        # The reader's JSON is about as long as the log, so its length measures progress.
        left = source.size

        def advance(n: int) -> None:
            nonlocal left
            step = min(n, left)
            left -= step
            sink.advance(step)

        with _records(source.extra["core"], source.extra["file"], advance) as records:
            for record in records:
                run.record(record)
        sink.advance(left)
        run.finish(source.path / "files")


def _wandb_files(path: Path) -> list[Path]:
    """The .wandb files ``path`` names: itself, the one in a run folder, those in the run
    folders of a wandb/ folder, or those of the wandb/ folder inside a project folder."""
    if path.is_file():
        return [path.resolve()] if path.suffix == ".wandb" else []
    for pattern in ("*.wandb", "*/*.wandb", "wandb/*/*.wandb"):
        # latest-run is a link to one of the others; resolving drops the duplicate.
        found = sorted({p.resolve() for p in path.glob(pattern) if p.is_file()})
        if found:
            return found
    return []


def _core_path() -> str:
    util = _wandb("wandb.util")
    try:
        return str(util.get_core_path())
    except Exception as exc:  # WandbCoreNotAvailableError: no binary for this platform
        raise MissingDependency(
            f"the installed wandb cannot read its run files here ({exc}); "
            f"reinstall it with: pip install -U 'headway[{EXTRA}]'"
        ) from None


@contextlib.contextmanager
def _records(
    core: str, file: Path, progress: Callable[[int], None] | None = None
) -> Iterator[Iterator[dict[str, Any]]]:
    """The run's records, in order, from W&B's own reader (one JSON object a line);
    ``progress`` is called with the length of each line."""
    command = [
        core,
        "leet",
        "inspect",
        "--no-observability",  # never phone home from an import
        "--json",
        "--run-file",
        str(file),
        str(file.parent.parent),
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        stdout = process.stdout

        def lines() -> Iterator[dict[str, Any]]:
            for line in stdout:
                if progress is not None:
                    progress(len(line))
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:
                    yield json.loads(line)  # integers beyond 64 bits, which orjson refuses
            if process.wait() != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip().splitlines()
                raise InvalidArgument(
                    f"W&B could not read {file}: {message[-1] if message else 'unknown error'}"
                    " (a damaged file, or a wandb without `wandb leet inspect --json`, which "
                    f"reads it: pip install -U 'headway[{EXTRA}]')"
                )

        try:
            yield lines()
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            stdout.close()


def _first_run_record(core: str, file: Path) -> dict[str, Any]:
    """The run record (name, project) from the start of the log, without reading it all.

    An unreadable log gives ``{}`` here; reading it fails later, as that run's failure,
    so one broken folder does not stop the others from being imported.
    """
    try:
        with _records(core, file) as records:
            for index, record in enumerate(records):
                if record.get("type") == "run":
                    return dict(record.get("run") or {})
                if index > 200:  # the run record is the second one; give up on odd files
                    break
    except InvalidArgument:
        pass
    return {}


def _number(value: Any) -> float | None:
    """A history value as a metric value, or None when it is not a number."""
    if isinstance(value, bool | int | float):
        try:
            return float(value)
        except OverflowError:
            return math.copysign(math.inf, value)
    if isinstance(value, str):
        return _NON_FINITE.get(value)
    return None


def _why_not_a_number(value: Any) -> str:
    if isinstance(value, str):
        return "text values are not metrics"
    if isinstance(value, list):
        return "lists are not metrics"
    return f"{type(value).__name__} values are not metrics"


class _WandbRun:
    """The state of one run while its records stream by."""

    def __init__(self, sink: RunSink) -> None:
        self.sink = sink
        self.summary: dict[str, Any] = {}
        #: Last logged value per history key, to tell set summary values from derived ones.
        self.last: dict[str, float] = {}
        self.system_step = 0
        self.exit_code: int | None = None
        self.runtime: float | None = None
        self.start: float | None = None
        #: The latest history time, for records that carry none.
        self.time = 0.0
        self.console_kind: str | None = None
        self.partial: dict[str, tuple[float, str]] = {}
        self.histograms: dict[str, HistogramTable] = {}
        self.metric_defs: list[dict[str, Any]] = []
        self.environment: dict[str, Any] = {}
        self.wandb: dict[str, Any] = {}
        self.git: dict[str, Any] = {}
        self.handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "run": self.run,
            "config": self.config,
            "history": self.history,
            "summary": self.summary_update,
            "stats": self.stats,
            "output_raw": lambda r: self.output("output_raw", r),
            "output": lambda r: self.output("output", r),
            "exit": self.exit,
            "environment": self.environment_record,
            "metric": self.metric,
        }

    def record(self, record: dict[str, Any]) -> None:
        kind = str(record.get("type", ""))
        handler = self.handlers.get(kind)
        if handler is not None:
            handler(record.get(kind) or {})
        elif kind in _RECORDS_WITH_DATA_LEFT_OUT:
            self.sink.skip(*_RECORDS_WITH_DATA_LEFT_OUT[kind])

    # -- records ------------------------------------------------------------------------------
    def run(self, r: dict[str, Any]) -> None:
        if r.get("start_time"):
            self.start = parse_time(r["start_time"])
        for key in ("run_id", "project", "entity", "display_name", "host", "sweep_id"):
            if r.get(key):
                self.wandb[key] = r[key]
        git = r.get("git") or {}
        if git.get("commit") or git.get("remote_url"):
            self.git = {"commit": git.get("commit"), "remote": git.get("remote_url")}
        self.sink.describe(
            name=r.get("display_name") or None,
            tags=r.get("tags") if "tags" in r else None,
            notes=r.get("notes") or None,
            group=r.get("run_group") or None,
            job_type=r.get("job_type") or None,
            created_at=self.start,
        )
        self.config(r.get("config") or {})
        self.summary_update(r.get("summary") or {})  # a resumed run's summary so far

    def config(self, c: dict[str, Any]) -> None:
        update = {k: v for k, v in (c.get("update") or {}).items() if k != "_wandb"}
        if update:
            self.sink.config(update)

    def history(self, h: dict[str, Any]) -> None:
        item: dict[str, Any] = h.get("item") or {}
        step = int((h.get("step") or {}).get("num", item.get("_step", 0)))
        time = item.get("_timestamp")
        time = float(time) if isinstance(time, int | float) else self.time
        self.time = time
        media = [k[:-6] for k in item if k.endswith("._type")]
        point = self.sink.point
        last = self.last
        for key, value in item.items():
            if key[0] == "_" and (key in _INTERNAL or key.startswith("_wandb")):
                continue
            if media and any(key.startswith(p + ".") for p in media):
                continue
            number = _number(value)
            if number is None:
                if value is not None:
                    self.sink.skip("value", _why_not_a_number(value))
                continue
            point(key, step, time, number)
            last[key] = number
        for prefix in media:
            self.media(prefix, item, step, time)

    def media(self, prefix: str, item: dict[str, Any], step: int, time: float) -> None:
        kind = item.get(prefix + "._type")
        if kind == "histogram":
            bins, counts = item.get(prefix + ".bins") or [], item.get(prefix + ".values") or []
            if len(bins) != len(counts) + 1:
                self.sink.skip("value", "a W&B histogram had bins and counts that do not match")
                return
            table = self.histograms.setdefault(prefix, HistogramTable())
            table.add(step, time, bins[:-1], bins[1:], counts)
            stats = histogram_stats(bins[:-1], bins[1:], counts)
            if stats is not None:
                for name in HISTOGRAM_STATS:
                    self.sink.point(f"{prefix}/{name}", step, time, stats[name])
        elif not item.get(prefix + ".path"):
            # File-backed media (images, tables, …) arrive with files/; others have no data.
            self.sink.skip("value", f"W&B {kind} values are not imported")

    def summary_update(self, s: dict[str, Any]) -> None:
        self.summary.update(s.get("update") or {})
        removed = s.get("remove") or {}
        for key in removed if isinstance(removed, list | dict) else ():
            self.summary.pop(str(key), None)

    def stats(self, s: dict[str, Any]) -> None:
        stamp = s.get("timestamp")
        time = parse_time(stamp) if isinstance(stamp, str) else self.time
        for key, value in (s.get("item") or {}).items():
            number = _number(value)
            if number is not None:
                self.sink.point(f"system/{key}", self.system_step, time, number)
        self.system_step += 1

    def output(self, kind: str, o: dict[str, Any]) -> None:
        # Newer W&B writes output_raw, older output; a log has one kind, never mixed.
        self.console_kind = self.console_kind or kind
        if kind != self.console_kind:
            return
        # STDERR is the enum's zero value, which JSON printers may leave out.
        stream = "stdout" if str(o.get("output_type", "")).upper() in ("STDOUT", "1") else "stderr"
        stamp = o.get("timestamp")
        time = parse_time(stamp) if isinstance(stamp, str) else self.time
        started, text = self.partial.get(stream, (time, ""))
        if not text:
            started = time  # a line starts when its first piece is written
        text += str(o.get("line", ""))
        *complete, rest = text.split("\n")
        for line in complete:
            self.sink.console(started, stream, _as_shown(line))
            started = time
        self.partial[stream] = (started, rest)

    def exit(self, e: dict[str, Any]) -> None:
        self.exit_code = int(e.get("exit_code", 0))
        runtime = e.get("runtime")
        self.runtime = float(runtime) if isinstance(runtime, int | float) else None

    def environment_record(self, e: dict[str, Any]) -> None:
        self.environment.update({k: v for k, v in e.items() if k != "writer_id"})

    def metric(self, m: dict[str, Any]) -> None:
        if m.get("expanded_from_glob"):
            return  # W&B's copy of a glob definition for one matching key
        pattern = m.get("name") or m.get("glob_name")
        summary = m.get("summary") or {}
        rule = next((r for r in _SUMMARY_RULES if summary.get(r)), None)
        hidden = bool((m.get("options") or {}).get("hidden"))
        if pattern and (m.get("step_metric") or rule or hidden):
            self.metric_defs.append(
                {
                    "pattern": pattern,
                    "step_metric": m.get("step_metric") or None,
                    "summary": rule,
                    "hidden": hidden,
                }
            )

    # -- the end --------------------------------------------------------------------------------
    def finish(self, files: Path) -> None:
        for stream, (started, rest) in sorted(self.partial.items()):
            if rest:
                self.sink.console(started, stream, _as_shown(rest))
        for key, table in sorted(self.histograms.items()):
            self.sink.file(f"histograms/{file_path(key)}.csv", table.data())
        if files.is_dir():
            for path in sorted(files.rglob("*")):
                if path.is_file() or path.is_symlink():
                    self.sink.file_from(path.relative_to(files).as_posix(), path)
        self.sink.describe(metadata=self.metadata())
        end = self.sink.latest_time
        if self.start is not None and self.runtime is not None:
            end = max(end, self.start + self.runtime)
        if self.exit_code is None:
            state = RunState.CRASHED  # no exit record: the process died or is still running
        else:
            state = RunState.FINISHED if self.exit_code == 0 else RunState.FAILED
        self.sink.finish(
            state, summary=self.user_summary(), exit_code=self.exit_code, end_time=end or None
        )

    def user_summary(self) -> dict[str, Any]:
        """Summary values the user set. Values W&B derived from the history (last, or
        define_metric's min/max) are left out: Headway derives its own from the points."""
        out: dict[str, Any] = {}
        # Media values arrive flattened ("img._type", "img.path", …) or as one object.
        media = tuple(k[:-5] for k in self.summary if k.endswith("._type"))
        for key, value in self.summary.items():
            if key[:1] == "_" or (isinstance(value, dict) and "_type" in value):
                continue
            if media and key.startswith(media):
                continue
            if key in self.last:
                number = _number(value)
                if number is None or _same(number, self.last[key]):
                    continue
                value = number
            out[key] = value
        return out

    def metadata(self) -> dict[str, Any]:
        env = self.environment
        memory = (env.get("memory") or {}).get("total")
        meta: dict[str, Any] = {
            "hostname": env.get("host"),
            "platform": env.get("os"),
            "python": env.get("python"),
            "python_executable": env.get("executable"),
            "script": env.get("program"),
            "cwd": env.get("root"),
            "argv": env.get("args"),
            "cpu_count": env.get("cpu_count_logical") or env.get("cpu_count"),
            "cpu_model": (env.get("cpu") or {}).get("model"),
            "memory_total_mb": round(int(memory) / 2**20, 1) if memory else None,
        }
        meta = {k: v for k, v in meta.items() if v is not None}
        if self.git:
            meta["git"] = self.git
        if self.metric_defs:
            meta["metric_defs"] = self.metric_defs
        meta["wandb"] = {**self.wandb, "environment": env}
        return meta


def _as_shown(line: str) -> str:
    """A line as the terminal left it: progress bars redraw with \\r; keep the last state."""
    return line.rstrip("\r").rsplit("\r", 1)[-1]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))
