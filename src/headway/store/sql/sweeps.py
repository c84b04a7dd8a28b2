"""Rows of sweeps and their trials. The rules (what a trial may become) live in
``headway.sweeps.service``; this module only guarantees that concurrent writers cannot
number two trials alike nor claim one twice."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from headway.errors import NotFound
from headway.store.sql.engine import Database
from headway.store.sql.models import ProjectRow
from headway.store.sql.models_sweeps import SweepRow, SweepTrialRow
from headway.store.sql.runs import ensure_project, utc

#: Intermediate values kept per trial; later steps replace the oldest beyond it.
MAX_INTERMEDIATE = 10_000


@dataclass(frozen=True)
class StoredSweep:
    id: str
    project: str
    name: str
    config: dict[str, Any]
    state: str
    message: str
    version: int
    study_attrs: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredTrial:
    sweep_id: str
    number: int
    state: str
    searched: dict[str, Any]
    config: dict[str, Any]
    system_attrs: dict[str, Any]
    values: list[float | None] | None
    intermediate: dict[int, float]
    run_id: str | None
    agent: str | None
    retry_of: int | None
    attempt: int
    message: str
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


def _sweep(row: SweepRow, project: str, counts: dict[str, int] | None = None) -> StoredSweep:
    return StoredSweep(
        id=row.id,
        project=project,
        name=row.name,
        config=dict(row.config),
        state=row.state,
        message=row.message,
        version=row.version,
        study_attrs=dict(row.study_attrs or {}),
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        updated_at=utc(row.updated_at),  # type: ignore[arg-type]
        counts=counts or {},
    )


def _trial(row: SweepTrialRow) -> StoredTrial:
    return _trial_of({c.name: getattr(row, c.name) for c in SweepTrialRow.__table__.c})


#: First half of the advisory-lock id of a sweep's decisions (the second: its hash).
_DECIDE_LOCK = 0x73777070  # "swpp"


def _trial_of(r: Any) -> StoredTrial:
    """A trial from a plain row's mapping (``intermediate`` may be left out)."""
    inter = r.get("intermediate")
    return StoredTrial(
        sweep_id=r["sweep_id"],
        number=int(r["number"]),
        state=r["state"],
        searched=dict(r["searched"] or {}),
        config=dict(r["config"] or {}),
        system_attrs=dict(r["system_attrs"] or {}),
        values=list(r["values"]) if r["values"] is not None else None,
        intermediate={int(k): float(v) for k, v in inter.items()} if inter else {},
        run_id=r["run_id"],
        agent=r["agent"],
        retry_of=r["retry_of"],
        attempt=int(r["attempt"]),
        message=r["message"],
        created_at=utc(r["created_at"]),  # type: ignore[arg-type]
        started_at=utc(r["started_at"]),
        heartbeat_at=utc(r["heartbeat_at"]),
        finished_at=utc(r["finished_at"]),
    )


class SweepRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextlib.contextmanager
    def deciding(self, sweep_id: str) -> Iterator[None]:
        """Held while one process chooses a sweep's next trial, so processes sharing the
        store decide one after the other instead of sampling from the same view and
        throwing the losers' samples away (the compare-and-set on insert still guards
        correctness if a lock is lost). SQLite: a lock file beside the database (every
        process of a SQLite store is on its machine); PostgreSQL: an advisory lock."""
        engine = self.db.engine
        if engine.dialect.name == "postgresql":
            key = zlib.crc32(sweep_id.encode()) - 2**31
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:a, :b)"), {"a": _DECIDE_LOCK, "b": key})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(
                        text("SELECT pg_advisory_unlock(:a, :b)"), {"a": _DECIDE_LOCK, "b": key}
                    )
                    conn.commit()
            return
        database = engine.url.database
        if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
            yield
            return
        import fcntl

        path = Path(f"{database}.sweep-{sweep_id}.lock")
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- sweeps -----------------------------------------------------------------------------
    def create(
        self,
        sweep_id: str,
        project: str,
        name: str,
        config: dict[str, Any],
        state: str,
        now: datetime,
    ) -> StoredSweep:
        def work(s: Session) -> StoredSweep:
            project_row = ensure_project(s, project, now)
            row = SweepRow(
                id=sweep_id,
                project_id=project_row.id,
                name=name,
                config=config,
                state=state,
                message="",
                version=0,
                study_attrs={},
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return _sweep(row, project)

        result: StoredSweep = self.db.retry_write(work)
        return result

    def _row(self, s: Session, sweep_id: str) -> tuple[SweepRow, str]:
        found = s.execute(
            select(SweepRow, ProjectRow.name)
            .join(ProjectRow, ProjectRow.id == SweepRow.project_id)
            .where(SweepRow.id == sweep_id)
        ).first()
        if found is None:
            raise NotFound(f"sweep {sweep_id!r} does not exist")
        return found[0], found[1]

    def _counts(self, s: Session, sweep_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {i: {} for i in sweep_ids}
        if not sweep_ids:
            return out
        rows = s.execute(
            select(SweepTrialRow.sweep_id, SweepTrialRow.state, func.count())
            .where(SweepTrialRow.sweep_id.in_(list(sweep_ids)))
            .group_by(SweepTrialRow.sweep_id, SweepTrialRow.state)
        )
        for sweep_id, state, count in rows:
            out[sweep_id][state] = int(count)
        return out

    def get(self, sweep_id: str) -> StoredSweep:
        with self.db.read() as s:
            row, project = self._row(s, sweep_id)
            return _sweep(row, project, self._counts(s, [sweep_id])[sweep_id])

    def of_project(self, project: str) -> list[StoredSweep]:
        with self.db.read() as s:
            rows = s.scalars(
                select(SweepRow)
                .join(ProjectRow, ProjectRow.id == SweepRow.project_id)
                .where(ProjectRow.name == project)
                .order_by(SweepRow.created_at.desc(), SweepRow.id)
            ).all()
            counts = self._counts(s, [r.id for r in rows])
            return [_sweep(r, project, counts[r.id]) for r in rows]

    def set_state(
        self,
        sweep_id: str,
        state: str,
        message: str,
        now: datetime,
        only_from: Sequence[str] | None = None,
    ) -> bool:
        """Move the sweep to ``state``; with ``only_from``, only from one of those states."""

        def work(s: Session) -> bool:
            self._row(s, sweep_id)
            stmt = update(SweepRow).where(SweepRow.id == sweep_id)
            if only_from is not None:
                stmt = stmt.where(SweepRow.state.in_(list(only_from)))
            result = s.execute(stmt.values(state=state, message=message, updated_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

        changed: bool = self.db.retry_write(work)
        return changed

    def delete(self, sweep_id: str) -> None:
        def work(s: Session) -> None:
            row, _ = self._row(s, sweep_id)
            s.query(SweepTrialRow).filter(SweepTrialRow.sweep_id == sweep_id).delete()
            s.delete(row)

        self.db.retry_write(work)

    # -- trials -----------------------------------------------------------------------------
    def snapshot(
        self, sweep_id: str, *, intermediate: bool = False
    ) -> tuple[StoredSweep, list[StoredTrial]]:
        """The sweep and all its trials, read in one transaction."""
        with self.db.read() as s:
            row, project = self._row(s, sweep_id)
            # Plain rows, not ORM objects: a decision reads every trial, and the ORM's
            # bookkeeping cost more than the query. Samplers never look at intermediate
            # values, which can be large, so they are read only when asked for.
            columns = [
                c for c in SweepTrialRow.__table__.c if intermediate or c.name != "intermediate"
            ]
            rows = s.execute(
                select(*columns)
                .where(SweepTrialRow.sweep_id == sweep_id)
                .order_by(SweepTrialRow.number)
            ).all()
            trials = [_trial_of(r._mapping) for r in rows]
            counts: dict[str, int] = {}
            for t in trials:
                counts[t.state] = counts.get(t.state, 0) + 1
            return _sweep(row, project, counts), trials

    def get_trial(self, sweep_id: str, number: int) -> StoredTrial:
        with self.db.read() as s:
            return _trial(self._trial_row(s, sweep_id, number))

    def _trial_row(self, s: Session, sweep_id: str, number: int) -> SweepTrialRow:
        row = s.scalar(
            select(SweepTrialRow).where(
                SweepTrialRow.sweep_id == sweep_id, SweepTrialRow.number == number
            )
        )
        if row is None:
            self._row(s, sweep_id)
            raise NotFound(f"sweep {sweep_id!r} has no trial {number}")
        return row

    def insert_trial(
        self,
        sweep_id: str,
        *,
        expected_version: int | None,
        state: str,
        searched: dict[str, Any],
        config: dict[str, Any],
        system_attrs: dict[str, Any],
        study_attrs: dict[str, Any] | None,
        now: datetime,
        agent: str | None = None,
        retry_of: int | None = None,
        attempt: int = 0,
    ) -> StoredTrial | None:
        """Add the next trial; None if ``expected_version`` is no longer the sweep's."""

        def work(s: Session) -> StoredTrial | None:
            stmt = update(SweepRow).where(SweepRow.id == sweep_id)
            if expected_version is not None:
                stmt = stmt.where(SweepRow.version == expected_version)
            values: dict[str, Any] = {"version": SweepRow.version + 1, "updated_at": now}
            if study_attrs is not None:
                values["study_attrs"] = study_attrs
            # The update takes the sweep row's lock, so numbering below is serialised.
            if not s.execute(stmt.values(**values)).rowcount:  # type: ignore[attr-defined]
                return None
            number = s.scalar(
                select(func.coalesce(func.max(SweepTrialRow.number) + 1, 0)).where(
                    SweepTrialRow.sweep_id == sweep_id
                )
            )
            running = state == "running"
            row = SweepTrialRow(
                sweep_id=sweep_id,
                number=int(number or 0),
                state=state,
                searched=searched,
                config=config,
                system_attrs=system_attrs,
                values=None,
                intermediate={},
                run_id=None,
                agent=agent,
                retry_of=retry_of,
                attempt=attempt,
                message="",
                created_at=now,
                started_at=now if running else None,
                heartbeat_at=now if running else None,
                finished_at=None,
            )
            s.add(row)
            s.flush()
            return _trial(row)

        result: StoredTrial | None = self.db.retry_write(work)
        return result

    def claim_queued(self, sweep_id: str, number: int, agent: str, now: datetime) -> bool:
        """Take a queued retry for ``agent``; False if another agent took it first."""

        def work(s: Session) -> bool:
            result = s.execute(
                update(SweepTrialRow)
                .where(
                    SweepTrialRow.sweep_id == sweep_id,
                    SweepTrialRow.number == number,
                    SweepTrialRow.state == "queued",
                )
                .values(state="running", agent=agent, started_at=now, heartbeat_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

        claimed: bool = self.db.retry_write(work)
        return claimed

    def update_trial(
        self,
        sweep_id: str,
        number: int,
        *,
        only_states: Sequence[str] | None = None,
        points: Sequence[tuple[int, float]] = (),
        **fields: Any,
    ) -> tuple[StoredTrial, bool]:
        """Set ``fields`` (and merge intermediate ``points``) if the trial is in one of
        ``only_states``; returns the trial as stored and whether it changed."""

        def work(s: Session) -> tuple[StoredTrial, bool]:
            row = self._trial_row(s, sweep_id, number)
            if only_states is not None and row.state not in only_states:
                return _trial(row), False
            for key, value in fields.items():
                setattr(row, key, value)
            if points:
                merged = dict(row.intermediate or {})
                for step, value in points:
                    merged[str(int(step))] = float(value)
                if len(merged) > MAX_INTERMEDIATE:
                    keep = sorted(merged, key=int)[-MAX_INTERMEDIATE:]
                    merged = {k: merged[k] for k in keep}
                row.intermediate = merged
            s.flush()
            return _trial(row), True

        result: tuple[StoredTrial, bool] = self.db.retry_write(work)
        return result

    def stale_trials(
        self, heartbeat_before: datetime, sweep_id: str | None = None
    ) -> list[tuple[str, int, datetime]]:
        """Running trials (of one sweep, or all) whose last heartbeat is older than
        ``heartbeat_before``."""
        with self.db.read() as s:
            query = (
                select(SweepTrialRow.sweep_id, SweepTrialRow.number, SweepTrialRow.heartbeat_at)
                .where(
                    SweepTrialRow.state == "running",
                    SweepTrialRow.heartbeat_at < heartbeat_before,
                )
                .order_by(SweepTrialRow.sweep_id, SweepTrialRow.number)
            )
            if sweep_id is not None:
                query = query.where(SweepTrialRow.sweep_id == sweep_id)
            rows = s.execute(query).all()
            out: list[tuple[str, int, datetime]] = []
            for sweep_id, number, beat in rows:
                if beat is not None:
                    out.append(
                        (sweep_id, int(number), beat if beat.tzinfo else beat.replace(tzinfo=UTC))
                    )
            return out

    def progress(self, sweep_id: str) -> tuple[StoredSweep, int, int]:
        """The sweep (with counts per state), its first tries (not retries) and its
        active (running or queued) trials: what deciding whether it is over needs,
        without reading every trial."""
        with self.db.read() as s:
            row, project = self._row(s, sweep_id)
            counts = self._counts(s, [sweep_id])[sweep_id]
            first_tries = s.scalar(
                select(func.count()).where(
                    SweepTrialRow.sweep_id == sweep_id, SweepTrialRow.retry_of.is_(None)
                )
            )
            active = counts.get("running", 0) + counts.get("queued", 0)
            return _sweep(row, project, counts), int(first_tries or 0), active

    def config(self, sweep_id: str) -> dict[str, Any]:
        with self.db.read() as s:
            found = s.scalar(select(SweepRow.config).where(SweepRow.id == sweep_id))
            if found is None:
                raise NotFound(f"sweep {sweep_id!r} does not exist")
            return dict(found)
