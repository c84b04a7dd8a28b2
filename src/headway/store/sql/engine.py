"""Engines and transactions, and the one place SQL errors become Headway errors."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from headway.errors import AlreadyExists, HeadwayError, InvalidArgument, StorageError
from headway.store.sql.checkpoint import Checkpointer

_WRITE_OPTION = "headway_write"
#: Execution options for a connection that will write: on SQLite it takes the write lock
#: at BEGIN, so concurrent writers queue on busy_timeout instead of deadlocking.
WRITE = {_WRITE_OPTION: True}
_LOCK_RETRIES = 8


def make_engine(url: str) -> Engine:
    """An engine tuned for Headway: SQLite in WAL mode with writes that wait, not fail."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": 60, "check_same_thread": False},
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
        )
        _tune_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=16)
    raise InvalidArgument(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
        "use sqlite:///path/headway.db or postgresql+psycopg://user@host/db"
    )


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Autocommit at the driver level so that we, not pysqlite, issue BEGIN: writers
        # take the lock up front (BEGIN IMMEDIATE) instead of failing on upgrade.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # busy_timeout first: switching a new file to WAL takes a lock other processes
        # starting at the same moment must wait for, not fail on.
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA cache_size=-65536")
        # Checkpoints run on a thread of their own (store/sql/checkpoint.py), not inside
        # whichever commit happens to grow the log past 4 MB.
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.execute(f"PRAGMA journal_size_limit={16 * 1024 * 1024}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "deadlock detected" in text or "busy" in text


class Database:
    """Sessions with SQL errors translated into the Headway error tree."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time, and a writer waiting on busy_timeout polls
        # with sleeps of up to 100 ms, oversleeping the lock's release: with four
        # threads writing, that alone put the p99 of a batch past 100 ms. Threads of
        # this process therefore queue on a lock that wakes the next one at once;
        # busy_timeout is left to arbitrate between processes.
        self._write_lock = (
            threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )
        self.checkpointer = _checkpointer_for(engine, self._write_lock)
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(
            engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self._translate(), self._reads() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction. Lock waits are retried, so callers never see 'locked'.

        The body may run more than once on a lock timeout, so it must not have side
        effects outside the session.
        """
        if self.checkpointer is not None:
            self.checkpointer.ensure_started()
        with self._write_lock, self._translate(), self._writes() as session, session.begin():
            yield session
        if self.checkpointer is not None:
            self.checkpointer.relieve()

    def retry_write(self, fn: Any) -> Any:
        """Run ``fn(session)`` in a write transaction, retrying lock timeouts."""
        for attempt in range(_LOCK_RETRIES):
            try:
                with self.write() as session:
                    return fn(session)
            except StorageError as exc:
                if not exc.details.get("locked") or attempt == _LOCK_RETRIES - 1:
                    raise
                time.sleep(0.05 * (2**attempt) * (1 + random.random()))
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except HeadwayError:
            raise
        except IntegrityError as exc:
            raise AlreadyExists(f"conflicts with stored data: {exc.orig}") from exc
        except OperationalError as exc:
            raise StorageError(
                f"database error: {exc.orig}", details={"locked": _is_lock_error(exc)}
            ) from exc
        except SQLAlchemyError as exc:
            raise StorageError(f"database error: {exc}") from exc

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()


def _checkpointer_for(engine: Engine, write_lock: Any) -> Checkpointer | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return Checkpointer(Path(database), write_lock=write_lock)
