"""Tables of sweeps and their trials (see migration 0009)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from headway.store.sql.models import Base


class SweepRow(Base):
    __tablename__ = "sweeps"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Bumped by every new trial: a trial is created only against the version its
    #: parameters were sampled from, so concurrent agents never sample from a stale view.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Optuna study system attributes (a sampler's state between trials).
    study_attrs: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_sweeps_project", "project_id", "created_at"),)


class SweepTrialRow(Base):
    __tablename__ = "sweep_trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sweep_id: Mapped[str] = mapped_column(
        ForeignKey("sweeps.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    #: What the sampler chose, in its own space; ``config`` is what the run gets.
    searched: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    system_attrs: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    values: Mapped[list[float | None] | None] = mapped_column(JSON)
    #: ``{step: value}`` of the first metric, as reported while the trial runs.
    intermediate: Mapped[dict[str, float]] = mapped_column(JSON, nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(256))
    retry_of: Mapped[int | None] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_sweep_trials_number", "sweep_id", "number", unique=True),
        Index("ix_sweep_trials_state", "state", "heartbeat_at"),
        Index("ix_sweep_trials_run", "run_id"),
    )
