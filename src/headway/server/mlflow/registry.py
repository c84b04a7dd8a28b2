"""``/mlflow/registered-models`` and ``/mlflow/model-versions``: Headway's registry.

A registered model, its versions, tags, descriptions and aliases are Headway's own, so a
promotion made in the Headway UI is what ``models:/NAME@production`` resolves to. Stages
are deprecated in MLflow; ``models:/NAME/Production`` resolves through the alias of the
same name (lower case), and a version reports the stage of such an alias it carries.
"""

from __future__ import annotations

import contextlib
import functools
import re
from typing import Any

from headway.entities.registry import ModelVersion, RegisteredModel
from headway.errors import NotFound
from headway.server.mlflow import search_syntax as search
from headway.server.mlflow.context import Mlflow
from headway.server.mlflow.errors import does_not_exist, invalid
from headway.server.mlflow.files import (
    artifact_root,
    clean_path,
    commit_tree,
    headway_root,
)
from headway.server.mlflow.logged_models import MODEL_TYPE, artifact_name, ready_artifact
from headway.server.mlflow.runs import get_run_or_404
from headway.server.mlflow.wire import Fields, key_values, millis, page_of, paging

#: Version tags Headway keeps for MLflow's ``source`` and ``model_id``; not shown as tags.
SOURCE_TAG = "headway.mlflow.source"
MODEL_ID_TAG = "headway.mlflow.model_id"
_HIDDEN = (SOURCE_TAG, MODEL_ID_TAG)
_ALIAS = re.compile(r"^[\w\-]*$")
_RESERVED_ALIAS = re.compile(r"^(latest|[vV]\d+)$", re.IGNORECASE)
_STAGES = {"production": "Production", "staging": "Staging", "archived": "Archived"}
MAX_MODEL_RESULTS = 1000
MAX_VERSION_RESULTS = 200_000


def _visible(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k not in _HIDDEN}


def version_json(v: ModelVersion) -> dict[str, Any]:
    stage = next((_STAGES[a] for a in v.aliases if a in _STAGES), "None")
    out: dict[str, Any] = {
        "name": v.model,
        "version": str(v.version),
        "creation_timestamp": millis(v.created_at),
        "last_updated_timestamp": millis(v.created_at),
        "user_id": v.created_by,
        "current_stage": stage,
        "description": v.description,
        "source": v.tags.get(SOURCE_TAG)
        or f"mlflow-artifacts:/{headway_root(v.project, v.artifact, v.artifact_version)}",
        "run_id": v.run_id or "",
        "status": "READY",
        "run_link": "",
        "tags": key_values(_visible(v.tags)),
        "aliases": list(v.aliases),
    }
    if MODEL_ID_TAG in v.tags:
        out["model_id"] = v.tags[MODEL_ID_TAG]
    return out


def model_json(m: Mlflow, rm: RegisteredModel, user: str) -> dict[str, Any]:
    latest: list[dict[str, Any]] = []
    if rm.latest_version is not None:
        try:
            latest = [version_json(m.registry(user).get_version(rm.name, rm.latest_version))]
        except NotFound:
            latest = []
    return {
        "name": rm.name,
        "creation_timestamp": millis(rm.created_at),
        "last_updated_timestamp": millis(rm.updated_at),
        "description": rm.description,
        "tags": key_values(rm.tags),
        "latest_versions": latest,
        "aliases": [{"alias": a, "version": str(v)} for a, v in sorted(rm.aliases.items())],
    }


def _get_model(m: Mlflow, name: str, user: str) -> RegisteredModel:
    try:
        return m.registry(user).get_model(name)
    except NotFound:
        raise does_not_exist(f"Registered Model with name={name} not found") from None


def _version_number(f: Fields) -> int:
    raw = f.text("version", required=True)
    try:
        return int(raw)
    except ValueError:
        raise invalid(f"Parameter 'version' must be an integer, got '{raw}'.") from None


def _get_version(m: Mlflow, name: str, version: int, user: str) -> ModelVersion:
    _get_model(m, name, user)
    try:
        return m.registry(user).get_version(name, version)
    except NotFound:
        raise does_not_exist(f"Model Version (name={name}, version={version}) not found") from None


# -- registered models ---------------------------------------------------------------------


def create_model(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    rm = m.registry(user).create_model(
        name, description=f.text("description", default=""), tags=f.tags()
    )
    return {"registered_model": model_json(m, rm, user)}


def get_model(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    return {
        "registered_model": model_json(m, _get_model(m, f.text("name", required=True), user), user)
    }


def rename_model(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    _get_model(m, name, user)
    rm = m.registry(user).rename_model(name, f.text("new_name", required=True))
    return {"registered_model": model_json(m, rm, user)}


def update_model(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    _get_model(m, name, user)
    rm = m.registry(user).update_model(name, description=f.text("description", default=""))
    return {"registered_model": model_json(m, rm, user)}


def delete_model(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    _get_model(m, name, user)
    m.registry(user).delete_model(name)
    return {}


def _model_value(rm: RegisteredModel, kind: search.Kind, key: str) -> object:
    if kind == "tag":
        return rm.tags.get(key)
    return {
        "name": rm.name,
        "creation_timestamp": millis(rm.created_at),
        "last_updated_timestamp": millis(rm.updated_at),
        "timestamp": millis(rm.updated_at),
    }.get(key)


def search_models(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    max_results, offset = paging(f, cap=MAX_MODEL_RESULTS, default=100)
    clauses = search.parse_filter(f.text("filter"), "registered_models")
    order = search.full_order(
        "registered_models", search.parse_order_by(f.strings("order_by"), "registered_models")
    )
    found = [
        rm
        for rm in m.registry(user).list_models()
        if search.matches(clauses, functools.partial(_model_value, rm))
    ]
    ordered = search.sort_items(found, order, _model_value)
    page = [model_json(m, rm, user) for rm in ordered[offset : offset + max_results]]
    return page_of("registered_models", page, offset, max_results, len(ordered))


def latest_versions(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    rm = _get_model(m, name, user)
    stages = f.strings("stages") or ["None", "Staging", "Production", "Archived"]
    found: dict[int, ModelVersion] = {}
    registry = m.registry(user)
    for stage in stages:
        alias = stage.lower()
        if alias == "none":
            if rm.latest_version is not None:
                found[rm.latest_version] = registry.get_version(name, rm.latest_version)
        elif alias in rm.aliases:
            found[rm.aliases[alias]] = registry.get_version(name, rm.aliases[alias])
    return {"model_versions": [version_json(v) for _, v in sorted(found.items())]}


def set_model_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    _get_model(m, name, user)
    key = f.text("key", required=True)
    m.registry(user).update_model(name, set_tags={key: f.text("value", default="")})
    return {}


def delete_model_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    _get_model(m, name, user)
    m.registry(user).update_model(name, remove_tags=[f.text("key", required=True)])
    return {}


# -- aliases -------------------------------------------------------------------------------


def _alias(f: Fields) -> str:
    alias = f.text("alias", required=True)
    if len(alias) > 255 or not _ALIAS.match(alias):
        raise invalid(
            f"Invalid alias name: '{alias}'. Names may only contain letters, digits, _ and -."
        )
    return str(alias)


def set_alias(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    alias = _alias(f)
    if _RESERVED_ALIAS.match(alias):
        raise invalid(f"'{alias}' alias name (case insensitive) is reserved.")
    version = _version_number(f)
    _get_version(m, name, version, user)
    m.registry(user).set_alias(name, alias, version)
    return {}


def delete_alias(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    _get_model(m, name, user)
    with contextlib.suppress(NotFound):  # as MLflow: an absent alias is not an error
        m.registry(user).remove_alias(name, _alias(f))
    return {}


def get_by_alias(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    rm = _get_model(m, name, user)
    alias = _alias(f)
    if alias not in rm.aliases:
        raise invalid(f"Registered model alias {alias} not found.")
    return {"model_version": version_json(m.registry(user).get_version(name, rm.aliases[alias]))}


# -- versions ------------------------------------------------------------------------------


def _resolve_source(
    m: Mlflow, f: Fields, user: str
) -> tuple[str, str, int, str | None, str | None]:
    """(project, artifact, version, run id, logged model id) of a new version's files."""
    source = f.text("source", required=True)
    model_id = f.text("model_id")
    run_id = f.text("run_id")
    if source.startswith("models:/") and "@" not in source and source.count("/") == 1:
        model_id = model_id or source[len("models:/") :]
    if model_id:
        project, lm = ready_artifact(m, model_id, user)
        if lm.artifact is None or lm.artifact_version is None:
            raise invalid(f"Logged model {model_id} has no files to register")
        return project, lm.artifact, lm.artifact_version, run_id or lm.source_run_id, lm.id
    if source.startswith("runs:/"):
        rest = source[len("runs:/") :]
        source_run, _, sub = rest.partition("/")
        run = get_run_or_404(m, source_run)
        experiment_id = m.experiment_id_of(run.project)
        root = artifact_root(experiment_id, run.id)
        sub = clean_path(sub)
        return _snapshot(m, run.project, f"{root}/{sub}" if sub else root, sub, run.id, user)
    if source.startswith("mlflow-artifacts:/"):
        path = clean_path(source[len("mlflow-artifacts:/") :])
        parts = path.split("/")
        if parts[0] == "_headway" and len(parts) == 4 and parts[3][1:].isdigit():
            return parts[1], parts[2], int(parts[3][1:]), run_id, None
        if len(parts) >= 4 and parts[1] == "models" and parts[3] == "artifacts":
            project, lm = ready_artifact(m, parts[2], user)
            if lm.artifact is not None and lm.artifact_version is not None:
                return project, lm.artifact, lm.artifact_version, lm.source_run_id, lm.id
        experiment = m.experiment(parts[0])
        run_part = parts[1] if len(parts) > 1 else None
        return _snapshot(
            m, experiment.project, path, parts[-1], run_part if run_id is None else run_id, user
        )
    raise invalid(
        f"Unsupported model version source '{source}': use models:/<model id>, "
        "runs:/<run id>/<path> or an mlflow-artifacts:/ URI served by this server"
    )


def _snapshot(
    m: Mlflow, project: str, root: str, label: str, run_id: str | None, user: str
) -> tuple[str, str, int, str | None, str | None]:
    run = None
    if run_id:
        try:
            run = m.backend.get_run(run_id).id
        except NotFound:
            run = None
    ref = commit_tree(
        m,
        project=project,
        root=root.rstrip("/"),
        name=artifact_name(label.rsplit("/", 1)[-1] or "model"),
        type=MODEL_TYPE,
        run_id=run,
        user=user,
    )
    if ref is None:
        raise invalid(f"No files found at '{root}' to register")
    return project, ref[0], ref[1], run, None


def create_version(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    _get_model(m, name, user)
    project, artifact, version, run_id, model_id = _resolve_source(m, f, user)
    tags = dict(f.tags())
    tags[SOURCE_TAG] = f.text("source", required=True)
    if model_id:
        tags[MODEL_ID_TAG] = model_id
    mv = m.registry(user).link(
        name,
        project=project,
        artifact=artifact,
        selector=version,
        run_id=run_id,
        description=f.text("description", default=""),
        tags=tags,
    )
    return {"model_version": version_json(mv)}


def get_version(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    return {"model_version": version_json(_get_version(m, name, _version_number(f), user))}


def update_version(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    version = _version_number(f)
    _get_version(m, name, version, user)
    mv = m.registry(user).update_version(
        name, version, description=f.text("description", default="")
    )
    return {"model_version": version_json(mv)}


def delete_version(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    version = _version_number(f)
    _get_version(m, name, version, user)
    m.registry(user).delete_version(name, version)
    return {}


def download_uri(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    v = _get_version(m, name, _version_number(f), user)
    root = headway_root(v.project, v.artifact, v.artifact_version)
    return {"artifact_uri": f"mlflow-artifacts:/{root}"}


def set_version_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    version = _version_number(f)
    _get_version(m, name, version, user)
    key = f.text("key", required=True)
    if key in _HIDDEN:
        raise invalid(f"Tag key '{key}' is reserved")
    m.registry(user).update_version(name, version, set_tags={key: f.text("value", default="")})
    return {}


def delete_version_tag(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    name = f.text("name", required=True)
    version = _version_number(f)
    _get_version(m, name, version, user)
    m.registry(user).update_version(name, version, remove_tags=[f.text("key", required=True)])
    return {}


def transition_stage(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    """Deprecated stages, kept working through aliases: ``Production`` moves the alias
    ``production`` to this version; ``None`` takes the stage aliases off it."""
    name = f.text("name", required=True)
    version = _version_number(f)
    current = _get_version(m, name, version, user)
    stage = f.text("stage", required=True)
    registry = m.registry(user)
    wanted = stage.lower()
    if wanted not in (*_STAGES, "none"):
        raise invalid(
            f"Invalid Model Version stage: {stage}. "
            "Value must be one of None, Staging, Production, Archived."
        )
    for alias in _STAGES:
        if alias in current.aliases and alias != wanted:
            registry.remove_alias(name, alias)
    if wanted in _STAGES:
        registry.set_alias(name, wanted, version)
    return {"model_version": version_json(registry.get_version(name, version))}


def _version_value(v: ModelVersion, kind: search.Kind, key: str) -> object:
    if kind == "tag":
        return _visible(v.tags).get(key)
    return {
        "name": v.model,
        "version_number": v.version,
        "run_id": v.run_id,
        "source_path": v.tags.get(SOURCE_TAG),
        "creation_timestamp": millis(v.created_at),
        "last_updated_timestamp": millis(v.created_at),
        "timestamp": millis(v.created_at),
    }.get(key)


def search_versions(m: Mlflow, f: Fields, user: str) -> dict[str, Any]:
    max_results, offset = paging(f, cap=MAX_VERSION_RESULTS, default=10_000)
    clauses = search.parse_filter(f.text("filter"), "model_versions")
    order = search.full_order(
        "model_versions", search.parse_order_by(f.strings("order_by"), "model_versions")
    )
    registry = m.registry(user)
    names = [
        c.value
        for c in clauses
        if c.kind == "attribute" and c.key == "name" and c.comparator == "="
    ]
    models = [str(names[0])] if names else [rm.name for rm in registry.list_models()]
    found: list[ModelVersion] = []
    for model in models:
        try:
            versions = registry.list_versions(model)
        except NotFound:
            continue
        found.extend(
            v for v in versions if search.matches(clauses, functools.partial(_version_value, v))
        )
    ordered = search.sort_items(found, order, _version_value)
    page = [version_json(v) for v in ordered[offset : offset + max_results]]
    return page_of("model_versions", page, offset, max_results, len(ordered))


ROUTES = [
    ("POST", "registered-models/create", create_model),
    ("GET", "registered-models/get", get_model),
    ("POST", "registered-models/rename", rename_model),
    ("PATCH", "registered-models/update", update_model),
    ("DELETE", "registered-models/delete", delete_model),
    ("GET", "registered-models/search", search_models),
    ("POST", "registered-models/get-latest-versions", latest_versions),
    ("GET", "registered-models/get-latest-versions", latest_versions),
    ("POST", "registered-models/set-tag", set_model_tag),
    ("DELETE", "registered-models/delete-tag", delete_model_tag),
    ("POST", "registered-models/alias", set_alias),
    ("DELETE", "registered-models/alias", delete_alias),
    ("GET", "registered-models/alias", get_by_alias),
    ("POST", "model-versions/create", create_version),
    ("GET", "model-versions/get", get_version),
    ("PATCH", "model-versions/update", update_version),
    ("DELETE", "model-versions/delete", delete_version),
    ("GET", "model-versions/search", search_versions),
    ("GET", "model-versions/get-download-uri", download_uri),
    ("POST", "model-versions/transition-stage", transition_stage),
    ("POST", "model-versions/set-tag", set_version_tag),
    ("DELETE", "model-versions/delete-tag", delete_version_tag),
]
