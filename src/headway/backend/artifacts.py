"""The artifact and registry halves of the backend interface.

``backend.artifacts`` and ``backend.registry`` speak these; ``LocalBackend`` runs the
domain services in-process, ``HttpBackend`` calls ``headway server``. ``actor`` (who is
acting, recorded in history) defaults to the backend's configured user.

Thread safety: every implementation may be called from several threads at once.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from headway.entities.artifacts import (
    ArtifactCommit,
    ArtifactEvent,
    ArtifactPatch,
    ArtifactSummary,
    ArtifactVersion,
    ComparedVersion,
    Direction,
    GcReport,
    LineageGraph,
    ManifestEntry,
    UploadPlan,
    VersionDiff,
)
from headway.entities.registry import (
    Automation,
    Delivery,
    ModelVersion,
    RegisteredModel,
    RegistryEvent,
)

#: Called with the number of bytes just transferred.
Progress = Callable[[int], None]


class BaseArtifacts(abc.ABC):
    #: True when blobs come over the network (downloads then go through the shared
    #: cache); False when they are read from a local folder.
    remote_blobs: bool = True

    @abc.abstractmethod
    def with_user(self, user: str) -> BaseArtifacts:
        """The same backend acting as ``user`` (the server passes the caller's name)."""

    @abc.abstractmethod
    def begin_upload(self, project: str, blobs: Sequence[tuple[str, int]]) -> UploadPlan:
        """Open an upload session for (digest, size) pairs; the plan lists missing blobs.

        Raises: InvalidArgument for a bad project or digest; Unavailable while gc is
        deleting one of these blobs (retry shortly).
        """

    @abc.abstractmethod
    def begin_remote_upload(self, project: str, blobs: Sequence[tuple[str, int]]) -> UploadPlan:
        """An upload plan for a client elsewhere: presigned object-store URLs, or API part
        URLs when blobs live in a local folder behind the server."""

    @abc.abstractmethod
    def put_part(
        self, session_id: str, digest: str, upload_id: str, number: int, data: bytes
    ) -> str:
        """Store one part sent through the API; returns its ETag."""

    @abc.abstractmethod
    def complete_blob(self, session_id: str, digest: str, parts: dict[int, str]) -> None:
        """Join a multipart upload into the blob, verified. Raises: CorruptBlob."""

    @abc.abstractmethod
    def abort_blob(self, session_id: str, digest: str) -> None:
        """Drop a blob's multipart upload, so the next attempt starts from scratch."""

    @abc.abstractmethod
    def upload(
        self,
        plan: UploadPlan,
        files: Mapping[str, Path],
        *,
        workers: int = 8,
        progress: Progress | None = None,
    ) -> None:
        """Send every missing blob of ``plan`` (``files`` maps digest -> local path), in
        parallel, resuming parts already sent. Raises: CorruptBlob if a file changed
        after it was hashed; StorageError/Unavailable when the store cannot be reached."""

    @abc.abstractmethod
    def commit(
        self, session_id: str | None, commit: ArtifactCommit
    ) -> tuple[ArtifactVersion, bool]:
        """Commit a version; (version, created). Identical content returns the existing
        version. Raises: InvalidArgument (bad names, paths, missing blobs), Conflict
        (the name exists with another type), NotFound (run)."""

    @abc.abstractmethod
    def get_version(
        self, project: str, name: str, selector: int | str, *, include_deleted: bool = False
    ) -> ArtifactVersion:
        """``selector``: a version number, ``"latest"`` or an alias. Raises: NotFound."""

    @abc.abstractmethod
    def list_artifacts(self, project: str, type: str | None = None) -> list[ArtifactSummary]: ...

    @abc.abstractmethod
    def list_versions(
        self, project: str, name: str, *, include_deleted: bool = False
    ) -> list[ArtifactVersion]:
        """Newest first."""

    @abc.abstractmethod
    def files(
        self,
        project: str,
        name: str,
        version: int,
        *,
        prefix: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ManifestEntry]:
        """The manifest, sorted by path, optionally only paths starting with ``prefix``."""

    @abc.abstractmethod
    def events(self, project: str, name: str) -> list[ArtifactEvent]:
        """The audit history of every version of an artifact, oldest first."""

    @abc.abstractmethod
    def update(
        self, project: str, name: str, version: int, patch: ArtifactPatch
    ) -> ArtifactVersion:
        """Edit description, metadata, tags and aliases (content never changes)."""

    @abc.abstractmethod
    def delete(self, project: str, name: str, version: int) -> ArtifactVersion:
        """Soft-delete. Raises: Conflict if a registered model version uses it."""

    @abc.abstractmethod
    def restore(self, project: str, name: str, version: int) -> ArtifactVersion:
        """Undo a delete. Raises: Conflict once gc reclaimed its files."""

    @abc.abstractmethod
    def use(self, run_id: str, project: str, name: str, selector: int | str) -> ArtifactVersion:
        """Record that ``run_id`` used the version (input lineage) and return it."""

    @abc.abstractmethod
    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersion]]:
        """``{"inputs": [...], "outputs": [...]}`` of a run."""

    @abc.abstractmethod
    def lineage(
        self,
        *,
        project: str | None = None,
        name: str | None = None,
        version: int | None = None,
        run_id: str | None = None,
        direction: Direction = Direction.BOTH,
        depth: int = 2,
    ) -> LineageGraph:
        """The graph around a version or a run, ``depth`` run-levels each way."""

    @abc.abstractmethod
    def diff(
        self, project: str, name: str, old: int, new: int, *, new_name: str | None = None
    ) -> VersionDiff: ...

    @abc.abstractmethod
    def fetch_blob(self, digest: str, dest: Path) -> None:
        """Write a blob to ``dest``, verified. Raises: NotFound, CorruptBlob."""

    @abc.abstractmethod
    def iter_blob(self, digest: str) -> Iterator[bytes]:
        """A blob's bytes as stored (unverified: streamers verify at the end)."""

    @abc.abstractmethod
    def blob_url(self, digest: str) -> str | None:
        """A presigned download URL when the blob store has them, else None."""

    @abc.abstractmethod
    def gc(
        self, *, grace_seconds: float = 3600, deleted_retention_seconds: float = 0, dry_run: bool
    ) -> GcReport:
        """Reclaim blobs no live version references (safe while uploads run)."""


class BaseRegistry(abc.ABC):
    @abc.abstractmethod
    def with_user(self, user: str) -> BaseRegistry:
        """The same backend acting as ``user``."""

    @abc.abstractmethod
    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        tags: dict[str, str] | None = None,
        exist_ok: bool = False,
    ) -> RegisteredModel: ...

    @abc.abstractmethod
    def get_model(self, name: str) -> RegisteredModel: ...

    @abc.abstractmethod
    def list_models(self, query: str | None = None) -> list[RegisteredModel]: ...

    @abc.abstractmethod
    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> RegisteredModel: ...

    @abc.abstractmethod
    def rename_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model. It keeps its versions, aliases, protected aliases, automations
        and history; a ``model_renamed`` event records ``{"old", "new"}``. Renaming to the
        same name returns the model unchanged.

        Raises: InvalidArgument (bad new name), NotFound, AlreadyExists (name taken).
        """

    @abc.abstractmethod
    def delete_model(self, name: str, *, role: str | None = None) -> None:
        """Delete a model for good: its versions, aliases, protections, automations and
        history (the artifact versions it linked stay). The name can be created again.

        Raises: PermissionDenied if it has a protected alias ``role`` does not satisfy
        (``admin`` satisfies any); NotFound.
        """

    @abc.abstractmethod
    def link(
        self,
        name: str,
        *,
        project: str,
        artifact: str,
        selector: int | str,
        run_id: str | None = None,
        aliases: Sequence[str] = (),
        description: str = "",
        tags: dict[str, str] | None = None,
        role: str | None = None,
    ) -> ModelVersion:
        """Link a model artifact version as a new registered version (creating the model)."""

    @abc.abstractmethod
    def get_version(self, name: str, selector: int | str) -> ModelVersion: ...

    @abc.abstractmethod
    def list_versions(self, name: str) -> list[ModelVersion]: ...

    @abc.abstractmethod
    def update_version(
        self,
        name: str,
        version: int,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> ModelVersion: ...

    @abc.abstractmethod
    def delete_version(self, name: str, version: int, *, role: str | None = None) -> None:
        """Delete a registered version (the artifact version it points to stays).

        Aliases pointing at it are removed (an ``alias_removed`` event each); the history
        keeps a ``version_deleted`` event; its number is never given to a later version.

        Raises: PermissionDenied if a protected alias points at it and ``role`` does not
        satisfy the rule; NotFound (model or version); InvalidArgument.
        """

    @abc.abstractmethod
    def set_alias(
        self, name: str, alias: str, version: int, *, role: str | None = None
    ) -> ModelVersion:
        """Promote: point ``alias`` at ``version``. Raises: PermissionDenied (protected)."""

    @abc.abstractmethod
    def rollback(self, name: str, alias: str, *, role: str | None = None) -> ModelVersion:
        """Move ``alias`` back to where it pointed before its last move."""

    @abc.abstractmethod
    def remove_alias(self, name: str, alias: str, *, role: str | None = None) -> None: ...

    @abc.abstractmethod
    def protect(self, name: str, alias: str, role: str | None) -> RegisteredModel:
        """Require ``role`` to move ``alias``; ``None`` lifts the rule."""

    @abc.abstractmethod
    def history(
        self,
        name: str,
        *,
        alias: str | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[RegistryEvent]:
        """Newest first."""

    @abc.abstractmethod
    def alias_at(self, name: str, alias: str, when: datetime) -> ModelVersion | None: ...

    @abc.abstractmethod
    def compare(
        self, *, artifacts: Sequence[str] = (), models: Sequence[str] = ()
    ) -> list[ComparedVersion]:
        """Versions side by side: metadata, the producing run's config and summary, and the
        artifact versions that run used. ``artifacts``: ``project/name:v3``; ``models``:
        ``name:3`` or ``name@alias``."""

    @abc.abstractmethod
    def create_automation(
        self,
        *,
        model: str | None,
        name: str,
        events: Sequence[str],
        url: str,
        secret: str | None = None,
    ) -> Automation: ...

    @abc.abstractmethod
    def list_automations(self, model: str | None = None) -> list[Automation]: ...

    @abc.abstractmethod
    def set_automation_enabled(self, automation_id: int, enabled: bool) -> Automation: ...

    @abc.abstractmethod
    def delete_automation(self, automation_id: int) -> None: ...

    @abc.abstractmethod
    def deliveries(self, automation_id: int) -> list[Delivery]: ...
