"""Garbage collection of blobs: safe while uploads and commits are running.

1. Expired upload sessions are dropped and stale multipart uploads aborted.
2. Versions deleted longer ago than the retention are marked purged (no restore).
3. Blobs no unpurged version and no open session references, and older than the grace
   period, are deleted in batches: each batch is tombstoned in one transaction that
   re-checks the references, so a session that starts meanwhile either protects the blob
   first or is told to retry until the tombstone is gone.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from headway.entities.artifacts import GcReport
from headway.errors import NotFound
from headway.store.blobstore import BaseBlobStore
from headway.store.sql.store import SqlStore

_BATCH = 500


def collect_garbage(
    store: SqlStore,
    blobs: BaseBlobStore,
    *,
    grace: timedelta = timedelta(hours=1),
    deleted_retention: timedelta = timedelta(0),
    dry_run: bool = False,
    now: datetime | None = None,
) -> GcReport:
    now = now or datetime.now(UTC)
    expired = 0
    if not dry_run:
        expired = store.uploads.expire_sessions(now)
        for digest, upload_id in store.uploads.stale_multiparts(now - timedelta(days=2)):
            with contextlib.suppress(NotFound):
                blobs.abort_multipart(digest, upload_id)
            store.uploads.forget_multipart(digest)
    purged = store.uploads.purge_deleted(now - deleted_retention, now, dry_run=dry_run)
    referenced = store.uploads.referenced_digests(
        also_release_deleted_before=(now - deleted_retention) if dry_run else None
    )
    kept_recent = 0
    doomed: list[tuple[str, int]] = []
    for blob in blobs.iter_blobs():
        if blob.digest in referenced:
            continue
        if blob.modified > now - grace:
            kept_recent += 1  # maybe an upload whose session has not been opened yet
            continue
        doomed.append((blob.digest, blob.size))
    deleted, freed = 0, 0
    if dry_run:
        return GcReport(len(doomed), sum(s for _d, s in doomed), purged, expired, kept_recent, True)
    sizes = dict(doomed)
    for i in range(0, len(doomed), _BATCH):
        batch = [d for d, _s in doomed[i : i + _BATCH]]
        chosen = store.uploads.tombstone(batch, now)
        try:
            for digest in chosen:
                blobs.delete(digest)
                deleted += 1
                freed += sizes[digest]
        finally:
            store.uploads.clear_tombstones(chosen)
    return GcReport(deleted, freed, purged, expired, kept_recent, False)
