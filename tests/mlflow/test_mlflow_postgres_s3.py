"""The MLflow API on a scaled-out server: PostgreSQL for the store, S3 (moto's server) for
the bytes. One compact scenario through the official client covers what differs from the
embedded store: the SQL of every MLflow table, paths and tags on PostgreSQL, and blobs on
an object store."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from e2e_support import HEADWAY, ServerProcess, free_port
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LogisticRegression

import mlflow

pytestmark = pytest.mark.postgres


@pytest.fixture
def scaled_out(
    postgres_url: str, s3_server: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    endpoint = s3_server.use_env(monkeypatch)  # type: ignore[attr-defined]
    bucket = s3_server.create_bucket()  # type: ignore[attr-defined]
    env = {
        **os.environ,
        "HEADWAY_DB_URL": postgres_url,
        "HEADWAY_ARTIFACTS_URL": f"s3://{bucket}/blobs",
        "HEADWAY_S3_ENDPOINT_URL": endpoint,
        "HEADWAY_CACHE_DIR": str(tmp_path / "cache"),
    }
    upgrade = subprocess.run(
        [HEADWAY, "db", "upgrade", "--db", postgres_url], env=env, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    server = ServerProcess(tmp_path / "store", free_port(), env=env)
    server.start()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", server.url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    from mlflow.tracking import fluent
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    monkeypatch.setattr(tracking_utils, "_tracking_uri", None)
    monkeypatch.setattr(registry_utils, "_registry_uri", None)
    monkeypatch.setattr(fluent, "_active_experiment_id", None)
    yield server.url
    server.stop()


@pytest.mark.mlflow_group("postgres_s3")
def test_the_mlflow_client_on_postgres_and_s3(scaled_out: str, tmp_path: Path) -> None:
    client = MlflowClient()
    name = f"Scaled out {uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(name)
    rng = np.random.default_rng(1)
    x = rng.random((40, 2))
    y = (x.sum(axis=1) > 1).astype(int)
    clf = LogisticRegression().fit(x, y)
    (tmp_path / "report" / "deep").mkdir(parents=True)
    (tmp_path / "report" / "deep" / "a_b%.txt").write_text("odd name")
    (tmp_path / "report" / "top.txt").write_text("top")
    with mlflow.start_run(run_name="pg") as run:
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("auc", 0.5 + i / 100, 1_700_000_000_000 + i, i) for i in range(50)],
            params=[Param("C", "1.0")],
            tags=[RunTag("mlflow.source.type", "JOB"), RunTag("team", "edu")],
        )
        mlflow.log_artifacts(str(tmp_path / "report"), "report")
        mlflow.sklearn.log_model(clf, name="model", registered_model_name="pg-s3-model")
    rid = run.info.run_id
    exp = client.get_experiment_by_name(name)
    assert exp is not None
    found = client.search_runs(
        [exp.experiment_id],
        "tags.`mlflow.source.type` = 'JOB' and params.C = '1.0' and metrics.auc > 0.9",
        order_by=["metrics.auc DESC"],
    )
    assert [r.info.run_id for r in found] == [rid]
    assert len(client.get_metric_history(rid, "auc")) == 50
    listed = {f.path for f in client.list_artifacts(rid, "report")}
    assert listed == {"report/deep", "report/top.txt"}
    deep = client.list_artifacts(rid, "report/deep")
    assert [f.path for f in deep] == ["report/deep/a_b%.txt"]
    back = Path(client.download_artifacts(rid, "report", str(tmp_path / "dl")))
    assert (back / "deep" / "a_b%.txt").read_text() == "odd name"
    client.set_registered_model_alias("pg-s3-model", "champion", "1")
    loaded = mlflow.pyfunc.load_model("models:/pg-s3-model@champion")
    assert (loaded.predict(x) == clf.predict(x)).all()
