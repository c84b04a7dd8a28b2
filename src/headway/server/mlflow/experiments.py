"""``/mlflow/experiments/*``: experiments are Headway projects (see ``context.py``)."""

from __future__ import annotations

import functools
from typing import Any

from headway.entities import Run, SearchQuery
from headway.errors import AlreadyExists
from headway.server.mlflow import search_syntax as search
from headway.server.mlflow.context import MAX_EXPERIMENT_NAME, Mlflow
from headway.server.mlflow.errors import MlflowError, already_exists, does_not_exist, invalid
from headway.server.mlflow.wire import Fields, key_values, millis, page_of, paging
from headway.store.sql.mlflow import Experiment
from headway.tracking.service import now_utc

MAX_SEARCH_RESULTS = 50_000
MAX_TAG_KEY = 250
MAX_EXPERIMENT_TAG_VALUE = 20_000
_VIEW_TYPES = ("ACTIVE_ONLY", "DELETED_ONLY", "ALL")


def experiment_json(e: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": str(e.id),
        "name": e.name,
        "artifact_location": f"mlflow-artifacts:/{e.id}",
        "lifecycle_stage": "deleted" if e.deleted_at else "active",
        "creation_time": millis(e.created_at),
        "last_update_time": millis(e.updated_at),
        "tags": key_values(e.tags),
    }


def view_type(f: Fields, name: str) -> str:
    raw = f.raw(name)
    if raw is None:
        return "ACTIVE_ONLY"
    if isinstance(raw, list):
        raw = raw[-1]
    if isinstance(raw, int) and 1 <= raw <= 3:
        return _VIEW_TYPES[raw - 1]
    if isinstance(raw, str) and raw.upper() in _VIEW_TYPES:
        return raw.upper()
    raise invalid(f"Invalid value {raw!r} for parameter '{name}'")


def in_view(deleted: bool, view: str) -> bool:
    return view == "ALL" or (view == "DELETED_ONLY") == deleted


def check_tag(key: str, value: str, max_value: int) -> None:
    if not key or len(key) > MAX_TAG_KEY:
        raise invalid(f"Tag key '{key[:50]}' must be 1-{MAX_TAG_KEY} characters")
    if len(value) > max_value:
        raise invalid(f"Tag value for '{key}' exceeds the maximum length of {max_value} characters")


def create(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    if len(name) > MAX_EXPERIMENT_NAME:
        raise invalid(
            f"Experiment name exceeds the maximum length of {MAX_EXPERIMENT_NAME} characters"
        )
    tags = f.tags()
    for key, value in tags.items():
        check_tag(key, value, MAX_EXPERIMENT_TAG_VALUE)
    m.sync()
    if m.rows.find_experiment(name=name) is not None:
        raise already_exists(f"Experiment '{name}' already exists.")
    try:
        e = m.rows.create_experiment(
            name,
            m.new_project_name(name),
            artifact_location=f.text("artifact_location"),
            tags=tags,
            now=now_utc(),
        )
    except AlreadyExists as exc:  # a concurrent create of the same name won
        raise already_exists(exc.message) from None
    return {"experiment_id": str(e.id)}


def get(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    m.sync()
    return {"experiment": experiment_json(m.experiment(f.text("experiment_id", required=True)))}


def get_by_name(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("experiment_name", required=True)
    m.sync()
    e = m.rows.find_experiment(name=name)
    if e is None:
        raise does_not_exist(f"Could not find experiment with name '{name}'")
    return {"experiment": experiment_json(e)}


def _value(e: Experiment, kind: search.Kind, key: str) -> object:
    if kind == "tag":
        return e.tags.get(key)
    return {
        "name": e.name,
        "experiment_id": str(e.id),
        "creation_time": millis(e.created_at),
        "last_update_time": millis(e.updated_at),
    }.get(key)


def search_experiments(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    max_results, offset = paging(f, cap=MAX_SEARCH_RESULTS, default=1000)
    view = view_type(f, "view_type")
    clauses = search.parse_filter(f.text("filter"), "experiments")
    order = search.full_order(
        "experiments", search.parse_order_by(f.strings("order_by"), "experiments")
    )
    m.sync()
    found = [
        e
        for e in m.rows.list_experiments()
        if in_view(e.deleted_at is not None, view)
        and search.matches(clauses, functools.partial(_value, e))
    ]
    ordered = search.sort_items(found, order, _value)
    page = [experiment_json(e) for e in ordered[offset : offset + max_results]]
    return page_of("experiments", page, offset, max_results, len(ordered))


def update(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    e = m.experiment(f.text("experiment_id", required=True))
    new_name = f.text("new_name", required=True)
    if len(new_name) > MAX_EXPERIMENT_NAME:
        raise invalid("Experiment name exceeds the maximum length of 500 characters")
    if e.deleted_at is not None:
        raise invalid("Cannot rename a non-active experiment.")
    try:
        m.rows.update_experiment(e.id, name=new_name, now=now_utc())
    except AlreadyExists:
        raise MlflowError("BAD_REQUEST", f"Experiment '{new_name}' already exists.", 400) from None
    return {}


def delete(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    e = m.experiment(f.text("experiment_id", required=True))
    if e.deleted_at is None:
        m.rows.update_experiment(e.id, deleted=True, now=now_utc())
        # As in MLflow, the experiment's runs go with it (and come back with a restore).
        # Ids first: deleting while paging through live runs would skip every other page.
        ids = [r.id for page in m.store.iter_project_runs(e.project) for r in page]
        for run_id in ids:
            m.backend.delete_run(run_id)
    return {}


def restore(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    e = m.experiment(f.text("experiment_id", required=True))
    if e.deleted_at is not None:
        since = e.deleted_at
        m.rows.update_experiment(e.id, deleted=False, now=now_utc())
        for r in _deleted_runs(m, e.project):
            if r.deleted_at is not None and r.deleted_at >= since:
                m.backend.restore_run(r.id)
    return {}


def _deleted_runs(m: Mlflow, project: str) -> list[Run]:
    return [
        r
        for r in m.backend.iter_runs(SearchQuery(project=project, include_deleted=True, limit=500))
        if r.deleted_at is not None
    ]


def set_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    e = m.experiment(f.text("experiment_id", required=True))
    key = f.text("key", required=True)
    value = f.text("value", default="")
    check_tag(key, value, MAX_EXPERIMENT_TAG_VALUE)
    if e.deleted_at is not None:
        raise invalid(f"The experiment {e.id} must be in the 'active' state.")
    m.rows.update_experiment(e.id, tags={key: value}, now=now_utc())
    return {}


def delete_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    e = m.experiment(f.text("experiment_id", required=True))
    key = f.text("key", required=True)
    if key not in e.tags:
        raise does_not_exist(f"No tag with name: {key} in experiment with id {e.id}")
    m.rows.update_experiment(e.id, tags={key: None}, now=now_utc())
    return {}


ROUTES = [
    ("POST", "experiments/create", create),
    ("GET", "experiments/get", get),
    ("GET", "experiments/get-by-name", get_by_name),
    ("POST", "experiments/search", search_experiments),
    ("GET", "experiments/search", search_experiments),
    ("POST", "experiments/update", update),
    ("POST", "experiments/delete", delete),
    ("POST", "experiments/restore", restore),
    ("POST", "experiments/set-experiment-tag", set_tag),
    ("POST", "experiments/delete-experiment-tag", delete_tag),
]
