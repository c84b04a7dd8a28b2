from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from headway.backend.codec import from_wire, to_wire
from headway.entities import ConsoleLine, Run, RunCreate, RunState, RunUpdate
from headway.server.schemas.common import StrictModel


class RunOut(BaseModel):
    id: str
    project: str
    name: str
    state: RunState
    created_at: datetime
    updated_at: datetime
    config: dict[str, Any]
    summary: dict[str, Any] = Field(
        description="Effective summary per key; non-finite floats as 'NaN'/'Infinity'."
    )
    metrics: dict[str, dict[str, Any]] = Field(
        description="Automatic aggregates per metric key: last, min, max, mean, count, step."
    )
    tags: list[str]
    kv_tags: dict[str, str] = Field(description="Key -> value tags (MLflow's kind of tag).")
    notes: str
    group: str | None
    job_type: str | None
    parent_id: str | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    deleted_at: datetime | None
    metadata: dict[str, Any]
    error: str | None
    exit_code: int | None
    last_step: int

    @classmethod
    def from_entity(cls, run: Run) -> RunOut:
        return cls(
            id=run.id,
            project=run.project,
            name=run.name,
            state=run.state,
            created_at=run.created_at,
            updated_at=run.updated_at,
            config=to_wire(run.config),
            summary=to_wire(run.summary),
            metrics=to_wire(run.metrics),
            tags=list(run.tags),
            kv_tags=dict(run.kv_tags),
            notes=run.notes,
            group=run.group,
            job_type=run.job_type,
            parent_id=run.parent_id,
            finished_at=run.finished_at,
            heartbeat_at=run.heartbeat_at,
            deleted_at=run.deleted_at,
            metadata=to_wire(run.metadata),
            error=run.error,
            exit_code=run.exit_code,
            last_step=run.last_step,
        )


class RunCreateIn(StrictModel):
    project: str
    id: str | None = Field(None, description="Client-chosen id; random when omitted.")
    name: str | None = Field(None, description="Human-readable name; generated when omitted.")
    config: dict[str, Any] = {}
    tags: list[str] = []
    kv_tags: dict[str, str] = {}
    notes: str = ""
    group: str | None = None
    job_type: str | None = None
    parent_id: str | None = None
    metadata: dict[str, Any] = {}
    created_at: datetime | None = Field(
        None, description="Client clock at creation (offline runs keep their real start)."
    )

    def to_entity(self) -> RunCreate:
        return RunCreate(
            project=self.project,
            id=self.id,
            name=self.name,
            config=self.config,
            tags=tuple(self.tags),
            kv_tags=dict(self.kv_tags),
            notes=self.notes,
            group=self.group,
            job_type=self.job_type,
            parent_id=self.parent_id,
            metadata=from_wire(self.metadata),
            created_at=self.created_at,
        )


class RunPatchIn(StrictModel):
    """Fields left out (or null) are unchanged; ``metadata`` is merged key by key."""

    name: str | None = None
    tags: list[str] | None = None
    kv_tags: dict[str, str | None] | None = Field(
        None, description="Key -> value tags to set; a null value deletes the key."
    )
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    metadata: dict[str, Any] | None = None
    state: RunState | None = None
    error: str | None = None
    exit_code: int | None = None
    finished_at: datetime | None = None

    def to_entity(self) -> RunUpdate:
        return RunUpdate(
            name=self.name,
            tags=None if self.tags is None else tuple(self.tags),
            kv_tags=None if self.kv_tags is None else dict(self.kv_tags),
            notes=self.notes,
            group=self.group,
            job_type=self.job_type,
            metadata=None if self.metadata is None else from_wire(self.metadata),
            state=self.state,
            error=self.error,
            exit_code=self.exit_code,
            finished_at=self.finished_at,
        )


class FinishIn(StrictModel):
    state: RunState = Field(
        description="A terminal state: finished, failed, killed, crashed, pruned."
    )
    exit_code: int | None = None
    error: str | None = Field(None, description="Traceback of the exception that ended it.")


class ConfigPatchIn(StrictModel):
    values: dict[str, Any] = Field(description="Nested or dotted keys merged into the config.")
    allow_val_change: bool = Field(False, description="Allow changing a value already set.")


class SummaryPatchIn(StrictModel):
    values: dict[str, Any] = Field(
        description="User summary values; null clears a key. Non-finite floats as 'NaN' etc."
    )

    def to_values(self) -> dict[str, Any]:
        restored: dict[str, Any] = from_wire(self.values)
        return restored


class LogResult(BaseModel):
    applied: bool = Field(description="False when this batch's seq was already applied.")


class FileList(BaseModel):
    files: list[str]


class MetricKeys(BaseModel):
    keys: list[str]


class ConsoleLineOut(BaseModel):
    time: float
    stream: str
    text: str


class ConsoleOut(BaseModel):
    lines: list[ConsoleLineOut]

    @classmethod
    def from_entities(cls, lines: list[ConsoleLine]) -> ConsoleOut:
        return cls(lines=[ConsoleLineOut(time=x.time, stream=x.stream, text=x.text) for x in lines])
