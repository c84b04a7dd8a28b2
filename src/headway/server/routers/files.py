"""Small captured files of a run (code, diff, requirements)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from headway.server.deps import Backend, Body
from headway.server.schemas.common import error_responses
from headway.server.schemas.ingest import FILE_REQUEST_BODY
from headway.server.schemas.runs import FileList

router = APIRouter(prefix="/runs/{run_id}/files", tags=["files"])


@router.get("", summary="List a run's files", responses=error_responses(404))
def list_files(run_id: str, backend: Backend) -> FileList:
    return FileList(files=backend.list_files(run_id))


@router.put(
    "/{path:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Store a file under a relative path",
    openapi_extra=FILE_REQUEST_BODY,
    responses=error_responses(400, 404, 413),
)
def put_file(run_id: str, path: str, body: Body, backend: Backend) -> Response:
    backend.put_files(run_id, {path: body.data})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{path:path}",
    summary="Download a file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **error_responses(404)},
)
def get_file(run_id: str, path: str, backend: Backend) -> Response:
    # Never a guessed type like text/html: user content must not run as a page on the
    # UI's origin. The UI decides how to show it.
    return Response(
        backend.get_file(run_id, path),
        media_type="application/octet-stream",
        headers={"X-Content-Type-Options": "nosniff"},
    )
