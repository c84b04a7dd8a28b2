"""Experiments, runs, params, metrics, tags, log_batch, search and history through the
official ``mlflow`` client, unchanged, against ``headway server``."""

from __future__ import annotations

import math
import time
import uuid

import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException, RestException
from mlflow.tracking import MlflowClient

import mlflow

pytestmark = pytest.mark.usefixtures("tracking_uri")


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- experiments -----------------------------------------------------------------------------


@pytest.mark.mlflow_group("experiments")
def test_set_experiment_creates_then_reuses() -> None:
    name = _name("dropout")
    first = mlflow.set_experiment(name)
    again = mlflow.set_experiment(name)
    assert first.experiment_id == again.experiment_id
    assert first.lifecycle_stage == "active"
    assert MlflowClient().get_experiment_by_name(name).name == name
    assert MlflowClient().get_experiment_by_name(_name("nope")) is None


@pytest.mark.mlflow_group("experiments")
def test_default_experiment_exists() -> None:
    assert MlflowClient().get_experiment("0").name == "Default"


@pytest.mark.mlflow_group("experiments")
def test_free_text_names_rename_tags_delete_restore() -> None:
    client = MlflowClient()
    name = "/Shared/Essay scoring " + uuid.uuid4().hex[:6]
    exp_id = client.create_experiment(name, tags={"team": "edu"})
    with pytest.raises(MlflowException, match="RESOURCE_ALREADY_EXISTS"):
        client.create_experiment(name)
    client.set_experiment_tag(exp_id, "semester", "fall")
    client.delete_experiment_tag(exp_id, "team")
    got = client.get_experiment(exp_id)
    assert got.tags == {"semester": "fall"}
    client.rename_experiment(exp_id, name + " v2")
    assert client.get_experiment(exp_id).name == name + " v2"
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY)
    assert exp_id in {e.experiment_id for e in deleted}
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"


@pytest.mark.mlflow_group("experiments")
def test_search_experiments_filters_orders_and_pages() -> None:
    client = MlflowClient()
    stem = _name("page")
    ids = [client.create_experiment(f"{stem}-{i}", tags={"i": str(i)}) for i in range(5)]
    found = client.search_experiments(filter_string=f"name LIKE '{stem}-%'", order_by=["name DESC"])
    assert [e.experiment_id for e in found] == list(reversed(ids))
    page = client.search_experiments(filter_string=f"name LIKE '{stem}%'", max_results=2)
    assert len(page) == 2 and page.token
    rest = client.search_experiments(
        filter_string=f"name LIKE '{stem}%'", max_results=10, page_token=page.token
    )
    assert len(rest) == 3
    tagged = client.search_experiments(filter_string=f"tags.i = '3' and name LIKE '{stem}%'")
    assert [e.experiment_id for e in tagged] == [ids[3]]


@pytest.mark.mlflow_group("experiments")
def test_missing_experiment_errors() -> None:
    with pytest.raises(RestException) as err:
        MlflowClient().get_experiment("987654")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert err.value.get_http_status_code() == 404


# -- runs --------------------------------------------------------------------------------------


@pytest.mark.mlflow_group("runs")
def test_run_lifecycle_params_metrics_tags() -> None:
    mlflow.set_experiment(_name("runs"))
    with mlflow.start_run(run_name="lr-small", description="first try") as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"optimizer": "adam", "layers": 3})
        mlflow.set_tag("team", "edu")
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metric("acc", 0.9)
    got = MlflowClient().get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.info.run_name == "lr-small"
    assert got.info.end_time >= got.info.start_time
    assert got.data.params == {"lr": "0.01", "optimizer": "adam", "layers": "3"}
    assert got.data.metrics == {"loss": pytest.approx(0.2), "acc": pytest.approx(0.9)}
    assert got.data.tags["team"] == "edu"
    assert got.data.tags["mlflow.runName"] == "lr-small"
    assert got.data.tags["mlflow.note.content"] == "first try"


@pytest.mark.mlflow_group("runs")
def test_failed_run_nested_run_and_resume() -> None:
    mlflow.set_experiment(_name("nested"))
    with pytest.raises(ZeroDivisionError), mlflow.start_run() as parent:
        with mlflow.start_run(nested=True) as child:
            pass
        _ = 1 / 0
    client = MlflowClient()
    assert client.get_run(parent.info.run_id).info.status == "FAILED"
    assert client.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == parent.info.run_id
    with mlflow.start_run(run_id=child.info.run_id):
        mlflow.log_metric("resumed", 1)
    assert client.get_run(child.info.run_id).data.metrics["resumed"] == 1


@pytest.mark.mlflow_group("runs")
def test_update_delete_restore_and_delete_tag() -> None:
    client = MlflowClient()
    exp = client.create_experiment(_name("upd"))
    run = client.create_run(exp, run_name="before", tags={"k": "v"})
    client.update_run(run.info.run_id, name="after")
    client.delete_tag(run.info.run_id, "k")
    got = client.get_run(run.info.run_id)
    assert got.info.run_name == "after" and "k" not in got.data.tags
    client.set_terminated(run.info.run_id, "KILLED")
    assert client.get_run(run.info.run_id).info.status == "KILLED"
    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    with pytest.raises(MlflowException, match="must be in the 'active' state"):
        client.log_param(run.info.run_id, "x", "1")
    client.restore_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"


@pytest.mark.mlflow_group("runs")
def test_params_are_write_once() -> None:
    client = MlflowClient()
    run = client.create_run(client.create_experiment(_name("params")))
    client.log_param(run.info.run_id, "p", "1")
    client.log_param(run.info.run_id, "p", "1")  # the same value again is fine
    with pytest.raises(MlflowException, match="Changing param values is not allowed") as err:
        client.log_param(run.info.run_id, "p", "2")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(run.info.run_id).data.params == {"p": "1"}


@pytest.mark.mlflow_group("runs")
def test_missing_run_and_bad_keys() -> None:
    client = MlflowClient()
    with pytest.raises(RestException) as err:
        client.get_run("doesnotexist")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    run = client.create_run(client.create_experiment(_name("keys")))
    with pytest.raises(MlflowException, match=r"INVALID_PARAMETER_VALUE|Invalid"):
        client.log_metric(run.info.run_id, "a!b", 1.0)


# -- metrics and log_batch ----------------------------------------------------------------------


@pytest.mark.mlflow_group("metrics")
def test_history_keeps_every_point_with_steps_and_timestamps() -> None:
    client = MlflowClient()
    run = client.create_run(client.create_experiment(_name("hist")))
    rid = run.info.run_id
    t0 = int(time.time() * 1000)
    client.log_metric(rid, "m", 1.5, timestamp=t0, step=3)
    client.log_metric(rid, "m", 2.5, timestamp=t0 + 5, step=3)  # same step twice
    client.log_metric(rid, "m", 0.5, timestamp=t0 + 9, step=0)
    history = client.get_metric_history(rid, "m")
    assert sorted((p.timestamp, p.step, p.value) for p in history) == [
        (t0, 3, 1.5),
        (t0 + 5, 3, 2.5),
        (t0 + 9, 0, 0.5),
    ]


@pytest.mark.mlflow_group("metrics")
def test_non_finite_values_round_trip() -> None:
    client = MlflowClient()
    rid = client.create_run(client.create_experiment(_name("nan"))).info.run_id
    for step, value in enumerate([math.nan, math.inf, -math.inf, 1.0]):
        client.log_metric(rid, "x", value, step=step)
    values = [p.value for p in sorted(client.get_metric_history(rid, "x"), key=lambda p: p.step)]
    assert math.isnan(values[0]) and values[1:] == [math.inf, -math.inf, 1.0]


@pytest.mark.mlflow_group("metrics")
def test_long_history_pages() -> None:
    client = MlflowClient()
    rid = client.create_run(client.create_experiment(_name("long"))).info.run_id
    now = int(time.time() * 1000)
    for start in range(0, 30_000, 1000):
        client.log_batch(
            rid, metrics=[Metric("y", float(i), now + i, i) for i in range(start, start + 1000)]
        )
    history = client.get_metric_history(rid, "y")  # the client pages 25,000 at a time
    assert len(history) == 30_000
    assert [p.step for p in history[:3]] == [0, 1, 2]


@pytest.mark.mlflow_group("log_batch")
def test_log_batch_all_kinds_and_limits() -> None:
    client = MlflowClient()
    rid = client.create_run(client.create_experiment(_name("batch"))).info.run_id
    now = int(time.time() * 1000)
    client.log_batch(
        rid,
        metrics=[Metric("a", 1.0, now, 0), Metric("a", 2.0, now, 1)],
        params=[Param("p", "x")],
        tags=[RunTag("t", "y")],
    )
    got = client.get_run(rid)
    assert got.data.metrics["a"] == 2.0 and got.data.params["p"] == "x"
    assert got.data.tags["t"] == "y"
    store = client._tracking_client.store
    with pytest.raises(MlflowException, match="at most 1000 metrics") as err:
        store.log_batch(
            rid, metrics=[Metric("b", 1.0, now, i) for i in range(1001)], params=[], tags=[]
        )
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException, match="at most 100 params"):
        store.log_batch(rid, metrics=[], params=[Param(f"q{i}", "1") for i in range(101)], tags=[])
    with pytest.raises(MlflowException, match="Duplicate parameter keys"):
        store.log_batch(rid, metrics=[], params=[Param("dd", "1"), Param("dd", "2")], tags=[])
    # The client splits big batches itself, so a user never meets the limits.
    client.log_batch(rid, metrics=[Metric("big", float(i), now, i) for i in range(2500)])
    assert len(client.get_metric_history(rid, "big")) == 2500


# -- search --------------------------------------------------------------------------------------


@pytest.fixture
def search_experiment() -> str:
    client = MlflowClient()
    exp = client.create_experiment(_name("search"))
    for i in range(6):
        run = client.create_run(exp, run_name=f"r{i}", tags={"kind": "tree" if i % 2 else "Linear"})
        rid = run.info.run_id
        client.log_param(rid, "lr", str(0.1 * (i + 1))[:4])
        client.log_param(rid, "model", "rf" if i % 2 else "logreg")
        client.log_metric(rid, "acc", i / 10)
        if i < 4:
            client.set_terminated(rid, "FINISHED" if i % 3 else "FAILED")
    return exp


@pytest.mark.mlflow_group("search_runs")
def test_search_runs_filter_grammar(search_experiment: str) -> None:
    client = MlflowClient()

    def names(filter_string: str, **kw: object) -> list[str]:
        runs = client.search_runs([search_experiment], filter_string, **kw)  # type: ignore[arg-type]
        return sorted(r.info.run_name for r in runs)

    assert names("metrics.acc > 0.25") == ["r3", "r4", "r5"]
    assert names("metrics.acc >= 0.2 and params.model = 'rf'") == ["r3", "r5"]
    assert names("params.model != 'rf'") == ["r0", "r2", "r4"]
    assert names("tags.kind = 'Linear'") == ["r0", "r2", "r4"]
    assert names("tags.kind LIKE 'Lin%'") == ["r0", "r2", "r4"]
    assert names("tags.kind LIKE 'lin%'") == []  # LIKE is case-sensitive
    assert names("tags.kind ILIKE 'lin%'") == ["r0", "r2", "r4"]
    assert names("attributes.status = 'FAILED'") == ["r0", "r3"]
    assert names("run_name = 'r2'") == ["r2"]
    assert names("attributes.run_name LIKE 'r%' and metrics.acc < 0.15") == ["r0", "r1"]
    ids = [r.info.run_id for r in client.search_runs([search_experiment], "run_name = 'r1'")]
    assert names(f"attributes.run_id IN ('{ids[0]}')") == ["r1"]
    assert names("params.lr IS NULL") == []
    with pytest.raises(MlflowException, match="INVALID_PARAMETER_VALUE"):
        client.search_runs([search_experiment], "metrics.acc >")


@pytest.mark.mlflow_group("search_runs")
def test_search_runs_order_pages_and_view_types(search_experiment: str) -> None:
    client = MlflowClient()
    ordered = client.search_runs([search_experiment], order_by=["metrics.acc DESC"])
    assert [r.info.run_name for r in ordered] == ["r5", "r4", "r3", "r2", "r1", "r0"]
    two_keys = client.search_runs(
        [search_experiment], order_by=["params.model ASC", "metrics.acc DESC"]
    )
    assert [r.info.run_name for r in two_keys] == ["r4", "r2", "r0", "r5", "r3", "r1"]
    first = client.search_runs([search_experiment], max_results=4, order_by=["attributes.run_name"])
    assert [r.info.run_name for r in first] == ["r0", "r1", "r2", "r3"] and first.token
    second = client.search_runs(
        [search_experiment], max_results=4, order_by=["attributes.run_name"], page_token=first.token
    )
    assert [r.info.run_name for r in second] == ["r4", "r5"] and not second.token
    victim = first[0].info.run_id
    client.delete_run(victim)
    active = client.search_runs([search_experiment], run_view_type=ViewType.ACTIVE_ONLY)
    deleted = client.search_runs([search_experiment], run_view_type=ViewType.DELETED_ONLY)
    everything = client.search_runs([search_experiment], run_view_type=ViewType.ALL)
    assert len(active) == 5 and [r.info.run_id for r in deleted] == [victim]
    assert len(everything) == 6


@pytest.mark.mlflow_group("search_runs")
def test_fluent_search_runs_dataframe(search_experiment: str) -> None:
    df = mlflow.search_runs([search_experiment], filter_string="params.model = 'rf'")
    assert sorted(df["tags.mlflow.runName"]) == ["r1", "r3", "r5"]
    assert set(df["params.model"]) == {"rf"}
