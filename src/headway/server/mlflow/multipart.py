"""Multipart uploads through the ``mlflow-artifacts`` proxy, as MLflow's client drives them.

``mpu/create`` hands out one URL per part on this server; the client PUTs each part there
in parallel (without auth headers, as it would to S3) and keeps the ``ETag`` each answer
carries; ``mpu/complete`` checks the parts against those ETags, stores the concatenation as
one content-addressed blob and maps the artifact path to it. Parts wait in the server's
cache folder, so any server process behind the same disk can take any part.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from headway.server.mlflow.context import Mlflow
from headway.server.mlflow.errors import does_not_exist, invalid
from headway.server.mlflow.files import HEADWAY_PREFIX, clean_path
from headway.server.mlflow.wire import as_int
from headway.store.blobstore.digest import StreamHasher
from headway.tracking.service import now_utc

MAX_PARTS = 10_000
PART_PREFIX = "/api/2.0/mlflow-artifacts/mpu/part/"
_CHUNK = 1 << 20


def _root(m: Mlflow) -> Path:
    return m.backend.settings.cache_dir / "mlflow-uploads"


def _upload_dir(m: Mlflow, upload_id: str) -> Path:
    if not upload_id or not all(c in "0123456789abcdef" for c in upload_id):
        raise does_not_exist(f"No multipart upload {upload_id!r}")
    return _root(m) / upload_id


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise invalid("The request body must be JSON") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object")
    return body


def _target(directory: str, body: dict[str, Any]) -> str:
    local = body.get("path")
    if not isinstance(local, str) or not local:
        raise invalid("Missing value for required parameter 'path'.")
    path = clean_path(posixpath.join(directory, posixpath.basename(local.replace("\\", "/"))))
    if path.startswith(HEADWAY_PREFIX + "/"):
        raise invalid(f"Invalid path: {path!r} is read-only")
    return path


async def create(m: Mlflow, request: Request, user: str) -> Response:
    directory = clean_path(request.path_params["path"])
    body = await _json_body(request)
    path = _target(directory, body)
    parts = as_int(body.get("num_parts"), "num_parts")
    if not 1 <= parts <= MAX_PARTS:
        raise invalid(f"num_parts must be between 1 and {MAX_PARTS}, got {parts}")
    upload_id = uuid.uuid4().hex
    folder = _upload_dir(m, upload_id)
    folder.mkdir(parents=True)
    (folder / "target").write_text(json.dumps({"path": path, "parts": parts}))
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {
            "upload_id": upload_id,
            "credentials": [
                {"url": f"{base}{PART_PREFIX}{upload_id}/{n}", "part_number": n, "headers": {}}
                for n in range(1, parts + 1)
            ],
        }
    )


async def put_part(m: Mlflow, request: Request, user: str) -> Response:
    folder = _upload_dir(m, request.path_params["upload_id"])
    number = as_int(request.path_params["number"], "part_number")
    if not (folder / "target").is_file():
        raise does_not_exist("No such multipart upload (aborted or completed)")
    hasher = StreamHasher()
    fd, name = tempfile.mkstemp(prefix=".part-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                if chunk:
                    hasher.update(chunk)
                    await run_in_threadpool(out.write, chunk)
        os.replace(name, folder / f"part-{number:05d}")
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    etag = hasher.hexdigest()
    return Response(status_code=200, headers={"ETag": f'"{etag}"'})


def _chunks(files: list[Path]) -> Iterator[bytes]:
    for part in files:
        with part.open("rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk


def _finish(m: Mlflow, folder: Path, parts: list[dict[str, Any]]) -> None:
    meta = json.loads((folder / "target").read_text())
    files: list[Path] = []
    for expected, part in enumerate(sorted(parts, key=lambda p: int(p.get("part_number", 0))), 1):
        number = int(part.get("part_number", 0))
        if number != expected:
            raise invalid(f"Part {expected} is missing from the completed upload")
        file = folder / f"part-{number:05d}"
        if not file.is_file():
            raise invalid(f"Part {number} was never uploaded")
        hasher = StreamHasher()
        for chunk in _chunks([file]):
            hasher.update(chunk)
        if str(part.get("etag", "")).strip('"') != hasher.hexdigest():
            raise invalid(f"Part {number} does not match its ETag; upload it again")
        files.append(file)
    if len(files) != int(meta["parts"]):
        raise invalid(f"The upload has {meta['parts']} parts, {len(files)} were completed")
    whole = StreamHasher()
    size = 0
    for chunk in _chunks(files):
        whole.update(chunk)
        size += len(chunk)
    digest = whole.hexdigest()
    if not m.blobs.exists(digest):
        m.blobs.put_stream(digest, _chunks(files))
    m.rows.put_file(meta["path"], digest, size, now_utc())


async def complete(m: Mlflow, request: Request, user: str) -> Response:
    body = await _json_body(request)
    folder = _upload_dir(m, str(body.get("upload_id", "")))
    if not (folder / "target").is_file():
        raise does_not_exist("No such multipart upload (aborted or completed)")
    parts = body.get("parts")
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise invalid("Missing value for required parameter 'parts'.")
    await run_in_threadpool(_finish, m, folder, parts)
    await run_in_threadpool(shutil.rmtree, folder, True)
    return JSONResponse({})


async def abort(m: Mlflow, request: Request, user: str) -> Response:
    body = await _json_body(request)
    with contextlib.suppress(Exception):
        folder = _upload_dir(m, str(body.get("upload_id", "")))
        await run_in_threadpool(shutil.rmtree, folder, True)
    return JSONResponse({})
