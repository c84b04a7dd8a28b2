"""Tables of monitoring (see migration 0007) and of the background job queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from headway.store.sql.models import Base


class MonitorRow(Base):
    __tablename__ = "monitors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    #: The MonitorSpec, minus project and name, as JSON.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    config_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    reference_ref: Mapped[str | None] = mapped_column(String(512))
    model_version: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    labels: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    first_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    health: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_monitors_project_name", "project_id", "name", unique=True),)


class MonitorFileRow(Base):
    """One Parquet file of predictions or labels: one client batch, one day partition."""

    __tablename__ = "monitor_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False
    )
    #: ``predictions`` or ``labels``.
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    #: The client's batch id plus the partition: a replayed batch stores nothing new.
    batch: Mapped[str] = mapped_column(String(128), nullable=False)
    #: The UTC day the rows fall in (``YYYY-MM-DD``); labels use their arrival day.
    partition: Mapped[str] = mapped_column(String(10), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    min_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    max_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    model_versions: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_monitor_files_batch", "monitor_id", "kind", "batch", unique=True),
        Index("ix_monitor_files_range", "monitor_id", "kind", "min_at", "max_at"),
        Index("ix_monitor_files_digest", "digest"),
    )


class MonitorWindowRow(Base):
    """A computed window and the fingerprint of the inputs it was computed from."""

    __tablename__ = "monitor_windows"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    labeled: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Hash of prediction files, config and reference: drift and quality depend on these.
    inputs_fp: Mapped[str] = mapped_column(String(64), nullable=False)
    #: ``inputs_fp`` plus the label files: performance and fairness depend on these too.
    labels_fp: Mapped[str] = mapped_column(String(64), nullable=False)
    verdict: Mapped[str] = mapped_column(String(32), nullable=False)
    issues: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    messages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class MonitorResultRow(Base):
    __tablename__ = "monitor_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False
    )
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject: Mapped[str] = mapped_column(String(256), nullable=False)
    group: Mapped[str] = mapped_column("group_value", String(256), nullable=False)
    metric: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(32), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    __table_args__ = (Index("ix_monitor_results_window", "monitor_id", "kind", "window_start"),)


class JobRow(Base):
    """Background work (monitor windows; later alerts and sweeps), taken by any worker."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Jobs with the same key never run at the same time, and a queued one absorbs repeats.
    key: Mapped[str] = mapped_column(String(256), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    #: ``queued``, ``running``, ``done`` or ``failed``.
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(256))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_jobs_state_run_after", "state", "run_after"),
        Index("ix_jobs_key_state", "key", "state"),
    )
