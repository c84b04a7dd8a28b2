"""Logging an artifact: hash files in parallel, upload only missing blobs, commit.

Hashing is the whole cost of re-logging unchanged content: the backend answers that
every blob is already stored, nothing is uploaded, and the commit returns the existing
version.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from headway.backend.base import BaseBackend
from headway.entities.artifacts import ArtifactCommit, ArtifactVersion, ManifestEntry
from headway.errors import Unavailable
from headway.sdk.artifacts.builder import Artifact
from headway.store.blobstore.digest import digest_file

#: Hashing threads: BLAKE3 releases the GIL, and large files use several threads each.
HASH_WORKERS = min(8, (os.cpu_count() or 2))
_RETRIES = 20


def hash_files(paths: Sequence[Path]) -> list[tuple[str, int]]:
    if len(paths) <= 1:
        return [digest_file(p) for p in paths]
    with ThreadPoolExecutor(HASH_WORKERS) as pool:
        return list(pool.map(digest_file, paths))


def log_artifact(
    backend: BaseBackend,
    project: str,
    artifact: Artifact,
    *,
    run_id: str | None,
    aliases: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> tuple[ArtifactVersion, bool]:
    """Upload and commit; returns (version, created)."""
    staged = artifact.staged()
    stored = {path: item.source for path, item in staged.items() if item.source is not None}
    digests = hash_files(list(stored.values()))
    entries: list[ManifestEntry] = []
    files: dict[str, Path] = {}
    for (path, source), (digest, size) in zip(stored.items(), digests, strict=True):
        entries.append(ManifestEntry(path, size, digest))
        files[digest] = source
    entries.extend(item.entry for item in staged.values() if item.entry is not None)
    blobs = sorted({(e.digest, e.size) for e in entries if e.ref is None and e.digest is not None})
    session: str | None = None
    if blobs:
        plan = _retrying(lambda: backend.artifacts.begin_upload(project, blobs))
        session = plan.session_id
        if plan.missing:
            backend.artifacts.upload(plan, files)
    commit = ArtifactCommit(
        project=project,
        name=artifact.name,
        type=artifact.type,
        entries=tuple(entries),
        description=artifact.description,
        metadata=artifact.metadata,
        aliases=tuple(aliases),
        tags=tuple(tags),
        run_id=run_id,
    )
    return backend.artifacts.commit(session, commit)


def _retrying(fn: Any) -> Any:
    # Only the gc tombstone race answers Unavailable with a retry hint; wait it out.
    for attempt in range(_RETRIES):
        try:
            return fn()
        except Unavailable as exc:
            if "retry_after" not in exc.details or attempt == _RETRIES - 1:
                raise
            time.sleep(float(exc.details["retry_after"]))
    raise AssertionError("unreachable")
