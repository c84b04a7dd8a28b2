"""Writes of a run's data: metric batches, config and summary."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from headway.backend.codec import decode_batch_body
from headway.server.deps import Backend, Body
from headway.server.ingest_stats import IngestStats
from headway.server.schemas.common import error_responses
from headway.server.schemas.ingest import LOG_REQUEST_BODY
from headway.server.schemas.runs import ConfigPatchIn, LogResult, RunOut, SummaryPatchIn

router = APIRouter(prefix="/runs/{run_id}", tags=["ingest"])


@router.post(
    "/log",
    summary="Apply a batch of metrics, summary, config and console lines",
    description=(
        "Idempotent per `(run, seq)`: a batch whose seq was already applied returns "
        '`{"applied": false}`. Body: `application/x-headway-batch` (binary, see '
        "docs/server.md) or `application/json`; either may be sent with "
        "`Content-Encoding: gzip`."
    ),
    openapi_extra=LOG_REQUEST_BODY,
    responses=error_responses(400, 404, 409, 413),
)
def log_batch(run_id: str, body: Body, backend: Backend, request: Request) -> LogResult:
    start = time.perf_counter()
    # Decoding is CPU work, so it happens here in the threadpool, not on the event loop.
    batch = decode_batch_body(body.data, body.content_type)
    applied = backend.log_batch(run_id, batch)
    stats: IngestStats = request.app.state.ingest_stats
    stats.record(time.perf_counter() - start, batch.point_count)
    return LogResult(applied=applied)


@router.patch(
    "/config",
    summary="Merge values into the run's config",
    responses=error_responses(400, 404, 409),
)
def update_config(run_id: str, body: ConfigPatchIn, backend: Backend) -> RunOut:
    run = backend.update_config(run_id, body.values, allow_val_change=body.allow_val_change)
    return RunOut.from_entity(run)


@router.patch(
    "/summary",
    summary="Set user summary values (null clears a key)",
    responses=error_responses(400, 404),
)
def update_summary(run_id: str, body: SummaryPatchIn, backend: Backend) -> RunOut:
    return RunOut.from_entity(backend.update_summary(run_id, body.to_values()))
