"""``/mlflow/runs/*`` and ``/mlflow/metrics/*``: MLflow runs are ordinary Headway runs.

run_name is the run's name, params its (write-once) config, metrics its metric series,
MLflow's key -> value tags its ``kv_tags`` (``mlflow.parentRunId`` also sets the parent,
``mlflow.note.content`` the notes), ``start_time``/``end_time`` its creation and end.
Everything one request writes goes in one Headway batch, so it is applied atomically.
"""

from __future__ import annotations

import functools
import posixpath
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from headway.entities import LogBatch, Run, RunCreate, RunState, RunUpdate, Series
from headway.entities.config import flatten, param_text, param_value
from headway.entities.metrics import APPEND_SEQ
from headway.errors import Conflict, InvalidArgument, NotFound
from headway.server.mlflow import files
from headway.server.mlflow import search_syntax as search
from headway.server.mlflow.context import Mlflow
from headway.server.mlflow.errors import does_not_exist, invalid
from headway.server.mlflow.experiments import in_view, view_type
from headway.server.mlflow.files import artifact_root
from headway.server.mlflow.wire import (
    Fields,
    as_double,
    as_int,
    double,
    from_millis,
    key_values,
    millis,
    missing,
    page_of,
    paging,
)
from headway.store.sql.mlflow import RunInput
from headway.tracking.service import now_utc
from headway.tracking.validation import RUN_ID

MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_KEY = 250
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
MAX_SEARCH_RESULTS = 50_000
_KEY = re.compile(r"^[/\w.\- :]*$")

RUN_NAME_TAG = "mlflow.runName"
PARENT_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"
USER_TAG = "mlflow.user"
#: Run metadata key of the logged models a run recorded as outputs.
OUTPUTS = "mlflow_outputs"

_STATUS_OUT = {
    RunState.RUNNING: "RUNNING",
    RunState.FINISHED: "FINISHED",
    RunState.FAILED: "FAILED",
    RunState.CRASHED: "FAILED",
    RunState.KILLED: "KILLED",
    # MLflow has no pruned status; a pruned trial was stopped on purpose.
    RunState.PRUNED: "KILLED",
}
_STATUS_IN = {"FINISHED": RunState.FINISHED, "FAILED": RunState.FAILED, "KILLED": RunState.KILLED}


# -- wire form ---------------------------------------------------------------------------


def run_info(m: Mlflow, run: Run) -> dict[str, Any]:
    experiment_id = m.experiment_id_of(run.project)
    info: dict[str, Any] = {
        "run_id": run.id,
        "run_uuid": run.id,
        "experiment_id": str(experiment_id),
        "run_name": run.name,
        "user_id": run.kv_tags.get(USER_TAG, ""),
        "status": _STATUS_OUT[run.state],
        "start_time": millis(run.created_at),
        "artifact_uri": f"mlflow-artifacts:/{artifact_root(experiment_id, run.id)}",
        "lifecycle_stage": "deleted" if run.deleted_at else "active",
    }
    if run.finished_at is not None:
        info["end_time"] = millis(run.finished_at)
    return info


def run_json(m: Mlflow, run: Run, inputs: Sequence[RunInput] = ()) -> dict[str, Any]:
    heartbeat = millis(run.heartbeat_at or run.updated_at)
    metrics = [
        {
            "key": key,
            "value": double(float(agg["last"])),
            "timestamp": heartbeat,
            "step": int(agg.get("step") or 0),
        }
        for key, agg in sorted(run.metrics.items())
        if agg.get("last") is not None
    ]
    params = [{"key": k, "value": param_text(v)} for k, v in sorted(flatten(run.config).items())]
    tags = dict(run.kv_tags)
    tags[RUN_NAME_TAG] = run.name
    outputs = run.metadata.get(OUTPUTS) or []
    return {
        "info": run_info(m, run),
        "data": {"metrics": metrics, "params": params, "tags": key_values(tags)},
        "inputs": {
            "dataset_inputs": [i.record for i in inputs],
            "model_inputs": [],
        },
        "outputs": {"model_outputs": list(outputs)},
    }


def _run_json_with_inputs(m: Mlflow, run: Run) -> dict[str, Any]:
    inputs = m.rows.inputs_of([run.id]).get(run.id, [])
    return run_json(m, run, inputs)


# -- validation --------------------------------------------------------------------------


def check_key(key: str, what: str) -> str:
    if len(key) > MAX_KEY:
        raise invalid(f"'{what}' exceeds the maximum length of {MAX_KEY} characters")
    if not _KEY.match(key):
        raise invalid(
            f"Invalid value \"{key}\" for parameter 'key' supplied: Names may only contain "
            "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) "
            "and slashes (/)."
        )
    if key and (posixpath.normpath(key) != key or key.startswith("/")):
        raise invalid(
            f"Invalid value \"{key}\" for parameter 'key' supplied: Names may be treated as "
            "files in certain cases, and must not resolve to other names when treated as "
            f"such. This name would resolve to '{posixpath.normpath(key)}'"
        )
    if not key:
        raise missing("key")
    return key


def live_run(m: Mlflow, run_id: str) -> Run:
    run = get_run_or_404(m, run_id)
    if run.deleted_at is not None:
        raise invalid(f"The run {run_id} must be in the 'active' state. Current state is deleted.")
    return run


def get_run_or_404(m: Mlflow, run_id: str) -> Run:
    if not RUN_ID.match(run_id):
        raise does_not_exist(f"Run with id={run_id} not found")
    try:
        return m.backend.get_run(run_id)
    except NotFound:
        raise does_not_exist(f"Run with id={run_id} not found") from None


def _run_id(f: Fields) -> str:
    run_id = f.text("run_id") or f.text("run_uuid")
    if not run_id:
        raise missing("run_id")
    other = f.text("run_uuid")
    if other and other != run_id:
        raise invalid("run_id and run_uuid must match when both are given")
    return str(run_id)


# -- handlers ----------------------------------------------------------------------------


def create(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    e = m.experiment(f.text("experiment_id", default="0"))
    if e.deleted_at is not None:
        raise invalid(
            f"The experiment {e.id} must be in the 'active' state. Current state is deleted."
        )
    tags = f.tags()
    for key, value in tags.items():
        check_key(key, "Tag key")
        tags[key] = value[:MAX_TAG_VALUE]
    user_id = f.text("user_id")
    if user_id and USER_TAG not in tags:
        tags[USER_TAG] = user_id
    name = f.text("run_name") or tags.get(RUN_NAME_TAG) or None
    parent = tags.get(PARENT_TAG)
    start = f.integer("start_time")
    run = m.backend.create_run(
        RunCreate(
            project=e.project,
            name=name,
            kv_tags={k: v for k, v in tags.items() if k != RUN_NAME_TAG},
            parent_id=parent if parent and RUN_ID.match(parent) else None,
            notes=tags.get(NOTE_TAG, ""),
            created_at=from_millis(start) if start is not None else None,
            metadata={"source": "mlflow"},
        )
    )
    return {"run": run_json(m, run)}


def get(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    return {"run": _run_json_with_inputs(m, get_run_or_404(m, _run_id(f)))}


def update(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = get_run_or_404(m, _run_id(f))
    status = f.text("status")
    end_time = f.integer("end_time")
    name = f.text("run_name")
    if name:
        run = m.backend.update_run(run.id, RunUpdate(name=name))
    if status == "RUNNING" and run.state.is_terminal:
        run = m.backend.resume_run(run.id)
    elif status in _STATUS_IN:
        # One write: the state and the end (the client's clock, as MLflow keeps it).
        if end_time is not None:
            finished_at = from_millis(end_time)
        else:
            finished_at = (
                run.finished_at if run.state.is_terminal and run.finished_at else now_utc()
            )
        run = m.backend.update_run(
            run.id, RunUpdate(state=_STATUS_IN[status], finished_at=finished_at)
        )
        files.snapshot_run(m, run, user)
    elif end_time is not None and run.state.is_terminal:
        run = m.backend.update_run(run.id, RunUpdate(finished_at=from_millis(end_time)))
    return {"run_info": run_info(m, run)}


def delete(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = get_run_or_404(m, _run_id(f))
    m.backend.delete_run(run.id)
    return {}


def restore(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = get_run_or_404(m, _run_id(f))
    m.backend.restore_run(run.id)
    return {}


def _metric_series(items: Sequence[Mapping[str, Any]]) -> dict[str, Series]:
    grouped: dict[str, tuple[list[int], list[float], list[float]]] = {}
    for i, item in enumerate(items):
        key = item.get("key")
        if not isinstance(key, str):
            raise missing(f"metrics[{i}].key")
        check_key(key, "Metric name")
        if item.get("value") is None:
            raise missing(f"metrics[{i}].value")
        if item.get("timestamp") is None:
            raise missing(f"metrics[{i}].timestamp")
        value = as_double(item["value"], f"metrics[{i}].value")
        stamp = as_int(item["timestamp"], f"metrics[{i}].timestamp")
        step = as_int(item.get("step", 0) or 0, f"metrics[{i}].step")
        if step < 0:
            raise invalid(
                f"Invalid value {step} for parameter 'metrics[{i}].step' supplied: "
                "Headway stores steps from 0 to 2**62"
            )
        steps, times, values = grouped.setdefault(key, ([], [], []))
        steps.append(step)
        times.append(stamp / 1000)
        values.append(value)
    return {
        key: Series(
            key,
            np.asarray(steps, dtype=np.int64),
            np.asarray(times, dtype=np.float64),
            np.asarray(values, dtype=np.float64),
        )
        for key, (steps, times, values) in grouped.items()
    }


def _params(run: Run, items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """New params as config values; a changed value is refused, as MLflow does."""
    current = flatten(run.config)
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for i, item in enumerate(items):
        key = item.get("key")
        if not isinstance(key, str):
            raise missing(f"params[{i}].key")
        check_key(key, "Param key")
        raw = item.get("value")
        value = "" if raw is None else str(raw)[:MAX_PARAM_VALUE]
        if key in seen and seen[key] != value:
            raise invalid(
                f"Duplicate parameter keys have been submitted: [{key!r}]. Please ensure "
                "the request contains only one param value per param key."
            )
        seen[key] = value
        if key in current:
            old = param_text(current[key])
            if old != value:
                raise invalid(
                    f"Changing param values is not allowed. Param with key='{key}' was "
                    f"already logged with value='{old}' for run ID='{run.id}'. "
                    f"Attempted logging new value '{value}'."
                )
            continue
        out[key] = param_value(value)
    return out


def _tags(items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        key = item.get("key")
        if not isinstance(key, str):
            raise missing(f"tags[{i}].key")
        check_key(key, "Tag key")
        raw = item.get("value")
        out[key] = ("" if raw is None else str(raw))[:MAX_TAG_VALUE]
    return out


def _without_copies(
    m: Mlflow, run: Run, metrics: Sequence[Mapping[str, Any]]
) -> Sequence[Mapping[str, Any]]:
    """Drop points identical to stored ones (key, step, timestamp, value).

    ``log_model`` in MLflow 3 re-sends the run's metrics of the model's step tagged with the
    model's id; MLflow's metrics table keys on the whole point, so the copy vanishes
    there, and it must not become a second, "last" point here either.
    """
    linked = [item for item in metrics if item.get("model_id")]
    if not linked:
        return metrics
    keys = sorted({str(item.get("key")) for item in linked})
    history = m.backend.get_history(run.id, keys)
    stored = {
        (key, int(step), round(float(t) * 1000), float(v))
        for key, s in history.items()
        for step, t, v in zip(s.steps.tolist(), s.times.tolist(), s.values.tolist(), strict=True)
    }

    def is_copy(item: Mapping[str, Any]) -> bool:
        try:
            point = (
                str(item.get("key")),
                as_int(item.get("step", 0) or 0, "step"),
                as_int(item.get("timestamp"), "timestamp"),
                as_double(item.get("value"), "value"),
            )
        except InvalidArgument:  # a malformed point is reported by _metric_series
            return False
        return point in stored

    return [item for item in metrics if not (item.get("model_id") and is_copy(item))]


def _apply(
    m: Mlflow,
    run: Run,
    *,
    metrics: Sequence[Mapping[str, Any]] = (),
    params: Sequence[Mapping[str, Any]] = (),
    tags: Sequence[Mapping[str, Any]] = (),
) -> None:
    series = _metric_series(_without_copies(m, run, metrics))
    config = _params(run, params)
    kv = _tags(tags)
    update = None
    if kv:
        name = kv.pop(RUN_NAME_TAG, None)
        update = RunUpdate(name=name or None, kv_tags=dict(kv) or None, notes=kv.get(NOTE_TAG))
    if not (series or config or update):
        return
    try:
        m.backend.log_batch(
            run.id,
            LogBatch(
                seq=APPEND_SEQ, metrics=series, config=config, update=update, time=time.time()
            ),
        )
    except Conflict as exc:  # a concurrent request logged the param first
        raise invalid(exc.message) from None


def log_param(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = live_run(m, _run_id(f))
    key = f.text("key", required=True)
    _apply(m, run, params=[{"key": key, "value": f.raw("value")}])
    return {}


def log_metric(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = live_run(m, _run_id(f))
    item = {
        "key": f.text("key", required=True),
        "value": f.raw("value"),
        "timestamp": f.raw("timestamp"),
        "step": f.raw("step"),
    }
    if item["value"] is None:
        raise missing("value")
    if item["timestamp"] is None:
        raise missing("timestamp")
    _apply(m, run, metrics=[item])
    return {}


def set_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = live_run(m, _run_id(f))
    key = f.text("key", required=True)
    _apply(m, run, tags=[{"key": key, "value": f.raw("value")}])
    return {}


def delete_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = live_run(m, _run_id(f))
    key = f.text("key", required=True)
    if key not in run.kv_tags:
        raise does_not_exist(f"No tag with name: {key} in run with id {run.id}")
    m.backend.update_run(run.id, RunUpdate(kv_tags={key: None}))
    return {}


def log_batch(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run_id = _run_id(f)
    metrics, params, tags = f.objects("metrics"), f.objects("params"), f.objects("tags")
    if len(metrics) > MAX_METRICS_PER_BATCH:
        raise invalid(
            f"A batch logging request can contain at most {MAX_METRICS_PER_BATCH} metrics. "
            f"Got {len(metrics)} metrics. Please split up metrics across multiple requests "
            "and try again."
        )
    for what, items in (("params", params), ("tags", tags)):
        if len(items) > MAX_PARAMS_TAGS_PER_BATCH:
            raise invalid(
                f"A batch logging request can contain at most {MAX_PARAMS_TAGS_PER_BATCH} "
                f"{what}. Got {len(items)} {what}. Please split up {what} across multiple "
                "requests and try again."
            )
    total = len(metrics) + len(params) + len(tags)
    if total > MAX_ENTITIES_PER_BATCH:
        raise invalid(
            "A batch logging request can contain at most 1000 metrics, params, and tags. "
            f"Got {total} metrics, params, and tags. Please split up across multiple "
            "requests and try again."
        )
    run = live_run(m, run_id)
    _apply(m, run, metrics=metrics, params=params, tags=tags)
    return {}


def metric_history(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run_id = _run_id(f)
    key = f.text("metric_key", required=True)
    max_results = f.integer("max_results", default=25_000)
    if not 1 <= max_results <= 25_000 * 40:
        raise invalid(f"Invalid value {max_results} for parameter 'max_results'")
    offset = search.decode_page_token(f.text("page_token"))
    run = get_run_or_404(m, run_id)
    s = m.backend.get_history(run.id, [key]).get(key)
    if s is None or len(s) == 0:
        return {}
    stamps = np.rint(s.times * 1000).astype(np.int64)
    order = np.lexsort((s.values, s.steps, stamps))[offset : offset + max_results]
    points = [
        {
            "key": key,
            "value": double(float(s.values[i])),
            "timestamp": int(stamps[i]),
            "step": int(s.steps[i]),
        }
        for i in order.tolist()
    ]
    out: dict[str, Any] = {"metrics": points}
    if offset + max_results < len(s):
        out["next_page_token"] = search.encode_page_token(offset + max_results)
    return out


def search_runs(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    max_results, offset = paging(f, cap=MAX_SEARCH_RESULTS, default=1000)
    view = view_type(f, "run_view_type")
    clauses = search.parse_filter(f.text("filter"), "runs")
    order = search.parse_order_by(f.strings("order_by"), "runs")
    ids = f.strings("experiment_ids")
    if not ids:
        return {}
    projects = [m.experiment(i).project for i in ids]
    expr, leftover = search.to_headway(clauses)
    order_terms = search.order_to_headway(order)
    runs, total = _search(m, projects, expr, order_terms, view, leftover, offset, max_results)
    inputs = m.rows.inputs_of([r.id for r in runs])
    page = [run_json(m, r, inputs.get(r.id, [])) for r in runs]
    return page_of("runs", page, offset, max_results, total)


def _search(
    m: Mlflow,
    projects: Sequence[str],
    expr: Any,
    order: tuple[str, ...],
    view: str,
    leftover: Sequence[search.Clause],
    offset: int,
    limit: int,
) -> tuple[list[Run], int]:
    """One page of runs; clauses SQL cannot answer exactly are checked here in Python."""
    include_deleted = view != "ACTIVE_ONLY"
    if not leftover and view != "DELETED_ONLY":
        return m.store.search(
            projects,
            expr,
            order,
            limit=limit,
            offset=offset,
            include_deleted=include_deleted,
            columns=None,
        )
    # Rare filters (case-sensitive LIKE, datasets, artifact_uri, deleted runs only): read
    # the SQL superset in pages and keep what passes.
    kept: list[Run] = []
    start = 0
    inputs_cache: dict[str, list[RunInput]] = {}
    while True:
        page, _total = m.store.search(
            projects,
            expr,
            order,
            limit=1000,
            offset=start,
            include_deleted=include_deleted,
            columns=None,
        )
        if not page:
            break
        start += len(page)
        if any(c.kind == "dataset" for c in leftover):
            inputs_cache.update(m.rows.inputs_of([r.id for r in page]))
        for r in page:
            if not in_view(r.deleted_at is not None, view):
                continue
            if search.matches(
                leftover, functools.partial(_leftover_value, m, r, inputs=inputs_cache)
            ):
                kept.append(r)
    return kept[offset : offset + limit], len(kept)


def _leftover_value(
    m: Mlflow, run: Run, kind: str, key: str, inputs: Mapping[str, list[RunInput]]
) -> object:
    if kind == "tag":
        return (key == RUN_NAME_TAG and run.name) or run.kv_tags.get(key)
    if kind == "param":
        value = flatten(run.config).get(key)
        return None if value is None else param_text(value)
    if kind == "metric":
        agg = run.metrics.get(key)
        return None if agg is None else agg.get("last")
    if kind == "dataset":
        values = [
            {"name": i.name, "digest": i.digest, "context": i.context}.get(key)
            for i in inputs.get(run.id, [])
        ]
        return values or None
    info = run_info(m, run)
    return {"run_name": run.name, "run_id": run.id}.get(key, info.get(key))


def log_inputs(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = live_run(m, _run_id(f))
    found: list[RunInput] = []
    for i, item in enumerate(f.objects("datasets")):
        dataset = item.get("dataset")
        if not isinstance(dataset, dict):
            raise missing(f"datasets[{i}].dataset")
        for field in ("name", "digest", "source_type", "source"):
            if not isinstance(dataset.get(field), str):
                raise missing(f"datasets[{i}].dataset.{field}")
        if len(dataset["name"]) > 500 or len(dataset["digest"]) > 36:
            raise invalid(f"datasets[{i}]: name is limited to 500 and digest to 36 characters")
        context = None
        for tag in item.get("tags") or []:
            if isinstance(tag, dict) and tag.get("key") == "mlflow.data.context":
                context = str(tag.get("value"))
        found.append(RunInput(dataset["name"], dataset["digest"], context, dict(item)))
    for i, model in enumerate(f.objects("models")):
        if not isinstance(model.get("model_id"), str):
            raise missing(f"models[{i}].model_id")
    if found:
        m.rows.add_inputs(run.id, found)
    return {}


def log_outputs(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    run = live_run(m, _run_id(f))
    outputs = list(run.metadata.get(OUTPUTS) or [])
    for i, model in enumerate(f.objects("models")):
        if not isinstance(model.get("model_id"), str):
            raise missing(f"models[{i}].model_id")
        entry = {"model_id": model["model_id"], "step": as_int(model.get("step", 0) or 0, "step")}
        if entry not in outputs:
            outputs.append(entry)
    m.backend.update_run(run.id, RunUpdate(metadata={OUTPUTS: outputs}))
    return {}


ROUTES = [
    ("POST", "runs/create", create),
    ("GET", "runs/get", get),
    ("POST", "runs/update", update),
    ("POST", "runs/delete", delete),
    ("POST", "runs/restore", restore),
    ("POST", "runs/log-parameter", log_param),
    ("POST", "runs/log-metric", log_metric),
    ("POST", "runs/set-tag", set_tag),
    ("POST", "runs/delete-tag", delete_tag),
    ("POST", "runs/log-batch", log_batch),
    ("POST", "runs/search", search_runs),
    ("GET", "metrics/get-history", metric_history),
    ("POST", "runs/log-inputs", log_inputs),
    ("POST", "runs/outputs", log_outputs),
]
