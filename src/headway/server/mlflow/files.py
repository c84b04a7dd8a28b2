"""The ``mlflow-artifacts`` proxy: the tree MLflow clients write file by file.

Bytes are content-addressed blobs in Headway's blob store (a file logged twice is stored
once); ``mlflow_files`` maps each artifact path to its blob. MLflow writes a run's files
one PUT at a time with no commit, so a run's tree becomes an immutable Headway artifact
version (``files-<run id>``, an output of the run) when the run ends, and again if files
arrive after that; a logged model's tree becomes one when the client marks it READY.

Paths: ``<experiment>/<run>/artifacts/...`` for runs, ``<experiment>/models/<model>/
artifacts/...`` for logged models, and the read-only ``_headway/<project>/<artifact>/
v<N>/...`` for any Headway artifact version, which is how a model registered or promoted in
Headway is downloaded by ``mlflow.pyfunc.load_model("models:/NAME@ALIAS")``.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from headway.entities import Run
from headway.entities.artifacts import ArtifactCommit, ManifestEntry
from headway.errors import InvalidArgument, NotFound
from headway.server.mlflow.context import Mlflow
from headway.server.mlflow.errors import MlflowError, does_not_exist, invalid
from headway.store.blobstore.digest import StreamHasher
from headway.store.sql.mlflow import StoredFile
from headway.tracking.service import now_utc

HEADWAY_PREFIX = "_headway"
RUN_FILES_TYPE = "run-files"


def artifact_root(experiment_id: int, run_id: str) -> str:
    return f"{experiment_id}/{run_id}/artifacts"


def model_root(experiment_id: int, model_id: str) -> str:
    return f"{experiment_id}/models/{model_id}/artifacts"


def headway_root(project: str, artifact: str, version: int) -> str:
    return f"{HEADWAY_PREFIX}/{project}/{artifact}/v{version}"


def clean_path(raw: str) -> str:
    """A stored path from a URL path or ``path`` parameter; refuses escapes."""
    path = urllib.parse.unquote(raw).strip("/")
    parts = path.split("/") if path else []
    if any(p in ("..", ".") for p in parts) or "\x00" in path or "\\" in path:
        raise invalid(f"Invalid path: {raw}")
    return "/".join(p for p in parts if p)


# -- reading -----------------------------------------------------------------------------


def _headway_target(m: Mlflow, path: str) -> tuple[str, str, int, str] | None:
    """(project, artifact, version, path inside) of a ``_headway/...`` path."""
    parts = path.split("/")
    if len(parts) < 4 or parts[0] != HEADWAY_PREFIX or not parts[3].startswith("v"):
        return None
    try:
        version = int(parts[3][1:])
    except ValueError:
        return None
    return parts[1], parts[2], version, "/".join(parts[4:])


def _headway_files(m: Mlflow, path: str) -> tuple[str, list[StoredFile]] | None:
    """The files of a Headway artifact version under ``path``, with full stored paths."""
    target = _headway_target(m, path)
    if target is None:
        return None
    project, artifact, version, inside = target
    root = headway_root(project, artifact, version)
    try:
        entries = m.artifact_service.files(project, artifact, version)
    except NotFound:
        return root, []
    files = [
        StoredFile(f"{root}/{e.path}", e.digest, e.size)
        for e in entries
        if e.digest is not None
        and (not inside or e.path == inside or e.path.startswith(inside + "/"))
    ]
    return root, files


def _committed_run_files(m: Mlflow, path: str) -> list[StoredFile] | None:
    """A run's files from its ``files-<run id>`` artifact version, for runs whose tree was
    never written through this proxy (``headway import mlflow`` commits the version
    directly); None when the path is not in such a run."""
    parts = path.split("/")
    if len(parts) < 3 or parts[2] != "artifacts" or parts[1] == "models":
        return None
    root = "/".join(parts[:3])
    if m.rows.files_under(root, limit=1):
        return None  # the proxy holds this run's tree
    try:
        run = m.backend.get_run(parts[1])
        version = m.artifact_service.get_version(run.project, f"files-{run.id}", "latest")
        entries = m.artifact_service.files(run.project, version.name, version.version)
    except (NotFound, InvalidArgument):
        return None
    return [StoredFile(f"{root}/{e.path}", e.digest, e.size) for e in entries if e.digest]


def find_file(m: Mlflow, path: str) -> StoredFile | None:
    headway = _headway_files(m, path)
    if headway is not None:
        return next((f for f in headway[1] if f.path == path), None)
    found = m.rows.get_file(path)
    if found is None:
        committed = _committed_run_files(m, path) or []
        found = next((f for f in committed if f.path == path), None)
    return found


def files_under(m: Mlflow, path: str) -> list[StoredFile]:
    headway = _headway_files(m, path)
    prefix = path.rstrip("/") + "/"
    if headway is not None:
        return [f for f in headway[1] if f.path.startswith(prefix)]
    found = m.rows.files_under(path)
    if not found:
        found = [f for f in _committed_run_files(m, path) or [] if f.path.startswith(prefix)]
    return found


def list_children(m: Mlflow, path: str) -> list[dict[str, Any]]:
    """Direct children of a directory, basenames only, as the client expects."""
    base = path.rstrip("/")
    seen_dirs: set[str] = set()
    out: list[dict[str, Any]] = []
    for f in files_under(m, base) if base else m.rows.files_under(""):
        rest = f.path[len(base) + 1 :] if base else f.path
        head, sep, _tail = rest.partition("/")
        if sep:
            if head not in seen_dirs:
                seen_dirs.add(head)
                out.append({"path": head, "is_dir": True})
        else:
            out.append({"path": head, "is_dir": False, "file_size": f.size})
    return out


# -- writing -----------------------------------------------------------------------------


async def receive_file(m: Mlflow, request: Request, path: str) -> StoredFile:
    """Stream the body to a temporary file while hashing, then store it as a blob."""
    hasher = StreamHasher()
    size = 0
    fd, name = tempfile.mkstemp(prefix="headway-mlflow-")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                if chunk:
                    hasher.update(chunk)
                    size += len(chunk)
                    await run_in_threadpool(out.write, chunk)
        digest = hasher.hexdigest()
        await run_in_threadpool(_store_blob, m, digest, tmp)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    m.rows.put_file(path, digest, size, now_utc())
    return StoredFile(path, digest, size)


def _store_blob(m: Mlflow, digest: str, tmp: Path) -> None:
    if not m.blobs.exists(digest):
        m.blobs.put_file(digest, tmp)


def stream_file(m: Mlflow, f: StoredFile) -> Iterator[bytes]:
    return m.artifact_service.blob_chunks(f.digest)


# -- snapshots into Headway artifacts ------------------------------------------------------


def commit_tree(
    m: Mlflow,
    *,
    project: str,
    root: str,
    name: str,
    type: str,
    run_id: str | None,
    user: str,
    metadata: dict[str, Any] | None = None,
) -> tuple[str, int] | None:
    """Commit the files under ``root`` as a version of artifact ``name``; None if empty.

    Identical content returns the existing version, so repeating a snapshot is free.
    """
    files = m.rows.files_under(root)
    if not files:
        return None
    entries = tuple(
        ManifestEntry(path=f.path[len(root) + 1 :], size=f.size, digest=f.digest) for f in files
    )
    artifacts = m.artifacts(user)
    plan = artifacts.begin_upload(project, sorted({(f.digest, f.size) for f in files}))
    if plan.missing:
        raise MlflowError(
            "INTERNAL_ERROR", f"{len(plan.missing)} stored file(s) lost their bytes", 500
        )
    version, _created = artifacts.commit(
        plan.session_id,
        ArtifactCommit(
            project=project,
            name=name,
            type=type,
            entries=entries,
            metadata=metadata or {},
            run_id=run_id,
        ),
    )
    return version.name, version.version


def snapshot_run(m: Mlflow, run: Run, user: str) -> None:
    """Make the run's files (if any) an artifact version, an output of the run."""
    experiment_id = m.experiment_id_of(run.project)
    commit_tree(
        m,
        project=run.project,
        root=artifact_root(experiment_id, run.id),
        name=f"files-{run.id}",
        type=RUN_FILES_TYPE,
        run_id=run.id,
        user=user,
        metadata={"mlflow_run_id": run.id},
    )


def _finished_run_of(m: Mlflow, path: str) -> Run | None:
    parts = path.split("/")
    if len(parts) >= 3 and parts[2] == "artifacts" and parts[1] != "models":
        with contextlib.suppress(NotFound):
            run = m.backend.get_run(parts[1])
            if run.state.is_terminal:
                return run
    return None


# -- handlers (raw requests: bodies are streamed, not parsed) --------------------------------


async def put(m: Mlflow, request: Request, user: str) -> Response:
    path = clean_path(request.path_params["path"])
    if not path or path.startswith(HEADWAY_PREFIX + "/"):
        raise invalid(f"Invalid path: {path!r} is read-only or empty")
    await receive_file(m, request, path)
    finished = await run_in_threadpool(_finished_run_of, m, path)
    if finished is not None:  # a file logged after the run ended: snapshot again
        await run_in_threadpool(snapshot_run, m, finished, user)
    return JSONResponse({})


async def get(m: Mlflow, request: Request, user: str) -> Response:
    path = clean_path(request.path_params["path"])
    found = await run_in_threadpool(find_file, m, path)
    if found is None:
        raise does_not_exist(f"No such artifact: '{path}'")
    name = posixpath.basename(path)
    return StreamingResponse(
        stream_file(m, found),
        media_type="application/octet-stream",
        headers={
            "Content-Length": str(found.size),
            "Content-Disposition": f"attachment; filename*=UTF-8''{urllib.parse.quote(name)}",
        },
    )


async def listing(m: Mlflow, request: Request, user: str) -> Response:
    path = clean_path(request.query_params.get("path", ""))
    if path and await run_in_threadpool(find_file, m, path) is not None:
        return JSONResponse({})  # a file, not a directory: the client checks this way
    children = await run_in_threadpool(list_children, m, path)
    return JSONResponse({"files": children} if children else {})


async def delete(m: Mlflow, request: Request, user: str) -> Response:
    path = clean_path(request.path_params["path"])
    if path.startswith(HEADWAY_PREFIX + "/"):
        raise invalid("Headway artifact versions are immutable")
    doomed = [f.path for f in await run_in_threadpool(m.rows.files_under, path)]
    if await run_in_threadpool(m.rows.get_file, path) is not None:
        doomed.append(path)
    await run_in_threadpool(m.rows.delete_files, doomed)
    return JSONResponse({})


async def server_info(m: Mlflow, request: Request, user: str) -> Response:
    return JSONResponse(
        {
            "store_type": "headway",
            "workspaces_enabled": False,
            # Files of 500 MiB and more then go in parts (mlflow's own threshold), in
            # parallel, each to this server (multipart.py).
            "multipart_uploads_enabled": True,
            "multipart_downloads_enabled": False,
        }
    )
