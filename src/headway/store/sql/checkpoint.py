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

import logging
import os
import sqlite3
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

#: Log size that triggers a checkpoint, about SQLite's own default of 1,000 pages.
THRESHOLD_BYTES = 4 * 1024 * 1024
#: How often the thread looks at the log's size (one ``stat``).
INTERVAL_S = 0.25


class Checkpointer:
    """A daemon thread checkpointing ``database``'s WAL when it passes ``threshold``."""

    def __init__(
        self,
        database: Path,
        *,
        threshold: int = THRESHOLD_BYTES,
        interval: float = INTERVAL_S,
    ) -> None:
        self.database = database
        self.wal = database.with_name(database.name + "-wal")
        self.threshold = threshold
        self.interval = interval
        self.checkpoints = 0
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
        """Checkpoint now if the log is past the threshold; True when one ran."""
        try:
            size = os.stat(self.wal).st_size
        except OSError:
            return False  # no log yet, or the store was removed
        if size < self.threshold:
            return False
        self.checkpoint()
        return True

    def checkpoint(self) -> None:
        try:
            conn = sqlite3.connect(self.database, timeout=5, isolation_level=None)
        except sqlite3.Error:
            logger.debug("cannot open %s to checkpoint", self.database, exc_info=True)
            return
        try:
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
