from __future__ import annotations

from fastapi import APIRouter, Request

from headway.server.schemas.health import HealthOut, IngestStatsOut

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


@router.get(
    "/stats/ingest",
    summary="Batches and points ingested, and batch latency percentiles",
    description="Latency is measured in the server, from the start of a `/log` request's "
    "handler (decoding included) to its answer, over the most recent 100,000 batches.",
)
def ingest_stats(request: Request) -> IngestStatsOut:
    snap = request.app.state.ingest_stats.snapshot()
    return IngestStatsOut(
        batches=snap.batches,
        points=snap.points,
        p50_ms=snap.p50_ms,
        p99_ms=snap.p99_ms,
        max_ms=snap.max_ms,
    )
