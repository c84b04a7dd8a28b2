"""What every MLflow handler works with: the backend, the MLflow rows, and experiment ids.

An MLflow experiment *is* a Headway project: each project gets a stable integer id the
first time MLflow's API sees it (``Default`` is ``0``), and a project created through MLflow
is named after the experiment (made a valid project name when it is not one already).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from headway.artifacts.service import ArtifactService
from headway.backend.artifacts import BaseArtifacts, BaseRegistry
from headway.backend.local import LocalBackend
from headway.errors import NotFound
from headway.server.mlflow.errors import does_not_exist, invalid
from headway.store.blobstore import BaseBlobStore
from headway.store.sql.mlflow import (
    DEFAULT_EXPERIMENT_ID,
    DEFAULT_EXPERIMENT_NAME,
    Experiment,
    MlflowRows,
)
from headway.store.sql.store import SqlStore
from headway.tracking.names import project_name_like
from headway.tracking.service import now_utc

MAX_EXPERIMENT_NAME = 500


@dataclass
class Mlflow:
    backend: LocalBackend
    _ids: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _default_ready: bool = False

    @property
    def store(self) -> SqlStore:
        return self.backend.service.store

    @property
    def rows(self) -> MlflowRows:
        return self.store.mlflow

    @property
    def blobs(self) -> BaseBlobStore:
        return self.backend.artifact_service.blobs

    @property
    def artifact_service(self) -> ArtifactService:
        return self.backend.artifact_service

    def artifacts(self, user: str) -> BaseArtifacts:
        return self.backend.artifacts.with_user(user)

    def registry(self, user: str) -> BaseRegistry:
        return self.backend.registry.with_user(user)

    # -- experiments -----------------------------------------------------------------------
    def ensure_default(self) -> None:
        """Experiment 0 exists: scripts that name no experiment log there.

        Made when MLflow's API first needs it, not when the server starts, so a store
        nobody points an MLflow client at has no empty ``Default`` project.
        """
        if self._default_ready:
            return
        self.rows.sync_experiments(now_utc())
        if self.rows.find_experiment(name=DEFAULT_EXPERIMENT_NAME) is None:
            try:
                self.rows.get_experiment(DEFAULT_EXPERIMENT_ID)
            except NotFound:
                self.rows.create_experiment(
                    DEFAULT_EXPERIMENT_NAME,
                    self.new_project_name(DEFAULT_EXPERIMENT_NAME),
                    artifact_location=None,
                    tags={},
                    now=now_utc(),
                    experiment_id=DEFAULT_EXPERIMENT_ID,
                )
        self._default_ready = True

    def sync(self) -> None:
        """Projects created outside MLflow's API (the SDK, importers) become experiments;
        ``Default`` exists from the first MLflow request that lists or looks one up."""
        self.ensure_default()
        self.rows.sync_experiments(now_utc())

    def _remember(self, experiments: list[Experiment]) -> None:
        with self._lock:
            for e in experiments:
                self._ids[e.project] = e.id

    def experiment(self, raw_id: object) -> Experiment:
        try:
            experiment_id = int(str(raw_id))
        except ValueError:
            raise invalid(f"Invalid experiment ID: '{raw_id}'") from None
        if experiment_id == DEFAULT_EXPERIMENT_ID:
            self.ensure_default()
        try:
            return self.rows.get_experiment(experiment_id)
        except NotFound:
            raise does_not_exist(f"No Experiment with id={raw_id} exists") from None

    def experiment_id_of(self, project: str) -> int:
        found = self._ids.get(project)
        if found is None:
            self.rows.sync_experiments(now_utc())
            self._remember(self.rows.list_experiments())
            found = self._ids.get(project)
        if found is None:
            raise does_not_exist(f"no experiment for project {project!r}")
        return found

    def new_project_name(self, experiment_name: str) -> str:
        """A free, valid project name for a new experiment: the name itself when it can be."""
        base = project_name_like(experiment_name)
        candidate, n = base, 1
        while self.rows.find_experiment(project=candidate) is not None or self._project_exists(
            candidate
        ):
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def _project_exists(self, name: str) -> bool:
        try:
            self.backend.get_project(name)
        except NotFound:
            return False
        return True
