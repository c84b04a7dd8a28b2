"""``headway import mlflow`` on stores written by the real ``mlflow`` client.

One script (run once per module, in its own process so MLflow's global state stays
there) writes the same experiments into an SQLite store and a file store and writes
down what it logged; the tests compare the imports against that, point for point. One
test logs to a real ``mlflow server`` and imports over HTTP; another imports into a real
``headway server`` and reads the result back with the MLflow client.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from headway.backend.base import BaseBackend
from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.cli.main import cli
from headway.cli.options import close_backends
from headway.entities import RunState, SearchQuery
from headway.entities.config import flatten, param_text
from headway.errors import InvalidArgument, Unavailable
from headway.importers import mlflow as importer_module
from headway.importers.common import ImportOptions, ImportReport, MissingDependency
from headway.importers.mlflow import MlflowImporter
from headway.settings import Settings

SCRIPT = textwrap.dedent(
    """
    import json, math, shutil, sys
    from pathlib import Path

    import mlflow
    import pandas as pd
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient
    from sklearn.linear_model import LinearRegression

    out = Path(sys.argv[1])
    BASE = 1_700_000_000_000  # ms
    PARAMS = {
        "lr": "0.01", "layers": "3", "flag": "True", "name": "x y", "opt.beta": "0.9",
        "opt.eps": "1e-08", "neg_zero": "-0", "nan": "nan", "json": '{"a": [1, 2]}',
        "empty": "", "model": "linear", "model.depth": "3",
    }
    TAGS = {"team": "edu", "mlflow.note.content": "hello notes", "unicode": "\\u00fc \\u2713"}

    def metric_points():
        loss = []
        for i in range(3000):
            value = 1.0 / (i + 1)
            value = {10: math.nan, 11: math.inf, 12: -math.inf}.get(i, value)
            loss.append([i // 3, BASE + i, value])  # three points a step
        acc = [[i, BASE + 5000 + i, i / 1000] for i in range(1000)]
        return {"loss": loss, "acc": acc}

    def build(uri, artifacts):
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        client = MlflowClient(uri, uri)
        client.search_experiments()  # creates the store
        location = (lambda name: None) if artifacts is None else (
            lambda name: str(artifacts / name))
        e1 = client.create_experiment(
            "/Shared/Essay scoring", artifact_location=location("essay"),
            tags={"purpose": "import test", "team": "edu"},
        )
        e2 = client.create_experiment("second", artifact_location=location("second"))
        client.create_experiment("empty", artifact_location=location("empty"))
        parent = client.create_run(e1, start_time=BASE, run_name="parent").info.run_id
        points = metric_points()
        metrics = [Metric(k, v, t, s) for k, rows in points.items() for s, t, v in rows]
        metrics.append(Metric("loss", 0.5, BASE - 1, -1))  # Headway refuses negative steps
        client.log_batch(parent, params=[Param(k, v) for k, v in PARAMS.items()],
                         tags=[RunTag(k, v) for k, v in TAGS.items()])
        for i in range(0, len(metrics), 1000):
            client.log_batch(parent, metrics=metrics[i : i + 1000])
        child = client.create_run(
            e1, start_time=BASE + 100, run_name="child",
            tags={"mlflow.parentRunId": parent},
        ).info.run_id
        client.log_metric(child, "acc", 0.25, timestamp=BASE + 200, step=1)
        client.set_terminated(child, "FINISHED", end_time=BASE + 300)
        files = out / "files"
        (files / "sub" / "deep").mkdir(parents=True, exist_ok=True)
        (files / "b.bin").write_bytes(bytes(range(256)) * 4)
        (files / "sub" / "deep" / "a.txt").write_text("deep text")
        client.log_artifacts(parent, str(files), "stuff")
        client.log_text(parent, "hello", "notes.txt")
        with mlflow.start_run(run_id=parent):
            info = mlflow.sklearn.log_model(
                LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), name="sk-model",
                registered_model_name="essay-model", pip_requirements=["scikit-learn"],
            )
            mlflow.log_input(mlflow.data.from_pandas(pd.DataFrame({"a": [1, 2]}), name="train"),
                             context="training")
        client.set_terminated(parent, "FINISHED", end_time=BASE + 10_000)
        client.update_registered_model("essay-model", description="Scores essays")
        client.set_registered_model_tag("essay-model", "owner", "edu")
        client.set_registered_model_alias("essay-model", "champion", 1)
        mv = client.create_model_version(
            "essay-model", f"runs:/{parent}/stuff", run_id=parent,
            description="the stuff folder", tags={"kind": "files"},
        )
        client.set_registered_model_alias("essay-model", "candidate", mv.version)
        failed = client.create_run(e2, start_time=BASE + 20_000, run_name="failed-one")
        client.log_param(failed.info.run_id, "seed", "7")
        client.set_terminated(failed.info.run_id, "FAILED", end_time=BASE + 21_000)
        gone = client.create_run(e2, run_name="gone").info.run_id
        client.delete_run(gone)
        running = client.create_run(e2, start_time=BASE + 30_000, run_name="still-running")
        free = client.create_logged_model(e2, name="free-model")  # no source run
        client.log_model_artifacts(free.model_id, str(files))
        client.finalize_logged_model(free.model_id, "READY")
        client.transition_model_version_stage("essay-model", mv.version, "Staging")
        return {
            "uri": uri, "parent": parent, "child": child, "failed": failed.info.run_id,
            "model_id": info.model_id, "points": points, "params": PARAMS, "tags": TAGS,
            "base": BASE, "running": running.info.run_id, "free_model": free.model_id,
        }

    (out / "sqlite").mkdir(parents=True)
    sqlite_uri = f"sqlite:///{out / 'sqlite' / 'mlflow.db'}"
    MlflowClient(sqlite_uri).search_experiments()  # an empty, migrated database …
    shutil.copy(out / "sqlite" / "mlflow.db", out / "server.db")  # … for the live server
    truth = {"sqlite": build(sqlite_uri, out / "sqlite" / "artifacts")}
    truth["file"] = build((out / "mlruns").resolve().as_uri(), None)
    (out / "truth.json").write_text(json.dumps(truth))
    """
)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with sqlite/mlflow.db, mlruns/, server.db (empty) and truth.json."""
    root = tmp_path_factory.mktemp("mlflow-stores")
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_TRACKING_URI": ""}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def truth(stores: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((stores / "truth.json").read_text())
    return loaded


def _import(backend: BaseBackend, source: str, project: str | None = None) -> ImportReport:
    importer = MlflowImporter(source)
    report = importer.import_all(backend, importer.discover(), ImportOptions(project=project))
    assert not report.failed, report.text()
    return report


def _points(rows: list[list[Any]]) -> list[tuple[int, int, str]]:
    """(step, ms, value) in a canonical order; NaN compares equal to itself as text."""
    return sorted((int(s), int(t), repr(float(v))) for s, t, v in rows)


def _history(backend: BaseBackend, run_id: str) -> dict[str, list[tuple[int, int, str]]]:
    keys = backend.metric_keys(run_id)
    return {
        key: _points(
            [
                [s, round(t * 1000), v]
                for s, t, v in zip(series.steps, series.times, series.values, strict=True)
            ]
        )
        for key, series in backend.get_history(run_id, keys).items()
    }


def _artifact_files(
    backend: BaseBackend, project: str, name: str, version: int
) -> dict[str, bytes]:
    out = {}
    for entry in backend.artifacts.files(project, name, version):
        assert entry.digest is not None
        out[entry.path] = b"".join(backend.artifacts.iter_blob(entry.digest))
    return out


def _snapshot(backend: BaseBackend) -> dict[str, Any]:
    """Everything an import creates, to check a second import adds nothing."""
    runs = {}
    for project in backend.list_projects():
        for run in backend.iter_runs(SearchQuery(project=project.name)):
            counts = {k: len(v) for k, v in _history(backend, run.id).items()}
            outputs = backend.artifacts.run_artifacts(run.id)["outputs"]
            runs[run.id] = (counts, sorted(v.qualified_name for v in outputs), run.updated_at)
    models = {
        rm.name: (
            [(v.version, v.artifact_ref, v.tags) for v in backend.registry.list_versions(rm.name)],
            rm.aliases,
        )
        for rm in backend.registry.list_models()
    }
    return {"runs": runs, "models": models}


def test_an_sqlite_store_is_imported_exactly(
    stores: Path, truth: dict[str, Any], local_backend: LocalBackend
) -> None:
    t = truth["sqlite"]
    report = _import(local_backend, str(stores / "sqlite" / "mlflow.db"))
    project = "Shared-Essay-scoring"

    parent = local_backend.get_run(t["parent"])  # the same run ids
    assert (parent.project, parent.name, parent.state) == (project, "parent", RunState.FINISHED)
    assert parent.created_at.timestamp() == t["base"] / 1000
    assert parent.finished_at is not None
    assert parent.finished_at.timestamp() == (t["base"] + 10_000) / 1000
    # Every point, NaN and ±inf included; the negative step is the one point left out.
    assert _history(local_backend, t["parent"]) == {
        key: _points(rows) for key, rows in t["points"].items()
    }
    # Params read back as the same strings; "model.depth" cannot sit under "model".
    params = {k: param_text(v) for k, v in flatten(parent.config).items()}
    assert params == {k: v for k, v in t["params"].items() if k != "model.depth"}
    assert parent.config["lr"] == 0.01 and parent.config["opt"] == {"beta": 0.9, "eps": 1e-08}
    assert {k: parent.kv_tags[k] for k in t["tags"]} == t["tags"]
    assert "mlflow.runName" not in parent.kv_tags
    assert parent.notes == "hello notes"
    assert parent.metadata["mlflow_outputs"] == [{"model_id": t["model_id"], "step": 0}]
    child = local_backend.get_run(t["child"])
    assert (child.parent_id, child.name, child.project) == (t["parent"], "child", project)
    assert _history(local_backend, t["child"]) == {"acc": [(1, t["base"] + 200, "0.25")]}
    failed = local_backend.get_run(t["failed"])
    assert (failed.project, failed.state, failed.config) == ("second", RunState.FAILED, {"seed": 7})
    assert local_backend.get_run(t["running"]).state is RunState.CRASHED  # never ended

    # The run's artifact tree: one version, an output of the run, byte for byte.
    outputs = {v.name: v for v in local_backend.artifacts.run_artifacts(t["parent"])["outputs"]}
    files = outputs[f"files-{t['parent']}"]
    assert (files.type, files.metadata) == ("run-files", {"mlflow_run_id": t["parent"]})
    assert _artifact_files(local_backend, project, files.name, files.version) == {
        "notes.txt": b"hello",
        "stuff/b.bin": bytes(range(256)) * 4,
        "stuff/sub/deep/a.txt": b"deep text",
    }
    # The logged model: a version of the artifact named like it, an output of its run.
    model = outputs["sk-model"]
    assert (model.type, model.metadata["mlflow_model_id"]) == ("model", t["model_id"])
    model_files = _artifact_files(local_backend, project, "sk-model", model.version)
    assert b"sk-model" in model_files["MLmodel"] or b"sklearn" in model_files["MLmodel"]

    # The registry: description, tags, both versions linked, aliases where they were.
    rm = local_backend.registry.get_model("essay-model")
    assert (rm.description, rm.tags) == ("Scores essays", {"owner": "edu"})
    v1, v2 = sorted(local_backend.registry.list_versions("essay-model"), key=lambda v: v.version)
    assert v1.tags == {
        "headway.mlflow.source": f"models:/{t['model_id']}",
        "headway.mlflow.model_id": t["model_id"],
    }
    assert (v1.artifact, v1.artifact_version, v1.run_id) == ("sk-model", model.version, t["parent"])
    assert v2.tags == {"headway.mlflow.source": f"runs:/{t['parent']}/stuff", "kind": "files"}
    assert (v2.artifact, v2.run_id, v2.description) == ("stuff", t["parent"], "the stuff folder")
    assert _artifact_files(local_backend, project, "stuff", v2.artifact_version) == {
        "b.bin": bytes(range(256)) * 4,
        "sub/deep/a.txt": b"deep text",
    }
    # The deprecated stage "Staging" is the alias of the same name.
    assert rm.aliases == {"champion": v1.version, "candidate": v2.version, "staging": v2.version}
    # A logged model without a run: an artifact version produced by no run.
    (free,) = local_backend.artifacts.list_versions("second", "free-model")
    assert (free.type, free.run_id, free.metadata["mlflow_model_id"]) == (
        "model",
        None,
        t["free_model"],
    )
    assert set(_artifact_files(local_backend, "second", "free-model", free.version)) == {
        "b.bin",
        "sub/deep/a.txt",
    }

    lines = report.text().splitlines()
    assert lines[0] == (
        f"4 runs imported into {project}, second: 4,001 points, 0 console lines, 3 files"
    )
    for expected in (
        "1 logged model without an imported run:",
        f"  logged model free-model ({t['free_model']}) -> second/free-model:v0 (2 files)",
        "registered models: 1 created, 0 already there; versions: 2 linked, "
        "0 already linked; aliases: 3 set, 0 unchanged",
        "1 dataset input skipped: MLflow dataset inputs are not imported",
        "2 experiments skipped: it has no runs",  # "empty", and MLflow's own "Default"
        "2 experiment tags skipped: Headway projects have no tags (run tags are kept)",
        "1 param skipped: its key is also a section of another param's dotted key in "
        "Headway's config",
        "1 run skipped: deleted in MLflow",
        "1 value skipped: steps must be between 0 and 2**62",
    ):
        assert expected in lines, (expected, report.text())


def test_importing_again_creates_nothing(stores: Path, local_backend: LocalBackend) -> None:
    source = str(stores / "sqlite" / "mlflow.db")
    _import(local_backend, source)
    before = _snapshot(local_backend)
    artifacts = {
        (a.project, a.name): a.version_count
        for p in local_backend.list_projects()
        for a in local_backend.artifacts.list_artifacts(p.name)
    }
    again = _import(local_backend, f"sqlite:///{stores / 'sqlite' / 'mlflow.db'}")
    assert _snapshot(local_backend) == before
    assert {
        (a.project, a.name): a.version_count
        for p in local_backend.list_projects()
        for a in local_backend.artifacts.list_artifacts(p.name)
    } == artifacts
    text = again.text()
    assert text.startswith("0 runs imported\n4 runs already imported (skipped):\n")
    assert (
        "registered models: 0 created, 1 already there; versions: 0 linked, "
        "2 already linked; aliases: 0 set, 3 unchanged"
    ) in text.splitlines()


def test_an_interrupted_import_is_finished_by_the_next(
    stores: Path,
    truth: dict[str, Any],
    local_backend: LocalBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run's points go in first; it is complete only once its files are in too."""
    t = truth["sqlite"]
    source = str(stores / "sqlite" / "mlflow.db")

    def lost(*args: object, **kwargs: object) -> None:
        raise Unavailable("the store went away")

    monkeypatch.setattr(local_backend.artifacts, "commit", lost)
    with pytest.raises(Unavailable):
        _import(local_backend, source)
    monkeypatch.undo()
    parent = local_backend.get_run(t["parent"])
    assert not parent.metadata["imported_from"].get("complete")
    report = _import(local_backend, source)
    assert [o.status for o in report.outcomes if o.run_id == t["parent"]] == ["resumed"]
    assert _history(local_backend, t["parent"]) == {
        key: _points(rows) for key, rows in t["points"].items()
    }
    assert local_backend.get_run(t["parent"]).metadata["imported_from"]["complete"] is True


def test_a_file_store_through_the_cli(
    stores: Path, truth: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = truth["file"]
    monkeypatch.chdir(tmp_path)  # MLflow must not leave an ./mlflow.db behind
    store = ["--dir", str(tmp_path / "store")]
    runner = CliRunner()
    first = runner.invoke(cli, ["import", "mlflow", str(stores / "mlruns"), "-p", "legacy", *store])
    close_backends()
    assert first.exit_code == 0, first.output
    assert first.output.startswith("4 runs imported into legacy: ")
    backend = LocalBackend(Settings.from_env(env={}, dir=str(tmp_path / "store")), migrate=False)
    try:
        runs = {r.name: r for r in backend.iter_runs(SearchQuery(project="legacy"))}
        assert set(runs) == {"parent", "child", "failed-one", "still-running"}
        assert runs["parent"].id == t["parent"]
        # What MLflow's own client reads from the file store, point for point.
        monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        from mlflow.tracking import MlflowClient

        client = MlflowClient(t["uri"])
        expected = {
            key: _points(
                [
                    [m.step, m.timestamp, m.value]
                    for m in client.get_metric_history(t["parent"], key)
                    if m.step >= 0
                ]
            )
            for key in ("loss", "acc")
        }
        assert _history(backend, t["parent"]) == expected
        assert len(expected["loss"]) >= len(t["points"]["loss"])
        versions = backend.registry.list_versions("essay-model")
        assert {v.tags["headway.mlflow.source"] for v in versions} == {
            f"models:/{t['model_id']}",
            f"runs:/{t['parent']}/stuff",
        }
        assert all(v.project == "legacy" for v in versions)
        before = _snapshot(backend)
        again = runner.invoke(
            cli, ["import", "mlflow", str(stores / "mlruns"), "-p", "legacy", *store]
        )
        close_backends()
        assert again.exit_code == 0, again.output
        assert again.output.startswith("0 runs imported\n")
        assert _snapshot(backend) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    finally:
        backend.close()


def test_into_a_headway_server_and_back_out_through_mlflow(
    stores: Path,
    truth: dict[str, Any],
    headway_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Imported over HTTP, the runs read back through Headway's MLflow API as the MLflow
    client read them from the source: the same representation as logging them there."""
    t = truth["sqlite"]
    result = CliRunner().invoke(
        cli, ["import", "mlflow", str(stores / "sqlite" / "mlflow.db"), "--url", headway_url]
    )
    close_backends()
    assert result.exit_code == 0, result.output
    from mlflow.tracking import MlflowClient

    source = MlflowClient(t["uri"], t["uri"])
    headway = MlflowClient(headway_url, headway_url)
    want, got = source.get_run(t["parent"]), headway.get_run(t["parent"])
    assert got.data.params == {k: v for k, v in want.data.params.items() if k != "model.depth"}
    assert got.data.tags == want.data.tags
    assert (got.info.run_name, got.info.status) == ("parent", "FINISHED")
    assert (got.info.start_time, got.info.end_time) == (want.info.start_time, want.info.end_time)
    # What was logged, ±infinity included (MLflow's own SQL store turns them into ±1.8e308).
    for key, rows in t["points"].items():
        history = headway.get_metric_history(t["parent"], key)
        assert _points([[m.step, m.timestamp, m.value] for m in history]) == _points(rows)
    assert headway.get_run(t["child"]).data.tags["mlflow.parentRunId"] == t["parent"]
    champion = headway.get_model_version_by_alias("essay-model", "champion")
    assert champion.source == f"models:/{t['model_id']}"
    import mlflow.artifacts

    # models:/ URIs resolve through the default registry, whatever registry_uri says.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", headway_url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", headway_url)
    monkeypatch.chdir(tmp_path)
    downloaded = Path(
        mlflow.artifacts.download_artifacts(
            "models:/essay-model@champion", dst_path=str(tmp_path / "champion")
        )
    )
    assert (downloaded / "MLmodel").is_file()

    # The run's files, committed as files-<run id>, list and download as in the source.
    def tree(client: Any, root: Path) -> dict[str, bytes]:
        folder = Path(client.download_artifacts(t["parent"], "", str(root)))
        return {
            str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()
        }

    assert {f.path for f in headway.list_artifacts(t["parent"])} == {
        f.path for f in source.list_artifacts(t["parent"])
    }
    original = tree(source, tmp_path / "s")
    assert len(original) >= 2 and any("/" in path for path in original)  # nested folders
    assert tree(headway, tmp_path / "h") == original
    http = HttpBackend(headway_url)
    try:
        files = http.artifacts.run_artifacts(t["parent"])["outputs"]
        assert {f"files-{t['parent']}", "sk-model", "stuff"} == {v.name for v in files}
    finally:
        http.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def mlflow_server(stores: Path, tmp_path: Path) -> Iterator[str]:
    """The real ``mlflow server`` on an empty SQLite store, proxying artifacts."""
    db = tmp_path / "server.db"
    shutil.copy(stores / "server.db", db)
    port = _free_port()
    log = (tmp_path / "mlflow-server.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "mlflow"),
            "server",
            "--backend-store-uri",
            f"sqlite:///{db}",
            "--artifacts-destination",
            str(tmp_path / "served-artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its uvicorn worker too is stopped with the group
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "mlflow-server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "mlflow server did not start"
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_from_a_live_mlflow_server(
    mlflow_server: str, tmp_path: Path, local_backend: LocalBackend
) -> None:
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(mlflow_server, mlflow_server)
    experiment = client.create_experiment("remote")
    run = client.create_run(experiment, run_name="over-http", start_time=1_700_000_000_000)
    run_id = run.info.run_id
    rows = [[i // 2, 1_700_000_000_000 + i, math.sin(i)] for i in range(500)]
    client.log_batch(run_id, metrics=[Metric("sin", v, t, s) for s, t, v in rows])
    client.log_param(run_id, "lr", "0.1")
    (tmp_path / "report.txt").write_text("served")
    client.log_artifact(run_id, str(tmp_path / "report.txt"), "reports")
    client.set_terminated(run_id, "KILLED")

    report = _import(local_backend, mlflow_server)
    assert report.text().startswith("1 run imported into remote: 500 points")
    imported = local_backend.get_run(run_id)
    assert (imported.name, imported.state, imported.config) == (
        "over-http",
        RunState.KILLED,
        {"lr": 0.1},
    )
    assert _history(local_backend, run_id) == {"sin": _points(rows)}
    assert _artifact_files(local_backend, "remote", f"files-{run_id}", 0) == {
        "reports/report.txt": b"served"
    }
    assert _import(local_backend, mlflow_server).text().startswith("0 runs imported\n")


def test_bad_sources_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hi")
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE things (x)")
    other.commit()
    other.close()
    cases = {
        str(tmp_path / "missing"): "no such file or folder, and not a tracking URI",
        str(tmp_path / "empty"): "is not an MLflow file store",
        str(tmp_path / "notes.txt"): "is neither an MLflow file store",
        str(tmp_path / "other.db"): "is an SQLite database but not an MLflow one",
        f"sqlite:///{tmp_path / 'nothing.db'}": "there is no SQLite file",
        f"http://127.0.0.1:{_free_port()}": "could not reach an MLflow server",
    }
    for source, message in cases.items():
        with pytest.raises(InvalidArgument, match=message):
            MlflowImporter(source).discover()
    assert not (tmp_path / "nothing.db").exists()  # MLflow was never asked to create it
    done = subprocess.run(
        [Path(sys.executable).parent / "headway", "import", "mlflow", "empty"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: empty is not an MLflow file store")


def test_names_are_the_ones_headways_mlflow_api_uses() -> None:
    from headway.server.mlflow import files, logged_models, registry, runs

    assert importer_module.RUN_FILES_TYPE == files.RUN_FILES_TYPE
    assert importer_module.MODEL_TYPE == logged_models.MODEL_TYPE
    assert importer_module.SOURCE_TAG == registry.SOURCE_TAG
    assert importer_module.MODEL_ID_TAG == registry.MODEL_ID_TAG
    assert importer_module.OUTPUTS == runs.OUTPUTS
    for name in ("sk-model", "my model", "_x", "a" * 200):
        assert importer_module.artifact_name(name) == logged_models.artifact_name(name)


def test_missing_mlflow_names_the_extra(monkeypatch: pytest.MonkeyPatch, stores: Path) -> None:
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    with pytest.raises(MissingDependency, match=r"pip install 'headway\[import-mlflow\]'"):
        MlflowImporter(str(stores / "sqlite" / "mlflow.db")).discover()
