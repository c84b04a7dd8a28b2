"""Monitors through every door — SDK (embedded and over HTTP), REST (JSON and Arrow), CLI,
background worker — and what each does with bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from click.testing import CliRunner

import headway
from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.backend.monitoring_wire import ARROW_STREAM, table_to_bytes
from headway.cli.main import cli
from headway.errors import InvalidArgument
from headway.monitoring.service import JOB_KIND
from headway.monitoring.worker import Worker
from monitoring_support import dataset, inputs_of, log_all, open_monitor


def _first_day(data: Any) -> pd.DataFrame:
    cur = data.current
    return cur[cur["timestamp"] < cur["timestamp"].min().normalize() + pd.Timedelta(days=1)]


def test_bad_batches_are_refused_whole_with_clear_messages(make_monitor: Any) -> None:
    monitor, data = make_monitor("control")
    day = _first_day(data).head(50)
    inputs = inputs_of(data, day)
    with pytest.raises(InvalidArgument, match="unknown columns 'shoe_size'"):
        monitor.log(inputs.assign(shoe_size=1), day[data.prediction])
    with pytest.raises(InvalidArgument, match="missing columns 'gender'"):
        monitor.log(inputs.drop(columns=["gender"]), day[data.prediction])
    future = datetime.now(UTC) + timedelta(days=2)
    with pytest.raises(InvalidArgument, match="in the future"):
        monitor.log(inputs, day[data.prediction], timestamps=[future] * len(day))
    with pytest.raises(InvalidArgument, match="has 3 values but the batch has 50 rows"):
        monitor.log(inputs, day[data.prediction], ids=["a", "b", "c"])
    with pytest.raises(InvalidArgument, match="must be numbers"):
        monitor.log(inputs, ["high"] * len(day))
    monitor.flush()
    assert monitor.backend.monitoring.get_monitor("edu", "dropout").rows == 0


def test_pandas_nanosecond_and_zoned_timestamps_are_read_exactly_without_warnings(
    make_monitor: Any,
) -> None:
    import warnings

    monitor, data = make_monitor("control")
    day = _first_day(data).head(30)
    start = pd.Timestamp("2026-11-02 08:00:00", tz="UTC")
    # pandas' default resolution: nanoseconds, with sub-microsecond parts.
    stamps = pd.Series(start + pd.to_timedelta(np.arange(30) * 1_000_001_001, unit="ns"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monitor.log(
            inputs_of(data, day),
            day[data.prediction],
            ids=[f"z{i}" for i in range(30)],
            timestamps=stamps,
        )
        monitor.log(
            inputs_of(data, day),
            day[data.prediction],
            ids=[f"n{i}" for i in range(30)],
            timestamps=stamps.dt.tz_convert("Europe/Paris").dt.tz_localize(None),
        )
    monitor.flush()
    audit = monitor.audit(["z7", "n7"]).set_index("id")
    # Truncated to the microsecond; a naive time is taken as UTC.
    assert audit.loc["z7", "timestamp"] == pd.Timestamp("2026-11-02 08:00:07.000007", tz="UTC")
    assert audit.loc["n7", "timestamp"] == pd.Timestamp("2026-11-02 09:00:07.000007", tz="UTC")


def test_messy_data_is_stored_and_reported_not_guessed(make_monitor: Any) -> None:
    monitor, data = make_monitor("control")
    day = _first_day(data).head(400)
    inputs = inputs_of(data, day).copy()
    # Text in a numerical column, an all-null column, out-of-order timestamps.
    inputs["age"] = inputs["age"].astype(object)
    inputs.loc[inputs.index[:40], "age"] = "unknown"
    inputs["work_hours"] = np.nan
    stamps = day["timestamp"].iloc[::-1].to_numpy()
    monitor.log(inputs, day[data.prediction], ids=day["student_id"], timestamps=stamps)
    # A small window elsewhere: 12 rows, fewer than min_rows.
    small = _first_day(data).tail(12)
    later = small["timestamp"] + pd.Timedelta(days=1)
    monitor.log(
        inputs_of(data, small), small[data.prediction], ids=small["student_id"], timestamps=later
    )
    monitor.log_labels(["nobody-1", "nobody-2", *day["student_id"].head(5)], [0, 1, 0, 0, 0, 0, 1])
    report = monitor.compute()
    assert report.unmatched_labels == 2
    assert any("2 labels have ids that match no logged prediction" in m for m in report.messages)
    assert monitor.backend.monitoring.get_monitor("edu", "dropout").rows == 412
    quality = monitor.results("quality")
    first = quality[quality["window_start"] == quality["window_start"].min()].set_index(
        ["subject", "metric"]
    )
    assert first.loc[("age", "type_mismatch"), "value"] == 40
    assert first.loc[("age", "type_mismatch"), "verdict"] == "alert"
    assert first.loc[("work_hours", "missing_rate"), "value"] == 1.0
    drift = monitor.results("drift").set_index(["window_start", "subject"])
    start = quality["window_start"].min()
    assert drift.loc[(start, "work_hours"), "verdict"] == "insufficient_data"
    small_window = drift.xs(start + pd.Timedelta(days=1), level=0)
    assert (small_window["verdict"] == "insufficient_data").all()
    message = small_window.loc["avg_grade", "detail"]["message"]
    assert "12" in message and "30" in message
    performance = monitor.results("performance")
    assert (performance[performance["subject"] == "*"]["verdict"] == "insufficient_data").all()


def test_replayed_batches_add_nothing_and_compute_is_incremental(make_monitor: Any) -> None:
    monitor, data = make_monitor("control")
    backend = monitor.backend
    day = _first_day(data).head(300)
    table, _ = headway.monitoring.batches.predictions_table(  # type: ignore[attr-defined]
        monitor.spec,
        inputs_of(data, day),
        day[data.prediction],
        ids=day["student_id"],
        timestamps=day["timestamp"],
    )
    first = backend.monitoring.log_predictions("edu", "dropout", table, batch="b-1")
    again = backend.monitoring.log_predictions("edu", "dropout", table, batch="b-1")
    assert first.rows == 300 and again.rows == 0 and again.duplicate
    assert monitor.compute().recomputed == 1
    assert monitor.compute().recomputed == 0
    monitor.log_labels(day["student_id"], day[data.label])
    report = monitor.compute()
    assert report.recomputed == 1
    assert (monitor.results("performance")["rows"] > 0).any()


def test_audit_trail_by_id_and_model_version(make_monitor: Any) -> None:
    monitor, data = make_monitor("control")
    day = _first_day(data).head(20)
    inputs = inputs_of(data, day)
    monitor.log(
        inputs.head(10),
        day[data.prediction].head(10),
        ids=day["student_id"].head(10),
        model_version=6,
    )
    monitor.log(inputs, day[data.prediction] * 0.5, ids=day["student_id"], model_version=7)
    monitor.log_labels(day["student_id"].head(3), [1, 0, 1])
    student = day["student_id"].iloc[1]
    both = monitor.audit(student)
    assert list(both["model_version"]) == [6, 7]
    v7 = monitor.audit([student], model_version=7)
    assert len(v7) == 1 and v7["label"].iloc[0] == 0
    assert v7[data.prediction].iloc[0] == pytest.approx(day[data.prediction].iloc[1] * 0.5)
    assert v7["avg_grade"].iloc[0] == day["avg_grade"].iloc[1]


def test_inputs_as_polars_arrow_and_single_rows(make_monitor: Any) -> None:
    monitor, data = make_monitor("control")
    day = _first_day(data).head(30)
    inputs = inputs_of(data, day)
    monitor.log(
        pl.from_pandas(inputs),
        pl.Series(day[data.prediction].to_numpy()),
        ids=day["student_id"].tolist(),
    )
    monitor.log(pa.Table.from_pandas(inputs, preserve_index=False), day[data.prediction].to_numpy())
    for i in range(5):
        monitor.log(
            inputs.iloc[i].to_dict(), float(day[data.prediction].iloc[i]), ids=f"single-{i}"
        )
    monitor.flush()
    assert monitor.backend.monitoring.get_monitor("edu", "dropout").rows == 65
    assert len(monitor.audit("single-3")) == 1


def test_rest_json_and_arrow(local_backend: LocalBackend, settings: Any) -> None:
    import threading
    import time

    import uvicorn

    from headway.server.app import create_app

    data = dataset("control")
    open_monitor(local_backend, data).close()
    config = uvicorn.Config(
        create_app(settings, local_backend), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        day = _first_day(data).head(40)
        frame = inputs_of(data, day).assign(score=day[data.prediction]).astype(object)
        rows = frame.where(frame.notna(), None).to_dict("records")  # JSON has no NaN
        base = f"{url}/api/v1/projects/edu/monitors/dropout"
        ids = day["student_id"].tolist()
        stamps = [t.isoformat() for t in day["timestamp"]]
        r = httpx.post(
            f"{base}/predictions",
            json={"rows": rows[:20], "ids": ids[:20], "timestamps": stamps[:20], "batch": "j1"},
        )
        assert r.status_code == 200 and r.json()["rows"] == 20
        r = httpx.post(
            f"{base}/predictions",
            json={"rows": rows[:20], "ids": ids[:20], "timestamps": stamps[:20], "batch": "j1"},
        )
        assert r.json()["rows"] == 0 and r.json()["duplicate"]
        arrow = pa.Table.from_pylist(rows[20:]).append_column("__id", pa.array(ids[20:]))
        arrow = arrow.append_column("__ts", pa.array(day["timestamp"].iloc[20:]))
        r = httpx.post(
            f"{base}/predictions",
            content=table_to_bytes(arrow),
            headers={"content-type": ARROW_STREAM},
        )
        assert r.status_code == 200 and r.json()["rows"] == 20
        bad = httpx.post(f"{base}/predictions", json={"rows": [{**rows[0], "oops": 1}]})
        assert bad.status_code == 400
        assert (
            bad.json()["error"]["code"] == "invalid_argument"
            and "oops" in bad.json()["error"]["message"]
        )
        r = httpx.post(f"{base}/labels", json={"ids": [*ids[:10], "ghost"], "labels": [0] * 11})
        assert r.json()["unmatched_ids"] == 1
        r = httpx.post(f"{base}/compute", json={})
        assert r.status_code == 200 and r.json()["windows"] == 1
        results = httpx.get(f"{base}/results", params={"kind": "drift"}).json()["results"]
        assert {x["subject"] for x in results} >= set(data.features)
        assert all("distribution" in x["detail"] for x in results if x["rows"])
        # A summary carries the same numbers without the histograms.
        summary = httpx.get(
            f"{base}/results", params={"kind": "drift", "detail": "summary"}
        ).json()["results"]
        assert [x["value"] for x in summary] == [x["value"] for x in results]
        assert not any("distribution" in x["detail"] for x in summary)
        assert summary[0]["detail"]["n_reference"] == results[0]["detail"]["n_reference"]
        bad = httpx.get(f"{base}/results", params={"detail": "some"})
        assert bad.status_code == 400 and "detail" in bad.json()["error"]["message"]
        audit = httpx.get(f"{base}/audit.json", params={"id": ids[25]}).json()["rows"]
        assert audit[0]["__id"] == ids[25]
        # The SDK over HTTP reads the same numbers.
        remote = HttpBackend(url)
        assert len(remote.monitoring.results("edu", "dropout", kinds=["drift"])) == len(results)
        assert remote.monitoring.audit("edu", "dropout", ids=[ids[25]]).num_rows == 1
        assert httpx.get(f"{url}/api/v1/projects/edu/monitors/nope").status_code == 404
        remote.close()
    finally:
        server.should_exit = True
        thread.join(10)


def test_worker_takes_each_job_once_and_survives_failures(local_backend: LocalBackend) -> None:
    data = dataset("control")
    monitor = open_monitor(local_backend, data)
    log_all(monitor, data, labels=False)
    monitor.flush()
    store = local_backend.service.store
    jobs = [j for j in store.jobs.list() if j.kind == JOB_KIND]
    assert len(jobs) == 1  # many batches, one queued job
    # Two workers: the job's key is held by the first, so the second finds nothing.
    a = Worker(store, {JOB_KIND: local_backend.monitoring_service.run_job}, name="a")
    b = Worker(store, {JOB_KIND: local_backend.monitoring_service.run_job}, name="b")
    local_backend.monitoring.recompute("edu", "dropout")
    a.run(until_idle=True)
    b.run(until_idle=True)
    done = [j for j in store.jobs.list() if j.state == "done"]
    # The logged batches' job (due 2 s after the first batch) may be due by now as well,
    # on a loaded machine: a runs whatever is due, b nothing.
    assert done and {j.worker for j in done} == {"a"} and b.processed == 0
    assert len(monitor.windows()) == 6
    # A failing job is recorded with its error and retried later; the worker goes on.
    store.jobs.enqueue(
        JOB_KIND, "monitor:x", {"project": "edu", "monitor": "missing"}, now=datetime.now(UTC)
    )
    job = a.run_once()
    assert job is not None and job.key == "monitor:x"
    assert job.state == "queued" and job.attempts == 1
    assert "no monitor 'missing'" in (job.error or "")
    monitor.close()


def test_cli_create_log_compute_results(
    tmp_path: Path, local_backend: LocalBackend, settings: Any
) -> None:
    data = dataset("control")
    open_monitor(local_backend, data).close()
    day = _first_day(data).head(200)
    path = tmp_path / "batch.parquet"
    inputs_of(data, day).assign(score=day[data.prediction], sid=day["student_id"]).to_parquet(path)
    store = ["--dir", str(settings.dir)]
    runner = CliRunner()
    out = runner.invoke(
        cli, ["monitor", "log", "edu", "dropout", str(path), "--id-column", "sid", *store]
    )
    assert out.exit_code == 0, out.output
    assert "stored 200 predictions" in out.output
    out = runner.invoke(cli, ["monitor", "compute", "edu", "dropout", *store])
    assert out.exit_code == 0 and "1 computed" in out.output, out.output
    out = runner.invoke(
        cli, ["monitor", "results", "edu", "dropout", "--kind", "drift", "--format", "csv", *store]
    )
    assert out.exit_code == 0 and "wasserstein" in out.output
    out = runner.invoke(cli, ["monitor", "ls", *store])
    assert "edu/dropout" in out.output
    out = runner.invoke(
        cli, ["monitor", "audit", "edu", "dropout", day["student_id"].iloc[0], *store]
    )
    assert day["student_id"].iloc[0] in out.output
    out = runner.invoke(cli, ["worker", "--once", *store])
    assert out.exit_code == 0 and "processed" in out.output
