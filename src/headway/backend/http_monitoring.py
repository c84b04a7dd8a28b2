"""Monitoring over HTTP: monitors and results as JSON, inference batches as Arrow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from headway.backend import monitoring_wire as wire
from headway.backend.http_artifacts import _HttpHalf, _seg
from headway.backend.monitoring import BaseMonitoring
from headway.entities.monitoring import (
    ComputeReport,
    IngestReport,
    Monitor,
    MonitorResult,
    MonitorSpec,
    PredictionExplanation,
    WindowSummary,
)


def _path(project: str, name: str | None = None, *rest: str) -> str:
    base = f"/projects/{_seg(project)}/monitors"
    return "/".join((base, _seg(name), *rest)) if name is not None else base


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class HttpMonitoring(_HttpHalf, BaseMonitoring):
    def create_monitor(self, spec: MonitorSpec, *, exist_ok: bool = False) -> Monitor:
        # The project is in the path; the body carries the config (and the new name).
        config = {k: v for k, v in wire.spec_to_wire(spec).items() if k != "project"}
        body = self._call("POST", _path(spec.project), {**config, "exist_ok": exist_ok})
        return self.http._parse(lambda: wire.monitor_from_wire(body))

    def update_monitor(self, spec: MonitorSpec) -> Monitor:
        config = {k: v for k, v in wire.spec_to_wire(spec).items() if k not in ("project", "name")}
        body = self._call("PUT", _path(spec.project, spec.name), config)
        return self.http._parse(lambda: wire.monitor_from_wire(body))

    def get_monitor(self, project: str, name: str) -> Monitor:
        body = self._call("GET", _path(project, name))
        return self.http._parse(lambda: wire.monitor_from_wire(body))

    def list_monitors(self, project: str | None = None) -> list[Monitor]:
        body = self._call("GET", _path(project) if project else "/monitors")
        return self.http._parse(lambda: [wire.monitor_from_wire(m) for m in body["monitors"]])

    def delete_monitor(self, project: str, name: str) -> None:
        self._call("DELETE", _path(project, name))

    def _arrow(self, path: str, table: pa.Table, batch: str | None) -> IngestReport:
        response = self.http._send(
            "POST",
            path,
            content=wire.table_to_bytes(table),
            content_type=wire.ARROW_STREAM,
            params={"batch": batch} if batch else None,
            headers=self._headers,
        )
        body = self.http._decode(response)
        return self.http._parse(lambda: wire.ingest_from_wire(body))

    def log_predictions(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        return self._arrow(_path(project, name, "predictions"), table, batch)

    def log_labels(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        return self._arrow(_path(project, name, "labels"), table, batch)

    def compute(
        self,
        project: str,
        name: str,
        *,
        until: datetime | None = None,
        since: datetime | None = None,
        force: bool = False,
    ) -> ComputeReport:
        body = self._call(
            "POST",
            _path(project, name, "compute"),
            {"until": _iso(until), "since": _iso(since), "force": force},
        )
        return self.http._parse(lambda: wire.compute_from_wire(body))

    def recompute(
        self,
        project: str,
        name: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        body = self._call(
            "POST",
            _path(project, name, "recompute"),
            {"since": _iso(since), "until": _iso(until)},
        )
        return int(body["job_id"])

    def windows(self, project: str, name: str) -> list[WindowSummary]:
        body = self._call("GET", _path(project, name, "windows"))
        return self.http._parse(lambda: [wire.window_from_wire(w) for w in body["windows"]])

    def results(
        self,
        project: str,
        name: str,
        *,
        kinds: Sequence[str] = (),
        subject: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[MonitorResult]:
        params: dict[str, Any] = {}
        if kinds:
            params["kind"] = list(kinds)
        if subject is not None:
            params["subject"] = subject
        if start is not None:
            params["start"] = start.isoformat()
        if end is not None:
            params["end"] = end.isoformat()
        body = self._call("GET", _path(project, name, "results"), params=params)
        return self.http._parse(lambda: [wire.result_from_wire(r) for r in body["results"]])

    def audit(
        self,
        project: str,
        name: str,
        *,
        ids: Sequence[str],
        model_version: int | None = None,
        limit: int = 1000,
    ) -> pa.Table:
        params: dict[str, Any] = {"id": list(ids), "limit": limit}
        if model_version is not None:
            params["model_version"] = model_version
        response = self.http._send(
            "GET",
            _path(project, name, "audit"),
            params=params,
            accept=wire.ARROW_STREAM,
            headers=self._headers,
        )
        return wire.table_from_bytes(response.content)

    def explain_prediction(
        self, project: str, name: str, id: str, *, model_version: int | None = None
    ) -> PredictionExplanation:
        params: dict[str, Any] = {"id": id}
        if model_version is not None:
            params["model_version"] = model_version
        body = self._call("GET", _path(project, name, "explain"), params=params)
        return self.http._parse(lambda: wire.explanation_from_wire(body))
