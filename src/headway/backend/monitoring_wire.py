"""Monitoring entities to and from the JSON the server speaks (one place, both sides)."""

from __future__ import annotations

import io
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc

from headway.entities.monitoring import (
    ComputeReport,
    FeatureContribution,
    IngestReport,
    Monitor,
    MonitorResult,
    MonitorSpec,
    PredictionExplanation,
    WindowSummary,
)

ARROW_STREAM = "application/vnd.apache.arrow.stream"
_TUPLES = ("features", "categorical", "segments", "sensitive")


def spec_to_wire(spec: MonitorSpec) -> dict[str, Any]:
    data = asdict(spec)
    for key in _TUPLES:
        data[key] = list(data[key])
    return data


def spec_from_wire(data: dict[str, Any]) -> MonitorSpec:
    known = {f.name for f in fields(MonitorSpec)}
    values: dict[str, Any] = {
        k: (tuple(v) if k in _TUPLES else v) for k, v in data.items() if k in known
    }
    return MonitorSpec(**values)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def monitor_to_wire(m: Monitor) -> dict[str, Any]:
    return {
        "id": m.id,
        "spec": spec_to_wire(m.spec),
        "config_version": m.config_version,
        "created_at": m.created_at.isoformat(),
        "updated_at": m.updated_at.isoformat(),
        "reference_ref": m.reference_ref,
        "model_version": m.model_version,
        "rows": m.rows,
        "labels": m.labels,
        "first_at": m.first_at.isoformat() if m.first_at else None,
        "last_at": m.last_at.isoformat() if m.last_at else None,
        "computed_at": m.computed_at.isoformat() if m.computed_at else None,
        "health": m.health,
    }


def monitor_from_wire(d: dict[str, Any]) -> Monitor:
    return Monitor(
        id=d["id"],
        spec=spec_from_wire(d["spec"]),
        config_version=d["config_version"],
        created_at=datetime.fromisoformat(d["created_at"]),
        updated_at=datetime.fromisoformat(d["updated_at"]),
        reference_ref=d.get("reference_ref"),
        model_version=d.get("model_version"),
        rows=d.get("rows", 0),
        labels=d.get("labels", 0),
        first_at=_dt(d.get("first_at")),
        last_at=_dt(d.get("last_at")),
        computed_at=_dt(d.get("computed_at")),
        health=d.get("health") or {},
    )


def result_to_wire(r: MonitorResult) -> dict[str, Any]:
    data = asdict(r)
    data["window_start"] = r.window_start.isoformat()
    data["window_end"] = r.window_end.isoformat()
    return data


def result_from_wire(d: dict[str, Any]) -> MonitorResult:
    values = dict(d)
    values["window_start"] = datetime.fromisoformat(d["window_start"])
    values["window_end"] = datetime.fromisoformat(d["window_end"])
    return MonitorResult(**values)


def explanation_to_wire(e: PredictionExplanation) -> dict[str, Any]:
    data = asdict(e)
    data["timestamp"] = e.timestamp.isoformat()
    return data


def explanation_from_wire(d: dict[str, Any]) -> PredictionExplanation:
    values = dict(d)
    values["timestamp"] = datetime.fromisoformat(d["timestamp"])
    values["contributions"] = tuple(FeatureContribution(**c) for c in d["contributions"])
    return PredictionExplanation(**values)


def window_to_wire(w: WindowSummary) -> dict[str, Any]:
    return {
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "rows": w.rows,
        "labeled": w.labeled,
        "computed_at": w.computed_at.isoformat(),
        "verdict": w.verdict,
        "issues": w.issues,
        "messages": list(w.messages),
    }


def window_from_wire(d: dict[str, Any]) -> WindowSummary:
    return WindowSummary(
        start=datetime.fromisoformat(d["start"]),
        end=datetime.fromisoformat(d["end"]),
        rows=d["rows"],
        labeled=d["labeled"],
        computed_at=datetime.fromisoformat(d["computed_at"]),
        verdict=d["verdict"],
        issues=d.get("issues") or {},
        messages=tuple(d.get("messages") or ()),
    )


def ingest_to_wire(r: IngestReport) -> dict[str, Any]:
    data = asdict(r)
    data["messages"] = list(r.messages)
    return data


def ingest_from_wire(d: dict[str, Any]) -> IngestReport:
    return IngestReport(
        rows=d["rows"],
        files=d["files"],
        duplicate=d.get("duplicate", False),
        unmatched_ids=d.get("unmatched_ids", 0),
        messages=tuple(d.get("messages") or ()),
    )


def compute_to_wire(r: ComputeReport) -> dict[str, Any]:
    data = asdict(r)
    data["messages"] = list(r.messages)
    return data


def compute_from_wire(d: dict[str, Any]) -> ComputeReport:
    values = dict(d)
    values["messages"] = tuple(d.get("messages") or ())
    return ComputeReport(**values)


def table_to_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def write_table_file(table: pa.Table, path: Path) -> None:
    """The stream format of :func:`table_to_bytes`, written straight to a file (no copy)."""
    with pa.OSFile(str(path), "wb") as sink, ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)


def table_from_bytes(data: bytes) -> pa.Table:
    return ipc.open_stream(pa.BufferReader(data)).read_all()
