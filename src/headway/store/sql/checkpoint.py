"""Moving SQLite's write-ahead log into the database file off the writers' path.

By default SQLite checkpoints inside the commit that grows the log past 4 MB, and with
``synchronous=NORMAL`` a checkpoint syncs the log and the database file to disk: one
batch in every few then held the single writer lock for tens of milliseconds longer,
which was most of a busy server's p99 batch latency. Headway's connections turn the
automatic checkpoint off, and each process that opens a store file runs this thread,
which checkpoints in PASSIVE mode (never waiting on, nor blocking, readers and writers)
once the log has grown past a threshold. Closing the last connection still checkpoints
and removes the log, as SQLite always does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import struct
import sys
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Log size that triggers a checkpoint, about SQLite's own default of 1,000 pages.
THRESHOLD_BYTES = 4 * 1024 * 1024
#: How often the thread looks at the log (one read of 100 bytes).
INTERVAL_S = 0.25
#: Log size at which a writer checkpoints itself, after its commit. The thread normally
#: keeps the log far below this; on a starved machine (a busy CI box, a laptop on
#: battery) the thread may not be scheduled for seconds while writers never pause, and
#: the log, and every reader's cost of scanning it, would grow without bound.
BACKSTOP_BYTES = 4 * THRESHOLD_BYTES
#: The wal-index header (two copies of 48 bytes) and the checkpoint info after it.
_SHM_HEADER_BYTES = 100
_FRAME_HEADER_BYTES = 24


# POSIX record locks belong to a process and a file, and closing *any* descriptor of the
# file drops all of them: opening the -shm file to read its header and closing it again
# released the shared lock SQLite's connections in this process hold on it. Another
# process then believed it was alone, reset the wal-index under them (SIGBUS in the
# readers, committed transactions lost). So each -shm file is opened once per process and
# its descriptor never closed; a store removed and created again gets a new descriptor.
_shm_fds: dict[Path, tuple[int, int]] = {}
_shm_lock = threading.Lock()


def _read_shm_header(shm: Path) -> bytes:
    try:
        inode = os.stat(shm).st_ino  # stat opens nothing, so it releases no lock
    except OSError:
        return b""  # no log yet, or the store was removed
    with _shm_lock:
        known = _shm_fds.get(shm)
        if known is None or known[1] != inode:
            try:
                fd = os.open(shm, os.O_RDONLY)
            except OSError:
                return b""
            # A replaced file's old descriptor stays open too: closing it could only
            # drop locks on a file nobody uses, but it is not worth the reasoning.
            _shm_fds[shm] = known = (fd, os.fstat(fd).st_ino)
        fd = known[0]
    try:
        return os.pread(fd, _SHM_HEADER_BYTES, 0)
    except OSError:
        return b""


class Checkpointer:
    """A daemon thread checkpointing ``database``'s WAL when it passes ``threshold``.

    ``write_lock`` is the lock this process's writers take (see ``engine.Database``).
    """

    def __init__(
        self,
        database: Path,
        *,
        write_lock: AbstractContextManager[Any] | None = None,
        threshold: int = THRESHOLD_BYTES,
        interval: float = INTERVAL_S,
        backstop: int = BACKSTOP_BYTES,
    ) -> None:
        self.database = database
        self.write_lock = write_lock if write_lock is not None else contextlib.nullcontext()
        self.shm = database.with_name(database.name + "-shm")
        self.threshold = threshold
        self.interval = interval
        self.backstop = backstop
        self.checkpoints = 0
        self.backstops = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def ensure_started(self) -> None:
        """Start the thread once, on the first write (readers never need it)."""
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._loop, name="headway-sqlite-checkpoint", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def checkpoint_if_due(self) -> bool:
        """Checkpoint now if the log holds more than the threshold; True when one ran."""
        if self.pending_bytes() < self.threshold:
            return False
        self.checkpoint()
        return True

    def relieve(self) -> None:
        """Called by a writer after its commit: checkpoint inline if the thread fell behind.

        Costs one 100-byte read per commit when the log is below the backstop.
        """
        if self.pending_bytes() >= self.backstop:
            self.backstops += 1
            self.checkpoint()

    def pending_bytes(self) -> int:
        """Bytes of log not yet copied into the database file, read from the wal-index.

        The log file's size says nothing once the log restarts and is overwritten from its
        start, so this reads ``mxFrame`` and ``nBackfill`` from the shared-memory file,
        whose layout is part of SQLite's documented file format (walformat.html).
        """
        head = _read_shm_header(self.shm)
        if len(head) < _SHM_HEADER_BYTES:
            return 0
        order = "<" if sys.byteorder == "little" else ">"
        page_size, frames = struct.unpack_from(order + "HI", head, 14)
        (backfilled,) = struct.unpack_from(order + "I", head, 96)
        page_bytes = 65536 if page_size == 1 else int(page_size)
        return max(int(frames) - int(backfilled), 0) * (page_bytes + _FRAME_HEADER_BYTES)

    def checkpoint(self) -> None:
        try:
            conn = sqlite3.connect(self.database, timeout=5, isolation_level=None)
        except sqlite3.Error:
            logger.debug("cannot open %s to checkpoint", self.database, exc_info=True)
            return
        try:
            # The bulk of the copy and its sync run while writers go on. Writers that
            # never pause would then keep the log from restarting (a writer restarts it
            # only when it begins right after a complete checkpoint), so the frames they
            # appended meanwhile are copied with this process's writers held back.
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            with self.write_lock:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error:
            # Another process is checkpointing (or the file went away): try next time.
            logger.debug("checkpoint of %s skipped", self.database, exc_info=True)
        finally:
            conn.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.checkpoint_if_due()
