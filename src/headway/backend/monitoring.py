"""The monitoring half of the backend interface (``backend.monitoring``).

``LocalMonitoring`` runs the monitoring service in-process; ``HttpMonitoring``
(``http_monitoring.py``) calls ``headway server``. Inference batches travel as Arrow
tables already validated by ``monitoring.batches``, so both halves store exactly the
same rows.

Thread safety: every implementation may be called from several threads at once.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from headway.entities.monitoring import (
    ComputeReport,
    IngestReport,
    Monitor,
    MonitorResult,
    MonitorSpec,
    PredictionExplanation,
    WindowSummary,
)

if TYPE_CHECKING:
    from headway.monitoring.service import MonitoringService


class BaseMonitoring(abc.ABC):
    @abc.abstractmethod
    def create_monitor(self, spec: MonitorSpec, *, exist_ok: bool = False) -> Monitor:
        """Create a monitor (``exist_ok``: or update the config of the existing one).

        Raises: InvalidArgument naming the bad field; AlreadyExists unless ``exist_ok``.
        """

    @abc.abstractmethod
    def update_monitor(self, spec: MonitorSpec) -> Monitor:
        """Replace the config; a change queues the recomputation of every window.
        Raises: NotFound, InvalidArgument."""

    @abc.abstractmethod
    def get_monitor(self, project: str, name: str) -> Monitor:
        """Raises: NotFound."""

    @abc.abstractmethod
    def list_monitors(self, project: str | None = None) -> list[Monitor]: ...

    @abc.abstractmethod
    def delete_monitor(self, project: str, name: str) -> None:
        """Delete a monitor, its windows and results; its files become garbage for gc."""

    @abc.abstractmethod
    def log_predictions(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        """Store a validated predictions table (``__id``, ``__ts``, ``__mv`` + columns).

        ``batch`` makes a retry idempotent: a batch id already stored adds nothing.
        Raises: NotFound, InvalidArgument (unknown or missing columns, future timestamps).
        """

    @abc.abstractmethod
    def log_labels(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        """Store labels (``__id``, ``__label_ts``, ``__label``); reports ids that match no
        logged prediction. Raises: NotFound, InvalidArgument."""

    @abc.abstractmethod
    def compute(
        self,
        project: str,
        name: str,
        *,
        until: datetime | None = None,
        since: datetime | None = None,
        force: bool = False,
    ) -> ComputeReport:
        """Bring the windows up to date now (``force``: recompute [since, until))."""

    @abc.abstractmethod
    def recompute(
        self,
        project: str,
        name: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """Queue a recomputation of a past range for the background workers; the job id."""

    @abc.abstractmethod
    def windows(self, project: str, name: str) -> list[WindowSummary]: ...

    @abc.abstractmethod
    def results(
        self,
        project: str,
        name: str,
        *,
        kinds: Sequence[str] = (),
        subject: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[MonitorResult]:
        """Stored results, by window. Raises: InvalidArgument for an unknown kind."""

    @abc.abstractmethod
    def audit(
        self,
        project: str,
        name: str,
        *,
        ids: Sequence[str],
        model_version: int | None = None,
        limit: int = 1000,
    ) -> pa.Table:
        """The logged predictions with these ids: inputs, time, model version, label."""

    @abc.abstractmethod
    def explain_prediction(
        self, project: str, name: str, id: str, *, model_version: int | None = None
    ) -> PredictionExplanation:
        """Why a logged prediction came out as it did (SHAP, by the version that made it).
        Raises: NotFound for an unknown id; InvalidArgument without a loadable model."""


class LocalMonitoring(BaseMonitoring):
    def __init__(self, service: MonitoringService) -> None:
        self.service = service

    def create_monitor(self, spec: MonitorSpec, *, exist_ok: bool = False) -> Monitor:
        return self.service.create(spec, exist_ok=exist_ok)

    def update_monitor(self, spec: MonitorSpec) -> Monitor:
        return self.service.update(spec)

    def get_monitor(self, project: str, name: str) -> Monitor:
        return self.service.get(project, name)

    def list_monitors(self, project: str | None = None) -> list[Monitor]:
        return self.service.monitors(project)

    def delete_monitor(self, project: str, name: str) -> None:
        self.service.delete(project, name)

    def log_predictions(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        return self.service.log_predictions(project, name, table, batch=batch)

    def log_labels(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        return self.service.log_labels(project, name, table, batch=batch)

    def compute(
        self,
        project: str,
        name: str,
        *,
        until: datetime | None = None,
        since: datetime | None = None,
        force: bool = False,
    ) -> ComputeReport:
        return self.service.compute(project, name, until=until, since=since, force=force)

    def recompute(
        self,
        project: str,
        name: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        return self.service.recompute(project, name, since=since, until=until)

    def windows(self, project: str, name: str) -> list[WindowSummary]:
        return self.service.windows(project, name)

    def results(
        self,
        project: str,
        name: str,
        *,
        kinds: Sequence[str] = (),
        subject: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[MonitorResult]:
        return self.service.results(
            project, name, kinds=kinds, subject=subject, start=start, end=end
        )

    def audit(
        self,
        project: str,
        name: str,
        *,
        ids: Sequence[str],
        model_version: int | None = None,
        limit: int = 1000,
    ) -> pa.Table:
        return self.service.audit(project, name, ids=ids, model_version=model_version, limit=limit)

    def explain_prediction(
        self, project: str, name: str, id: str, *, model_version: int | None = None
    ) -> PredictionExplanation:
        return self.service.explain_prediction(project, name, id, model_version=model_version)
