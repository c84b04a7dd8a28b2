"""Applying spool records to a backend: the one path for live shipping and ``sync``."""

from __future__ import annotations

import base64
import contextlib
from datetime import datetime
from typing import Any

from headway.backend.base import BaseBackend
from headway.entities import RunCreate, RunState, RunUpdate
from headway.errors import AlreadyExists
from headway.sdk.writer.spool import Record


def create_op(spec: RunCreate) -> dict[str, Any]:
    return {
        "op": "create",
        "project": spec.project,
        "id": spec.id,
        "name": spec.name,
        "config": spec.config,
        "tags": list(spec.tags),
        "notes": spec.notes,
        "group": spec.group,
        "job_type": spec.job_type,
        "parent_id": spec.parent_id,
        "metadata": spec.metadata,
        "created_at": spec.created_at.isoformat() if spec.created_at else None,
    }


def files_op(files: dict[str, bytes]) -> dict[str, Any]:
    return {"op": "files", "files": {p: base64.b64encode(c).decode() for p, c in files.items()}}


def apply_record(backend: BaseBackend, run_id: str, record: Record) -> None:
    """Apply one record; every kind is idempotent, so replaying a spool twice is safe."""
    if record.batch is not None:
        backend.log_batch(run_id, record.batch)
        return
    op = record.op or {}
    kind = op.get("op")
    if kind == "create":
        spec = RunCreate(
            project=op["project"],
            id=op["id"],
            name=op.get("name"),
            config=op.get("config") or {},
            tags=tuple(op.get("tags") or ()),
            notes=op.get("notes") or "",
            group=op.get("group"),
            job_type=op.get("job_type"),
            parent_id=op.get("parent_id"),
            metadata=op.get("metadata") or {},
            created_at=datetime.fromisoformat(op["created_at"]) if op.get("created_at") else None,
        )
        # AlreadyExists: created by an earlier attempt or sync.
        # AlreadyExists: created by an earlier attempt or sync.
        with contextlib.suppress(AlreadyExists):
            backend.create_run(spec)
    elif kind == "resume":
        backend.resume_run(run_id)
    elif kind == "update":
        fields = dict(op.get("fields") or {})
        if "tags" in fields and fields["tags"] is not None:
            fields["tags"] = tuple(fields["tags"])
        backend.update_run(run_id, RunUpdate(**fields))
    elif kind == "files":
        files = {p: base64.b64decode(c) for p, c in (op.get("files") or {}).items()}
        backend.put_files(run_id, files)
    elif kind == "finish":
        backend.finish_run(
            run_id, RunState(op["state"]), exit_code=op.get("exit_code"), error=op.get("error")
        )
    else:
        raise ValueError(f"unknown spool record {kind!r}")
