"""Ingestion: 100 batches x 10,000 rows x 34 columns (30 features + score + id + timestamp + model_version)
from pandas into Parquet per day partition; then read a window back.

Usage: .venv/bin/python research/monitoring/speed/ingest.py                 (pyarrow only)
       /tmp/monspeed-venv/bin/python research/monitoring/speed/ingest.py    (also DuckDB / Polars read-back)
Data goes to /tmp/monspeed-ingest (deleted and recreated).
"""
import os
import shutil
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import cur_rss_mb, make_frame, rss_mb  # noqa: E402

ROOT = "/tmp/monspeed-ingest"
N, B = 1_000_000, 10_000
DAYS = 10


def make_batches(as_category):
    df = make_frame(N, seed=11, as_category=as_category)
    df["score"] = np.random.default_rng(3).random(N)
    df["id"] = np.arange(N, dtype=np.int64)
    start = np.datetime64("2026-01-05T00:00:00", "us")
    df["timestamp"] = start + (np.arange(N) * (DAYS * 86_400_000_000 // N)).astype("timedelta64[us]")
    df["model_version"] = "dropout-risk/7"
    return [df.iloc[i:i + B].reset_index(drop=True) for i in range(0, N, B)]


def day_of(ts_col):
    return ts_col.to_numpy().astype("datetime64[D]")


def split_by_day(batch):
    d = day_of(batch["timestamp"])
    if d[0] == d[-1]:  # fast path: whole batch in one partition
        return [(str(d[0]), batch)]
    return [(str(k), g) for k, g in batch.groupby(d, sort=True)]


def run(name, batches, mode, compression, schema=None):
    path = os.path.join(ROOT, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    writers = {}
    futs = []
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(1)
    t0 = time.perf_counter()
    conv = 0.0
    for i, b in enumerate(batches):
        for day, part in split_by_day(b):
            c0 = time.perf_counter()
            tbl = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
            conv += time.perf_counter() - c0
            d = os.path.join(path, f"day={day}")
            if mode == "spool-thread":
                # caller converts; one background thread encodes+writes (pyarrow releases the GIL)
                buf = writers.setdefault(("buf", day), [])
                buf.append(tbl)
                if sum(t.num_rows for t in buf) >= 100_000:
                    os.makedirs(d, exist_ok=True)
                    k = writers[("n", day)] = writers.get(("n", day), 0) + 1
                    futs.append(pool.submit(pq.write_table, pa.concat_tables(buf),
                                            os.path.join(d, f"part-{k:04d}.parquet"), compression=compression))
                    writers[("buf", day)] = []
            elif mode == "spool":
                # buffer Arrow tables, write one 100k-row row group per flush (bigger row groups, fewer files)
                buf = writers.setdefault(("buf", day), [])
                buf.append(tbl)
                if sum(t.num_rows for t in buf) >= 100_000:
                    os.makedirs(d, exist_ok=True)
                    k = writers[("n", day)] = writers.get(("n", day), 0) + 1
                    pq.write_table(pa.concat_tables(buf), os.path.join(d, f"part-{k:04d}.parquet"),
                                   compression=compression, row_group_size=1 << 20)
                    buf.clear()
            elif mode == "writer":
                w = writers.get(day)
                if w is None:
                    os.makedirs(d, exist_ok=True)
                    # a real spooler would close partitions once the clock moves past them
                    w = writers[day] = pq.ParquetWriter(os.path.join(d, "part-0.parquet"), tbl.schema,
                                                        compression=compression)
                w.write_table(tbl)
            else:
                os.makedirs(d, exist_ok=True)
                pq.write_table(tbl, os.path.join(d, f"batch-{i:05d}.parquet"), compression=compression)
    for f in futs:
        f.result()
    pool.shutdown()
    for key, w in writers.items():
        if isinstance(w, pq.ParquetWriter):
            w.close()
        elif isinstance(key, tuple) and key[0] == "buf" and w:
            pq.write_table(pa.concat_tables(w), os.path.join(path, f"day={key[1]}", "part-last.parquet"),
                           compression=compression)
    dt = time.perf_counter() - t0
    files = [os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs]
    size = sum(os.path.getsize(f) for f in files)
    print(f"{name:38s} {N / dt:>10,.0f} rows/s  ({dt:.2f} s; from_pandas {conv:.2f} s)  "
          f"{len(files):4d} files  {size / 2**20:6.1f} MB")
    return path


def read_back(path, label):
    lo, hi = np.datetime64("2026-01-05", "us"), np.datetime64("2026-01-15", "us")  # whole 1M-row window
    lo3, hi3 = np.datetime64("2026-01-08", "us"), np.datetime64("2026-01-11", "us")
    part = ds.partitioning(pa.schema([("day", pa.string())]), flavor="hive")
    for (a, b), what in [((lo, hi), "10-day window (1M rows)"), ((lo3, hi3), "3-day window (300k rows)")]:
        t0 = time.perf_counter()
        dset = ds.dataset(path, format="parquet", partitioning=part)
        flt = (pc.field("timestamp") >= pa.scalar(a, pa.timestamp("us"))) & \
              (pc.field("timestamp") < pa.scalar(b, pa.timestamp("us")))
        tbl = dset.to_table(filter=flt)
        t1 = time.perf_counter()
        df = tbl.to_pandas()
        t2 = time.perf_counter()
        print(f"  read {label:12s} {what:26s} pyarrow.dataset: {t1 - t0:.3f} s ({tbl.num_rows:,} rows), "
              f"+ to_pandas {t2 - t1:.3f} s")
        # partition pruning on the day column (what a monitor knows from the window bounds)
        if what.startswith("3-day"):
            t0 = time.perf_counter()
            flt2 = (pc.field("day") >= str(lo3.astype("datetime64[D]"))) & \
                   (pc.field("day") < str(hi3.astype("datetime64[D]"))) & flt
            n2 = dset.to_table(filter=flt2).num_rows
            print(f"  read {label:12s} {what:26s} + partition filter on day: {time.perf_counter() - t0:.3f} s ({n2:,})")
        try:
            import duckdb
        except ImportError:
            continue
        con = duckdb.connect()
        t0 = time.perf_counter()
        r = con.execute(f"select * from read_parquet('{path}/*/*.parquet', hive_partitioning=true) "
                        f"where timestamp >= ? and timestamp < ?", [str(a), str(b)])
        r = r.to_arrow_table() if hasattr(r, "to_arrow_table") else r.arrow()  # DuckDB 2.0 renamed .arrow()
        t1 = time.perf_counter()
        print(f"  read {label:12s} {what:26s} duckdb -> arrow: {t1 - t0:.3f} s ({r.num_rows:,} rows)")
        t0 = time.perf_counter()
        r = con.execute(f"select count(*), avg(gpa), quantile_cont(gpa, 0.5) from read_parquet('{path}/*/*.parquet') "
                        f"where timestamp >= ? and timestamp < ?", [str(a), str(b)]).fetchall()
        print(f"  read {label:12s} {what:26s} duckdb aggregate in place (count, avg, median): "
              f"{time.perf_counter() - t0:.3f} s")


def main():
    for as_category in (True, False):
        batches = make_batches(as_category)
        kind = "category" if as_category else "object-str"
        print(f"--- categorical features as pandas {kind}; RSS {cur_rss_mb():.0f} MB")
        if as_category:
            # schema pinned from the first batch; strings dictionary-encoded by Parquet anyway
            p1 = run(f"writer-snappy-{kind}", batches, "writer", "snappy")
            p2 = run(f"writer-zstd-{kind}", batches, "writer", "zstd")
            p3 = run(f"file-per-batch-snappy-{kind}", batches, "files", "snappy")
            p4 = run(f"file-per-batch-zstd-{kind}", batches, "files", "zstd")
            p5 = run(f"spool100k-snappy-{kind}", batches, "spool", "snappy")
            run(f"spool100k-none-{kind}", batches, "spool", "none")
            run(f"spool100k-lz4-{kind}", batches, "spool", "lz4")
            run(f"spool100k-thread-snappy-{kind}", batches, "spool-thread", "snappy")
            run(f"spool100k-thread-zstd-{kind}", batches, "spool-thread", "zstd")
            p6 = run(f"spool100k-zstd-{kind}", batches, "spool", "zstd")
            read_back(p5, "spool/snappy")
            read_back(p6, "spool/zstd")
            read_back(p1, "writer/snappy")
            read_back(p2, "writer/zstd")
            read_back(p3, "files/snappy")
        else:
            run(f"writer-snappy-{kind}", batches, "writer", "snappy")
            run(f"file-per-batch-snappy-{kind}", batches, "files", "snappy")
            run(f"spool100k-snappy-{kind}", batches, "spool", "snappy")
            run(f"spool100k-none-{kind}", batches, "spool", "none")
            run(f"spool100k-thread-zstd-{kind}", batches, "spool-thread", "zstd")
        del batches
    print(f"peak RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
