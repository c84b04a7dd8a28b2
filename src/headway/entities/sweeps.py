"""Sweeps: a search space and a method, the trials agents run, and what the search found.

A sweep hands out *trials*; each trial is one set of parameters an agent runs as one run.
Trial numbers count from 0 in the order trials were created, retries included (a retry
names the trial it repeats in ``retry_of``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from headway.entities.config import flatten


class SweepState(enum.StrEnum):
    #: Agents are handed trials.
    RUNNING = "running"
    #: No new trials until resumed; running trials go on.
    PAUSED = "paused"
    #: No more trials: the run cap or the grid is used up, or it was stopped. Running
    #: trials finish normally.
    FINISHED = "finished"
    #: No more trials, and running trials were told to stop.
    CANCELLED = "cancelled"


class TrialState(enum.StrEnum):
    #: A retry waiting for an agent.
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    #: Stopped early by the sweep's early-termination rule.
    PRUNED = "pruned"
    FAILED = "failed"
    #: Stopped because the sweep was cancelled.
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self not in (TrialState.QUEUED, TrialState.RUNNING)


#: Why ``next_trial`` says ``wait`` when other processes kept creating trials first; an
#: agent asks again at once.
CONTENDED = "many agents asked at once; ask again"

SweepAction = Literal["pause", "resume", "stop", "cancel"]
SWEEP_ACTIONS: tuple[SweepAction, ...] = ("pause", "resume", "stop", "cancel")


@dataclass(frozen=True)
class SweepMetric:
    name: str
    goal: Literal["minimize", "maximize"] = "minimize"
    #: Stop the sweep once a finished trial reaches this value (W&B's ``target``).
    target: float | None = None


@dataclass(frozen=True)
class Trial:
    sweep_id: str
    number: int
    state: TrialState
    #: The trial's parameters as the run's config sees them (nested parameters nested).
    config: dict[str, Any]
    created_at: datetime
    #: One value per sweep metric once finished (or the last reported value if pruned).
    values: tuple[float | None, ...] | None = None
    run_id: str | None = None
    agent: str | None = None
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    #: The trial this one repeats, for a retry of a failed trial.
    retry_of: int | None = None
    #: 0 for a first attempt, 1 for its first retry, …
    attempt: int = 0
    #: Why it failed, was pruned or cancelled.
    message: str = ""
    #: Intermediate values of the first metric reported so far, by step.
    intermediate: dict[int, float] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, Any]:
        """The parameters flattened to dotted names (``optimizer.lr``)."""
        return flatten(self.config)


@dataclass(frozen=True)
class Sweep:
    id: str
    project: str
    name: str
    #: The configuration as given (validated), in the shape of a W&B sweep file.
    config: dict[str, Any]
    method: str
    metrics: tuple[SweepMetric, ...]
    state: SweepState
    created_at: datetime
    updated_at: datetime
    description: str = ""
    run_cap: int | None = None
    #: Trials per state.
    counts: dict[str, int] = field(default_factory=dict)
    #: Total trials the search space holds, for a grid; None when it is unbounded.
    space_size: int | None = None
    #: The best finished trial (one metric), or the Pareto front (several), best first.
    best: tuple[Trial, ...] = ()
    #: Why the sweep finished or was stopped.
    message: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class TrialAssignment:
    """What an agent asking for work gets."""

    #: ``run``: run ``trial``. ``wait``: ask again later (paused, or retries may come).
    #: ``done``: the sweep hands out no more trials.
    status: Literal["run", "wait", "done"]
    trial: Trial | None = None
    sweep: Sweep | None = None
    reason: str = ""


@dataclass(frozen=True)
class TrialDirective:
    """The answer to a trial's heartbeat or report: go on, or stop now."""

    action: Literal["continue", "prune", "stop"]
    reason: str = ""


@dataclass(frozen=True)
class ParamImportance:
    param: str
    importance: float


@dataclass(frozen=True)
class SweepImportance:
    metric: str
    method: str
    params: tuple[ParamImportance, ...]
    #: Finished trials the estimate used.
    trials: int


@dataclass(frozen=True)
class ContourGrid:
    """The metric interpolated over two parameters, for a contour plot."""

    metric: str
    x_param: str
    y_param: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    #: ``z[j][i]`` at ``(x[i], y[j])``; None outside the trials' convex hull.
    z: tuple[tuple[float | None, ...], ...]
    x_log: bool = False
    y_log: bool = False
