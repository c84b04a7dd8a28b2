"""Reads of a run's data: metric points, chart envelopes, metric keys, console."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from headway.backend.codec import (
    SERIES_MEDIA_TYPE,
    dumps,
    encode_history,
    envelope_json,
    series_json,
)
from headway.server.deps import Backend
from headway.server.schemas.common import error_responses
from headway.server.schemas.history import EnvelopeIn, EnvelopesOut, HistoryIn, HistoryOut
from headway.server.schemas.runs import ConsoleOut, MetricKeys

router = APIRouter(tags=["history"])

T = TypeVar("T")
_CHUNK = 1 << 20


@router.post(
    "/history",
    response_model=HistoryOut,
    summary="Raw points per run and key, as columns",
    description="Points with min_step <= step <= max_step in logged order; large answers "
    "are streamed. Send `Accept: application/x-headway-series` for binary columns "
    "(little-endian int64 steps, float64 times and values; see docs/server.md).",
    responses=error_responses(400, 404),
)
def history(body: HistoryIn, backend: Backend, request: Request) -> Response:
    # Read everything before the first byte goes out, so a missing run is a clean 404
    # instead of a stream broken halfway.
    runs = {
        run_id: backend.get_history(
            run_id, body.keys, min_step=body.min_step, max_step=body.max_step
        )
        for run_id in dict.fromkeys(body.run_ids)
    }
    if SERIES_MEDIA_TYPE in request.headers.get("accept", ""):
        return Response(encode_history(runs), media_type=SERIES_MEDIA_TYPE)
    return StreamingResponse(_runs_json(runs, series_json), media_type="application/json")


@router.post(
    "/history/envelope",
    response_model=EnvelopesOut,
    summary="Exact min/max/first/last per step bucket, for charts",
    responses=error_responses(400, 404),
)
def envelope(body: EnvelopeIn, backend: Backend) -> StreamingResponse:
    runs = backend.get_envelopes(
        list(dict.fromkeys(body.run_ids)),
        body.keys,
        buckets=body.buckets,
        min_step=body.min_step,
        max_step=body.max_step,
    )
    return StreamingResponse(_runs_json(runs, envelope_json), media_type="application/json")


@router.get(
    "/runs/{run_id}/metrics",
    summary="Every metric key logged in a run, sorted",
    responses=error_responses(404),
)
def metric_keys(run_id: str, backend: Backend) -> MetricKeys:
    return MetricKeys(keys=backend.metric_keys(run_id))


@router.get(
    "/runs/{run_id}/console",
    summary="Console lines offset .. offset+limit, in order",
    responses=error_responses(400, 404),
)
def console(
    run_id: str,
    backend: Backend,
    offset: Annotated[int, Query()] = 0,
    limit: Annotated[int, Query()] = 10_000,
) -> ConsoleOut:
    return ConsoleOut.from_entities(backend.get_console(run_id, offset=offset, limit=limit))


def _runs_json(
    runs: Mapping[str, Mapping[str, T]], encode: Callable[[T], bytes]
) -> Iterator[bytes]:
    """``{"runs": {run_id: {key: <encode(value)>}}}`` in chunks of about 1 MiB."""
    pending: list[bytes] = [b'{"runs":{']
    size = 0
    for i, (run_id, by_key) in enumerate(runs.items()):
        pending.append((b"," if i else b"") + dumps(run_id) + b":{")
        for j, (key, value) in enumerate(by_key.items()):
            piece = (b"," if j else b"") + dumps(key) + b":" + encode(value)
            pending.append(piece)
            size += len(piece)
            if size >= _CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
        pending.append(b"}")
    pending.append(b"}}")
    yield b"".join(pending)
