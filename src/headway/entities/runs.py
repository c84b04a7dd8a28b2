from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class RunState(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    KILLED = "killed"
    CRASHED = "crashed"
    #: Stopped early by its sweep's early-termination rule.
    PRUNED = "pruned"

    @property
    def is_terminal(self) -> bool:
        return self is not RunState.RUNNING


@dataclass(frozen=True)
class Run:
    id: str
    project: str
    name: str
    state: RunState
    created_at: datetime
    updated_at: datetime
    config: dict[str, Any] = field(default_factory=dict)
    #: Effective summary per key: the user's value if set, else the last logged value.
    summary: dict[str, Any] = field(default_factory=dict)
    #: Automatic aggregates per metric key: last, min, max, mean, count, step.
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    #: Key -> value tags (MLflow's kind of tag): ``team=edu``, ``mlflow.source.name=...``.
    kv_tags: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    group: str | None = None
    job_type: str | None = None
    parent_id: str | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    deleted_at: datetime | None = None
    #: Captured environment: git, command, python, host, packages summary, metric definitions.
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Traceback of an uncaught exception for a failed run.
    error: str | None = None
    exit_code: int | None = None
    #: Highest step logged so far (-1 before any point).
    last_step: int = -1
    #: Highest ingested batch number; a resumed run continues after it.
    last_batch_seq: int = -1

    @property
    def duration_seconds(self) -> float:
        end = self.finished_at or self.heartbeat_at or self.updated_at
        return max(0.0, (end - self.created_at).total_seconds())


@dataclass(frozen=True)
class RunCreate:
    project: str
    id: str | None = None
    name: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    kv_tags: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    group: str | None = None
    job_type: str | None = None
    parent_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Client clock at creation; offline runs synced later keep their real start time.
    created_at: datetime | None = None


@dataclass(frozen=True)
class RunUpdate:
    """A partial update; fields left as ``None`` are unchanged."""

    name: str | None = None
    tags: tuple[str, ...] | None = None
    #: Key -> value tags to set; a ``None`` value deletes the key. Other keys are kept.
    kv_tags: dict[str, str | None] | None = None
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    #: Merged key by key into the stored metadata.
    metadata: dict[str, Any] | None = None
    state: RunState | None = None
    error: str | None = None
    exit_code: int | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class RunFinish:
    state: RunState
    exit_code: int | None = None
    error: str | None = None
