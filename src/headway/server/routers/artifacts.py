"""Artifacts: versions, files, edits, audit history, diffs and lineage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from headway.artifacts.names import file_path, version_selector
from headway.entities.artifacts import Direction
from headway.errors import InvalidArgument, NotFound
from headway.server.deps import Artifacts
from headway.server.schemas.artifacts import (
    ArtifactEventList,
    ArtifactEventOut,
    ArtifactList,
    ArtifactSummaryOut,
    ArtifactVersionList,
    ArtifactVersionOut,
    CommitIn,
    CommitOut,
    FileList,
    LineageOut,
    ManifestEntryIO,
    VersionDiffOut,
    VersionPatchIn,
)
from headway.server.schemas.common import error_responses

router = APIRouter(prefix="/projects/{project}/artifacts", tags=["artifacts"])

_NOT_FOUND = error_responses(400, 404)
MAX_FILES_PAGE = 10_000


def _number(version: str) -> int:
    chosen = version_selector(version)
    if not isinstance(chosen, int):
        raise InvalidArgument(f"expected a version number like 'v3', got {version!r}")
    return chosen


@router.get("", summary="List a project's artifacts", responses=_NOT_FOUND)
def list_artifacts(
    project: str, artifacts: Artifacts, type: Annotated[str | None, Query()] = None
) -> ArtifactList:
    return ArtifactList(
        artifacts=[
            ArtifactSummaryOut.from_entity(a) for a in artifacts.list_artifacts(project, type)
        ]
    )


@router.post(
    "/{name}/versions",
    summary="Commit a version (or get the identical one)",
    responses=error_responses(400, 404, 409),
)
def commit_version(
    project: str, name: str, body: CommitIn, artifacts: Artifacts, response: Response
) -> CommitOut:
    version, created = artifacts.commit(body.session_id, body.to_entity(project, name))
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return CommitOut(version=ArtifactVersionOut.from_entity(version), created=created)


@router.get("/{name}/versions", summary="List an artifact's versions", responses=_NOT_FOUND)
def list_versions(
    project: str, name: str, artifacts: Artifacts, include_deleted: bool = False
) -> ArtifactVersionList:
    found = artifacts.list_versions(project, name, include_deleted=include_deleted)
    return ArtifactVersionList(versions=[ArtifactVersionOut.from_entity(a) for a in found])


@router.get(
    "/{name}/versions/{selector}",
    summary="Get a version by number ('v3'), 'latest' or alias",
    responses=_NOT_FOUND,
)
def get_version(
    project: str, name: str, selector: str, artifacts: Artifacts, include_deleted: bool = False
) -> ArtifactVersionOut:
    found = artifacts.get_version(
        project, name, version_selector(selector), include_deleted=include_deleted
    )
    return ArtifactVersionOut.from_entity(found)


@router.patch(
    "/{name}/versions/{version}",
    summary="Edit description, metadata, tags or aliases",
    responses=error_responses(400, 404, 409),
)
def update_version(
    project: str, name: str, version: str, body: VersionPatchIn, artifacts: Artifacts
) -> ArtifactVersionOut:
    updated = artifacts.update(project, name, _number(version), body.to_entity())
    return ArtifactVersionOut.from_entity(updated)


@router.delete(
    "/{name}/versions/{version}",
    summary="Soft-delete a version",
    responses=error_responses(400, 404, 409),
)
def delete_version(
    project: str, name: str, version: str, artifacts: Artifacts
) -> ArtifactVersionOut:
    return ArtifactVersionOut.from_entity(artifacts.delete(project, name, _number(version)))


@router.post(
    "/{name}/versions/{version}/restore",
    summary="Undo a soft delete",
    responses=error_responses(400, 404, 409),
)
def restore_version(
    project: str, name: str, version: str, artifacts: Artifacts
) -> ArtifactVersionOut:
    return ArtifactVersionOut.from_entity(artifacts.restore(project, name, _number(version)))


@router.get(
    "/{name}/versions/{version}/files",
    summary="A version's manifest (optionally under a path prefix)",
    responses=_NOT_FOUND,
)
def list_version_files(
    project: str,
    name: str,
    version: str,
    artifacts: Artifacts,
    prefix: str = "",
    limit: Annotated[int, Query(ge=1, le=MAX_FILES_PAGE)] = MAX_FILES_PAGE,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FileList:
    entries = artifacts.files(
        project, name, _number(version), prefix=prefix, limit=limit, offset=offset
    )
    return FileList(files=[ManifestEntryIO.from_entity(e) for e in entries])


@router.get(
    "/{name}/versions/{version}/files/{path:path}",
    summary="Download one stored file of a version",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **_NOT_FOUND},
)
def get_version_file(
    project: str,
    name: str,
    version: str,
    path: str,
    artifacts: Artifacts,
    max_bytes: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    file_path(path)
    matches = [
        e for e in artifacts.files(project, name, _number(version), prefix=path) if e.path == path
    ]
    if not matches:
        raise NotFound(f"{name}:{version} has no file {path!r}")
    entry = matches[0]
    if entry.ref is not None or entry.digest is None:
        raise NotFound(f"{path!r} is a reference to {entry.ref}, not stored in Headway")
    chunks = _limited(artifacts.iter_blob(entry.digest), max_bytes)
    # Never a guessed type: user content must not run as a page on the UI's origin.
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={"X-Content-Type-Options": "nosniff", "X-Headway-Size": str(entry.size)},
    )


def _limited(chunks: Iterator[bytes], limit: int | None) -> Iterator[bytes]:
    sent = 0
    for chunk in chunks:
        if limit is not None and sent + len(chunk) >= limit:
            yield chunk[: limit - sent]
            return
        sent += len(chunk)
        yield chunk


@router.get("/{name}/events", summary="Audit history of an artifact", responses=_NOT_FOUND)
def list_events(project: str, name: str, artifacts: Artifacts) -> ArtifactEventList:
    return ArtifactEventList(
        events=[ArtifactEventOut.from_entity(e) for e in artifacts.events(project, name)]
    )


@router.get(
    "/{name}/diff",
    summary="Files added, removed and changed between two versions, and metadata changes",
    responses=_NOT_FOUND,
)
def diff_versions(
    project: str,
    name: str,
    artifacts: Artifacts,
    old: str,
    new: str,
    new_name: str | None = None,
) -> VersionDiffOut:
    diff = artifacts.diff(project, name, _number(old), _number(new), new_name=new_name)
    return VersionDiffOut.from_entity(diff)


@router.get(
    "/{name}/versions/{version}/lineage",
    summary="The lineage graph around a version",
    responses=_NOT_FOUND,
)
def version_lineage(
    project: str,
    name: str,
    version: str,
    artifacts: Artifacts,
    direction: Direction = Direction.BOTH,
    depth: Annotated[int, Query(ge=1, le=20)] = 2,
) -> LineageOut:
    graph = artifacts.lineage(
        project=project, name=name, version=_number(version), direction=direction, depth=depth
    )
    return LineageOut.from_entity(graph)
