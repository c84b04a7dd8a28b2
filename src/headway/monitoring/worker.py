"""The background worker: takes jobs from the store's queue and runs them.

``headway worker`` runs one in the foreground (any number, on any machines, against the
same PostgreSQL); ``headway server`` and ``headway ui`` run one on a thread. A job's
lease is extended while it runs, so a long computation is not taken by another worker,
and a worker that dies leaves a lease that expires, so its job is taken again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from headway.store.sql.jobs import Job
from headway.store.sql.store import SqlStore

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], dict[str, Any]]
#: Seconds a claimed job stays ours without renewal.
LEASE = 60.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Worker:
    def __init__(
        self,
        store: SqlStore,
        handlers: dict[str, Handler],
        *,
        name: str | None = None,
        poll: float = 1.0,
        periodic: Sequence[tuple[float, Callable[[], object]]] = (),
    ) -> None:
        self.store = store
        self.handlers = handlers
        #: (every seconds, task): checks nothing triggers, e.g. a run that went silent.
        self.periodic = list(periodic)
        self._next_at = [0.0 for _ in self.periodic]
        self.name = name or worker_name()
        self.poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.processed = 0

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> Job | None:
        """Claim and run one job; returns it (finished) or None when nothing was ready."""
        now = datetime.now(UTC)
        job = self.store.jobs.claim(self.name, now=now, lease=LEASE, kinds=tuple(self.handlers))
        if job is None:
            return None
        renew = threading.Event()

        def keep_lease() -> None:
            while not renew.wait(LEASE / 3):
                until = datetime.now(UTC) + timedelta(seconds=LEASE)
                try:
                    self.store.jobs.extend(job.id, self.name, until=until)
                except Exception:
                    log.warning("could not renew the lease of job %s", job.id, exc_info=True)

        keeper = threading.Thread(target=keep_lease, name=f"lease-{job.id}", daemon=True)
        keeper.start()
        try:
            result = self.handlers[job.kind](job.payload)
        except Exception as exc:
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            detail = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            finished = self.store.jobs.finish(
                job.id, now=datetime.now(UTC), error=detail[:4000], worker=self.name
            )
        else:
            finished = self.store.jobs.finish(
                job.id, now=datetime.now(UTC), result=result, worker=self.name
            )
        finally:
            renew.set()
            keeper.join()
        self.processed += 1
        return finished

    def run(self, *, until_idle: bool = False) -> None:
        """Work until ``stop()`` (or, with ``until_idle``, until no job is ready)."""
        while not self._stop.is_set():
            try:
                job = self.run_once()
            except Exception:
                log.warning("worker %s could not take a job", self.name, exc_info=True)
                job = None
                time.sleep(self.poll)
            if job is None:
                self.run_periodic()
                if until_idle:
                    return
                self._wake.wait(self.poll)
                self._wake.clear()

    def run_periodic(self) -> None:
        """Run the periodic tasks that are due; a failing task is logged, never raised."""
        now = time.monotonic()
        for i, (every, task) in enumerate(self.periodic):
            if now < self._next_at[i]:
                continue
            self._next_at[i] = now + every
            try:
                task()
            except Exception:
                log.warning("periodic task %s failed", task, exc_info=True)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="headway-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
