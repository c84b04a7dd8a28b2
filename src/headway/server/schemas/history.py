from __future__ import annotations

from pydantic import BaseModel, Field

from headway.server.schemas.common import StrictModel, WireFloat


class HistoryIn(StrictModel):
    run_ids: list[str] = Field(description="Runs to read, in the order wanted.")
    keys: list[str] = Field(description="Metric keys; missing keys come back empty.")
    min_step: int | None = None
    max_step: int | None = None


class EnvelopeIn(HistoryIn):
    buckets: int = Field(description="Number of step buckets (e.g. the chart's pixel width).")


class SeriesOut(BaseModel):
    """Columnar points in logged order."""

    steps: list[int]
    times: list[WireFloat]
    values: list[WireFloat]


class HistoryOut(BaseModel):
    runs: dict[str, dict[str, SeriesOut]] = Field(description="runs[run_id][key]")


class EnvelopeOut(BaseModel):
    """Bucket i covers steps [edges[i], edges[i+1]); empty buckets have count 0, NaN stats."""

    edges: list[int]
    count: list[int]
    min: list[WireFloat]
    max: list[WireFloat]
    first: list[WireFloat]
    last: list[WireFloat]
    first_step: list[int]
    last_step: list[int]


class EnvelopesOut(BaseModel):
    runs: dict[str, dict[str, EnvelopeOut]] = Field(description="runs[run_id][key]")
