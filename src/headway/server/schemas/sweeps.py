"""Wire shapes of sweeps: the sweep, its trials, an agent's assignment, analyses.

A sweep's ``config`` is the W&B-shaped sweep file as a JSON object; it is validated by
the sweep service, so a mistake reads the same over HTTP as in the SDK (the message and
``details.key`` name the bad key).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from headway.backend import sweeps_wire as wire
from headway.entities.sweeps import (
    ContourGrid,
    Sweep,
    SweepImportance,
    Trial,
    TrialAssignment,
    TrialDirective,
)
from headway.server.schemas.common import StrictModel

SweepStateWire = Literal["running", "paused", "finished", "cancelled"]
TrialStateWire = Literal["queued", "running", "finished", "pruned", "failed", "cancelled"]


class SweepIn(StrictModel):
    config: dict[str, Any] = Field(
        description="The sweep file: method, metric, parameters, early_terminate, run_cap, …"
    )
    project: str | None = Field(None, description="Defaults to the file's project key.")
    name: str | None = Field(None, description="Defaults to the file's name, else the id.")
    paused: bool = Field(False, description="Create it paused: agents wait until resumed.")


class ActionIn(StrictModel):
    action: Literal["pause", "resume", "stop", "cancel"]


class NextIn(StrictModel):
    agent: str = Field(description="The asking agent's name (host:pid).")


class StartIn(StrictModel):
    run_id: str


class ReportIn(StrictModel):
    points: list[tuple[int, float]] = Field(
        description="[step, value] pairs of the sweep's first metric, in any order."
    )
    judge: bool = Field(True, description="False: record only (a run's last points).")


class FinishIn(StrictModel):
    state: Literal["finished", "failed"]
    run_id: str | None = None
    error: str = ""


class MetricOut(BaseModel):
    name: str
    goal: Literal["minimize", "maximize"]
    target: float | None


class TrialOut(BaseModel):
    sweep_id: str
    number: int
    state: TrialStateWire
    config: dict[str, Any] = Field(description="The parameters as the run's config has them.")
    params: dict[str, Any] = Field(description="The parameters by dotted name.")
    values: list[float | None] | None = Field(description="One per sweep metric.")
    run_id: str | None
    agent: str | None
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    retry_of: int | None
    attempt: int
    message: str
    steps: list[int] = Field(description="Steps of the reported intermediate values.")
    intermediate: list[float]

    @classmethod
    def from_entity(cls, t: Trial, *, intermediate: bool = True) -> TrialOut:
        return cls.model_validate(wire.trial_to_wire(t, intermediate=intermediate))


class SweepOut(BaseModel):
    id: str
    project: str
    name: str
    config: dict[str, Any]
    method: str = Field(description="grid, random, tpe, cmaes, gp, qmc or nsga2.")
    metrics: list[MetricOut]
    state: SweepStateWire
    created_at: datetime
    updated_at: datetime
    description: str
    run_cap: int | None
    counts: dict[str, int] = Field(description="Trials per state.")
    total: int
    space_size: int | None = Field(description="Points of a grid; null when unbounded.")
    best: list[TrialOut] = Field(description="The best trial, or the Pareto front.")
    message: str

    @classmethod
    def from_entity(cls, s: Sweep) -> SweepOut:
        return cls.model_validate(wire.sweep_to_wire(s))


class SweepList(BaseModel):
    sweeps: list[SweepOut]


class TrialList(BaseModel):
    trials: list[TrialOut]


class AssignmentOut(BaseModel):
    status: Literal["run", "wait", "done"]
    trial: TrialOut | None
    sweep: SweepOut | None
    reason: str

    @classmethod
    def from_entity(cls, a: TrialAssignment) -> AssignmentOut:
        return cls.model_validate(wire.assignment_to_wire(a))


class DirectiveOut(BaseModel):
    action: Literal["continue", "prune", "stop"]
    reason: str

    @classmethod
    def from_entity(cls, d: TrialDirective) -> DirectiveOut:
        return cls.model_validate(wire.directive_to_wire(d))


class SweepImportanceItem(BaseModel):
    param: str
    importance: float


class SweepImportanceOut(BaseModel):
    metric: str
    method: str
    trials: int
    params: list[SweepImportanceItem]

    @classmethod
    def from_entity(cls, i: SweepImportance) -> SweepImportanceOut:
        return cls.model_validate(wire.importance_to_wire(i))


class ContourOut(BaseModel):
    metric: str
    x_param: str
    y_param: str
    x: list[float]
    y: list[float]
    z: list[list[float | None]] = Field(description="z[j][i] at (x[i], y[j]).")
    x_log: bool
    y_log: bool

    @classmethod
    def from_entity(cls, c: ContourGrid) -> ContourOut:
        return cls.model_validate(wire.contour_to_wire(c))
