"""Wire form of a batch's lifecycle parts: create, update, files and finish."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from headway.entities import RunCreate, RunFinish, RunState, RunUpdate
from headway.errors import InvalidArgument

_CREATE_FIELDS = {
    "project", "id", "name", "config", "tags", "kv_tags", "notes", "group", "job_type",
    "parent_id", "metadata", "created_at",
}  # fmt: skip
_UPDATE_FIELDS = {
    "name", "tags", "kv_tags", "notes", "group", "job_type", "metadata", "state", "error",
    "exit_code", "finished_at",
}  # fmt: skip


def create_to_wire(spec: RunCreate) -> dict[str, Any]:
    return {
        "project": spec.project,
        "id": spec.id,
        "name": spec.name,
        "config": spec.config,
        "tags": list(spec.tags),
        "kv_tags": spec.kv_tags,
        "notes": spec.notes,
        "group": spec.group,
        "job_type": spec.job_type,
        "parent_id": spec.parent_id,
        "metadata": spec.metadata,
        "created_at": spec.created_at.isoformat() if spec.created_at else None,
    }


def create_from_wire(raw: Any) -> RunCreate:
    data = _fields(raw, "create", _CREATE_FIELDS)
    if not isinstance(data.get("project"), str):
        raise InvalidArgument("batch 'create' needs a string 'project'")
    return RunCreate(
        project=data["project"],
        id=_opt_str(data, "id", "create"),
        name=_opt_str(data, "name", "create"),
        config=_dict(data, "config", "create"),
        tags=tuple(_tags(data, "create") or ()),
        kv_tags=_dict(data, "kv_tags", "create"),
        notes=_opt_str(data, "notes", "create") or "",
        group=_opt_str(data, "group", "create"),
        job_type=_opt_str(data, "job_type", "create"),
        parent_id=_opt_str(data, "parent_id", "create"),
        metadata=_dict(data, "metadata", "create"),
        created_at=_time(data, "created_at", "create"),
    )


def update_to_wire(update: RunUpdate) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _UPDATE_FIELDS:
        value = getattr(update, name)
        if value is None:
            continue
        if isinstance(value, RunState):
            value = value.value
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def update_from_wire(raw: Any) -> RunUpdate:
    data = _fields(raw, "update", _UPDATE_FIELDS)
    state = data.get("state")
    exit_code = data.get("exit_code")
    if exit_code is not None and type(exit_code) is not int:
        raise InvalidArgument("batch 'update.exit_code' must be an integer")
    tags = _tags(data, "update")
    return RunUpdate(
        name=_opt_str(data, "name", "update"),
        tags=tuple(tags) if tags is not None else None,
        kv_tags=_dict(data, "kv_tags", "update") if "kv_tags" in data else None,
        notes=_opt_str(data, "notes", "update"),
        group=_opt_str(data, "group", "update"),
        job_type=_opt_str(data, "job_type", "update"),
        metadata=_dict(data, "metadata", "update") if "metadata" in data else None,
        state=_state(state, "update") if state is not None else None,
        error=_opt_str(data, "error", "update"),
        exit_code=exit_code,
        finished_at=_time(data, "finished_at", "update"),
    )


def finish_to_wire(finish: RunFinish) -> dict[str, Any]:
    return {"state": finish.state.value, "exit_code": finish.exit_code, "error": finish.error}


def finish_from_wire(raw: Any) -> RunFinish:
    data = _fields(raw, "finish", {"state", "exit_code", "error"})
    exit_code = data.get("exit_code")
    if exit_code is not None and type(exit_code) is not int:
        raise InvalidArgument("batch 'finish.exit_code' must be an integer")
    return RunFinish(
        state=_state(data.get("state"), "finish"),
        exit_code=exit_code,
        error=_opt_str(data, "error", "finish"),
    )


def files_to_wire(files: dict[str, bytes]) -> dict[str, str]:
    return {path: base64.b64encode(content).decode() for path, content in files.items()}


def files_from_wire(raw: Any) -> dict[str, bytes]:
    if not isinstance(raw, dict):
        raise InvalidArgument("batch 'files' must be an object of path to base64 content")
    out = {}
    for path, content in raw.items():
        if not isinstance(content, str):
            raise InvalidArgument(f"batch file {path!r} must be base64 text")
        try:
            out[str(path)] = base64.b64decode(content, validate=True)
        except binascii.Error:
            raise InvalidArgument(f"batch file {path!r} is not valid base64") from None
    return out


def _fields(raw: Any, what: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidArgument(f"batch '{what}' must be an object")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidArgument(f"batch '{what}' has unknown field(s): {', '.join(unknown)}")
    return raw


def _opt_str(data: dict[str, Any], name: str, what: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidArgument(f"batch '{what}.{name}' must be a string")
    return value


def _dict(data: dict[str, Any], name: str, what: str) -> dict[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise InvalidArgument(f"batch '{what}.{name}' must be an object")
    return value


def _tags(data: dict[str, Any], what: str) -> list[str] | None:
    value = data.get("tags")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise InvalidArgument(f"batch '{what}.tags' must be a list of strings")
    return value


def _time(data: dict[str, Any], name: str, what: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidArgument(f"batch '{what}.{name}' must be an ISO 8601 time") from None


def _state(value: Any, what: str) -> RunState:
    try:
        return RunState(value)
    except ValueError:
        names = ", ".join(s.value for s in RunState)
        raise InvalidArgument(f"batch '{what}.state' must be one of {names}") from None
