"""Bare-SQLite floors for W2 and W3: what a hand-written table can do, no tracker around it.

W2: one row per run (20 param columns + 10 last-value metric columns), indexed, answering
the same filtered, sorted top-50 query.
W3: one row per point (executemany into an indexed table), SELECT all, and a GROUP BY
bucket min/max query.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # durable at COMMIT, like the trackers
    return conn


def w2(args: argparse.Namespace) -> dict[str, Any]:
    pcols = [f"p{j}" for j in range(args.params)]
    mcols = [f"m{j}" for j in range(args.metrics)]
    conn = _connect(str(args.workdir / "w2.db"))
    cols = ", ".join([f"{p} REAL" for p in pcols] + [f"{m} REAL" for m in mcols])
    conn.execute(f"CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT, {cols})")
    conn.execute("CREATE INDEX runs_p0 ON runs (p0)")
    conn.execute("CREATE INDEX runs_m0 ON runs (m0)")
    conn.execute("CREATE INDEX runs_m1 ON runs (m1)")
    conn.commit()
    rows = []
    for r in range(args.runs):
        params, hist = c.w2_run_data(r, args.params, args.metrics, args.run_steps)
        rows.append((r, f"run-{r}", *params.values(), *hist[-1]))
    placeholders = ", ".join("?" * (2 + len(pcols) + len(mcols)))
    a = time.perf_counter()
    conn.executemany(f"INSERT INTO runs VALUES ({placeholders})", rows)
    conn.commit()
    ingest_s = time.perf_counter() - a

    sql = "SELECT * FROM runs WHERE p0 < 0.5 AND m0 >= 0.2 ORDER BY m1 DESC LIMIT 50"
    m1_index = 2 + len(pcols) + 1
    times: list[float] = []
    top: list[float | None] = []
    for _ in range(args.repeats):
        a = time.perf_counter()
        got = conn.execute(sql).fetchall()
        times.append(time.perf_counter() - a)
        top = [row[m1_index] for row in got]
    conn.close()
    return c.w2_result(
        args,
        args.runs,
        ingest_s,
        ingest_s,
        times,
        top,
        search_label=sql,
        note="floor: one pre-aggregated row per run; ingest = one executemany of the rows",
    )


def w3(args: argparse.Namespace) -> dict[str, Any]:
    values = c.w3_values(args.steps)
    n = args.steps
    t0 = time.perf_counter()
    conn = _connect(str(args.workdir / "w3.db"))
    conn.execute("CREATE TABLE points (run INTEGER, key TEXT, step INTEGER, t REAL, value REAL)")
    conn.execute("CREATE INDEX points_run_key_step ON points (run, key, step)")
    conn.commit()
    t_loop = time.perf_counter()
    now = time.time()
    conn.executemany(
        "INSERT INTO points VALUES (1, 'loss', ?, ?, ?)",
        ((i, now, values[i]) for i in range(n)),
    )
    t_loop_end = time.perf_counter()
    conn.commit()
    t_durable = time.perf_counter()

    read_times: list[float] = []
    n_read = 0
    for _ in range(args.repeats):
        a = time.perf_counter()
        got = conn.execute(
            "SELECT step, t, value FROM points WHERE run = 1 AND key = 'loss' ORDER BY step"
        ).fetchall()
        read_times.append(time.perf_counter() - a)
        n_read = len(got)
        del got
    env_times: list[float] = []
    env: list[tuple[int, float, float]] = []
    for _ in range(args.repeats):
        a = time.perf_counter()
        env = conn.execute(
            "SELECT (step * ?) / ? AS b, MIN(value), MAX(value) FROM points "
            "WHERE run = 1 AND key = 'loss' GROUP BY b ORDER BY b",
            (args.buckets, n),
        ).fetchall()
        env_times.append(time.perf_counter() - a)
    conn.close()
    return c.w3_result(
        args,
        measured=n,
        init_s=t_loop - t0,
        loop_s=t_loop_end - t_loop,
        finish_s=t_durable - t_loop_end,
        read_times=read_times,
        read_points=n_read,
        env_times=env_times,
        env_min=min(row[1] for row in env) if env else None,
        env_max=max(row[2] for row in env) if env else None,
        env_label="SQL GROUP BY bucket",
        note="floor: one SQLite row per point, indexed (run, key, step)",
    )


WORKLOADS = {"w2": w2, "w3": w3}

if __name__ == "__main__":
    a = c.parse_args()
    c.emit(WORKLOADS[a.workload](a))
