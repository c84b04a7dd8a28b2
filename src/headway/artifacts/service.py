"""The artifact service: uploads, commits, reads, edits and lineage of versions.

The rules live here: a version is committed only when every blob it names is stored;
identical content is one version; aliases are unique per artifact; a version linked to
the model registry cannot be deleted; every edit is recorded with who and when.
"""

from __future__ import annotations

import itertools
import math
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from headway.artifacts import manifest, names
from headway.artifacts.diff import diff_versions
from headway.artifacts.lineage import walk_lineage
from headway.entities.artifacts import (
    ArtifactCommit,
    ArtifactEvent,
    ArtifactPatch,
    ArtifactSummary,
    ArtifactVersion,
    Direction,
    LineageGraph,
    ManifestEntry,
    UploadPlan,
    UploadTarget,
    VersionDiff,
)
from headway.errors import Conflict, InvalidArgument, NotFound
from headway.store.blobstore import BaseBlobStore, CorruptBlob, is_digest
from headway.store.blobstore.local import LocalBlobStore
from headway.store.sql.store import SqlStore
from headway.tracking import validation as v

SESSION_TTL = timedelta(hours=24)
MAX_DEPTH = 20


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TransferLimits:
    #: Blobs at least this large go in parts.
    multipart_threshold: int
    #: Part size for object stores (presigned) and for parts sent through the API.
    part_size: int
    api_part_size: int


class ArtifactService:
    def __init__(self, store: SqlStore, blobs: BaseBlobStore, limits: TransferLimits) -> None:
        self.store = store
        self.blobs = blobs
        self.limits = limits

    # -- uploads --------------------------------------------------------------------------
    def begin_upload(
        self, project: str, blobs: Sequence[tuple[str, int]], *, direct: bool
    ) -> UploadPlan:
        """Open an upload session for these (digest, size) pairs.

        ``direct`` callers hold the blob store in-process (embedded mode) and write
        missing blobs themselves; others get presigned URLs (object stores) or API part
        URLs (a local folder behind a server). Raises InvalidArgument for a bad digest.
        """
        v.project_name(project)
        sizes: dict[str, int] = {}
        for digest, size in blobs:
            if not is_digest(digest):
                raise InvalidArgument(f"invalid blob digest {digest!r}: expected 64 hex characters")
            if not isinstance(size, int) or size < 0:
                raise InvalidArgument(f"blob {digest}: size must be a non-negative integer")
            sizes[digest] = size
        session_id = secrets.token_hex(16)
        now = now_utc()
        self.store.uploads.open_session(session_id, project, sorted(sizes), now, now + SESSION_TTL)
        missing = self.blobs.missing(sizes)
        self.store.uploads.set_missing(session_id, sorted(missing))
        targets = [self._target(session_id, d, sizes[d], direct) for d in sorted(missing)]
        return UploadPlan(session_id, tuple(targets))

    def _target(self, session_id: str, digest: str, size: int, direct: bool) -> UploadTarget:
        if direct:
            return UploadTarget(digest, size, "store")
        if self.blobs.supports_presign:
            if size < self.limits.multipart_threshold:
                return UploadTarget(digest, size, "put", url=self.blobs.presign_put(digest))
            part_size = self.limits.part_size
        else:
            part_size = self.limits.api_part_size
        upload_id, done = self._resume_or_start(digest, part_size)
        count = max(1, math.ceil(size / part_size))
        urls = {
            n: self._part_url(session_id, digest, upload_id, n)
            for n in range(1, count + 1)
            if n not in done
        }
        return UploadTarget(
            digest,
            size,
            "multipart",
            upload_id=upload_id,
            part_size=part_size,
            parts=urls,
            done_parts=done,
        )

    def _resume_or_start(self, digest: str, part_size: int) -> tuple[str, dict[int, str]]:
        existing = self.store.uploads.multipart(digest)
        if existing is not None and existing[1] == part_size:
            done = self.blobs.list_parts(digest, existing[0])
            if done is not None:
                return existing[0], done
        upload_id = self.blobs.start_multipart(digest)
        self.store.uploads.save_multipart(digest, upload_id, part_size, now_utc())
        return upload_id, {}

    def _part_url(self, session_id: str, digest: str, upload_id: str, number: int) -> str:
        if self.blobs.supports_presign:
            return self.blobs.presign_part(digest, upload_id, number)
        # Relative: the client sends it to the server it talks to.
        return f"/uploads/{session_id}/blobs/{digest}/parts/{number}?upload_id={upload_id}"

    def _check_session_blob(self, session_id: str, digest: str) -> None:
        if digest not in self.store.uploads.session_digests(session_id):
            raise InvalidArgument(f"blob {digest} is not part of upload session {session_id}")
        self.store.uploads.touch_session(session_id, now_utc() + SESSION_TTL)

    def put_blob_file(self, session_id: str, digest: str, path: Any) -> None:
        """Embedded mode: write a blob straight into the store (verified)."""
        self._check_session_blob(session_id, digest)
        self.blobs.put_file(digest, path)

    def put_part(
        self, session_id: str, digest: str, upload_id: str, number: int, chunks: Iterable[bytes]
    ) -> str:
        """A part sent through the API (blob store is a local folder behind a server)."""
        self._check_session_blob(session_id, digest)
        if not 1 <= number <= 10_000:
            raise InvalidArgument(f"part number must be in 1..10000, got {number}")
        known = self.store.uploads.multipart(digest)
        if known is None or known[0] != upload_id:
            raise NotFound(f"upload {upload_id} of blob {digest} does not exist; start again")
        return self.blobs.put_part(upload_id, number, chunks)

    def complete_blob(self, session_id: str, digest: str, parts: dict[int, str]) -> None:
        """Join a multipart upload's parts into the blob."""
        self._check_session_blob(session_id, digest)
        known = self.store.uploads.multipart(digest)
        if known is None:
            if self.blobs.exists(digest):
                return  # another client completed the same content
            raise NotFound(f"no upload in progress for blob {digest}; start again")
        upload_id = known[0]
        if isinstance(self.blobs, LocalBlobStore) or not parts:
            parts = self.blobs.list_parts(digest, upload_id) or {}
        try:
            self.blobs.complete_multipart(digest, upload_id, parts)
        except CorruptBlob:
            # The joined parts do not hash to the digest (the file changed mid-upload):
            # drop them, or every retry would resume from the same bad parts.
            self.blobs.abort_multipart(digest, upload_id)
            self.store.uploads.forget_multipart(digest)
            raise
        self.store.uploads.forget_multipart(digest)

    def abort_blob(self, session_id: str, digest: str) -> None:
        """Drop a blob's multipart upload (its parts are bad or no longer wanted)."""
        self._check_session_blob(session_id, digest)
        known = self.store.uploads.multipart(digest)
        if known is not None:
            self.blobs.abort_multipart(digest, known[0])
            self.store.uploads.forget_multipart(digest)

    def commit(
        self, session_id: str | None, commit: ArtifactCommit, *, actor: str
    ) -> tuple[ArtifactVersion, bool]:
        """Commit a version; returns (version, created). Identical content returns the
        existing version with ``created=False``.

        Raises InvalidArgument for bad names, paths or digests, or if a blob is missing
        from the store; Conflict if the name exists with another type.
        """
        v.project_name(commit.project)
        names.artifact_name(commit.name)
        names.artifact_type(commit.type)
        aliases = names.aliases(list(commit.aliases))
        tags = v.tags(list(commit.tags))
        if commit.run_id is not None:
            v.run_id(commit.run_id)
        entries = manifest.validate(commit.entries)
        needed = manifest.blob_digests(entries)
        if needed:
            if session_id is None:
                raise InvalidArgument("committing stored files needs an upload session")
            held = self.store.uploads.session_digests(session_id)
            outside = needed - held
            if outside:
                raise InvalidArgument(
                    f"{len(outside)} blob(s) of the manifest were not declared in upload "
                    f"session {session_id}, e.g. {sorted(outside)[0]}"
                )
            # Blobs stored when the session opened are still there (the session keeps gc
            # off them); only those that were missing need looking up, which on an object
            # store is one request each.
            unknown = self.store.uploads.session_missing(session_id)
            missing = self.blobs.missing(needed if unknown is None else needed & unknown)
            if missing:
                raise InvalidArgument(
                    f"{len(missing)} blob(s) were never uploaded, e.g. {sorted(missing)[0]}; "
                    "the upload was interrupted: log the artifact again to resume it",
                    details={"missing": sorted(missing)[:100]},
                )
        clean = ArtifactCommit(
            project=commit.project,
            name=commit.name,
            type=commit.type,
            entries=entries,
            description=commit.description,
            metadata=_metadata(commit.metadata),
            aliases=aliases,
            tags=tags,
            run_id=commit.run_id,
        )
        return self.store.artifacts.commit(
            clean,
            manifest.manifest_digest(entries),
            session_id=session_id,
            actor=actor,
            now=now_utc(),
        )

    # -- reads ----------------------------------------------------------------------------
    def resolve(self, project: str, selector: int | str, name: str) -> ArtifactVersion:
        return self.store.artifacts.get_version(project, names.artifact_name(name), selector)

    def get_version(
        self, project: str, name: str, selector: int | str, *, include_deleted: bool = False
    ) -> ArtifactVersion:
        v.project_name(project)
        names.artifact_name(name)
        return self.store.artifacts.get_version(
            project, name, selector, include_deleted=include_deleted
        )

    def list_artifacts(self, project: str, type: str | None = None) -> list[ArtifactSummary]:
        v.project_name(project)
        return self.store.artifacts.list_artifacts(project, type)

    def list_versions(
        self, project: str, name: str, *, include_deleted: bool = False
    ) -> list[ArtifactVersion]:
        return self.store.artifacts.list_versions(
            v.project_name(project), names.artifact_name(name), include_deleted=include_deleted
        )

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
        return self.store.artifacts.files(
            project, name, version, prefix=prefix, limit=limit, offset=offset
        )

    def events(self, project: str, name: str) -> list[ArtifactEvent]:
        return self.store.artifacts.events(project, name)

    def blob_chunks(self, digest: str) -> Iterator[bytes]:
        if not is_digest(digest):
            raise InvalidArgument(f"invalid blob digest {digest!r}")
        chunks = self.blobs.iter_chunks(digest)
        # Opening happens at the first chunk: do it now, so a missing blob is a NotFound
        # before a response starts, not a broken stream.
        first = next(chunks, b"")
        return itertools.chain([first], chunks)

    def blob_url(self, digest: str) -> str | None:
        """A presigned download URL when the store has them, else None (use the API)."""
        if not is_digest(digest):
            raise InvalidArgument(f"invalid blob digest {digest!r}")
        return self.blobs.presign_get(digest) if self.blobs.supports_presign else None

    # -- edits ----------------------------------------------------------------------------
    def update(
        self, project: str, name: str, version: int, patch: ArtifactPatch, *, actor: str
    ) -> ArtifactVersion:
        clean = ArtifactPatch(
            description=patch.description,
            metadata=None if patch.metadata is None else _metadata(patch.metadata),
            tags=None if patch.tags is None else v.tags(list(patch.tags)),
            add_aliases=names.aliases(list(patch.add_aliases)),
            remove_aliases=tuple(names.alias(a) for a in patch.remove_aliases),
        )
        return self.store.artifacts.update(
            project, name, version, clean, actor=actor, now=now_utc()
        )

    def delete(self, project: str, name: str, version: int, *, actor: str) -> ArtifactVersion:
        vid = self.store.artifacts.version_id(project, name, version)
        if self.store.registry.models_linking(vid):
            models = ", ".join(self.store.registry.models_linking(vid))
            raise Conflict(
                f"{name}:v{version} is a version of registered model(s) {models}; "
                "it cannot be deleted while the registry points at it"
            )
        return self.store.artifacts.set_deleted(
            project, name, version, True, actor=actor, now=now_utc()
        )

    def restore(self, project: str, name: str, version: int, *, actor: str) -> ArtifactVersion:
        return self.store.artifacts.set_deleted(
            project, name, version, False, actor=actor, now=now_utc()
        )

    # -- lineage --------------------------------------------------------------------------
    def use(self, run_id: str, project: str, name: str, selector: int | str) -> ArtifactVersion:
        """Record that a run used a version (input lineage) and return it."""
        v.run_id(run_id)
        version = self.get_version(project, name, selector)
        vid = self.store.artifacts.version_id(project, name, version.version)
        self.store.artifacts.use(run_id, vid, now_utc())
        return version

    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersion]]:
        """A run's inputs and outputs."""
        edges = self.store.lineage.edges_of_runs([v.run_id(run_id)])
        versions = self.store.artifacts.versions_by_ids([e[1] for e in edges])
        out: dict[str, list[ArtifactVersion]] = {"inputs": [], "outputs": []}
        for _run, vid, direction in edges:
            if vid in versions:
                out["inputs" if direction == "input" else "outputs"].append(versions[vid])
        for group in out.values():
            group.sort(key=lambda a: (a.name, a.version))
        return out

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
        if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
            raise InvalidArgument(f"depth must be an integer in 1..{MAX_DEPTH}, got {depth!r}")
        direction = Direction(direction)
        if run_id is not None:
            self.store.get_run(v.run_id(run_id))
            return walk_lineage(self.store, run_id=run_id, direction=direction, depth=depth)
        if project is None or name is None or version is None:
            raise InvalidArgument("lineage needs a run id, or a project, artifact and version")
        vid = self.store.artifacts.version_id(project, name, version)
        return walk_lineage(self.store, version_id=vid, direction=direction, depth=depth)

    def diff(
        self, project: str, name: str, old: int, new: int, *, new_name: str | None = None
    ) -> VersionDiff:
        a = self.get_version(project, name, old, include_deleted=True)
        b = self.get_version(project, new_name or name, new, include_deleted=True)
        return diff_versions(
            a,
            b,
            self.files(project, name, old),
            self.files(project, new_name or name, new),
        )


def _metadata(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"metadata must be a dict, got {type(value).__name__}")
    try:
        return v.config_tree(value)
    except InvalidArgument as exc:
        raise InvalidArgument(f"metadata: {exc.message}") from None
