"""Sweeps: create and steer them, list trials, analyse; the calls agents make.

Handlers are plain ``def`` (they run in the thread pool): choosing the next trial runs
an Optuna sampler, and judging a report runs a pruner.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from headway.backend.base import BaseBackend
from headway.backend.sweeps import BaseSweeps
from headway.server.schemas.common import error_responses
from headway.server.schemas.sweeps import (
    ActionIn,
    AssignmentOut,
    ContourOut,
    DirectiveOut,
    FinishIn,
    NextIn,
    ReportIn,
    StartIn,
    SweepImportanceOut,
    SweepIn,
    SweepList,
    SweepOut,
    TrialList,
    TrialOut,
)


async def _sweeps(request: Request) -> BaseSweeps:
    backend: BaseBackend = request.app.state.backend
    return backend.sweeps


Sweeps = Annotated[BaseSweeps, Depends(_sweeps)]

router = APIRouter(tags=["sweeps"])
_SWEEP = "/sweeps/{sweep_id}"
_TRIAL = _SWEEP + "/trials/{number}"
_ERRORS = error_responses(400, 404, 409)


@router.post(
    "/sweeps",
    summary="Create a sweep from a sweep file",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
def create_sweep(body: SweepIn, sweeps: Sweeps) -> SweepOut:
    sweep = sweeps.create_sweep(body.project, body.config, name=body.name, paused=body.paused)
    return SweepOut.from_entity(sweep)


@router.get("/projects/{project}/sweeps", summary="A project's sweeps", responses=_ERRORS)
def list_sweeps(project: str, sweeps: Sweeps) -> SweepList:
    return SweepList(sweeps=[SweepOut.from_entity(s) for s in sweeps.list_sweeps(project)])


@router.get(_SWEEP, summary="A sweep with its progress and best trial", responses=_ERRORS)
def get_sweep(sweep_id: str, sweeps: Sweeps) -> SweepOut:
    return SweepOut.from_entity(sweeps.get_sweep(sweep_id))


@router.delete(
    _SWEEP,
    summary="Forget a sweep and its trials (the runs stay)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_ERRORS,
)
def delete_sweep(sweep_id: str, sweeps: Sweeps) -> Response:
    sweeps.delete_sweep(sweep_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    _SWEEP + "/actions", summary="Pause, resume, stop or cancel a sweep", responses=_ERRORS
)
def sweep_action(sweep_id: str, body: ActionIn, sweeps: Sweeps) -> SweepOut:
    return SweepOut.from_entity(sweeps.sweep_action(sweep_id, body.action))


@router.get(_SWEEP + "/trials", summary="Every trial of a sweep", responses=_ERRORS)
def list_trials(
    sweep_id: str,
    sweeps: Sweeps,
    intermediate: Annotated[
        bool, Query(description="false: leave out each trial's intermediate values")
    ] = True,
) -> TrialList:
    found = sweeps.list_trials(sweep_id, intermediate=intermediate)
    return TrialList(trials=[TrialOut.from_entity(t, intermediate=intermediate) for t in found])


@router.post(_SWEEP + "/next", summary="An agent asks for its next trial", responses=_ERRORS)
def next_trial(sweep_id: str, body: NextIn, sweeps: Sweeps) -> AssignmentOut:
    return AssignmentOut.from_entity(sweeps.next_trial(sweep_id, body.agent))


@router.post(_TRIAL + "/start", summary="Link the run started for a trial", responses=_ERRORS)
def start_trial(sweep_id: str, number: int, body: StartIn, sweeps: Sweeps) -> TrialOut:
    return TrialOut.from_entity(sweeps.start_trial(sweep_id, number, body.run_id))


@router.post(
    _TRIAL + "/heartbeat", summary="A running trial is alive; go on or stop?", responses=_ERRORS
)
def heartbeat_trial(sweep_id: str, number: int, sweeps: Sweeps) -> DirectiveOut:
    return DirectiveOut.from_entity(sweeps.heartbeat_trial(sweep_id, number))


@router.post(
    _TRIAL + "/report",
    summary="Intermediate values of the sweep metric; the pruner answers",
    responses=_ERRORS,
)
def report_trial(sweep_id: str, number: int, body: ReportIn, sweeps: Sweeps) -> DirectiveOut:
    directive = sweeps.report_trial(sweep_id, number, body.points, judge=body.judge)
    return DirectiveOut.from_entity(directive)


@router.post(_TRIAL + "/finish", summary="How a trial ended", responses=_ERRORS)
def finish_trial(sweep_id: str, number: int, body: FinishIn, sweeps: Sweeps) -> TrialOut:
    trial = sweeps.finish_trial(sweep_id, number, body.state, run_id=body.run_id, error=body.error)
    return TrialOut.from_entity(trial)


@router.get(
    _SWEEP + "/importance",
    summary="Each parameter's importance for a sweep metric",
    responses=_ERRORS,
)
def sweep_importance(
    sweep_id: str,
    sweeps: Sweeps,
    metric: str | None = None,
    method: Annotated[str, Query(description="fanova or random_forest")] = "fanova",
) -> SweepImportanceOut:
    return SweepImportanceOut.from_entity(sweeps.sweep_importance(sweep_id, metric, method))


@router.get(
    _SWEEP + "/contour",
    summary="A metric interpolated over two parameters",
    responses=_ERRORS,
)
def sweep_contour(
    sweep_id: str, sweeps: Sweeps, x: str, y: str, metric: str | None = None
) -> ContourOut:
    return ContourOut.from_entity(sweeps.sweep_contour(sweep_id, x, y, metric))
