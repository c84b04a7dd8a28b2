"""Monitors: config, inference logging (JSON or Arrow), computation, results, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from headway.backend import monitoring_wire as wire
from headway.errors import InvalidArgument
from headway.monitoring.batches import labels_table, predictions_table
from headway.server.deps import Body, Monitoring
from headway.server.schemas.common import error_responses
from headway.server.schemas.monitoring import (
    ComputeIn,
    ComputeOut,
    ExplanationOut,
    IngestOut,
    JobOut,
    LabelsIn,
    MonitorConfig,
    MonitorIn,
    MonitorList,
    MonitorOut,
    PredictionsIn,
    RecomputeIn,
    ResultList,
    ResultOut,
    WindowList,
    WindowOut,
)

router = APIRouter(tags=["monitoring"])
_BASE = "/projects/{project}/monitors"
_ONE = _BASE + "/{name}"
_ERRORS = error_responses(400, 404)
_ARROW_DOC = {
    "requestBody": {
        "content": {
            "application/json": {"schema": PredictionsIn.model_json_schema()},
            wire.ARROW_STREAM: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@router.get("/monitors", summary="List the monitors of every project")
def list_all(monitoring: Monitoring) -> MonitorList:
    return MonitorList(monitors=[MonitorOut.from_entity(m) for m in monitoring.list_monitors()])


@router.get(_BASE, summary="List a project's monitors", responses=_ERRORS)
def list_monitors(project: str, monitoring: Monitoring) -> MonitorList:
    return MonitorList(
        monitors=[MonitorOut.from_entity(m) for m in monitoring.list_monitors(project)]
    )


@router.post(
    _BASE,
    status_code=status.HTTP_201_CREATED,
    summary="Create a monitor",
    responses=error_responses(400, 404, 409),
)
def create_monitor(project: str, body: MonitorIn, monitoring: Monitoring) -> MonitorOut:
    spec = body.to_spec(project, body.name)
    return MonitorOut.from_entity(monitoring.create_monitor(spec, exist_ok=body.exist_ok))


@router.get(_ONE, summary="Get a monitor", responses=_ERRORS)
def get_monitor(project: str, name: str, monitoring: Monitoring) -> MonitorOut:
    return MonitorOut.from_entity(monitoring.get_monitor(project, name))


@router.put(_ONE, summary="Replace a monitor's config (recomputes every window)", responses=_ERRORS)
def update_monitor(
    project: str, name: str, body: MonitorConfig, monitoring: Monitoring
) -> MonitorOut:
    return MonitorOut.from_entity(monitoring.update_monitor(body.to_spec(project, name)))


@router.delete(
    _ONE, status_code=status.HTTP_204_NO_CONTENT, summary="Delete a monitor", responses=_ERRORS
)
def delete_monitor(project: str, name: str, monitoring: Monitoring) -> Response:
    monitoring.delete_monitor(project, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _json_body(body: Body, model: Any) -> Any:
    try:
        return model.model_validate_json(body.data or b"{}")
    except ValueError as exc:
        raise InvalidArgument(f"invalid request body: {exc}") from None


def _is_arrow(body: Body) -> bool:
    return (body.content_type or "").split(";")[0].strip() == wire.ARROW_STREAM


@router.post(
    _ONE + "/predictions",
    summary="Log predictions (JSON rows or columns, or an Arrow stream)",
    responses=_ERRORS,
    openapi_extra=_ARROW_DOC,
)
def log_predictions(
    project: str,
    name: str,
    body: Body,
    monitoring: Monitoring,
    batch: Annotated[str | None, Query(max_length=100)] = None,
) -> IngestOut:
    monitor = monitoring.get_monitor(project, name)
    if _is_arrow(body):
        try:
            table = wire.table_from_bytes(body.data)
        except Exception as exc:
            raise InvalidArgument(f"the body is not an Arrow IPC stream: {exc}") from None
        extra = {c: table.column(c) for c in ("__id", "__ts", "__mv") if c in table.column_names}
        inputs = table.drop_columns(list(extra))
        mv = extra.get("__mv")
        versions = set(mv.drop_null().to_pylist()) if mv is not None else set()
        if len(versions) > 1:
            raise InvalidArgument("one Arrow batch carries one model version (__mv)")
        table, labels = predictions_table(
            monitor.spec,
            inputs,
            ids=extra.get("__id"),
            timestamps=extra.get("__ts"),
            model_version=next(iter(versions)) if versions else None,
        )
    else:
        data = _json_body(body, PredictionsIn)
        if (data.rows is None) == (data.columns is None):
            raise InvalidArgument("send either rows (a list of objects) or columns, not both")
        given: Any = data.columns if data.columns is not None else _rows(data.rows)
        table, labels = predictions_table(
            monitor.spec,
            given,
            ids=data.ids,
            timestamps=data.timestamps,
            model_version=data.model_version,
        )
        batch = batch or data.batch
    report = monitoring.log_predictions(project, name, table, batch=batch)
    if labels is not None:
        monitoring.log_labels(project, name, labels, batch=f"{batch}:labels" if batch else None)
    return IngestOut.from_entity(report)


def _rows(rows: list[dict[str, Any]] | None) -> dict[str, list[Any]]:
    assert rows is not None
    if not rows:
        raise InvalidArgument("rows is empty")
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return {k: [row.get(k) for row in rows] for k in keys}


@router.post(
    _ONE + "/labels",
    summary="Log ground truth for earlier predictions, by id (JSON or Arrow)",
    responses=_ERRORS,
)
def log_labels(
    project: str,
    name: str,
    body: Body,
    monitoring: Monitoring,
    batch: Annotated[str | None, Query(max_length=100)] = None,
) -> IngestOut:
    monitoring.get_monitor(project, name)
    if _is_arrow(body):
        t = wire.table_from_bytes(body.data)
        for c in ("__id", "__label"):
            if c not in t.column_names:
                raise InvalidArgument(f"an Arrow labels batch needs column {c!r}")
        table = labels_table(
            t.column("__id"),
            t.column("__label"),
            timestamps=t.column("__label_ts") if "__label_ts" in t.column_names else None,
        )
    else:
        data = _json_body(body, LabelsIn)
        table = labels_table(data.ids, data.labels, timestamps=data.timestamps)
        batch = batch or data.batch
    return IngestOut.from_entity(monitoring.log_labels(project, name, table, batch=batch))


@router.post(_ONE + "/compute", summary="Bring the windows up to date now", responses=_ERRORS)
def compute(project: str, name: str, body: ComputeIn, monitoring: Monitoring) -> ComputeOut:
    report = monitoring.compute(project, name, until=body.until, since=body.since, force=body.force)
    return ComputeOut.from_entity(report)


@router.post(
    _ONE + "/recompute",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a recomputation of a past range for the background workers",
    responses=_ERRORS,
)
def recompute(project: str, name: str, body: RecomputeIn, monitoring: Monitoring) -> JobOut:
    return JobOut(job_id=monitoring.recompute(project, name, since=body.since, until=body.until))


@router.get(_ONE + "/windows", summary="Computed windows with their verdicts", responses=_ERRORS)
def windows(project: str, name: str, monitoring: Monitoring) -> WindowList:
    return WindowList(windows=[WindowOut.from_entity(w) for w in monitoring.windows(project, name)])


@router.get(
    _ONE + "/results",
    summary="Results by window (filter by kind, subject, time)",
    responses=_ERRORS,
)
def results(
    project: str,
    name: str,
    monitoring: Monitoring,
    kind: Annotated[list[str] | None, Query()] = None,
    subject: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    detail: Annotated[
        Literal["full", "summary"],
        Query(description="summary leaves out the reference/window histograms of drift rows"),
    ] = "full",
) -> ResultList:
    found = monitoring.results(
        project, name, kinds=kind or (), subject=subject, start=start, end=end
    )
    summary = detail == "summary"
    return ResultList(results=[ResultOut.from_entity(r, summary=summary) for r in found])


@router.get(
    _ONE + "/audit",
    summary="What the model predicted for these ids, with which inputs and version",
    responses=_ERRORS,
)
def audit(
    project: str,
    name: str,
    monitoring: Monitoring,
    id: Annotated[list[str], Query(min_length=1, max_length=1000)],
    model_version: int | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    accept: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> Response:
    table = monitoring.audit(project, name, ids=id, model_version=model_version, limit=limit)
    return Response(wire.table_to_bytes(table), media_type=wire.ARROW_STREAM)


@router.get(
    _ONE + "/audit.json",
    summary="The audit trail as JSON rows (for the web UI)",
    responses=_ERRORS,
)
def audit_json(
    project: str,
    name: str,
    monitoring: Monitoring,
    id: Annotated[list[str], Query(min_length=1, max_length=1000)],
    model_version: int | None = None,
) -> dict[str, Any]:
    table = monitoring.audit(project, name, ids=id, model_version=model_version)
    rows = table.to_pylist()
    for row in rows:
        for k, v in row.items():
            if isinstance(v, datetime):
                row[k] = v.isoformat()
            elif isinstance(v, float) and v != v:
                row[k] = None
    return {"rows": rows}


@router.get(
    _ONE + "/explain",
    summary="Why a logged prediction came out as it did (SHAP, by the version that made it)",
    responses=_ERRORS,
)
def explain_prediction(
    project: str,
    name: str,
    monitoring: Monitoring,
    id: Annotated[str, Query(min_length=1, max_length=1000)],
    model_version: Annotated[int | None, Query(ge=1)] = None,
) -> ExplanationOut:
    found = monitoring.explain_prediction(project, name, id, model_version=model_version)
    return ExplanationOut.from_entity(found)


__all__ = ["ResultOut", "router"]
