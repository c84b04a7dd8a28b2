"""``BaseImporter``: the contract of an importer, and the driver every importer shares."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from headway.backend.base import BaseBackend
from headway.entities import Run
from headway.errors import NotFound, PermissionDenied, StorageError, Unavailable
from headway.importers.common import (
    IMPORTED_FROM,
    ImportOptions,
    ImportReport,
    MissingDependency,
    ProgressHook,
    RunOutcome,
    SourceRun,
    project_name,
    run_id_for,
)
from headway.importers.sink import RunSink
from headway.tracking import validation as v


class BaseImporter(abc.ABC):
    """Finds a tool's runs and streams each into a :class:`RunSink`.

    Subclasses implement :meth:`discover` and :meth:`read`; :meth:`import_runs` is the
    shared driver. Not thread-safe; one import at a time per importer object.
    """

    #: The tool's name, recorded in each run's ``imported_from`` metadata.
    tool: ClassVar[str]
    #: Prefix of the Headway run ids this importer makes (``wb-…``, ``tb-…``).
    id_prefix: ClassVar[str]
    #: The project runs go to when neither ``--project`` nor the source names one.
    default_project: ClassVar[str]

    @abc.abstractmethod
    def discover(self, paths: Sequence[Path]) -> list[SourceRun]:
        """The runs at or under ``paths``, in a stable order.

        Raises: InvalidArgument naming a path that holds no run of this tool;
        MissingDependency when the tool is not installed.
        """

    @abc.abstractmethod
    def read(self, source: SourceRun, sink: RunSink) -> None:
        """Stream the run's data into ``sink`` and end with ``sink.finish(...)``.

        Must feed the same data in the same order every time for the same source, so
        batches are cut at the same places. Raises whatever reading the source raises;
        the driver records it as that run's failure.
        """

    def run_id(self, source: SourceRun, project: str) -> str:
        """The Headway run id of ``source`` imported into ``project``: by default a hash
        of the source's identity and the project (see ``common.run_id_for``). Must be
        the same on every import of the same source."""
        return run_id_for(self.id_prefix, project, source.identity)

    def import_runs(
        self,
        backend: BaseBackend,
        sources: Sequence[SourceRun],
        options: ImportOptions | None = None,
        *,
        progress: ProgressHook | None = None,
    ) -> ImportReport:
        """Import every source run that is not already imported; never raises for one
        run's bad data (it is reported), only when the backend itself fails."""
        options = options or ImportOptions()
        report = ImportReport(self.tool)
        for source in sources:
            project = v.project_name(
                options.project or project_name(source.project or "", self.default_project)
            )
            run_id = self.run_id(source, project)
            outcome = RunOutcome(source=source, project=project, run_id=run_id)
            report.outcomes.append(outcome)
            read = 0

            def advance(n: int, label: str = source.name) -> None:
                nonlocal read
                read += n
                if progress is not None:
                    progress(n, label)

            advance(0)  # shows which run is being read
            existing = _existing(backend, run_id)
            if existing is not None:
                outcome.project = project = existing.project  # e.g. imported without -p
            if existing is not None and existing.metadata.get(IMPORTED_FROM, {}).get("complete"):
                outcome.status = "skipped"
                if existing.deleted_at is not None:
                    outcome.reason = (
                        f" (deleted in Headway; `headway runs restore {run_id}` brings it back)"
                    )
                advance(source.size)
                continue
            if existing is not None:
                outcome.status = "resumed"
            sink = RunSink(
                backend,
                run_id,
                project,
                imported_from={
                    "tool": self.tool,
                    "path": str(source.path),
                    "identity": source.identity,
                },
                options=options,
                outcome=outcome,
                progress=advance,
            )
            try:
                self.read(source, sink)
                if not sink.finished:
                    raise RuntimeError(f"{type(self).__name__}.read did not finish the run")
            except (StorageError, Unavailable, PermissionDenied, MissingDependency):
                raise  # the target or the installation is broken: stop, do not repeat
            except Exception as exc:
                outcome.status = "failed"
                outcome.reason = getattr(exc, "message", None) or str(exc) or repr(exc)
            advance(max(0, source.size - read))
        return report


def _existing(backend: BaseBackend, run_id: str) -> Run | None:
    try:
        return backend.get_run(run_id)
    except NotFound:
        return None
