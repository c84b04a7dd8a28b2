"""What every importer shares: run ids, names, options, the report and the progress bar.

The pieces fit together like this: an importer (``base.BaseImporter``) finds the runs
under the paths it is given and streams each one into a ``sink.RunSink``, which cuts
the stream into ``LogBatch``es of bounded size, numbered 0, 1, 2, … per run, and sends
them; the importer's driver decides what is already imported and fills the
:class:`ImportReport` defined here.

Idempotency rests on three things:

- the Headway run id is derived from the source run's identity (and the target
  project), so importing the same source again addresses the same run;
- batches are cut at the same places for the same data, and the backend ignores a
  batch ``seq`` it has already applied, so an interrupted import is finished by running
  it again, without duplicating a point;
- the last batch marks the run's ``imported_from`` metadata complete; a complete run is
  skipped without reading its source again.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from headway.errors import HeadwayError

#: Points per batch. Below every backend's cap (32,768 over HTTP), and the same for every
#: backend, so a resumed import cuts its batches where the interrupted one did.
BATCH_POINTS = 32_768
#: Bytes of files and console text per batch: well under the server's request cap even
#: after base64 (files travel as base64 inside the batch).
BATCH_BYTES = 16 * 1024 * 1024
#: Files larger than this go into one artifact version per run instead of the run's files
#: (run files are for small things and travel inside batches).
MAX_RUN_FILE_BYTES = 16 * 1024 * 1024
#: Console lines longer than this are split, as the SDK's console capture does.
MAX_CONSOLE_LINE = 65_536
#: The metadata key marking an imported run; ``complete`` is set by its last batch.
IMPORTED_FROM = "imported_from"

#: Called with (bytes of source read, label of the run being read).
ProgressHook = Callable[[int, str], None]


class MissingDependency(HeadwayError):
    """An optional dependency (an importer's tool) is not installed."""

    code = "missing_dependency"


def require(module: str, extra: str, *, why: str) -> ModuleType:
    """Import ``module`` of an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(
            f"{why} needs the {extra.removeprefix('import-')} package, which is not installed "
            f"({exc}); install it with: pip install 'headway[{extra}]'"
        ) from None


def run_id_for(prefix: str, project: str, identity: str) -> str:
    """The Headway run id of a source run: the same source and project give the same id."""
    digest = hashlib.sha256(f"{prefix}\n{project}\n{identity}".encode()).hexdigest()
    return f"{prefix}-{digest[:16]}"


def project_name(raw: str, fallback: str) -> str:
    """``raw`` made into a valid project name (a folder or W&B project name), or
    ``fallback`` when nothing usable is left."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")[:128]
    return cleaned if cleaned and cleaned[0].isalnum() else fallback


def file_path(raw: str) -> str:
    """A relative path the store accepts: empty, ``.`` and ``..`` parts dropped."""
    parts = [p for p in raw.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts)[:1024] or "unnamed"


def parse_time(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 time (``Z`` or an offset; UTC if neither)."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


@dataclass(frozen=True)
class SourceRun:
    """One run found by an importer, before it is read."""

    #: Stable across moves and renames of the folder: what makes a re-import find the
    #: run it created before (e.g. a W&B run folder's name, a TensorBoard run's first
    #: event file name).
    identity: str
    #: Shown in messages and the report.
    path: Path
    #: The run's name in Headway (the source's own name when it has one).
    name: str
    #: Bytes to read, for the progress bar.
    size: int
    #: The source's own project name, the default target project.
    project: str | None = None
    #: Importer-specific details found during discovery (e.g. the file to read).
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportOptions:
    #: Target project; default: each source run's own project, else the importer's.
    project: str | None = None
    max_file_bytes: int = MAX_RUN_FILE_BYTES
    batch_points: int = BATCH_POINTS


@dataclass
class RunOutcome:
    """What happened to one source run."""

    source: SourceRun
    project: str
    run_id: str
    #: "imported", "resumed" (an interrupted import finished), "skipped" or "failed".
    status: str = "imported"
    reason: str = ""
    points: int = 0
    console_lines: int = 0
    files: int = 0
    #: ``name:vN`` of the artifact holding files too large for run files.
    artifact: str | None = None
    large_files: int = 0
    #: The run-file size limit that sent them there.
    large_file_limit: int = 0
    #: (what, why) -> count of things left out, e.g. ("value", "text is not a metric").
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Lines shown under the run in the report (e.g. the artifact versions it produced).
    details: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    tool: str
    outcomes: list[RunOutcome] = field(default_factory=list)
    #: Lines about what is not a run (e.g. an MLflow model registry), after the runs.
    sections: list[str] = field(default_factory=list)
    #: Things outside any run that could not be imported, each "what: why".
    errors: list[str] = field(default_factory=list)
    #: (what, why) -> count of things outside any run left out (e.g. experiment tags).
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)

    def runs(self, *statuses: str) -> list[RunOutcome]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def failed(self) -> bool:
        return bool(self.runs("failed") or self.errors)

    def text(self) -> str:
        """The summary printed at the end: counts, then what was skipped and why."""
        done = self.runs("imported", "resumed")
        projects = sorted({o.project for o in done})
        lines = [f"{_count(len(done), 'run')} imported"]
        if done:
            lines[0] += (
                f" into {', '.join(projects)}: {_count(sum(o.points for o in done), 'point')}, "
                f"{_count(sum(o.console_lines for o in done), 'console line')}, "
                f"{_count(sum(o.files for o in done), 'file')}"
            )
        resumed = self.runs("resumed")
        if resumed:
            lines.append(f"  ({len(resumed)} of them finished an interrupted import)")
        for o in done:
            lines.append(f"  {o.source.path} -> {o.project}/{o.run_id} ({o.source.name})")
            lines.extend(f"    {line}" for line in o.details)
            if o.artifact:
                lines.append(
                    f"    {_count(o.large_files, 'file')} larger than "
                    f"{_size(o.large_file_limit)} stored in artifact {o.artifact}"
                )
        skipped = self.runs("skipped")
        if skipped:
            lines.append(f"{_count(len(skipped), 'run')} already imported (skipped):")
            lines.extend(f"  {o.source.path} -> {o.project}/{o.run_id}{o.reason}" for o in skipped)
        failed = self.runs("failed")
        if failed:
            lines.append(f"{_count(len(failed), 'run')} failed:")
            lines.extend(f"  {o.source.path}: {o.reason}" for o in failed)
        lines.extend(self.sections)
        if self.errors:
            lines.append(f"{_count(len(self.errors), 'error')} outside the runs:")
            lines.extend(f"  {e}" for e in self.errors)
        totals: Counter[tuple[str, str]] = Counter(self.skipped)
        for o in done:
            totals.update(o.skipped)
        for (what, why), n in sorted(totals.items()):
            lines.append(f"{_count(n, what)} skipped: {why}")
        return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    value = n / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} GiB"


@contextmanager
def progress_bar(total: int, *, enabled: bool | None = None) -> Iterator[ProgressHook]:
    """A progress bar on stderr over ``total`` bytes of source; shown only on a terminal
    unless ``enabled`` says otherwise. Yields the hook importers call."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield lambda n, label: None
        return
    bar: Any = click.progressbar(
        length=max(total, 1),
        label="importing",
        file=sys.stderr,
        show_percent=True,
        item_show_func=lambda label: label,
    )
    with bar:
        yield lambda n, label: bar.update(n, label[:40])
