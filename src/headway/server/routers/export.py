"""Project export: the backend writes Parquet files into a temp folder, sent as a zip."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from headway.server.deps import Backend
from headway.server.schemas.common import error_responses

router = APIRouter(tags=["export"])


@router.get(
    "/projects/{name}/export",
    summary="Download a project's runs.parquet and history.parquet as a zip",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}, **error_responses(404)},
)
def export_project(name: str, backend: Backend) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="headway-export-"))
    try:
        files = backend.export_project(name, folder / "files")
        archive = folder / "export.zip"
        # Parquet is already compressed; storing avoids burning CPU for nothing.
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
            for path in files:
                zf.write(path, path.relative_to(folder / "files").as_posix())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"{name}-export.zip",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
