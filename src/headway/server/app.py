"""The team server: ``create_app(settings, backend)`` builds the whole FastAPI app.

No module globals: the settings and the backend live on ``app.state``, so tests and the
CLI can build as many independent apps as they like. The backend belongs to the caller,
which also closes it.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from headway.backend.base import BaseBackend
from headway.backend.local import LocalBackend
from headway.server.body import RequestBodyMiddleware
from headway.server.errors import install_error_handlers
from headway.server.ingest_stats import IngestStats
from headway.server.mlflow import routes as mlflow_routes
from headway.server.mlflow.context import Mlflow
from headway.server.routers import (
    alerts,
    analysis,
    artifact_preview,
    artifacts,
    export,
    files,
    health,
    history,
    ingest,
    lineage,
    monitoring,
    projects,
    registry,
    runs,
    search,
    sweeps,
    uploads,
)
from headway.settings import Settings
from headway.store.sql.schema import head_revision

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).parent / "static"

_TAGS = [
    {"name": "health", "description": "Liveness and version."},
    {"name": "projects", "description": "Projects group runs."},
    {"name": "runs", "description": "Run lifecycle: create, update, finish, delete."},
    {"name": "ingest", "description": "Batched metrics, config and summary writes."},
    {"name": "files", "description": "Small files captured with a run (code, diff)."},
    {"name": "history", "description": "Metric points, chart envelopes and console output."},
    {"name": "search", "description": "Filter, sort and page runs."},
    {"name": "export", "description": "Bulk export to Parquet."},
    {"name": "artifacts", "description": "Versioned artifacts: commit, browse, edit, diff."},
    {"name": "previews", "description": "First rows of a version's CSV and Parquet files."},
    {"name": "uploads", "description": "Blob transfers: sessions, parts, downloads, gc."},
    {"name": "lineage", "description": "What runs used and produced; lineage graphs."},
    {"name": "registry", "description": "Registered models, aliases, history, automations."},
    {
        "name": "monitoring",
        "description": "Monitors of models in production: inference logs, drift, "
        "performance, fairness.",
    },
    {"name": "alerts", "description": "Alert rules, the alerts they open, and channels."},
    {
        "name": "sweeps",
        "description": "Hyperparameter sweeps: trials for agents, pruning, analyses.",
    },
]


def _version() -> str:
    try:
        return metadata.version("headway")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def create_app(settings: Settings, backend: BaseBackend) -> FastAPI:
    version = _version()
    app = FastAPI(
        title="Headway",
        version=version,
        summary="Self-hosted ML experiment tracking: the native REST API.",
        description="Errors always have the shape "
        '`{"error": {"code": "...", "message": "...", "details": {}}}`.',
        openapi_tags=_TAGS,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        # A trailing slash is a different (missing) resource, not a redirect that
        # clients would have to follow.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.backend = backend
    app.state.version = version
    app.state.ingest_stats = IngestStats()
    # The revision this build's migrations end at, i.e. the schema the server requires
    # (the backend refuses any other one when it opens the database).
    app.state.schema_version = head_revision()

    install_error_handlers(app)
    app.add_middleware(
        RequestBodyMiddleware,
        max_bytes=settings.max_request_bytes,
        streamed=(f"{mlflow_routes.ARTIFACTS}/artifacts/", f"{mlflow_routes.ARTIFACTS}/mpu/part/"),
    )
    # History answers are large JSON and compress several-fold.
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=5)

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        health,
        projects,
        runs,
        ingest,
        files,
        history,
        search,
        export,
        analysis,
        artifacts,
        artifact_preview,
        uploads,
        lineage,
        registry,
        monitoring,
        alerts,
        sweeps,
    ):
        api.include_router(module.router)
    api.include_router(registry.compare_router)
    app.include_router(api)
    if isinstance(backend, LocalBackend):
        # MLflow's API needs the store itself (experiment ids, its file tree), so it is
        # served by servers that own one: `headway server` and `headway ui`.
        mlflow = Mlflow(backend)
        # First: every MLflow request would otherwise be matched against all native routes.
        app.router.routes[0:0] = mlflow_routes.mlflow_routes(mlflow)
    _mount_ui(app)
    return app


class _SinglePageApp(StaticFiles):
    """Static files, falling back to index.html for the UI's client-side routes."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or path.startswith(API_PREFIX.strip("/")):
                raise
            return await super().get_response("index.html", scope)


def _mount_ui(app: FastAPI) -> None:
    if (STATIC_DIR / "index.html").is_file():
        # Mounted last: every API route above takes precedence.
        app.mount("/", _SinglePageApp(directory=STATIC_DIR, html=True), name="ui")
        return

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")
