"""Wire shapes of artifacts: versions, manifests, upload plans, lineage, diffs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from headway.backend.codec import from_wire, to_wire
from headway.entities.artifacts import (
    ArtifactCommit,
    ArtifactEvent,
    ArtifactPatch,
    ArtifactSummary,
    ArtifactVersion,
    GcReport,
    LineageGraph,
    ManifestEntry,
    UploadPlan,
    VersionDiff,
)
from headway.server.schemas.common import StrictModel


class ArtifactVersionOut(BaseModel):
    project: str
    name: str
    type: str
    version: int
    digest: str = Field(description="BLAKE3 digest of the manifest: same digest, same content.")
    size: int
    file_count: int
    created_at: datetime
    created_by: str
    description: str | None
    metadata: dict[str, Any]
    tags: list[str]
    aliases: list[str]
    run_id: str | None
    deleted_at: datetime | None

    @classmethod
    def from_entity(cls, a: ArtifactVersion) -> ArtifactVersionOut:
        return cls(
            project=a.project,
            name=a.name,
            type=a.type,
            version=a.version,
            digest=a.digest,
            size=a.size,
            file_count=a.file_count,
            created_at=a.created_at,
            created_by=a.created_by,
            description=a.description,
            metadata=to_wire(a.metadata),
            tags=list(a.tags),
            aliases=list(a.aliases),
            run_id=a.run_id,
            deleted_at=a.deleted_at,
        )


class ArtifactVersionList(BaseModel):
    versions: list[ArtifactVersionOut]


class ArtifactSummaryOut(BaseModel):
    project: str
    name: str
    type: str
    description: str | None
    version_count: int
    latest_version: int | None
    created_at: datetime
    updated_at: datetime
    aliases: dict[str, int]

    @classmethod
    def from_entity(cls, a: ArtifactSummary) -> ArtifactSummaryOut:
        return cls(**{f: getattr(a, f) for f in cls.model_fields})


class ArtifactList(BaseModel):
    artifacts: list[ArtifactSummaryOut]


class ManifestEntryIO(BaseModel):
    path: str
    size: int
    digest: str | None = None
    ref: str | None = Field(default=None, description="s3://, https:// or file:// reference.")
    etag: str | None = None

    @classmethod
    def from_entity(cls, e: ManifestEntry) -> ManifestEntryIO:
        return cls(path=e.path, size=e.size, digest=e.digest, ref=e.ref, etag=e.etag)

    def to_entity(self) -> ManifestEntry:
        return ManifestEntry(self.path, self.size, self.digest, self.ref, self.etag)


class FileList(BaseModel):
    files: list[ManifestEntryIO]


class BlobIn(StrictModel):
    digest: str
    size: int


class UploadIn(StrictModel):
    blobs: list[BlobIn] = Field(max_length=1_000_000)


class UploadTargetOut(BaseModel):
    digest: str
    size: int
    method: Literal["store", "put", "multipart"]
    url: str | None
    upload_id: str | None
    part_size: int
    parts: dict[int, str] = Field(description="Part number -> URL (absolute, or API-relative).")
    done_parts: dict[int, str]


class UploadPlanOut(BaseModel):
    session_id: str
    missing: list[UploadTargetOut]

    @classmethod
    def from_entity(cls, plan: UploadPlan) -> UploadPlanOut:
        return cls(
            session_id=plan.session_id,
            missing=[
                UploadTargetOut(
                    digest=t.digest,
                    size=t.size,
                    method=t.method,  # type: ignore[arg-type]
                    url=t.url,
                    upload_id=t.upload_id,
                    part_size=t.part_size,
                    parts=t.parts,
                    done_parts=t.done_parts,
                )
                for t in plan.missing
            ],
        )


class PartOut(BaseModel):
    etag: str


class CompleteIn(StrictModel):
    parts: dict[int, str] = Field(default_factory=dict)


class CommitIn(StrictModel):
    session_id: str | None = None
    type: str
    entries: list[ManifestEntryIO] = Field(max_length=1_000_000)
    description: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    run_id: str | None = None

    def to_entity(self, project: str, name: str) -> ArtifactCommit:
        return ArtifactCommit(
            project=project,
            name=name,
            type=self.type,
            entries=tuple(e.to_entity() for e in self.entries),
            description=self.description,
            metadata=from_wire(self.metadata),
            aliases=tuple(self.aliases),
            tags=tuple(self.tags),
            run_id=self.run_id,
        )


class CommitOut(BaseModel):
    version: ArtifactVersionOut
    created: bool = Field(description="False when identical content was already a version.")


class VersionPatchIn(StrictModel):
    description: str | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    add_aliases: list[str] = Field(default_factory=list)
    remove_aliases: list[str] = Field(default_factory=list)

    def to_entity(self) -> ArtifactPatch:
        return ArtifactPatch(
            description=self.description,
            metadata=None if self.metadata is None else from_wire(self.metadata),
            tags=None if self.tags is None else tuple(self.tags),
            add_aliases=tuple(self.add_aliases),
            remove_aliases=tuple(self.remove_aliases),
        )


class ArtifactEventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    version: int | None
    details: dict[str, Any]

    @classmethod
    def from_entity(cls, e: ArtifactEvent) -> ArtifactEventOut:
        return cls(
            at=e.at, actor=e.actor, action=e.action, version=e.version, details=to_wire(e.details)
        )


class ArtifactEventList(BaseModel):
    events: list[ArtifactEventOut]


class UseIn(StrictModel):
    project: str
    name: str
    selector: str = Field(description="'v3', 'latest' or an alias.")


class RunArtifactsOut(BaseModel):
    inputs: list[ArtifactVersionOut]
    outputs: list[ArtifactVersionOut]


class LineageNodeOut(BaseModel):
    kind: Literal["run", "artifact"]
    id: str
    label: str
    type: str | None
    state: str | None
    depth: int


class LineageEdgeOut(BaseModel):
    source: str
    target: str
    kind: Literal["input", "output"]


class LineageOut(BaseModel):
    root: str
    nodes: list[LineageNodeOut]
    edges: list[LineageEdgeOut]

    @classmethod
    def from_entity(cls, g: LineageGraph) -> LineageOut:
        return cls(
            root=g.root,
            nodes=[
                LineageNodeOut(
                    kind=n.kind,  # type: ignore[arg-type]
                    id=n.id,
                    label=n.label,
                    type=n.type,
                    state=n.state,
                    depth=n.depth,
                )
                for n in g.nodes
            ],
            edges=[
                LineageEdgeOut(source=e.source, target=e.target, kind=e.kind)  # type: ignore[arg-type]
                for e in g.edges
            ],
        )


class FileChangeOut(BaseModel):
    path: str
    status: Literal["added", "removed", "changed"]
    old_size: int | None
    new_size: int | None


class VersionDiffOut(BaseModel):
    old: str
    new: str
    files: list[FileChangeOut]
    metadata: dict[str, list[Any]] = Field(description="key -> [old value, new value].")
    unchanged_files: int

    @classmethod
    def from_entity(cls, d: VersionDiff) -> VersionDiffOut:
        return cls(
            old=d.old,
            new=d.new,
            files=[
                FileChangeOut(
                    path=f.path,
                    status=f.status,  # type: ignore[arg-type]
                    old_size=f.old_size,
                    new_size=f.new_size,
                )
                for f in d.files
            ],
            metadata={k: to_wire(list(pair)) for k, pair in d.metadata.items()},
            unchanged_files=d.unchanged_files,
        )


class GcIn(StrictModel):
    grace_seconds: float = Field(default=3600, ge=0)
    deleted_retention_seconds: float = Field(default=0, ge=0)
    dry_run: bool = False


class GcOut(BaseModel):
    blobs_deleted: int
    bytes_freed: int
    versions_purged: int
    sessions_expired: int
    blobs_kept_recent: int
    dry_run: bool

    @classmethod
    def from_entity(cls, r: GcReport) -> GcOut:
        return cls(**{f: getattr(r, f) for f in cls.model_fields})
