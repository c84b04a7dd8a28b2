"""The run's background writer: bounded, ordered, batching, spool first.

The training thread only appends ``step, time, values`` to a deque (thread-safe without
a lock; see ``RunWriter.rows``). One writer thread per run drains it every
``flush_interval`` seconds into a columnar ``LogBatch`` — which also carries whatever
else changed meanwhile: the run's creation, attribute and config changes, summary
values, console lines, files, and finally its end — appends it to the spool, and ships
spool records to the backend strictly in order. A short run is therefore a single batch
and a single transaction. A backend failure never reaches the user: one warning, the
records stay in the spool, and shipping resumes with backoff until ``close()``.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from headway.backend.base import BaseBackend
from headway.entities import ConsoleLine, LogBatch, RunCreate, RunFinish, RunUpdate, Series
from headway.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from headway.sdk.writer.replay import apply_record
from headway.sdk.writer.spool import Record, SpoolWriter, read_records, write_acked

log = logging.getLogger("headway")

#: Items one logged row occupies in ``RunWriter.rows``: its step, time and values.
ROW_WIDTH = 3
#: Rows held in memory before ``log()`` waits for the writer (about 100 MB at 10 keys).
MAX_PENDING_ROWS = 200_000
#: Past this many pending rows, ``log()`` wakes the writer instead of letting it sleep
#: out its interval, so a fast loop is drained in slices before it hits the limit.
BUSY_ROWS = 32_768
#: ``len(rows)`` beyond which ``log()`` nudges the writer (rows are stored flat).
BUSY_ITEMS = BUSY_ROWS * ROW_WIDTH
#: Records kept in memory for shipping; older unshipped ones are re-read from the spool.
MAX_UNSHIPPED_IN_MEMORY = 256
_PERMANENT = (InvalidArgument, NotFound, Conflict, AlreadyExists)


class RunWriter:
    def __init__(
        self,
        run_id: str,
        spool_dir: Path,
        backend: BaseBackend | None,
        *,
        create: RunCreate | None = None,
        resume: bool = False,
        flush_interval: float = 0.25,
        heartbeat_interval: float = 10.0,
        first_seq: int = 0,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.run_id = run_id
        # Rows are stored flat — ``rows.extend((step, time, values))`` — not as tuples:
        # a million live tuples make the cyclic GC rescan them over and over (it doubled
        # the cost of ``log()``), while ints, floats and dicts of floats are not tracked.
        # ``deque.extend`` of a tuple runs in C under the GIL, so a row is never split
        # between threads and ``len(rows)`` is always a multiple of ``ROW_WIDTH``.
        self.rows: collections.deque[Any] = collections.deque()
        self.console: collections.deque[ConsoleLine] = collections.deque()
        # Whole series (``put_series``) wait in ``rows`` too, keeping their place among
        # the rows; this counts them so the usual batch without one needs no search.
        self._whole_series = 0
        self.on_metrics: Callable[[dict[str, Series]], None] | None = None
        self._lock = threading.Lock()
        # What rides in the next batch besides the rows (guarded by _lock).
        self._create = create
        self._resume = resume
        self._update: dict[str, Any] = {}
        self._files: dict[str, bytes] = {}
        self._summary: dict[str, Any] = {}
        self._config: dict[str, Any] = {}
        self._finish: RunFinish | None = None
        self._flush_waiters: list[threading.Event] = []
        self.spool = SpoolWriter(spool_dir)
        self.backend = backend
        self.flush_interval = flush_interval
        self.heartbeat_interval = heartbeat_interval
        self._seq = first_seq
        self._unshipped: collections.deque[Record] = collections.deque()
        self._shipped = self.spool.count  # records before this session were handled before
        self._spilled = False
        self._retry_at = 0.0
        self._backoff = 0.5
        self._warned = False
        self._warn = warn or (lambda message: log.warning(message))
        self._wake = threading.Event()
        self._drained = threading.Condition()
        self._stop = False
        self._last_batch_time = 0.0
        self._thread = threading.Thread(
            target=self._loop, name=f"headway-writer-{run_id}", daemon=True
        )
        self._thread.start()

    # -- called from the user's threads ---------------------------------------------------
    def nudge(self) -> None:
        """Wake the writer early; block (backpressure) only past ``MAX_PENDING_ROWS``."""
        if not self._wake.is_set():
            self._wake.set()
        if len(self.rows) > MAX_PENDING_ROWS * ROW_WIDTH:
            self.wait_for_room()

    def wait_for_room(self) -> None:
        """Backpressure: block the training thread while too many rows are pending."""
        self._wake.set()
        with self._drained:
            self._drained.wait_for(
                lambda: len(self.rows) < MAX_PENDING_ROWS * ROW_WIDTH // 2 or self._stop, 5.0
            )

    def put_series(self, series: Series) -> None:
        """A whole series logged at once (``Run.log_series``), in order among the rows."""
        size = self.max_batch_points
        with self._lock:
            for start in range(0, len(series), size):
                part = slice(start, start + size)
                piece = Series(
                    series.key, series.steps[part], series.times[part], series.values[part]
                )
                self.rows.extend((-1, 0.0, piece))
                self._whole_series += 1
        self._wake.set()

    @property
    def max_batch_points(self) -> int:
        return self.backend.max_batch_points if self.backend else BaseBackend.max_batch_points

    def update(self, **fields: Any) -> None:
        """Change run attributes (name, tags, notes, metadata…) in the next batch."""
        with self._lock:
            metadata = fields.pop("metadata", None)
            if metadata:
                self._update["metadata"] = {**self._update.get("metadata", {}), **metadata}
            self._update.update(fields)
        self._wake.set()

    def put_files(self, files: dict[str, bytes]) -> None:
        with self._lock:
            self._files.update(files)
        self._wake.set()

    def set_summary(self, values: dict[str, Any]) -> None:
        with self._lock:
            self._summary.update(values)

    def set_config(self, values: dict[str, Any]) -> None:
        with self._lock:
            _deep_update(self._config, values)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything pending to the spool and try to ship it; True if all shipped."""
        done = threading.Event()
        with self._lock:
            self._flush_waiters.append(done)
        self._wake.set()
        done.wait(timeout)
        return self.pending_records == 0

    def close(self, finish: RunFinish, timeout: float = 30.0) -> bool:
        """Spool the last rows and ``finish``, ship with retries up to ``timeout``.

        Returns True when the backend has every record; False leaves them in the spool.
        """
        with self._lock:
            self._finish = finish
        self.flush()
        deadline = time.monotonic() + timeout
        while self.backend is not None and self.pending_records and time.monotonic() < deadline:
            self._retry_at = 0.0
            self.flush(timeout=max(0.1, deadline - time.monotonic()))
            if self.pending_records:
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=5)
        shipped = self.backend is not None and self.pending_records == 0
        if shipped:
            # The store has every record: the spool would only duplicate it on disk.
            self.spool.discard()
        else:
            self.spool.close()
        return shipped

    @property
    def pending_records(self) -> int:
        return self.spool.count - self._shipped

    # -- the writer thread ----------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            try:
                self._cycle()
            except Exception as exc:  # never let the thread die: data is in the spool
                self._warn_once(
                    f"headway: writer error ({exc!r}); data is kept in {self.spool.path}"
                )

    def _cycle(self) -> None:
        with self._lock:
            waiters, self._flush_waiters = self._flush_waiters, []
            resume, self._resume = self._resume, False
        if resume:
            op = {"op": "resume"}
            self._remember(Record(self.spool.append_op(op), 1, op=op))
        idle = time.monotonic() - self._last_batch_time >= self.heartbeat_interval
        # When idle, an empty batch is the heartbeat. A drain larger than one batch goes
        # out as several, before any flush waiter is told it is done.
        more = True
        while more:
            more = self._spool_batch(force=idle)
            self._ship()
            idle = False
        for event in waiters:
            event.set()

    def _spool_batch(self, *, force: bool = False) -> bool:
        """Spool one batch; True when rows beyond one batch's size are still waiting."""
        rows = self.rows
        split = False
        with self._lock:
            n = len(rows) - len(rows) % ROW_WIDTH  # whole rows only, should the GIL not hold
            if n:
                # Split a large drain by the backend's batch size, estimated from the
                # first row's width.
                per_row = max(1, len(rows[2]))
                most = max(1, self.max_batch_points // per_row) * ROW_WIDTH
                split = n > most
                n = min(n, most)
            maybe_whole = self._whole_series > 0
            create, self._create = self._create, None
            update, self._update = self._update, {}
            files, self._files = self._files, {}
            summary, self._summary = self._summary, {}
            config, self._config = self._config, {}
            # The run's end rides only with its last rows.
            finish, self._finish = (None, self._finish) if split else (self._finish, None)
        console = [self.console.popleft() for _ in range(len(self.console))]
        pending = n or create or update or files or summary or config or console
        if not (pending or finish or force):
            return False
        taken = [rows.popleft() for _ in range(n)]
        with self._drained:
            self._drained.notify_all()
        whole = sum(type(e) is Series for e in taken[2::ROW_WIDTH]) if maybe_whole else 0
        if whole:
            with self._lock:
                self._whole_series -= whole
        metrics = _columns_with_series(taken) if whole else _columns_flat(taken)
        if metrics and self.on_metrics is not None:
            self.on_metrics(metrics)
        batch = LogBatch(
            seq=self._seq,
            metrics=metrics,
            summary=summary,
            config=config,
            console=console,
            time=time.time(),
            create=create,
            update=RunUpdate(**update) if update else None,
            files=files,
            finish=finish,
        )
        self._seq += 1
        self._last_batch_time = time.monotonic()
        self._remember(Record(self.spool.append_batch(batch), 2, batch=batch))
        return split

    def _remember(self, record: Record) -> None:
        if self.backend is None:
            return
        if len(self._unshipped) >= MAX_UNSHIPPED_IN_MEMORY:
            # Bounded memory: forget them here; they are re-read from the spool.
            self._unshipped.clear()
            self._spilled = True
        if not self._spilled:
            self._unshipped.append(record)

    def _ship(self) -> None:
        if self.backend is None or time.monotonic() < self._retry_at:
            return
        if self._spilled:
            self.spool.sync()
            self._unshipped = collections.deque(read_records(self.spool.path, self._shipped))
            self._spilled = False
        while self._unshipped:
            record = self._unshipped[0]
            try:
                apply_record(self.backend, self.run_id, record)
            except _PERMANENT as exc:
                self._warn(f"headway: the server refused a record of run {self.run_id}: {exc}")
            except Exception as exc:
                self._warn_once(
                    f"headway: cannot reach the tracking backend ({exc}); logging continues "
                    f"into {self.spool.path} and will catch up when it is back"
                )
                self._retry_at = time.monotonic() + self._backoff
                self._backoff = min(self._backoff * 2, 10.0)
                return
            self._unshipped.popleft()
            self._shipped = record.index + 1
        if self._warned:
            self._warn("headway: the tracking backend is reachable again; the run caught up")
            self._warned = False
        self._backoff = 0.5
        write_acked(self.spool.folder, self._shipped)

    def _warn_once(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            self._warn(message)


def _columns_flat(items: list[Any]) -> dict[str, Series]:
    """Flat ``step, time, values, step, time, values…`` → one columnar series per key."""
    if not items:
        return {}
    dicts: list[dict[str, float]] = items[2::ROW_WIDTH]
    keys = list(dicts[0])
    # Fast path: every row has the same keys (the usual training loop). Equal lengths
    # plus no KeyError below prove it; the comprehensions run at C speed.
    if set(map(len, dicts)) == {len(keys)}:
        try:
            columns = {key: [d[key] for d in dicts] for key in keys}
        except KeyError:
            pass
        else:
            step_array = np.array(items[0::ROW_WIDTH], dtype=np.int64)
            time_array = np.array(items[1::ROW_WIDTH], dtype=np.float64)
            return {
                key: Series(key, step_array, time_array, np.array(values, dtype=np.float64))
                for key, values in columns.items()
            }
    return _columns_mixed(items[0::ROW_WIDTH], items[1::ROW_WIDTH], dicts)


def _columns_with_series(items: list[Any]) -> dict[str, Series]:
    """Like ``_columns_flat`` where some entries are whole ``Series``: points stay in the
    order they were logged."""
    parts: dict[str, list[Series]] = {}
    start = 0
    for i, entry in enumerate(items[2::ROW_WIDTH]):
        if type(entry) is Series:
            for key, col in _columns_flat(items[start * ROW_WIDTH : i * ROW_WIDTH]).items():
                parts.setdefault(key, []).append(col)
            parts.setdefault(entry.key, []).append(entry)
            start = i + 1
    for key, col in _columns_flat(items[start * ROW_WIDTH :]).items():
        parts.setdefault(key, []).append(col)
    return {
        key: cols[0]
        if len(cols) == 1
        else Series(
            key,
            np.concatenate([c.steps for c in cols]),
            np.concatenate([c.times for c in cols]),
            np.concatenate([c.values for c in cols]),
        )
        for key, cols in parts.items()
    }


def _columns_mixed(
    steps: list[int], times: list[float], dicts: list[dict[str, float]]
) -> dict[str, Series]:
    cols: dict[str, tuple[list[int], list[float], list[float]]] = {}
    for step, t, values in zip(steps, times, dicts, strict=True):
        for key, value in values.items():
            col = cols.get(key)
            if col is None:
                col = cols[key] = ([], [], [])
            col[0].append(step)
            col[1].append(t)
            col[2].append(value)
    return {
        key: Series(
            key,
            np.array(c[0], dtype=np.int64),
            np.array(c[1], dtype=np.float64),
            np.array(c[2], dtype=np.float64),
        )
        for key, c in cols.items()
    }


def _deep_update(base: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
