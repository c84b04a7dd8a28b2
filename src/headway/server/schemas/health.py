from __future__ import annotations

from pydantic import BaseModel, Field


class HealthOut(BaseModel):
    status: str = Field(description="'ok' when the server can answer requests.")
    version: str = Field(description="Headway version of the server.")
    schema_version: str | None = Field(
        description="Database schema revision this server works with."
    )
    max_request_bytes: int = Field(description="Largest request body the server accepts.")


class IngestStatsOut(BaseModel):
    batches: int
    points: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
