"""``/mlflow/logged-models``: MLflow 3's model objects. When the client marks one READY its
files become a Headway artifact version (type ``model``, an output of its source run),
which is what a registered model version created from ``models:/<id>`` links to."""

from __future__ import annotations

import functools
import uuid
from contextlib import suppress
from typing import Any

from headway.artifacts.names import ARTIFACT_NAME
from headway.errors import NotFound
from headway.server.mlflow import search_syntax as search
from headway.server.mlflow.context import Mlflow
from headway.server.mlflow.errors import does_not_exist, invalid
from headway.server.mlflow.files import commit_tree, model_root
from headway.server.mlflow.wire import Fields, key_values, millis, missing, page_of, paging
from headway.store.sql.mlflow import LoggedModel
from headway.tracking.service import now_utc

_STATUSES = ("LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED")
MODEL_TYPE = "model"
MAX_SEARCH_RESULTS = 10_000


def model_json(m: Mlflow, lm: LoggedModel) -> dict[str, Any]:
    return {
        "info": {
            "model_id": lm.id,
            "experiment_id": str(lm.experiment_id),
            "name": lm.name,
            "creation_timestamp_ms": millis(lm.created_at),
            "last_updated_timestamp_ms": millis(lm.updated_at),
            "artifact_uri": f"mlflow-artifacts:/{model_root(lm.experiment_id, lm.id)}",
            "status": lm.status,
            "model_type": lm.model_type or "",
            "source_run_id": lm.source_run_id or "",
            "tags": key_values(lm.tags),
        },
        "data": {"params": key_values(lm.params), "metrics": []},
    }


def _model(m: Mlflow, model_id: str) -> LoggedModel:
    try:
        return m.rows.get_logged_model(model_id)
    except NotFound:
        raise does_not_exist(f"Logged model with ID '{model_id}' not found.") from None


def artifact_name(name: str) -> str:
    """The Headway artifact holding a logged model's files: its name when valid."""
    return name if ARTIFACT_NAME.match(name) else "model"


def commit(m: Mlflow, lm: LoggedModel, user: str) -> LoggedModel:
    """Commit the model's files as an artifact version (idempotent)."""
    e = m.rows.get_experiment(lm.experiment_id)
    run_id = lm.source_run_id
    if run_id:
        try:
            m.backend.get_run(run_id)
        except NotFound:
            run_id = None
    ref = commit_tree(
        m,
        project=e.project,
        root=model_root(lm.experiment_id, lm.id),
        name=artifact_name(lm.name),
        type=MODEL_TYPE,
        run_id=run_id,
        user=user,
        metadata={"mlflow_model_id": lm.id, "flavor_source": "mlflow"},
    )
    if ref is None:
        return lm
    return m.rows.update_logged_model(lm.id, artifact=ref, now=now_utc())


def create(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    e = m.experiment(f.text("experiment_id", required=True))
    if e.deleted_at is not None:
        raise invalid(f"The experiment {e.id} must be in the 'active' state.")
    now = now_utc()
    lm = m.rows.add_logged_model(
        LoggedModel(
            id=f"m-{uuid.uuid4().hex}",
            experiment_id=e.id,
            name=f.text("name") or "model",
            model_type=f.text("model_type"),
            source_run_id=f.text("source_run_id"),
            status="LOGGED_MODEL_PENDING",
            params=f.tags("params"),
            tags=f.tags(),
            artifact=None,
            artifact_version=None,
            created_at=now,
            updated_at=now,
        )
    )
    return {"model": model_json(m, lm)}


def get(m: Mlflow, model_id: str, f: Fields, user: str) -> dict[str, Any]:
    return {"model": model_json(m, _model(m, model_id))}


def finalize(m: Mlflow, model_id: str, f: Fields, user: str) -> dict[str, Any]:
    lm = _model(m, model_id)
    status = f.text("status", required=True)
    if status not in _STATUSES:
        raise invalid(f"Invalid value {status!r} for parameter 'status'")
    lm = m.rows.update_logged_model(lm.id, status=status, now=now_utc())
    if status == "LOGGED_MODEL_READY":
        lm = commit(m, lm, user)
    return {"model": model_json(m, lm)}


def set_tags(m: Mlflow, model_id: str, f: Fields, user: str) -> dict[str, Any]:
    _model(m, model_id)
    m.rows.update_logged_model(model_id, tags=dict(f.tags()), now=now_utc())
    return {}


def delete_tag(m: Mlflow, model_id: str, key: str, f: Fields, user: str) -> dict[str, Any]:
    lm = _model(m, model_id)
    if key not in lm.tags:
        raise does_not_exist(f"No tag with key {key!r} on logged model {model_id}")
    m.rows.update_logged_model(model_id, tags={key: None}, now=now_utc())
    return {}


def log_params(m: Mlflow, model_id: str, f: Fields, user: str) -> dict[str, Any]:
    _model(m, model_id)
    m.rows.update_logged_model(model_id, params=f.tags("params"), now=now_utc())
    return {}


def delete(m: Mlflow, model_id: str, f: Fields, user: str) -> dict[str, Any]:
    _model(m, model_id)
    m.rows.update_logged_model(model_id, deleted=True, now=now_utc())
    return {}


def _value(lm: LoggedModel, kind: search.Kind, key: str) -> object:
    if kind == "tag":
        return lm.tags.get(key)
    if kind == "param":
        return lm.params.get(key)
    if kind == "metric":
        return None
    return {
        "name": lm.name,
        "model_id": lm.id,
        "model_type": lm.model_type,
        "status": lm.status,
        "source_run_id": lm.source_run_id,
        "creation_time": millis(lm.created_at),
        "creation_timestamp": millis(lm.created_at),
        "last_updated_time": millis(lm.updated_at),
        "last_updated_timestamp": millis(lm.updated_at),
    }.get(key)


def search_models(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    ids = f.strings("experiment_ids")
    if not ids:
        raise missing("experiment_ids")
    experiments = [m.experiment(i).id for i in ids]
    clauses = search.parse_filter(f.text("filter"), "logged_models")
    order = search.parse_logged_model_order(f.objects("order_by"))
    max_results, offset = paging(f, cap=MAX_SEARCH_RESULTS, default=50)
    found = [
        lm
        for lm in m.rows.list_logged_models(experiments)
        if search.matches(clauses, functools.partial(_value, lm))
    ]
    ordered = search.sort_items(found, search.full_order("logged_models", order), _value)
    page = [model_json(m, lm) for lm in ordered[offset : offset + max_results]]
    return page_of("models", page, offset, max_results, len(ordered))


def ready_artifact(m: Mlflow, model_id: str, user: str) -> tuple[str, LoggedModel]:
    """(project, model) with its files committed, for registering it."""
    with suppress(NotFound):
        lm = m.rows.get_logged_model(model_id)
        if lm.artifact is None:
            lm = commit(m, lm, user)
        return m.rows.get_experiment(lm.experiment_id).project, lm
    raise invalid(f"Unable to find a logged model with ID '{model_id}'")
