"""Artifacts: named, typed collections of files, versioned immutably (``name:v3``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ManifestEntry:
    """One file of a version: stored content (``digest``) or an external reference.

    ``digest`` is the BLAKE3 hex digest of the bytes; a reference logged with
    ``checksum=False`` has none and is pinned by ``etag`` (an ETag, S3 version id or
    file mtime) instead.
    """

    path: str
    size: int
    digest: str | None
    ref: str | None = None
    etag: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.ref is not None


@dataclass(frozen=True)
class ArtifactVersion:
    project: str
    name: str
    type: str
    version: int
    digest: str
    size: int
    file_count: int
    created_at: datetime
    created_by: str
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    run_id: str | None = None
    deleted_at: datetime | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.name}:v{self.version}"


@dataclass(frozen=True)
class ArtifactSummary:
    """An artifact (all its versions) as the browser lists it."""

    project: str
    name: str
    type: str
    description: str | None
    version_count: int
    latest_version: int | None
    created_at: datetime
    updated_at: datetime
    aliases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ArtifactCommit:
    """What a client asks to commit: a manifest plus the mutable attributes."""

    project: str
    name: str
    type: str
    entries: tuple[ManifestEntry, ...]
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    run_id: str | None = None


@dataclass(frozen=True)
class ArtifactPatch:
    """Editable attributes; ``None`` leaves a field as it is."""

    description: str | None = None
    metadata: dict[str, Any] | None = None
    tags: tuple[str, ...] | None = None
    add_aliases: tuple[str, ...] = ()
    remove_aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArtifactEvent:
    at: datetime
    actor: str
    action: str
    version: int | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadTarget:
    """How to send one missing blob: through the API, or straight to the object store."""

    digest: str
    size: int
    #: ``store`` (the backend writes it itself), ``put`` (one PUT to ``url``), or
    #: ``multipart`` (PUT each part to its URL, then complete).
    method: str
    url: str | None = None
    upload_id: str | None = None
    part_size: int = 0
    #: part number -> presigned URL, for the parts not uploaded yet.
    parts: dict[int, str] = field(default_factory=dict)
    #: part number -> ETag of parts already uploaded (a resumed upload skips them).
    done_parts: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadPlan:
    session_id: str
    #: Blobs the store lacks; every other digest of the manifest is already stored.
    missing: tuple[UploadTarget, ...]


class Direction(enum.StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    BOTH = "both"


@dataclass(frozen=True)
class LineageNode:
    #: ``run`` or ``artifact``; the id is a run id or ``name:vN``.
    kind: str
    id: str
    label: str
    type: str | None = None
    state: str | None = None
    depth: int = 0


@dataclass(frozen=True)
class LineageEdge:
    #: Data flows source -> target: version -> run (input) or run -> version (output).
    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class LineageGraph:
    root: str
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # added, removed, changed
    old_size: int | None
    new_size: int | None


@dataclass(frozen=True)
class VersionDiff:
    old: str
    new: str
    files: tuple[FileChange, ...]
    #: key -> (old value, new value); a missing side is None.
    metadata: dict[str, tuple[Any, Any]]
    unchanged_files: int


@dataclass(frozen=True)
class GcReport:
    blobs_deleted: int
    bytes_freed: int
    versions_purged: int
    sessions_expired: int
    blobs_kept_recent: int
    dry_run: bool


@dataclass(frozen=True)
class ComparedVersion:
    """One column of a comparison: a version, the run that made it, the data it used."""

    version: ArtifactVersion
    #: The registered model version this row was asked as (``dropout-risk:v2``), if any.
    model_ref: str | None
    run_id: str | None
    run_name: str | None
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    #: ``project/name:vN`` of every artifact version the producing run used.
    inputs: tuple[str, ...] = ()
