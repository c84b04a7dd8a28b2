"""SQLAlchemy 2 tables. ORM rows never leave ``store/sql``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ProjectRow(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_activity: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    group_name: Mapped[str | None] = mapped_column(String(256))
    job_type: Mapped[str | None] = mapped_column(String(128))
    parent_id: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    run_metadata: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSON, nullable=False, default=dict
    )
    error: Mapped[str | None] = mapped_column(Text)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    last_step: Mapped[int] = mapped_column(BigInteger, nullable=False, default=-1)
    #: Highest ingested batch sequence number; batches at or below it are duplicates.
    last_batch_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=-1)

    __table_args__ = (
        # Covers listing a project's live runs newest first without reading the rows.
        Index("ix_runs_project_created", "project_id", "created_at", "deleted_at", "id"),
        Index("ix_runs_state_heartbeat", "state", "heartbeat_at"),
    )


class RunTagRow(Base):
    __tablename__ = "run_tags"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(256), primary_key=True)

    # Each search index ends with run_id: a filter is then answered from the index alone.
    __table_args__ = (Index("ix_run_tags_tag", "tag", "run_id"),)


class RunKvTagRow(Base):
    """One key -> value tag of a run (MLflow's tags), indexed for search."""

    __tablename__ = "run_kv_tags"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (Index("ix_run_kv_tags_key_value", "key", "value", "run_id"),)


class RunParamRow(Base):
    """One flattened config key of a run (``optimizer.lr``), indexed for search and sort."""

    __tablename__ = "run_params"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    #: Set when the value is a number or a bool (as 0/1).
    value_num: Mapped[float | None] = mapped_column(Float)
    #: Set when the value is a string; lists and nulls are stored as JSON text here.
    value_str: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_run_params_key_num", "key", "value_num", "run_id"),
        Index("ix_run_params_key_str", "key", "value_str", "run_id"),
    )


class RunSummaryRow(Base):
    """One summary key of a run: automatic aggregates plus an optional user value."""

    __tablename__ = "run_summary"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    #: Effective value for search and sort: user value if numeric, else the rule's value.
    value_num: Mapped[float | None] = mapped_column(Float)
    value_str: Mapped[str | None] = mapped_column(Text)
    #: The value the user set, JSON-encoded (any JSON type); NULL when not set.
    user_value: Mapped[str | None] = mapped_column(Text)
    last: Mapped[float | None] = mapped_column(Float)
    min: Mapped[float | None] = mapped_column(Float)
    max: Mapped[float | None] = mapped_column(Float)
    sum: Mapped[float | None] = mapped_column(Float)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    #: Finite points counted in ``sum`` (NaN and inf are excluded from the mean).
    finite_count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_step: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_run_summary_key_num", "key", "value_num", "run_id"),)


class MetricChunkRow(Base):
    """Up to a few thousand points of one metric, stored as columnar blobs.

    Chunks of a key are ordered by ``seq`` (arrival order). Per-chunk statistics let
    range reads and envelopes skip or summarise chunks without decoding them.
    """

    __tablename__ = "metric_chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(512), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    min_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: 1 when steps are non-decreasing inside the chunk (enables binary search).
    sorted: Mapped[int] = mapped_column(Integer, nullable=False)
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    steps: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    times: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    values: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    __table_args__ = (Index("ix_metric_chunks_run_key_seq", "run_id", "key", "seq", unique=True),)


class MetricSketchRow(Base):
    """The block sketch of one chunk (see ``store.sketch``): what envelopes read.

    A table of its own, keyed like the chunk: in a chunk row the sketch would sit behind
    the large point blobs, and SQLite would walk their overflow pages to reach it.
    """

    __tablename__ = "metric_sketches"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    min_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Block width, in steps (a power of two).
    grid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sketch: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class ConsoleChunkRow(Base):
    __tablename__ = "console_chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    line_count: Mapped[int] = mapped_column(Integer, nullable=False)
    #: JSON list of [time, stream, text].
    lines: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (Index("ix_console_chunks_run_seq", "run_id", "seq", unique=True),)


class RunFileRow(Base):
    """A small captured file of a run: code, git diff, installed packages."""

    __tablename__ = "run_files"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


# The other aggregates' tables register on the same metadata (migrations compare them all).
from headway.store.sql import (  # noqa: E402, F401
    models_alerts,
    models_artifacts,
    models_mlflow,
    models_monitoring,
    models_registry,
)
