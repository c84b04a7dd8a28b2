"""The one interface the SDK and the server both speak.

``LocalBackend`` runs the domain services in-process (embedded mode); ``HttpBackend``
makes the same calls over HTTP to ``headway server``. Both raise only errors from
``headway.errors``, so code above this layer never sees SQL or HTTP exceptions.

Thread safety: every implementation may be called from several threads at once (the
SDK's writer thread and the user's thread; the server's worker pool).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from headway.backend.alerts import BaseAlerts
from headway.backend.artifacts import BaseArtifacts, BaseRegistry
from headway.backend.monitoring import BaseMonitoring
from headway.backend.sweeps import BaseSweeps
from headway.entities import (
    ConsoleLine,
    Envelope,
    LogBatch,
    Project,
    Run,
    RunCreate,
    RunPage,
    RunState,
    RunUpdate,
    SearchQuery,
    Series,
)


class BaseBackend(abc.ABC):
    #: Artifacts: uploads, versions, lineage (see ``backend/artifacts.py``).
    artifacts: BaseArtifacts
    #: The model registry.
    registry: BaseRegistry
    #: Monitors of models in production (see ``backend/monitoring.py``).
    monitoring: BaseMonitoring
    #: Alert rules, alerts and channels (see ``backend/alerts.py``).
    alerts: BaseAlerts
    #: Sweeps and their trials (see ``backend/sweeps.py``).
    sweeps: BaseSweeps

    #: The most metric points a run's writer puts in one batch for this backend. Batches
    #: are split at this size, so every batch fits the server's request cap and one
    #: request never holds the server for long.
    max_batch_points: int = 1_048_576

    # -- projects -----------------------------------------------------------------------
    @abc.abstractmethod
    def list_projects(self) -> list[Project]:
        """All projects, with run counts and last activity, newest activity first."""

    @abc.abstractmethod
    def get_project(self, name: str) -> Project:
        """Raises: NotFound if no project has that name."""

    @abc.abstractmethod
    def ensure_project(self, name: str) -> Project:
        """Get or create a project. Raises: InvalidArgument for a bad name."""

    # -- runs ---------------------------------------------------------------------------
    @abc.abstractmethod
    def create_run(self, spec: RunCreate) -> Run:
        """Create a running run (and its project if needed).

        Raises: AlreadyExists if ``spec.id`` is taken; InvalidArgument for bad names,
        tags or config values.
        """

    @abc.abstractmethod
    def get_run(self, run_id: str) -> Run:
        """Raises: NotFound (also for a run that does not exist at all)."""

    @abc.abstractmethod
    def update_run(self, run_id: str, update: RunUpdate) -> Run:
        """Apply a partial update. Raises: NotFound, InvalidArgument."""

    @abc.abstractmethod
    def resume_run(self, run_id: str) -> Run:
        """Mark an existing run running again (``init(resume=...)``). Raises: NotFound."""

    @abc.abstractmethod
    def finish_run(
        self,
        run_id: str,
        state: RunState,
        *,
        exit_code: int | None = None,
        error: str | None = None,
    ) -> Run:
        """Move a run to a terminal state. Raises: NotFound, InvalidArgument (RUNNING)."""

    @abc.abstractmethod
    def delete_run(self, run_id: str) -> None:
        """Soft-delete: the run disappears from searches until restored. Raises: NotFound."""

    @abc.abstractmethod
    def restore_run(self, run_id: str) -> Run:
        """Undo ``delete_run``. Raises: NotFound."""

    # -- ingestion ----------------------------------------------------------------------
    @abc.abstractmethod
    def log_batch(self, run_id: str, batch: LogBatch) -> bool:
        """Apply one batch atomically; return False if ``batch.seq`` was already applied.

        Raises: NotFound (no such run), InvalidArgument (bad keys or steps), Conflict
        (a config value changed without ``allow_val_change``).
        """

    @abc.abstractmethod
    def update_config(
        self, run_id: str, values: dict[str, Any], *, allow_val_change: bool = False
    ) -> Run:
        """Merge nested ``values`` into the run's config.

        Raises: Conflict naming the key if a set value would change and
        ``allow_val_change`` is False; InvalidArgument for unserialisable values.
        """

    @abc.abstractmethod
    def update_summary(self, run_id: str, values: dict[str, Any]) -> Run:
        """Set user summary values (override the automatic ones). ``None`` clears a key."""

    @abc.abstractmethod
    def put_files(self, run_id: str, files: dict[str, bytes]) -> None:
        """Store small captured files (code, diff, packages) by relative path."""

    @abc.abstractmethod
    def get_file(self, run_id: str, path: str) -> bytes:
        """Raises: NotFound."""

    @abc.abstractmethod
    def list_files(self, run_id: str) -> list[str]: ...

    # -- reads ----------------------------------------------------------------------------
    @abc.abstractmethod
    def metric_keys(self, run_id: str) -> list[str]:
        """Every metric key logged in the run, sorted."""

    @abc.abstractmethod
    def get_history(
        self,
        run_id: str,
        keys: Sequence[str],
        *,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, Series]:
        """Raw points with ``min_step <= step <= max_step``, in logged order, per key.

        Missing keys map to empty series. Raises: NotFound for the run.
        """

    @abc.abstractmethod
    def get_envelopes(
        self,
        run_ids: Sequence[str],
        keys: Sequence[str],
        *,
        buckets: int,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, dict[str, Envelope]]:
        """Exact min/max/first/last per bucket: ``result[run_id][key]``.

        The range defaults to the steps present. Raises: InvalidArgument if
        ``buckets`` is not in 1..100,000; NotFound for a run.
        """

    @abc.abstractmethod
    def get_console(
        self, run_id: str, *, offset: int = 0, limit: int = 10_000
    ) -> list[ConsoleLine]:
        """Console lines ``offset .. offset+limit`` in order."""

    @abc.abstractmethod
    def search_runs(self, query: SearchQuery) -> RunPage:
        """Filter, sort and page a project's runs.

        Raises: InvalidArgument naming the position of a malformed filter; NotFound if
        the project does not exist.
        """

    def iter_runs(self, query: SearchQuery) -> Iterator[Run]:
        """Every run matching ``query``, following cursors page by page."""
        page = self.search_runs(query)
        while True:
            yield from page.runs
            if page.next_cursor is None:
                return
            page = self.search_runs(
                SearchQuery(
                    project=query.project,
                    filter=query.filter,
                    order=query.order,
                    limit=query.limit,
                    cursor=page.next_cursor,
                    columns=query.columns,
                    include_deleted=query.include_deleted,
                )
            )

    @abc.abstractmethod
    def export_project(self, project: str, dest: Path) -> list[Path]:
        """Write ``runs.parquet`` and ``history.parquet`` for a project into ``dest``."""

    def close(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Release connections and threads."""

    def start_background(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Start background work a long-running server owns (webhook delivery)."""
