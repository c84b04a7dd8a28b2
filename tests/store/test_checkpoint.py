"""The WAL is checkpointed by a thread of its own, never inside a writer's commit."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from headway.store.sql.engine import Database, make_engine

ROWS = 2_000
BLOB = b"x" * 4096  # about 8 MB in all: twice SQLite's own checkpoint threshold


def _fill(db: Database) -> None:
    with db.write() as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b BLOB)"))
    for start in range(0, ROWS, 500):
        with db.write() as s:
            s.execute(
                text("INSERT INTO t (b) VALUES (:b)"),
                [{"b": BLOB} for _ in range(start, start + 500)],
            )


def _rows_in_main_file(path: Path, tmp: Path) -> int:
    """Rows visible from the database file alone, as if the log were lost."""
    copy = tmp / "copy.db"
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy)
    try:
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    except sqlite3.OperationalError:  # the table itself is still only in the log
        return 0
    finally:
        conn.close()


def test_commits_do_not_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    assert db.checkpointer is not None
    db.checkpointer.threshold = 1 << 40  # the thread never finds it due
    _fill(db)
    assert (tmp_path / "h.db-wal").stat().st_size > 4 * 1024 * 1024
    assert _rows_in_main_file(path, tmp_path) == 0
    db.dispose()


def test_checkpoint_moves_the_log_into_the_file(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    assert db.checkpointer is not None
    db.checkpointer.threshold = 1 << 40
    _fill(db)
    assert db.checkpointer.pending_bytes() > 4 * 1024 * 1024
    db.checkpointer.threshold = 1024
    assert db.checkpointer.checkpoint_if_due()
    assert db.checkpointer.pending_bytes() == 0
    assert not db.checkpointer.checkpoint_if_due()
    assert _rows_in_main_file(path, tmp_path) == ROWS
    db.dispose()


def test_the_thread_checkpoints_while_writers_go_on(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    assert db.checkpointer is not None
    db.checkpointer.interval = 0.02
    _fill(db)
    deadline = time.monotonic() + 10
    while db.checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert db.checkpointer.checkpoints >= 1
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == ROWS
    db.dispose()


def test_no_thread_for_an_in_memory_database() -> None:
    assert Database(make_engine("sqlite://")).checkpointer is None


def test_the_log_stays_bounded_under_writers_that_never_pause(tmp_path: Path) -> None:
    """Even when the thread is never scheduled (a starved machine), writers bound the log."""
    path = tmp_path / "h.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    assert db.checkpointer is not None
    db.checkpointer.interval = 3600  # the thread never looks: only the backstop acts
    with db.write() as s:
        s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)"))
    largest = 0
    for _ in range(120):  # about 60 MB written back to back
        with db.write() as s:
            s.execute(text("INSERT INTO t (b) VALUES (:b)"), [{"b": BLOB} for _ in range(125)])
        largest = max(largest, (tmp_path / "h.db-wal").stat().st_size)
    assert db.checkpointer.backstops >= 2
    assert largest < db.checkpointer.backstop + 2 * 125 * len(BLOB)
    db.dispose()


def test_reading_the_log_index_keeps_this_process_locks(tmp_path: Path) -> None:
    """Regression: opening and closing the -shm file to read it dropped SQLite's POSIX locks
    of every connection in the process; another process then reset the wal-index under
    them (bus errors, lost commits)."""
    import sqlite3
    import subprocess
    import sys

    from headway.store.sql.checkpoint import Checkpointer

    db = tmp_path / "x.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    probe = (
        "import fcntl, os, sys\n"
        f"fd = os.open({str(db) + '-shm'!r}, os.O_RDWR)\n"
        "try:\n"
        "    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)\n"
        "    print('free')\n"
        "except OSError:\n"
        "    print('held')\n"
    )

    def dms_lock() -> str:
        return subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert dms_lock() == "held"  # SQLite's "a connection is using this log" lock
    checkpointer = Checkpointer(db)
    for _ in range(3):
        checkpointer.pending_bytes()
    assert dms_lock() == "held"
    conn.close()
