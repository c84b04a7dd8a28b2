"""Tables for MLflow's API: what its model has beyond Headway's (see migration 0006)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from headway.store.sql.models import Base


class MlflowExperimentRow(Base):
    """A project as MLflow sees it: a stable integer id, a free-text name, tags."""

    __tablename__ = "mlflow_experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    name: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    artifact_location: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MlflowLoggedModelRow(Base):
    """An MLflow 3 logged model; once READY its files are a Headway artifact version."""

    __tablename__ = "mlflow_logged_models"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("mlflow_experiments.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    model_type: Mapped[str | None] = mapped_column(String(256))
    source_run_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    params: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    tags: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    #: The Headway artifact version holding the files, once READY: ``artifact:vN``.
    artifact: Mapped[str | None] = mapped_column(String(256))
    artifact_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_mlflow_logged_models_experiment", "experiment_id", "created_at"),)


class MlflowFileRow(Base):
    """One file of the tree MLflow clients write file by file, by its full artifact path.

    The bytes are a content-addressed blob; ``headway gc`` treats these digests as live.
    """

    __tablename__ = "mlflow_files"

    path: Mapped[str] = mapped_column(String(2048), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_mlflow_files_digest", "digest"),)


class MlflowRunInputRow(Base):
    """A dataset input of a run, kept as the client sent it (echoed by ``runs/get``)."""

    __tablename__ = "mlflow_run_inputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    context: Mapped[str | None] = mapped_column(String(512))
    record: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)

    __table_args__ = (Index("ix_mlflow_run_inputs_run", "run_id", "name", "digest"),)
