from __future__ import annotations

from fastapi import APIRouter, Request

from headway.server.schemas.health import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", summary="Server status, version and schema version")
async def health(request: Request) -> HealthOut:
    # Static facts only, so load balancers can poll it without touching the database.
    state = request.app.state
    return HealthOut(
        status="ok",
        version=state.version,
        schema_version=state.schema_version,
        max_request_bytes=state.settings.max_request_bytes,
    )
