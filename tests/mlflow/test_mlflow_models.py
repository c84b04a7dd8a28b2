"""Artifacts through the ``mlflow-artifacts`` proxy, logged models, dataset inputs, the
model registry and ``models:/`` loading, with the official ``mlflow`` client; and the one
world: what MLflow writes is ordinary Headway data, and Headway's promotions are what
MLflow resolves."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException, RestException
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LogisticRegression

import mlflow
from headway.backend.http import HttpBackend
from headway.entities import SearchQuery

pytestmark = pytest.mark.usefixtures("tracking_uri")


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"attendance": rng.random(60), "grade": rng.random(60)})
    y = (x["attendance"] + x["grade"] < 1).astype(int).to_numpy()
    return x, y


# -- artifacts -------------------------------------------------------------------------------


@pytest.mark.mlflow_group("artifacts")
def test_upload_list_download_nested(tmp_path: Path) -> None:
    mlflow.set_experiment(_name("art"))
    folder = tmp_path / "out"
    (folder / "sub dir" / "deep").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha")
    (folder / "sub dir" / "deep" / "b.bin").write_bytes(bytes(range(256)) * 10)
    (folder / "empty.txt").write_bytes(b"")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(folder), artifact_path="bundle")
        mlflow.log_text("hello", "notes/readme.md")
        mlflow.log_dict({"k": [1, 2]}, "config.json")
    client = MlflowClient()
    rid = run.info.run_id
    top = {f.path: f.is_dir for f in client.list_artifacts(rid)}
    assert top == {"bundle": True, "notes": True, "config.json": False}
    inner = {f.path: (f.is_dir, f.file_size) for f in client.list_artifacts(rid, "bundle")}
    assert inner == {
        "bundle/a.txt": (False, 5),
        "bundle/empty.txt": (False, 0),
        "bundle/sub dir": (True, None),
    }
    dest = Path(client.download_artifacts(rid, "bundle", str(tmp_path / "dl")))
    assert (dest / "sub dir" / "deep" / "b.bin").read_bytes() == bytes(range(256)) * 10
    assert (dest / "empty.txt").read_bytes() == b""
    assert mlflow.artifacts.load_dict(f"runs:/{rid}/config.json") == {"k": [1, 2]}
    assert mlflow.artifacts.load_text(f"runs:/{rid}/notes/readme.md") == "hello"


@pytest.mark.mlflow_group("artifacts")
def test_large_file_is_streamed_past_the_request_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    chunk = os.urandom(1 << 20)
    with big.open("wb") as f:
        for _ in range(70):  # 70 MiB: over headway's 64 MiB cap on ordinary requests
            f.write(chunk)
    mlflow.set_experiment(_name("big"))
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big))
    back = Path(
        mlflow.artifacts.download_artifacts(
            f"runs:/{run.info.run_id}/big.bin", dst_path=str(tmp_path / "dl")
        )
    )
    assert back.stat().st_size == big.stat().st_size
    assert back.read_bytes()[-(1 << 20) :] == chunk


@pytest.mark.mlflow_group("artifacts")
def test_multipart_upload_in_parallel_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client's own switch and sizes, made small: 5 MiB in 1 MiB parts.
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(1 << 20))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(1 << 20))
    data = os.urandom(5 * (1 << 20) + 123)
    src = tmp_path / "weights.bin"
    src.write_bytes(data)
    import requests

    parts: list[str] = []
    real_put = requests.put

    def spy(url: str, *args: object, **kwargs: object) -> object:
        parts.append(url)
        return real_put(url, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(requests, "put", spy)
    mlflow.set_experiment(_name("mpu"))
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(src), artifact_path="ckpt")
    assert len(parts) == 6 and all("/mpu/part/" in u for u in parts)
    back = mlflow.artifacts.download_artifacts(
        f"runs:/{run.info.run_id}/ckpt/weights.bin", dst_path=str(tmp_path / "dl")
    )
    assert Path(back).read_bytes() == data
    files = MlflowClient().list_artifacts(run.info.run_id, "ckpt")
    assert [(f.path, f.file_size) for f in files] == [("ckpt/weights.bin", len(data))]


@pytest.mark.mlflow_group("artifacts")
def test_multipart_part_with_a_wrong_etag_is_refused(headway_server: object) -> None:
    import httpx

    url = headway_server.url  # type: ignore[attr-defined]
    base = f"{url}/api/2.0/mlflow-artifacts/mpu"
    created = httpx.post(f"{base}/create/0/x", json={"path": "/tmp/f.bin", "num_parts": 2}).json()
    first, second = (c["url"] for c in created["credentials"])
    etag = httpx.put(first, content=b"a" * 10).headers["ETag"]
    httpx.put(second, content=b"b" * 10)
    done = httpx.post(
        f"{base}/complete/0/x",
        json={
            "path": "/tmp/f.bin",
            "upload_id": created["upload_id"],
            "parts": [{"part_number": 1, "etag": etag}, {"part_number": 2, "etag": "bogus"}],
        },
    )
    assert done.status_code == 400
    assert done.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "ETag" in done.json()["message"]
    httpx.post(f"{base}/abort/0/x", json={"path": "/tmp/f.bin", "upload_id": created["upload_id"]})


@pytest.mark.mlflow_group("artifacts")
def test_missing_artifact_is_an_error(tmp_path: Path) -> None:
    mlflow.set_experiment(_name("miss"))
    with mlflow.start_run() as run:
        pass
    with pytest.raises(Exception, match=r"Failed to download|404|RESOURCE_DOES_NOT_EXIST"):
        mlflow.artifacts.download_artifacts(
            f"runs:/{run.info.run_id}/nope.txt", dst_path=str(tmp_path)
        )


# -- datasets and logged models -------------------------------------------------------------


@pytest.mark.mlflow_group("datasets")
def test_log_input_is_echoed_and_searchable() -> None:
    mlflow.set_experiment(_name("data"))
    df = pd.DataFrame({"x": [1, 2], "y": [0, 1]})
    dataset = mlflow.data.from_pandas(df, name="cohort-2026", targets="y")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
        mlflow.log_input(dataset, context="training")  # the same one again is kept once
    got = MlflowClient().get_run(run.info.run_id)
    inputs = got.inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "cohort-2026"
    assert inputs[0].dataset.digest == dataset.digest
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "training"
    found = MlflowClient().search_runs(
        [got.info.experiment_id], "datasets.name = 'cohort-2026' and datasets.context = 'training'"
    )
    assert [r.info.run_id for r in found] == [run.info.run_id]


@pytest.mark.mlflow_group("logged_models")
def test_log_model_and_load_it_back() -> None:
    mlflow.set_experiment(_name("lm"))
    x, y = _data()
    clf = LogisticRegression().fit(x, y)
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(clf, name="model", input_example=x.head(2))
    assert info.model_id.startswith("m-")
    client = MlflowClient()
    logged = client.get_logged_model(info.model_id)
    assert logged.status.to_proto() == logged.status.to_proto()  # parsed, not defaulted
    assert str(logged.status) in ("LoggedModelStatus.READY", "READY")
    assert logged.source_run_id == run.info.run_id
    loaded = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
    assert (loaded.predict(x) == clf.predict(x)).all()
    again = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    assert (again.predict(x) == clf.predict(x)).all()
    found = client.search_logged_models([run.info.experiment_id], filter_string="name = 'model'")
    assert [m.model_id for m in found] == [info.model_id]


@pytest.mark.mlflow_group("logged_models")
def test_sklearn_autolog_end_to_end() -> None:
    mlflow.set_experiment(_name("auto"))
    mlflow.sklearn.autolog()
    try:
        x, y = _data()
        LogisticRegression(C=0.5).fit(x, y)  # autolog starts and ends a run of its own
        run = mlflow.last_active_run()
        assert run is not None
    finally:
        mlflow.sklearn.autolog(disable=True)
    got = MlflowClient().get_run(run.info.run_id)
    assert got.data.params["C"] == "0.5"
    assert "training_accuracy_score" in got.data.metrics
    assert got.data.tags["mlflow.autologging"] == "sklearn"
    names = {f.path for f in MlflowClient().list_artifacts(run.info.run_id)}
    assert "estimator.html" in names
    assert got.outputs.model_outputs  # the logged model, recorded as the run's output


# -- registry ----------------------------------------------------------------------------------


@pytest.mark.mlflow_group("registry")
def test_register_alias_load_by_alias() -> None:
    name = _name("dropout-risk")
    mlflow.set_experiment(_name("reg"))
    x, y = _data()
    clf = LogisticRegression().fit(x, y)
    with mlflow.start_run():
        mlflow.sklearn.log_model(clf, name="model", registered_model_name=name)
    with mlflow.start_run():
        mlflow.sklearn.log_model(clf, name="model", registered_model_name=name)
    client = MlflowClient()
    versions = client.search_model_versions(f"name = '{name}'")
    assert sorted(v.version for v in versions) == ["1", "2"]
    assert all(v.status == "READY" for v in versions)
    client.set_registered_model_alias(name, "champion", "2")
    assert client.get_model_version_by_alias(name, "champion").version == "2"
    loaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    assert (loaded.predict(x) == clf.predict(x)).all()
    assert (mlflow.sklearn.load_model(f"models:/{name}/1").predict(x) == clf.predict(x)).all()
    assert (mlflow.sklearn.load_model(f"models:/{name}/latest").predict(x) == clf.predict(x)).all()
    with pytest.raises(MlflowException, match="reserved"):
        client.set_registered_model_alias(name, "latest", "1")
    client.delete_registered_model_alias(name, "champion")
    assert client.get_registered_model(name).aliases == {}
    # Deprecated stages still work, as the aliases of the same name.
    client.transition_model_version_stage(name, "1", "Production")
    assert client.get_model_version(name, "1").current_stage == "Production"
    assert client.get_registered_model(name).aliases == {"production": "1"}
    latest = client.get_latest_versions(name, stages=["Production"])
    assert [v.version for v in latest] == ["1"]
    assert (
        mlflow.sklearn.load_model(f"models:/{name}/Production").predict(x) == clf.predict(x)
    ).all()
    client.transition_model_version_stage(name, "1", "None")
    assert client.get_model_version(name, "1").current_stage == "None"


@pytest.mark.mlflow_group("registry")
def test_registry_tags_descriptions_search_rename_delete() -> None:
    client = MlflowClient()
    name = _name("essay")
    client.create_registered_model(name, tags={"team": "edu"}, description="scores essays")
    with pytest.raises(RestException) as err:
        client.create_registered_model(name)
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"
    mlflow.set_experiment(_name("reg2"))
    x, y = _data()
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(LogisticRegression().fit(x, y), name="essay-model")
    mv = mlflow.register_model(f"runs:/{run.info.run_id}/essay-model", name)
    assert mv.version == "1" and mv.run_id == run.info.run_id
    client.update_registered_model(name, description="v2 card")
    client.set_registered_model_tag(name, "stage", "pilot")
    client.delete_registered_model_tag(name, "team")
    client.update_model_version(name, "1", description="first")
    client.set_model_version_tag(name, "1", "validated", "yes")
    got = client.get_registered_model(name)
    assert got.description == "v2 card" and got.tags == {"stage": "pilot"}
    version = client.get_model_version(name, "1")
    assert version.description == "first" and version.tags == {"validated": "yes"}
    client.delete_model_version_tag(name, "1", "validated")
    found = client.search_registered_models(filter_string=f"name LIKE '{name[:8]}%'")
    assert name in {m.name for m in found}
    tagged = client.search_registered_models(filter_string="tags.stage = 'pilot'")
    assert name in {m.name for m in tagged}
    client.rename_registered_model(name, name + "-renamed")
    assert client.get_model_version(name + "-renamed", "1").version == "1"
    client.delete_model_version(name + "-renamed", "1")
    with pytest.raises(RestException) as missing:
        client.get_model_version(name + "-renamed", "1")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.delete_registered_model(name + "-renamed")
    with pytest.raises(RestException):
        client.get_registered_model(name + "-renamed")


# -- one world ----------------------------------------------------------------------------------


@pytest.mark.mlflow_group("one_world")
def test_mlflow_data_is_headway_data_and_back(headway_server: object) -> None:
    url = headway_server.url  # type: ignore[attr-defined]
    exp_name = _name("one-world")
    mlflow.set_experiment(exp_name)
    x, y = _data()
    clf = LogisticRegression().fit(x, y)
    with mlflow.start_run(run_name="from-mlflow") as run:
        mlflow.log_param("C", 1.0)
        mlflow.log_metric("val_acc", 0.8, step=1)
        mlflow.set_tag("team", "edu")
        mlflow.log_text("note", "notes.txt")
        mlflow.sklearn.log_model(clf, name="model", registered_model_name=exp_name)
    backend = HttpBackend(url)
    try:
        project = MlflowClient().get_experiment_by_name(exp_name)
        headway_run = backend.get_run(run.info.run_id)
        # The experiment's project holds the run, with its params, metrics and tags.
        page = backend.search_runs(
            SearchQuery(project=headway_run.project, filter='tag.team = "edu"')
        )
        assert [r.id for r in page.runs] == [run.info.run_id]
        assert headway_run.name == "from-mlflow"
        assert headway_run.config == {"C": 1.0}
        assert headway_run.metrics["val_acc"]["last"] == 0.8
        # log_model re-sends the metric tagged with the model id: no second point.
        assert headway_run.metrics["val_acc"]["count"] == 1
        outputs = backend.artifacts.run_artifacts(run.info.run_id)["outputs"]
        kinds = {v.type for v in outputs}
        assert {"model", "run-files"} <= kinds
        # A registered model version is a Headway registry version of that model artifact.
        registry = backend.registry.with_user("head-of-data")
        version = registry.get_version(exp_name, 1)
        assert version.run_id == run.info.run_id
        # A promotion made in Headway is what MLflow resolves.
        registry.set_alias(exp_name, "production", 1)
        loaded = mlflow.pyfunc.load_model(f"models:/{exp_name}@production")
        assert (loaded.predict(x) == clf.predict(x)).all()
        assert MlflowClient().get_model_version(exp_name, "1").current_stage == "Production"
        assert project is not None
    finally:
        backend.close()
