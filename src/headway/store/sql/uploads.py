"""Upload sessions, resumable multipart uploads and the bookkeeping of garbage collection.

An upload session lists the digests a client is about to rely on; while it is open, gc
keeps those blobs. gc itself tombstones a batch of unreferenced digests in one
transaction (re-checking that nothing references them), deletes the blobs, then clears
the tombstones; a session that needs a tombstoned digest is told to retry, so a blob is
never deleted after a client was told it exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from headway.errors import AlreadyExists, NotFound, Unavailable
from headway.store.sql import runs as run_rows
from headway.store.sql.engine import Database
from headway.store.sql.models_artifacts import (
    ArtifactFileRow,
    ArtifactVersionRow,
    BlobTombstoneRow,
    BlobUploadRow,
    UploadSessionRow,
)
from headway.store.sql.models_mlflow import MlflowFileRow
from headway.store.sql.models_monitoring import MonitorFileRow


class UploadRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- sessions -------------------------------------------------------------------------
    def open_session(
        self,
        session_id: str,
        project: str,
        digests: Sequence[str],
        now: datetime,
        expires: datetime,
    ) -> None:
        def work(s: Session) -> None:
            project_row = run_rows.ensure_project(s, project, now)
            busy = list(
                s.scalars(
                    select(BlobTombstoneRow.digest).where(
                        BlobTombstoneRow.digest.in_(list(digests))
                    )
                )
            )
            if busy:
                raise Unavailable(
                    f"garbage collection is removing {len(busy)} blob(s) this upload needs; "
                    "retry in a moment",
                    details={"retry_after": 1.0},
                )
            s.add(
                UploadSessionRow(
                    id=session_id,
                    project_id=project_row.id,
                    digests=sorted(set(digests)),
                    created_at=now,
                    expires_at=expires,
                )
            )

        try:
            self.db.retry_write(work)
        except AlreadyExists:  # the project was created concurrently; it exists now
            self.db.retry_write(work)

    def set_missing(self, session_id: str, missing: Sequence[str]) -> None:
        def work(s: Session) -> None:
            s.execute(
                update(UploadSessionRow)
                .where(UploadSessionRow.id == session_id)
                .values(missing=sorted(missing))
            )

        self.db.retry_write(work)

    def session_missing(self, session_id: str) -> set[str] | None:
        """Digests missing when the session opened; None if not recorded."""
        with self.db.read() as s:
            row = s.get(UploadSessionRow, session_id)
            return None if row is None or row.missing is None else set(row.missing)

    def session_digests(self, session_id: str) -> set[str]:
        with self.db.read() as s:
            row = s.get(UploadSessionRow, session_id)
            if row is None:
                raise NotFound(
                    f"upload session {session_id!r} does not exist (it expired or was "
                    "committed); start the upload again"
                )
            return set(row.digests)

    def touch_session(self, session_id: str, expires: datetime) -> None:
        def work(s: Session) -> None:
            s.execute(
                update(UploadSessionRow)
                .where(UploadSessionRow.id == session_id)
                .values(expires_at=expires)
            )

        self.db.retry_write(work)

    def expire_sessions(self, now: datetime) -> int:
        def work(s: Session) -> int:
            result = s.execute(delete(UploadSessionRow).where(UploadSessionRow.expires_at < now))
            return int(result.rowcount)  # type: ignore[attr-defined]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    # -- multipart ------------------------------------------------------------------------
    def multipart(self, digest: str) -> tuple[str, int] | None:
        with self.db.read() as s:
            row = s.get(BlobUploadRow, digest)
            return None if row is None else (row.upload_id, int(row.part_size))

    def save_multipart(self, digest: str, upload_id: str, part_size: int, now: datetime) -> None:
        def work(s: Session) -> None:
            s.execute(delete(BlobUploadRow).where(BlobUploadRow.digest == digest))
            s.add(
                BlobUploadRow(
                    digest=digest, upload_id=upload_id, part_size=part_size, created_at=now
                )
            )

        self.db.retry_write(work)

    def forget_multipart(self, digest: str) -> None:
        self.db.retry_write(
            lambda s: s.execute(delete(BlobUploadRow).where(BlobUploadRow.digest == digest))
        )

    def stale_multiparts(self, before: datetime) -> list[tuple[str, str]]:
        with self.db.read() as s:
            return [
                (d, u)
                for d, u in s.execute(
                    select(BlobUploadRow.digest, BlobUploadRow.upload_id).where(
                        BlobUploadRow.created_at < before
                    )
                )
            ]

    # -- gc -------------------------------------------------------------------------------
    def referenced_digests(
        self, *, also_release_deleted_before: datetime | None = None
    ) -> set[str]:
        """Digests of unpurged versions (live or deleted) and of open upload sessions.

        Deleted versions are released by ``purge_deleted`` first, so a restore stays
        possible until gc runs with a retention that covers them. A dry run, which purges
        nothing, passes the cut-off instead to see what a real run would release.
        """
        with self.db.read() as s:
            stmt = (
                select(ArtifactFileRow.digest)
                .join(ArtifactVersionRow, ArtifactVersionRow.id == ArtifactFileRow.version_id)
                .where(ArtifactFileRow.digest.is_not(None), ArtifactVersionRow.purged_at.is_(None))
                .distinct()
            )
            if also_release_deleted_before is not None:
                stmt = stmt.where(
                    or_(
                        ArtifactVersionRow.deleted_at.is_(None),
                        ArtifactVersionRow.deleted_at >= also_release_deleted_before,
                    )
                )
            held = set(s.scalars(stmt))
            for digests in s.scalars(select(UploadSessionRow.digests)):
                held.update(digests)
            # Files MLflow clients wrote through the artifact proxy (store/sql/mlflow.py).
            held.update(s.scalars(select(MlflowFileRow.digest).distinct()))
            # Inference files of monitors (store/sql/monitoring.py).
            held.update(s.scalars(select(MonitorFileRow.digest).distinct()))
            return {d for d in held if d}

    def purge_deleted(self, deleted_before: datetime, now: datetime, *, dry_run: bool) -> int:
        def work(s: Session) -> int:
            cond = (
                ArtifactVersionRow.deleted_at.is_not(None),
                ArtifactVersionRow.deleted_at < deleted_before,
                ArtifactVersionRow.purged_at.is_(None),
            )
            if dry_run:
                return len(list(s.scalars(select(ArtifactVersionRow.id).where(*cond))))
            result = s.execute(update(ArtifactVersionRow).where(*cond).values(purged_at=now))
            return int(result.rowcount)  # type: ignore[attr-defined]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def tombstone(self, candidates: Iterable[str], now: datetime) -> list[str]:
        """Tombstone the candidates still unreferenced, in one transaction; returns them."""
        wanted = sorted(set(candidates))

        def work(s: Session) -> list[str]:
            if not wanted:
                return []
            still = set(
                s.scalars(
                    select(ArtifactFileRow.digest)
                    .join(ArtifactVersionRow, ArtifactVersionRow.id == ArtifactFileRow.version_id)
                    .where(
                        ArtifactFileRow.digest.in_(wanted), ArtifactVersionRow.purged_at.is_(None)
                    )
                )
            )
            for digests in s.scalars(select(UploadSessionRow.digests)):
                still.update(digests)
            still.update(
                s.scalars(select(MlflowFileRow.digest).where(MlflowFileRow.digest.in_(wanted)))
            )
            still.update(
                s.scalars(select(MonitorFileRow.digest).where(MonitorFileRow.digest.in_(wanted)))
            )
            chosen = [d for d in wanted if d not in still]
            for d in chosen:
                s.merge(BlobTombstoneRow(digest=d, at=now))
            return chosen

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def clear_tombstones(self, digests: Sequence[str]) -> None:
        if digests:
            self.db.retry_write(
                lambda s: s.execute(
                    delete(BlobTombstoneRow).where(BlobTombstoneRow.digest.in_(list(digests)))
                )
            )
