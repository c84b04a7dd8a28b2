"""Run lifecycle: create, read, update, resume, finish, delete and restore."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from headway.server.deps import Backend
from headway.server.schemas.common import error_responses
from headway.server.schemas.runs import FinishIn, RunCreateIn, RunOut, RunPatchIn

router = APIRouter(prefix="/runs", tags=["runs"])

_NOT_FOUND = error_responses(404)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a running run (and its project if needed)",
    responses=error_responses(400, 409),
)
def create_run(body: RunCreateIn, backend: Backend) -> RunOut:
    return RunOut.from_entity(backend.create_run(body.to_entity()))


@router.get("/{run_id}", summary="Get a run", responses=_NOT_FOUND)
def get_run(run_id: str, backend: Backend) -> RunOut:
    return RunOut.from_entity(backend.get_run(run_id))


@router.patch(
    "/{run_id}",
    summary="Update name, tags, notes, group, job type or metadata",
    responses=error_responses(400, 404),
)
def update_run(run_id: str, body: RunPatchIn, backend: Backend) -> RunOut:
    return RunOut.from_entity(backend.update_run(run_id, body.to_entity()))


@router.post("/{run_id}/resume", summary="Mark a run running again", responses=_NOT_FOUND)
def resume_run(run_id: str, backend: Backend) -> RunOut:
    return RunOut.from_entity(backend.resume_run(run_id))


@router.post(
    "/{run_id}/finish",
    summary="Move a run to a terminal state",
    responses=error_responses(400, 404),
)
def finish_run(run_id: str, body: FinishIn, backend: Backend) -> RunOut:
    run = backend.finish_run(run_id, body.state, exit_code=body.exit_code, error=body.error)
    return RunOut.from_entity(run)


@router.delete(
    "/{run_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Soft-delete a run (hidden from searches until restored)",
    responses=_NOT_FOUND,
)
def delete_run(run_id: str, backend: Backend) -> Response:
    backend.delete_run(run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{run_id}/restore", summary="Undo a soft delete", responses=_NOT_FOUND)
def restore_run(run_id: str, backend: Backend) -> RunOut:
    return RunOut.from_entity(backend.restore_run(run_id))
