"""Rows MLflow's API needs beyond Headway's model: experiment ids, logged models, the
file-by-file artifact tree and dataset inputs (tables in ``models_mlflow.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from headway.errors import AlreadyExists, NotFound
from headway.store.sql.engine import Database
from headway.store.sql.models import ProjectRow
from headway.store.sql.models_mlflow import (
    MlflowExperimentRow,
    MlflowFileRow,
    MlflowLoggedModelRow,
    MlflowRunInputRow,
)
from headway.store.sql.runs import utc

#: MLflow's experiment "0", the one runs go to when a script names none.
DEFAULT_EXPERIMENT_ID = 0
DEFAULT_EXPERIMENT_NAME = "Default"


@dataclass(frozen=True)
class Experiment:
    id: int
    name: str
    project: str
    artifact_location: str | None
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class LoggedModel:
    id: str
    experiment_id: int
    name: str
    model_type: str | None
    source_run_id: str | None
    status: str
    params: dict[str, str]
    tags: dict[str, str]
    artifact: str | None
    artifact_version: int | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class StoredFile:
    path: str
    digest: str
    size: int


@dataclass(frozen=True)
class RunInput:
    name: str
    digest: str
    context: str | None
    record: dict[str, Any] = field(default_factory=dict)


def _experiment(row: MlflowExperimentRow, project: str) -> Experiment:
    return Experiment(
        id=row.id,
        name=row.name,
        project=project,
        artifact_location=row.artifact_location,
        tags=dict(row.tags or {}),
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        updated_at=utc(row.updated_at),  # type: ignore[arg-type]
        deleted_at=utc(row.deleted_at),
    )


def _logged_model(row: MlflowLoggedModelRow) -> LoggedModel:
    return LoggedModel(
        id=row.id,
        experiment_id=row.experiment_id,
        name=row.name,
        model_type=row.model_type,
        source_run_id=row.source_run_id,
        status=row.status,
        params=dict(row.params or {}),
        tags=dict(row.tags or {}),
        artifact=row.artifact,
        artifact_version=row.artifact_version,
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        updated_at=utc(row.updated_at),  # type: ignore[arg-type]
        deleted_at=utc(row.deleted_at),
    )


def _merged(old: Mapping[str, str] | None, changes: Mapping[str, str | None]) -> dict[str, str]:
    """Tags after ``changes``; a ``None`` value deletes its key."""
    merged = dict(old or {})
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class MlflowRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- experiments -----------------------------------------------------------------------
    def sync_experiments(self, now: datetime) -> bool:
        """Give every project without one an experiment (named like the project).

        True when it created any. Checks with a read first: the common case writes nothing.
        """
        unmapped_query = (
            select(ProjectRow.id, ProjectRow.name, ProjectRow.created_at)
            .outerjoin(MlflowExperimentRow, MlflowExperimentRow.project_id == ProjectRow.id)
            .where(MlflowExperimentRow.id.is_(None))
            .order_by(ProjectRow.id)
        )
        with self.db.read() as s:
            if s.execute(unmapped_query.limit(1)).first() is None:
                return False

        def work(s: Session) -> bool:
            unmapped = s.execute(unmapped_query).all()
            if not unmapped:
                return False
            next_id = (s.scalar(select(func.max(MlflowExperimentRow.id))) or 0) + 1
            taken = set(s.scalars(select(MlflowExperimentRow.name)))
            for project_id, name, created in unmapped:
                label = name if name not in taken else f"{name} (project {project_id})"
                experiment_id = next_id
                if (
                    name == DEFAULT_EXPERIMENT_NAME
                    and s.get(MlflowExperimentRow, DEFAULT_EXPERIMENT_ID) is None
                ):
                    experiment_id = DEFAULT_EXPERIMENT_ID
                else:
                    next_id += 1
                s.add(
                    MlflowExperimentRow(
                        id=experiment_id,
                        project_id=project_id,
                        name=label,
                        tags={},
                        created_at=created,
                        updated_at=created,
                    )
                )
                taken.add(label)
            return True

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def create_experiment(
        self,
        name: str,
        project: str,
        *,
        artifact_location: str | None,
        tags: Mapping[str, str],
        now: datetime,
        experiment_id: int | None = None,
    ) -> Experiment:
        """A new project and its experiment. Raises AlreadyExists if either name is taken."""

        def work(s: Session) -> Experiment:
            if s.scalar(select(MlflowExperimentRow.id).where(MlflowExperimentRow.name == name)):
                raise AlreadyExists(f"Experiment '{name}' already exists.")
            if s.scalar(select(ProjectRow.id).where(ProjectRow.name == project)) is not None:
                raise AlreadyExists(f"Experiment '{name}' already exists (project {project}).")
            project_row = ProjectRow(name=project, created_at=now, last_activity=now)
            s.add(project_row)
            s.flush()
            new_id = experiment_id
            if new_id is None:
                new_id = (s.scalar(select(func.max(MlflowExperimentRow.id))) or 0) + 1
            row = MlflowExperimentRow(
                id=new_id,
                project_id=project_row.id,
                name=name,
                artifact_location=artifact_location,
                tags=dict(tags),
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return _experiment(row, project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def _select_experiments(self) -> Any:
        return select(MlflowExperimentRow, ProjectRow.name).join(
            ProjectRow, ProjectRow.id == MlflowExperimentRow.project_id
        )

    def get_experiment(self, experiment_id: int) -> Experiment:
        with self.db.read() as s:
            found = s.execute(
                self._select_experiments().where(MlflowExperimentRow.id == experiment_id)
            ).first()
            if found is None:
                raise NotFound(f"No Experiment with id={experiment_id} exists")
            return _experiment(found[0], found[1])

    def find_experiment(
        self, *, name: str | None = None, project: str | None = None
    ) -> Experiment | None:
        with self.db.read() as s:
            stmt = self._select_experiments()
            if name is not None:
                stmt = stmt.where(MlflowExperimentRow.name == name)
            if project is not None:
                stmt = stmt.where(ProjectRow.name == project)
            found = s.execute(stmt).first()
            return None if found is None else _experiment(found[0], found[1])

    def list_experiments(self) -> list[Experiment]:
        with self.db.read() as s:
            rows = s.execute(self._select_experiments().order_by(MlflowExperimentRow.id)).all()
            return [_experiment(row, project) for row, project in rows]

    def update_experiment(
        self,
        experiment_id: int,
        *,
        now: datetime,
        name: str | None = None,
        tags: Mapping[str, str | None] | None = None,
        deleted: bool | None = None,
    ) -> Experiment:
        def work(s: Session) -> Experiment:
            row = s.get(MlflowExperimentRow, experiment_id)
            if row is None:
                raise NotFound(f"No Experiment with id={experiment_id} exists")
            if name is not None and name != row.name:
                clash = s.scalar(
                    select(MlflowExperimentRow.id).where(MlflowExperimentRow.name == name)
                )
                if clash is not None:
                    raise AlreadyExists(f"Experiment '{name}' already exists.")
                row.name = name
            if tags:
                row.tags = _merged(row.tags, tags)
            if deleted is not None:
                row.deleted_at = now if deleted else None
            row.updated_at = now
            s.flush()
            project = s.scalar(select(ProjectRow.name).where(ProjectRow.id == row.project_id))
            return _experiment(row, str(project))

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    # -- logged models ---------------------------------------------------------------------
    def add_logged_model(self, model: LoggedModel) -> LoggedModel:
        def work(s: Session) -> LoggedModel:
            row = MlflowLoggedModelRow(
                id=model.id,
                experiment_id=model.experiment_id,
                name=model.name,
                model_type=model.model_type,
                source_run_id=model.source_run_id,
                status=model.status,
                params=dict(model.params),
                tags=dict(model.tags),
                artifact=model.artifact,
                artifact_version=model.artifact_version,
                created_at=model.created_at,
                updated_at=model.updated_at,
            )
            s.add(row)
            s.flush()
            return _logged_model(row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def get_logged_model(self, model_id: str, *, include_deleted: bool = False) -> LoggedModel:
        with self.db.read() as s:
            row = s.get(MlflowLoggedModelRow, model_id)
            if row is None or (row.deleted_at is not None and not include_deleted):
                raise NotFound(f"Logged model with ID '{model_id}' not found.")
            return _logged_model(row)

    def list_logged_models(self, experiment_ids: Sequence[int]) -> list[LoggedModel]:
        with self.db.read() as s:
            rows = s.scalars(
                select(MlflowLoggedModelRow)
                .where(
                    MlflowLoggedModelRow.experiment_id.in_(list(experiment_ids)),
                    MlflowLoggedModelRow.deleted_at.is_(None),
                )
                .order_by(MlflowLoggedModelRow.created_at.desc(), MlflowLoggedModelRow.id)
            ).all()
            return [_logged_model(r) for r in rows]

    def update_logged_model(
        self,
        model_id: str,
        *,
        now: datetime,
        status: str | None = None,
        tags: Mapping[str, str | None] | None = None,
        params: Mapping[str, str] | None = None,
        artifact: tuple[str, int] | None = None,
        deleted: bool = False,
    ) -> LoggedModel:
        def work(s: Session) -> LoggedModel:
            row = s.get(MlflowLoggedModelRow, model_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(f"Logged model with ID '{model_id}' not found.")
            if status is not None:
                row.status = status
            if tags:
                row.tags = _merged(row.tags, tags)
            if params:
                row.params = {**(row.params or {}), **params}
            if artifact is not None:
                row.artifact, row.artifact_version = artifact
            if deleted:
                row.deleted_at = now
            row.updated_at = now
            s.flush()
            return _logged_model(row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    # -- the artifact tree -----------------------------------------------------------------
    def put_file(self, path: str, digest: str, size: int, now: datetime) -> None:
        def work(s: Session) -> None:
            s.merge(MlflowFileRow(path=path, digest=digest, size=size, updated_at=now))

        self.db.retry_write(work)

    def get_file(self, path: str) -> StoredFile | None:
        with self.db.read() as s:
            row = s.get(MlflowFileRow, path)
            return None if row is None else StoredFile(row.path, row.digest, row.size)

    def files_under(self, prefix: str, *, limit: int | None = None) -> list[StoredFile]:
        """Files whose path starts with ``prefix/`` (every depth), sorted by path."""
        base = prefix.rstrip("/") + "/" if prefix else ""
        with self.db.read() as s:
            stmt = select(MlflowFileRow).order_by(MlflowFileRow.path)
            if base:
                # LIKE with % and _ escaped; SQLite's LIKE ignores case, so the prefix is
                # checked again exactly below.
                stmt = stmt.where(MlflowFileRow.path.startswith(base, autoescape=True))
            if limit is not None:
                stmt = stmt.limit(limit)
            rows = s.scalars(stmt)
            return [StoredFile(r.path, r.digest, r.size) for r in rows if r.path.startswith(base)]

    def delete_files(self, paths: Sequence[str]) -> None:
        if paths:
            self.db.retry_write(
                lambda s: s.execute(
                    delete(MlflowFileRow).where(MlflowFileRow.path.in_(list(paths)))
                )
            )

    # -- dataset inputs --------------------------------------------------------------------
    def add_inputs(self, run_id: str, inputs: Sequence[RunInput]) -> None:
        """Add the inputs not already recorded for the run (same name and digest)."""

        def work(s: Session) -> None:
            known: set[tuple[str, str]] = set(
                (name, digest)
                for name, digest in s.execute(
                    select(MlflowRunInputRow.name, MlflowRunInputRow.digest).where(
                        MlflowRunInputRow.run_id == run_id
                    )
                ).all()
            )
            for item in inputs:
                if (item.name, item.digest) in known:
                    continue
                known.add((item.name, item.digest))
                s.add(
                    MlflowRunInputRow(
                        run_id=run_id,
                        name=item.name,
                        digest=item.digest,
                        context=item.context,
                        record=dict(item.record),
                    )
                )

        self.db.retry_write(work)

    def inputs_of(self, run_ids: Sequence[str]) -> dict[str, list[RunInput]]:
        if not run_ids:
            return {}
        out: dict[str, list[RunInput]] = {}
        with self.db.read() as s:
            rows = s.scalars(
                select(MlflowRunInputRow)
                .where(MlflowRunInputRow.run_id.in_(list(run_ids)))
                .order_by(MlflowRunInputRow.id)
            ).all()
            for r in rows:
                out.setdefault(r.run_id, []).append(
                    RunInput(r.name, r.digest, r.context, dict(r.record or {}))
                )
        return out
