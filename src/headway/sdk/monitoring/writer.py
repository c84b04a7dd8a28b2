"""The monitor's background writer: ordered, batched, spooled to disk, never raising.

``Monitor.log`` validates a batch (cheap, vectorised) and hands it over; this thread
merges batches up to ``flush_rows`` rows, writes each merged batch to the spool (an Arrow
IPC file named by its batch id) and then sends it. A batch leaves the spool only when the
backend has stored it, and the batch id makes a resend harmless, so a crash or a dead
server loses nothing: the next ``Monitor`` of the same name sends what is left.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from headway.backend import monitoring_wire as wire
from headway.errors import InvalidArgument, NotFound
from headway.monitoring.files import concat

log = logging.getLogger("headway.monitor")

Send = Callable[[str, pa.Table, str], None]
_STOP = object()
_FLUSH = "flush"


class MonitorWriter:
    def __init__(
        self,
        spool_dir: Path,
        send: Send,
        *,
        flush_rows: int = 100_000,
        flush_interval: float = 1.0,
        max_queue: int = 256,
    ) -> None:
        self.spool_dir = spool_dir
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.send = send
        self.flush_rows = flush_rows
        self.flush_interval = flush_interval
        # Bounded: a server that cannot keep up slows the caller instead of eating memory.
        self._queue: queue.Queue[object] = queue.Queue(max_queue)
        self._pending: dict[str, list[pa.Table]] = {"predictions": [], "labels": []}
        self._rows = 0
        self.sent_rows = 0
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="headway-monitor", daemon=True)
        self._thread.start()

    def put(self, kind: str, table: pa.Table) -> None:
        self._queue.put((kind, table))

    def flush(self, timeout: float | None = None) -> None:
        done = threading.Event()
        self._queue.put((_FLUSH, done))
        done.wait(timeout)

    def close(self, timeout: float | None = 60.0) -> None:
        if self._thread.is_alive():
            self.flush(timeout)
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _run(self) -> None:
        self.resend_spool()
        deadline = time.monotonic() + self.flush_interval
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._drain()
                deadline = time.monotonic() + self.flush_interval
                continue
            if item is _STOP:
                self._drain()
                return
            assert isinstance(item, tuple)
            kind: str = item[0]
            if kind == _FLUSH:
                self._drain()
                self.resend_spool()
                item[1].set()
                continue
            table: pa.Table = item[1]
            self._pending[kind].append(table)
            self._rows += table.num_rows
            if self._rows >= self.flush_rows:
                self._drain()
                deadline = time.monotonic() + self.flush_interval

    def _drain(self) -> None:
        # Predictions go first, so labels of the same call find their predictions.
        for kind in ("predictions", "labels"):
            tables = self._pending[kind]
            if not tables:
                continue
            self._pending[kind] = []
            try:
                table = concat(tables)
            except Exception as exc:
                log.warning(
                    "headway: could not merge monitor batches (%s); sending them one by one", exc
                )
                for t in tables:
                    self._spool_and_send(kind, t)
                continue
            self._spool_and_send(kind, table)
        self._rows = 0

    def _spool_and_send(self, kind: str, table: pa.Table) -> None:
        batch = uuid.uuid4().hex
        path = self.spool_dir / f"{kind}-{time.time_ns()}-{batch}.arrow"
        try:
            tmp = path.with_suffix(".tmp")
            wire.write_table_file(table, tmp)
            tmp.replace(path)
        except OSError as exc:
            log.warning("headway: could not spool monitor batch to %s: %s", path, exc)
        self._send_file(kind, table, batch, path)

    def _send_file(self, kind: str, table: pa.Table, batch: str, path: Path) -> bool:
        for attempt in range(4):
            try:
                self.send(kind, table, batch)
            except (InvalidArgument, NotFound) as exc:
                # The batch itself is wrong: retrying cannot help. Keep it for inspection.
                message = f"monitor batch of {table.num_rows} rows refused: {exc}"
                log.warning("headway: %s (kept in %s)", message, path.with_suffix(".rejected"))
                self.errors.append(message)
                if path.exists():
                    path.replace(path.with_suffix(".rejected"))
                return False
            except Exception as exc:
                log.warning("headway: sending monitor batch failed (%s); retrying", exc)
                time.sleep(min(2.0, 0.1 * 2**attempt))
                continue
            self.sent_rows += table.num_rows
            path.unlink(missing_ok=True)
            return True
        self.errors.append(f"monitor batch of {table.num_rows} rows kept in the spool: {path}")
        return False

    def resend_spool(self) -> None:
        """Send batches an earlier process (or a failed send) left in the spool."""
        for path in sorted(self.spool_dir.glob("*.arrow")):
            kind, _ns, batch = path.stem.split("-", 2)
            try:
                table = wire.table_from_bytes(path.read_bytes())
            except Exception:
                path.replace(path.with_suffix(".corrupt"))
                continue
            self._send_file(kind, table, batch, path)
