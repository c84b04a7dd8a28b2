"""The job queue: background work any number of workers take safely.

A job is claimed by moving it to ``running`` with a lease, in one transaction. On
PostgreSQL the claim locks the chosen row with ``FOR UPDATE SKIP LOCKED``, so workers
on several machines never take the same job and never wait on each other; on SQLite the
write transaction itself is exclusive. A worker that dies leaves a lease that expires,
and the job is taken again. Jobs with the same ``key`` never run at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from headway.errors import NotFound
from headway.store.sql.engine import Database
from headway.store.sql.models_monitoring import JobRow
from headway.store.sql.runs import utc

#: A job failing this many times is given up (``failed``) instead of retried.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    state: str
    attempts: int
    run_after: datetime
    created_at: datetime
    finished_at: datetime | None = None
    worker: str | None = None
    error: str | None = None
    result: dict[str, Any] | None = None


#: First half of the advisory-lock id of a job key (the second half is its hash).
_KEY_LOCK = 0x6A6F6273  # "jobs"


def _hold_key(s: Session, row: JobRow, now: datetime) -> bool:
    """On PostgreSQL, whether ``row``'s key is ours to run: no other job of it runs.

    ``SKIP LOCKED`` alone is not enough for one running job per key: two workers claiming
    at the same moment each skip the row the other has locked and take the next job of the
    same key, since neither sees the other's uncommitted ``running`` (two computations of
    one monitor then write duplicate result rows). So a claim also holds a lock on the key
    until it commits, and looks again once it has it: a claim that held the key before us
    has committed by then, and under READ COMMITTED this new statement sees it.
    """
    if not s.scalar(select(func.pg_try_advisory_xact_lock(_KEY_LOCK, func.hashtext(row.key)))):
        return False
    other = s.scalar(
        select(JobRow.id)
        .where(
            JobRow.key == row.key,
            JobRow.state == "running",
            JobRow.lease_until > now,
            JobRow.id != row.id,
        )
        .limit(1)
    )
    return other is None


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        key=row.key,
        payload=dict(row.payload or {}),
        state=row.state,
        attempts=row.attempts,
        run_after=utc(row.run_after),  # type: ignore[arg-type]
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        finished_at=utc(row.finished_at),
        worker=row.worker,
        error=row.error,
        result=dict(row.result or {}),
    )


class JobRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(
        self, kind: str, key: str, payload: dict[str, Any], *, now: datetime, delay: float = 0.0
    ) -> Job:
        """Queue a job, or return the queued one with the same key and payload (a repeat
        request while work is pending adds nothing)."""

        def work(s: Session) -> Job:
            queued = s.scalars(
                select(JobRow).where(JobRow.key == key, JobRow.state == "queued")
            ).all()
            for row in queued:
                if row.kind == kind and row.payload == payload:
                    return _job(row)
            row = JobRow(
                kind=kind,
                key=key,
                payload=payload,
                state="queued",
                run_after=now + timedelta(seconds=delay),
                attempts=0,
                result={},
                created_at=now,
            )
            s.add(row)
            s.flush()
            return _job(row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def claim(
        self, worker: str, *, now: datetime, lease: float, kinds: tuple[str, ...]
    ) -> Job | None:
        """Take the oldest runnable job whose key is not running elsewhere, or None."""

        def work(s: Session) -> Job | None:
            busy = (
                select(JobRow.key)
                .where(JobRow.state == "running", JobRow.lease_until > now)
                .scalar_subquery()
            )
            passed: set[str] = set()
            while True:
                stmt = (
                    select(JobRow)
                    .where(
                        JobRow.kind.in_(kinds),
                        or_(
                            and_(JobRow.state == "queued", JobRow.run_after <= now),
                            and_(JobRow.state == "running", JobRow.lease_until <= now),
                        ),
                        JobRow.key.not_in(busy),
                    )
                    .order_by(JobRow.run_after, JobRow.id)
                    .limit(1)
                )
                if passed:
                    stmt = stmt.where(JobRow.key.not_in(passed))
                if self.db.dialect == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True)
                row = s.scalar(stmt)
                if row is None:
                    return None
                if row.state == "running" and row.attempts >= MAX_ATTEMPTS:
                    # Its workers died holding it (a job that kills its process, e.g. out
                    # of memory): taking it again would kill the next one, forever.
                    row.state = "failed"
                    row.finished_at = now
                    row.lease_until = None
                    row.error = (
                        f"{row.attempts} workers stopped renewing their lease on this job "
                        f"(last: {row.worker}); the job may crash or kill its worker"
                    )
                    s.flush()
                    continue
                if self.db.dialect != "postgresql" or _hold_key(s, row, now):
                    break
                passed.add(row.key)
            row.state = "running"
            row.worker = worker
            row.lease_until = now + timedelta(seconds=lease)
            row.attempts += 1
            s.flush()
            return _job(row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def extend(self, job_id: int, worker: str, *, until: datetime) -> None:
        def work(s: Session) -> None:
            s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.worker == worker, JobRow.state == "running")
                .values(lease_until=until)
            )

        self.db.retry_write(work)

    def finish(
        self,
        job_id: int,
        *,
        now: datetime,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        retry_delay: float = 5.0,
        worker: str | None = None,
    ) -> Job:
        """Record the outcome; with ``worker``, only if that worker still holds the job (a
        worker whose lease ran out must not overwrite the run of the one that took over)."""

        def work(s: Session) -> Job:
            row = s.get(JobRow, job_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no job {job_id}")
            if worker is not None and (row.worker != worker or row.state != "running"):
                return _job(row)
            if error is None:
                row.state = "done"
                row.finished_at = now
                row.result = result or {}
                row.error = None
            elif row.attempts >= MAX_ATTEMPTS:
                row.state = "failed"
                row.finished_at = now
                row.error = error
            else:
                row.state = "queued"
                row.error = error
                row.run_after = now + timedelta(seconds=retry_delay * row.attempts)
            row.lease_until = None
            s.flush()
            return _job(row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def get(self, job_id: int) -> Job:
        with self.db.read() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                raise NotFound(f"no job {job_id}", details={"job": job_id})
            return _job(row)

    def list(self, *, key: str | None = None, limit: int = 100) -> list[Job]:
        with self.db.read() as s:
            stmt = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
            if key is not None:
                stmt = stmt.where(JobRow.key == key)
            return [_job(r) for r in s.scalars(stmt)]
