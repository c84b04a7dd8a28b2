"""Blob transfers: upload sessions, parts sent through the API, downloads, and gc."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import RedirectResponse, StreamingResponse

from headway.server.deps import Artifacts, Body
from headway.server.schemas.artifacts import (
    CompleteIn,
    GcIn,
    GcOut,
    PartOut,
    UploadIn,
    UploadPlanOut,
)
from headway.server.schemas.common import error_responses
from headway.store.blobstore import is_digest

router = APIRouter(tags=["uploads"])


@router.post(
    "/projects/{project}/artifacts/uploads",
    summary="Open an upload session; answers which blobs are missing and where to send them",
    responses=error_responses(400, 503),
)
def begin_upload(project: str, body: UploadIn, artifacts: Artifacts) -> UploadPlanOut:
    plan = artifacts.begin_remote_upload(project, [(b.digest, b.size) for b in body.blobs])
    return UploadPlanOut.from_entity(plan)


@router.put(
    "/uploads/{session_id}/blobs/{digest}/parts/{number}",
    summary="Send one part of a blob through the API (local-folder blob stores)",
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": True}},
    responses=error_responses(400, 404, 413),
)
def put_part(
    session_id: str,
    digest: str,
    number: int,
    body: Body,
    artifacts: Artifacts,
    upload_id: Annotated[str, Query()],
) -> PartOut:
    etag = artifacts.put_part(session_id, digest, upload_id, number, body.data)
    return PartOut(etag=etag)


@router.post(
    "/uploads/{session_id}/blobs/{digest}/complete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Join a multipart upload's parts into the blob (verified)",
    responses=error_responses(400, 404),
)
def complete_blob(session_id: str, digest: str, body: CompleteIn, artifacts: Artifacts) -> Response:
    artifacts.complete_blob(session_id, digest, body.parts)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/uploads/{session_id}/blobs/{digest}/abort",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Drop a blob's multipart upload so the next attempt starts from scratch",
    responses=error_responses(400, 404),
)
def abort_blob(session_id: str, digest: str, artifacts: Artifacts) -> Response:
    artifacts.abort_blob(session_id, digest)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/blobs/{digest}",
    summary="Download a blob (redirects to a presigned URL on object stores)",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        307: {"description": "Presigned object-store URL."},
        **error_responses(400, 404),
    },
)
def get_blob(digest: str, artifacts: Artifacts) -> Response:
    url = artifacts.blob_url(digest)
    if url is not None:
        return RedirectResponse(url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    return StreamingResponse(
        artifacts.iter_blob(digest),
        media_type="application/octet-stream",
        headers={"X-Content-Type-Options": "nosniff", "ETag": f'"{digest}"'}
        if is_digest(digest)
        else {},
    )


@router.post(
    "/admin/gc",
    summary="Reclaim blobs no live version references (safe while uploads run)",
    responses=error_responses(400),
)
def gc(body: GcIn, artifacts: Artifacts) -> GcOut:
    report = artifacts.gc(
        grace_seconds=body.grace_seconds,
        deleted_retention_seconds=body.deleted_retention_seconds,
        dry_run=body.dry_run,
    )
    return GcOut.from_entity(report)
