"""``LocalBackend``: the domain services in-process (embedded mode, and inside the server)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from headway.alerting.service import EVALUATE_JOB, NOTIFY_JOB, RUN_RULES_EVERY, AlertService
from headway.alerting.targets import Targets
from headway.artifacts.service import ArtifactService, TransferLimits
from headway.backend.alerts import LocalAlerts
from headway.backend.base import BaseBackend
from headway.backend.local_artifacts import LocalArtifacts, LocalRegistry
from headway.backend.monitoring import LocalMonitoring
from headway.backend.sweeps import LocalSweeps
from headway.delivery.secrets import SecretBox
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
from headway.monitoring.service import JOB_KIND, MonitoringService
from headway.monitoring.worker import Worker
from headway.registry.dispatcher import DeliveryDispatcher
from headway.registry.service import RegistryService
from headway.settings import Settings
from headway.store.blobstore import open_blob_store
from headway.store.sql.schema import upgrade
from headway.store.sql.store import SqlStore
from headway.sweeps.service import EXPIRE_EVERY, SweepService
from headway.tracking.service import TrackingService


class LocalBackend(BaseBackend):
    def __init__(self, settings: Settings, *, migrate: bool = False) -> None:
        """Open the store at ``settings.db_url``.

        ``migrate=True`` upgrades the schema first; embedded mode uses it for the local
        SQLite file the user owns, while the server requires ``headway db upgrade``.
        """
        if migrate:
            upgrade(settings.db_url)
        self.settings = settings
        store = SqlStore(settings.db_url)
        self.service = TrackingService(store, crash_timeout=settings.crash_timeout)
        self.artifact_service = ArtifactService(
            store,
            open_blob_store(settings.artifacts_url, s3_endpoint_url=settings.s3_endpoint_url),
            TransferLimits(
                multipart_threshold=settings.multipart_threshold,
                part_size=settings.multipart_part_size,
                # Parts sent through the API must fit the server's request cap.
                api_part_size=max(
                    1, min(settings.multipart_part_size, settings.max_request_bytes // 2)
                ),
            ),
        )
        self.registry_service = RegistryService(
            store, self.artifact_service, SecretBox.from_settings(settings)
        )
        self.dispatcher = DeliveryDispatcher(self.registry_service)
        # Webhooks start flowing at the first registry change in this process (a server
        # starts the dispatcher up front to finish what earlier processes queued).
        self.registry_service.on_change = self.dispatcher.start
        self.artifacts = LocalArtifacts(self.artifact_service, settings.user)
        self.registry = LocalRegistry(self.registry_service, settings.user)
        self.monitoring_service = MonitoringService(
            store, self.artifact_service, self.registry_service, settings.cache_dir
        )
        self.monitoring = LocalMonitoring(self.monitoring_service)
        self.alert_service = AlertService(
            store,
            Targets(self.monitoring_service, self.service, self.registry_service),
            SecretBox.from_settings(settings),
            public_url=settings.public_url,
        )
        self.alerts = LocalAlerts(self.alert_service, settings.user)
        self.sweep_service = SweepService(store, self.service)
        self.sweeps = LocalSweeps(self.sweep_service)
        # New results are judged by the rules watching them as soon as they are stored.
        self.monitoring_service.on_computed = self.alert_service.evaluate_monitor
        #: Runs queued background jobs (monitor windows, alert notifications) when the
        #: server starts it; `headway worker` runs the same one.
        self.worker = Worker(
            store,
            {
                JOB_KIND: self.monitoring_service.run_job,
                NOTIFY_JOB: self.alert_service.run_notify_job,
                EVALUATE_JOB: self.alert_service.run_evaluate_job,
            },
            periodic=[
                (RUN_RULES_EVERY, self.alert_service.evaluate_run_rules),
                # Trials whose agent died are failed (and retried) even if no agent asks.
                (EXPIRE_EVERY, self.sweep_service.expire_stale),
            ],
        )

    def start_background(self) -> None:
        self.dispatcher.start()
        self.monitoring_service.on_data = self.worker.wake
        # A worker now delivers notifications and retries them; without one (a script on a
        # laptop) each is attempted once at once and left queued for a later worker.
        self.alert_service.inline_delivery = False
        self.worker.start()

    def close(self) -> None:
        self.worker.stop()
        self.dispatcher.stop()
        self.service.store.close()

    def list_projects(self) -> list[Project]:
        return self.service.list_projects()

    def get_project(self, name: str) -> Project:
        return self.service.get_project(name)

    def ensure_project(self, name: str) -> Project:
        return self.service.ensure_project(name)

    def create_run(self, spec: RunCreate) -> Run:
        return self.service.create_run(spec)

    def get_run(self, run_id: str) -> Run:
        return self.service.get_run(run_id)

    def update_run(self, run_id: str, update: RunUpdate) -> Run:
        return self.service.update_run(run_id, update)

    def resume_run(self, run_id: str) -> Run:
        return self.service.resume_run(run_id)

    def finish_run(
        self,
        run_id: str,
        state: RunState,
        *,
        exit_code: int | None = None,
        error: str | None = None,
    ) -> Run:
        return self.service.finish_run(run_id, state, exit_code=exit_code, error=error)

    def delete_run(self, run_id: str) -> None:
        self.service.delete_run(run_id)

    def restore_run(self, run_id: str) -> Run:
        return self.service.restore_run(run_id)

    def log_batch(self, run_id: str, batch: LogBatch) -> bool:
        return self.service.log_batch(run_id, batch)

    def update_config(
        self, run_id: str, values: dict[str, Any], *, allow_val_change: bool = False
    ) -> Run:
        return self.service.update_config(run_id, values, allow_val_change=allow_val_change)

    def update_summary(self, run_id: str, values: dict[str, Any]) -> Run:
        return self.service.update_summary(run_id, values)

    def put_files(self, run_id: str, files: dict[str, bytes]) -> None:
        self.service.put_files(run_id, files)

    def get_file(self, run_id: str, path: str) -> bytes:
        return self.service.get_file(run_id, path)

    def list_files(self, run_id: str) -> list[str]:
        return self.service.list_files(run_id)

    def metric_keys(self, run_id: str) -> list[str]:
        return self.service.metric_keys(run_id)

    def get_history(
        self,
        run_id: str,
        keys: Sequence[str],
        *,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, Series]:
        return self.service.get_history(run_id, keys, min_step=min_step, max_step=max_step)

    def get_envelopes(
        self,
        run_ids: Sequence[str],
        keys: Sequence[str],
        *,
        buckets: int,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, dict[str, Envelope]]:
        return self.service.get_envelopes(
            run_ids, keys, buckets=buckets, min_step=min_step, max_step=max_step
        )

    def get_console(
        self, run_id: str, *, offset: int = 0, limit: int = 10_000
    ) -> list[ConsoleLine]:
        return self.service.get_console(run_id, offset=offset, limit=limit)

    def search_runs(self, query: SearchQuery) -> RunPage:
        return self.service.search_runs(query)

    def export_project(self, project: str, dest: Path) -> list[Path]:
        return self.service.export_project(project, dest)
