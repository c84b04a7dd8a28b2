"""Several workers share the monitoring jobs of one PostgreSQL store safely.

First as a user runs it: two real ``headway worker`` processes against one PostgreSQL
database and one blob folder compute four monitors, each job once, with the results a
single process computes. Then the queue itself (``JobRows``) on PostgreSQL, where the
outcome of a race must not depend on luck: concurrent claims get distinct jobs, a claim in
progress is skipped rather than waited for and holds its key, leases expire and extend,
and a job failing ``MAX_ATTEMPTS`` times is given up with its error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from headway.backend.local import LocalBackend
from headway.monitoring.service import JOB_KIND
from headway.settings import Settings
from headway.store.sql.engine import Database, make_engine
from headway.store.sql.jobs import MAX_ATTEMPTS, Job, JobRows
from headway.store.sql.schema import upgrade
from headway.store.sql.store import SqlStore
from monitoring_support import dataset, log_all, open_monitor

pytestmark = pytest.mark.postgres

HEADWAY = str(Path(sys.executable).with_name("headway"))
SCENARIOS = ("control", "mean_shift", "new_category", "concept_drift")
ROWS_PER_DAY = 300
#: How long the tests wait for something that should happen at once before failing
#: (a guard against hanging, never a measurement).
PATIENCE = 60.0
KEY_COLUMNS = ["window_start", "kind", "subject", "group", "metric"]


# -- two `headway worker` processes ---------------------------------------------------------
@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        env={},
        dir=str(tmp_path / "pg-store"),
        db_url=postgres_url,
        artifacts_url=str(tmp_path / "blobs"),
        cache_dir=tmp_path / "cache",
    )


@pytest.fixture
def pg_backend(pg_settings: Settings) -> Iterator[LocalBackend]:
    backend = LocalBackend(pg_settings, migrate=True)
    yield backend
    backend.close()


class WorkerProcess:
    """``headway worker`` polling the store's queue, stopped with Ctrl-C like a user would."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        folder.mkdir(parents=True)
        env = {
            **os.environ,
            "HEADWAY_DIR": str(folder / ".headway"),
            "HEADWAY_DB_URL": settings.db_url,
            "HEADWAY_ARTIFACTS_URL": settings.artifacts_url,
            "HEADWAY_CACHE_DIR": str(folder / "cache"),
        }
        self.stderr = folder / "stderr.txt"
        with self.stderr.open("wb") as err:
            self.proc = subprocess.Popen(
                [HEADWAY, "worker", "--poll", "0.1"],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env,
            )
        self.name = ""

    def wait_ready(self) -> None:
        """Read the banner, "worker <host:pid:thread> on <database>": it polls from now on."""
        assert self.proc.stdout is not None
        banner = self.proc.stdout.readline()
        assert banner.startswith("worker "), self.output(banner)
        self.name = banner.split()[1]

    def stop(self) -> int:
        """Interrupt the worker; returns how many jobs it says it processed."""
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=PATIENCE)
        assert self.proc.returncode == 0, self.output(out)
        processed = [line for line in out.splitlines() if line.startswith("processed ")]
        assert processed, self.output(out)
        return int(processed[0].split()[1])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()

    def output(self, stdout: str) -> str:
        return f"stdout: {stdout}\nstderr: {self.stderr.read_text()}"


def _in_utc(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    # PostgreSQL's driver says Etc/UTC where SQLite's store says UTC: the same instants.
    return frame.assign(**{c: frame[c].dt.tz_convert("UTC") for c in columns})


def _results(monitor: Any) -> pd.DataFrame:
    frame = _in_utc(monitor.results().drop(columns=["detail"]), "window_start", "window_end")
    return frame.sort_values(KEY_COLUMNS).reset_index(drop=True)


def _windows(monitor: Any) -> pd.DataFrame:
    return _in_utc(monitor.windows(), "start", "end").sort_values("start").reset_index(drop=True)


def _wait_for(
    jobs: JobRows, workers: list[WorkerProcess], done: Callable[[list[Job]], bool]
) -> list[Job]:
    """The monitoring jobs once ``done(jobs)`` holds (failing if a worker exits first)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        found = [j for j in jobs.list(limit=1000) if j.kind == JOB_KIND]
        if done(found):
            return found
        for w in workers:
            assert w.proc.poll() is None, w.output("(exited)")
        assert time.monotonic() < deadline, f"still waiting, with jobs {found}"
        time.sleep(0.1)


def test_two_worker_processes_share_the_jobs_of_several_monitors(
    pg_backend: LocalBackend,
    pg_settings: Settings,
    local_backend: LocalBackend,
    tmp_path: Path,
) -> None:
    store = pg_backend.service.store
    workers = [WorkerProcess(pg_settings, tmp_path / f"worker{i}") for i in range(2)]
    blocker = make_engine(pg_settings.db_url)
    held = blocker.connect()
    monitors = []
    try:
        for w in workers:
            w.wait_ready()
        names = {w.name for w in workers}
        assert len(names) == 2
        # While results cannot be written, a worker stops at the first window of the job it
        # took and cannot take another: only the other worker can take the next monitor.
        held.execute(text("LOCK TABLE monitor_results IN EXCLUSIVE MODE"))
        for scenario in SCENARIOS:
            data = dataset(scenario, rows_per_day=ROWS_PER_DAY)
            # dir=: the SDK's spool of these monitors is not the reference store's.
            monitor = open_monitor(pg_backend, data, name=scenario, dir=pg_settings.dir)
            monitors.append(monitor)
            log_all(monitor, data)
            monitor.flush()
            # A second job of the same monitor (key): the two must never run at once.
            pg_backend.monitoring.recompute("edu", scenario)
        busy = _wait_for(
            store.jobs,
            workers,
            lambda found: {j.worker for j in found if j.state == "running"} == names,
        )
        # Both at once, on different monitors.
        assert len({j.key for j in busy if j.state == "running"}) == 2
        held.rollback()
        jobs = _wait_for(
            store.jobs, workers, lambda found: all(j.state in ("done", "failed") for j in found)
        )
        processed = [w.stop() for w in workers]
    finally:
        held.close()
        blocker.dispose()
        for w in workers:
            w.kill()
    # Every job was taken once, by one of the two processes, and succeeded the first time.
    assert len(jobs) >= 2 * len(SCENARIOS)
    ids = [pg_backend.monitoring.get_monitor("edu", s).id for s in SCENARIOS]
    assert {j.key for j in jobs} == {f"monitor:{i}" for i in ids}
    for j in jobs:
        assert (j.state, j.attempts, j.error) == ("done", 1, None), j
        assert j.worker in names and j.finished_at is not None
    assert sum(processed) == len(jobs)  # no job was run twice (or by the test itself)
    assert min(processed) >= 1

    for scenario, monitor in zip(SCENARIOS, monitors, strict=True):
        data = dataset(scenario, rows_per_day=ROWS_PER_DAY)
        windows = _windows(monitor)
        assert len(windows) == data.current["timestamp"].dt.floor("D").nunique() == 6
        assert (windows["rows"] == ROWS_PER_DAY).all()
        results = _results(monitor)
        assert not results.empty
        duplicated = results[results.duplicated(KEY_COLUMNS, keep=False)]
        assert duplicated.empty, duplicated
        # The same data computed by one process, on the embedded store, agrees exactly.
        single = open_monitor(local_backend, data, name=scenario)
        try:
            log_all(single, data)
            single.compute()
            pd.testing.assert_frame_equal(results, _results(single))
            pd.testing.assert_frame_equal(windows, _windows(single))
        finally:
            single.close()
        monitor.close()


# -- the queue on PostgreSQL ----------------------------------------------------------------
KIND = "test.job"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    upgrade(postgres_url)
    return postgres_url


@pytest.fixture
def open_store(pg_url: str) -> Iterator[Callable[[], SqlStore]]:
    """Stores with engines (connection pools) of their own, like separate machines."""
    opened: list[SqlStore] = []

    def open_one() -> SqlStore:
        opened.append(SqlStore(pg_url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def jobs(open_store: Callable[[], SqlStore]) -> JobRows:
    return open_store().jobs


def _claim(jobs: JobRows, worker: str, now: datetime = T0, lease: float = 60.0) -> Job | None:
    return jobs.claim(worker, now=now, lease=lease, kinds=(KIND,))


def test_concurrent_claims_never_share_a_job_or_a_running_key(
    open_store: Callable[[], SqlStore], jobs: JobRows
) -> None:
    keys, per_key, threads = 6, 5, 8
    for n in range(per_key):
        for k in range(keys):
            jobs.enqueue(KIND, f"key-{k}", {"n": n}, now=T0)
    total = keys * per_key
    stores = [open_store() for _ in range(threads)]
    start = threading.Barrier(threads)
    lock = threading.Lock()
    claimed: list[int] = []
    finished: set[int] = set()
    holders: Counter[str] = Counter()
    overlaps: list[str] = []
    deadline = time.monotonic() + PATIENCE

    def work(i: int) -> None:
        start.wait()
        while time.monotonic() < deadline:
            with lock:
                if len(finished) == total:
                    return
            job = _claim(stores[i].jobs, f"w{i}")
            if job is None:
                continue  # the jobs left have keys running elsewhere
            with lock:
                claimed.append(job.id)
                if holders[job.key]:
                    overlaps.append(job.key)
                holders[job.key] += 1
            time.sleep(0.005)  # the job runs: a claim of its key now would overlap it
            with lock:  # let go before finish commits, so the rightful next holder
                holders[job.key] -= 1  # never looks like an overlap
                finished.add(job.id)
            stores[i].jobs.finish(job.id, now=T0)

    with ThreadPoolExecutor(threads) as pool:
        for f in [pool.submit(work, i) for i in range(threads)]:
            f.result(timeout=PATIENCE)
    repeated = {i: c for i, c in Counter(claimed).items() if c > 1}
    assert not repeated, f"jobs handed out more than once: {repeated}"
    assert not overlaps, f"a key ran twice at once: {overlaps}"
    assert len(finished) == total, "the threads gave up before every job was done"
    final = jobs.list(limit=total)
    assert len(final) == total
    assert all(j.state == "done" and j.attempts == 1 for j in final)
    assert len({j.worker for j in final}) > 1


class PausedDatabase(Database):
    """Writes that stop before committing until released: a claim caught mid-way."""

    def __init__(self, url: str) -> None:
        super().__init__(make_engine(url))
        self.reached = threading.Event()
        self.release = threading.Event()

    def retry_write(self, fn: Any) -> Any:
        def paused(s: Session) -> Any:
            out = fn(s)
            s.flush()
            self.reached.set()
            assert self.release.wait(PATIENCE)
            return out

        return super().retry_write(paused)


def test_a_claim_in_progress_is_skipped_not_waited_for_and_keeps_its_key(
    pg_url: str, jobs: JobRows
) -> None:
    first = jobs.enqueue(KIND, "monitor:1", {"n": 1}, now=T0)
    second = jobs.enqueue(KIND, "monitor:1", {"n": 2}, now=T0)
    other = jobs.enqueue(KIND, "monitor:2", {"n": 1}, now=T0)
    paused = PausedDatabase(pg_url)
    with ThreadPoolExecutor(2) as pool:
        try:
            slow = pool.submit(_claim, JobRows(paused), "a")
            assert paused.reached.wait(PATIENCE)
            # "a" holds the oldest job's row, uncommitted: a claim skips it instead of
            # waiting, and skips the second job of its key too.
            skipped = pool.submit(_claim, jobs, "b").result(timeout=PATIENCE)
            assert skipped is not None and skipped.id == other.id
            assert _claim(jobs, "c") is None
        finally:
            paused.release.set()
        taken = slow.result(timeout=PATIENCE)
    paused.engine.dispose()
    assert taken is not None and taken.id == first.id and taken.worker == "a"
    assert _claim(jobs, "c") is None  # its key runs
    jobs.finish(first.id, now=T0)
    again = _claim(jobs, "c")
    assert again is not None and again.id == second.id


def test_an_expired_lease_frees_the_job_and_extend_keeps_it(jobs: JobRows) -> None:
    job = jobs.enqueue(KIND, "monitor:1", {}, now=T0)
    assert _claim(jobs, "a", lease=60) is not None
    assert _claim(jobs, "b", now=T0 + timedelta(seconds=59)) is None
    # "a" died: once its lease is over, the job is taken again.
    retaken = _claim(jobs, "b", now=T0 + timedelta(seconds=61), lease=60)
    assert retaken is not None
    assert (retaken.id, retaken.worker, retaken.attempts) == (job.id, "b", 2)
    # Only the holder extends; an extended lease is not taken.
    jobs.extend(job.id, "a", until=T0 + timedelta(seconds=500))
    assert _claim(jobs, "c", now=T0 + timedelta(seconds=200)) is not None
    jobs.extend(job.id, "c", until=T0 + timedelta(seconds=900))
    assert _claim(jobs, "d", now=T0 + timedelta(seconds=800)) is None
    assert jobs.get(job.id).worker == "c"


def test_a_job_failing_max_attempts_times_ends_failed_with_its_error(jobs: JobRows) -> None:
    job = jobs.enqueue(KIND, "monitor:1", {}, now=T0)
    now = T0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = _claim(jobs, "a", now=now)
        assert claimed is not None and claimed.attempts == attempt
        ended = jobs.finish(job.id, now=now, error=f"boom {attempt}", retry_delay=10)
        if attempt < MAX_ATTEMPTS:
            assert (ended.state, ended.error) == ("queued", f"boom {attempt}")
            assert ended.run_after == now + timedelta(seconds=10 * attempt)
            assert _claim(jobs, "a", now=ended.run_after - timedelta(seconds=1)) is None
            now = ended.run_after
    final = jobs.get(job.id)
    assert (final.state, final.attempts, final.error) == ("failed", MAX_ATTEMPTS, "boom 3")
    assert final.finished_at == now
    assert _claim(jobs, "a", now=now + timedelta(days=1)) is None


def test_a_job_whose_workers_keep_dying_ends_failed(jobs: JobRows) -> None:
    job = jobs.enqueue(KIND, "monitor:1", {}, now=T0)
    other = jobs.enqueue(KIND, "monitor:2", {}, now=T0 + timedelta(seconds=1))
    now = T0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = _claim(jobs, f"w{attempt}", now=now, lease=60)
        assert claimed is not None and (claimed.id, claimed.attempts) == (job.id, attempt)
        now += timedelta(seconds=61)  # the worker died without finishing
    # Instead of handing it to a fourth worker, the claim fails it and moves on.
    nxt = _claim(jobs, "w4", now=now)
    assert nxt is not None and nxt.id == other.id
    dead = jobs.get(job.id)
    assert dead.state == "failed" and dead.finished_at == now
    assert dead.error is not None and "stopped renewing their lease" in dead.error


def test_a_worker_that_lost_its_lease_cannot_finish_the_job(jobs: JobRows) -> None:
    job = jobs.enqueue(KIND, "monitor:1", {}, now=T0)
    assert _claim(jobs, "a", lease=60) is not None
    assert _claim(jobs, "b", now=T0 + timedelta(seconds=61), lease=60) is not None
    late = jobs.finish(job.id, now=T0 + timedelta(seconds=70), error="a's late failure", worker="a")
    assert (late.state, late.worker, late.error) == ("running", "b", None)
    done = jobs.finish(job.id, now=T0 + timedelta(seconds=80), worker="b", result={"ok": 1})
    assert (done.state, done.result) == ("done", {"ok": 1})
