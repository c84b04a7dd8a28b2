"""SHAP per monitoring window and per prediction, by the registered model that scored.

The model is a real scikit-learn pipeline fitted on the synthetic reference, registered as
``dropout-risk`` with its pickle, and the logged scores are its own. In the
``variance_change`` scenario ``avg_grade`` is stretched 1.6x from day 3: a linear model's
SHAP values on it grow with its spread, so its share of the importance rises and the
importance shift with it, while the control scenario's stays small.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

import headway
from explain_support import (
    CATEGORICAL,
    MODEL_INPUTS,
    fit_model,
    log_days,
    open_monitor,
    register,
)
from headway.backend.local import LocalBackend
from headway.errors import InvalidArgument, NotFound
from headway.monitoring.synthetic import SyntheticMonitoringData
from headway.testing.artifact_contract import log
from monitoring_support import CHANGE_AT, dataset


@pytest.fixture
def scenario(local_backend: LocalBackend, tmp_path: Path) -> Any:
    def make(name: str) -> tuple[headway.Monitor, SyntheticMonitoringData, Pipeline]:
        data = dataset(name, rows_per_day=1_000)
        model = fit_model(data)
        version = register(local_backend, tmp_path, model)
        local_backend.registry.set_alias("dropout-risk", "production", version)
        monitor = open_monitor(local_backend, data, model)
        return monitor, data, model

    return make


def shift_by_day(monitor: headway.Monitor) -> pd.Series:
    r = monitor.results("explanation")
    shift = r[r["metric"] == "importance_shift"].set_index("window_start")["value"]
    return shift.sort_index()


def test_each_window_stores_importance_and_its_shift_from_the_reference(scenario: Any) -> None:
    monitor, data, model = scenario("variance_change")
    log_days(monitor, data, model)
    monitor.compute()
    r = monitor.results("explanation")
    windows = sorted(r["window_start"].unique())
    assert len(windows) == 6
    importance = r[r["metric"] == "importance"]
    assert set(importance["subject"]) == {*MODEL_INPUTS, *CATEGORICAL}
    assert (importance["rows"] == 400).all()
    share = importance.pivot(index="window_start", columns="subject", values="value")
    share = share.div(share.sum(axis=1), axis=0)["avg_grade"]
    before = share[share.index < CHANGE_AT]
    after = share[share.index >= CHANGE_AT]
    assert after.min() > before.max() + 0.05
    shift = shift_by_day(monitor)
    assert shift[shift.index >= CHANGE_AT].min() > 2 * shift[shift.index < CHANGE_AT].max()
    detail = r[(r["metric"] == "importance_shift")].iloc[-1]["detail"]
    assert detail["method"] == "shap-linear"
    assert detail["output_space"] == "log_odds"
    assert detail["shifts"][0]["feature"] == "avg_grade"
    assert detail["shifts"][0]["change"] > 0
    assert set(detail["model_versions"]) == {"1"}
    top = detail["top_rows"]
    assert len(top) == 10
    outputs = [row["output"] for row in top]
    assert outputs == sorted(outputs, reverse=True)
    # The highest-scored student's contributions add up to its log-odds with the base.
    row = monitor.explain(top[0]["row"])
    assert row.output == pytest.approx(top[0]["output"])


def test_a_stable_window_keeps_a_small_shift(scenario: Any) -> None:
    monitor, data, model = scenario("control")
    log_days(monitor, data, model)
    monitor.compute()
    assert shift_by_day(monitor).max() < 0.1


def test_recomputing_gives_the_same_explanations(scenario: Any) -> None:
    monitor, data, model = scenario("control")
    log_days(monitor, data, model)
    monitor.compute()
    first = monitor.results("explanation").sort_values(["window_start", "subject", "metric"])
    monitor.compute(force=True)
    again = monitor.results("explanation").sort_values(["window_start", "subject", "metric"])
    np.testing.assert_allclose(first["value"].to_numpy(float), again["value"].to_numpy(float))


def test_why_was_this_student_flagged(scenario: Any) -> None:
    monitor, data, model = scenario("control")
    cur = log_days(monitor, data, model)
    monitor.log_labels(cur["student_id"].head(50), cur[data.label].head(50))
    scores = model.predict_proba(cur[MODEL_INPUTS + CATEGORICAL])[:, 1]
    student = str(cur["student_id"].iloc[int(np.argmax(scores))])
    why = monitor.explain(student)
    assert why.id == student
    assert why.model == "dropout-risk" and why.model_version == 1
    assert why.method == "shap-linear" and why.output_space == "log_odds"
    assert why.flagged is True
    assert why.score == pytest.approx(scores.max())
    logit = model.decision_function(cur[MODEL_INPUTS + CATEGORICAL].iloc[[int(np.argmax(scores))]])
    assert why.output == pytest.approx(float(logit[0]))
    total = why.base_value + sum(c.contribution for c in why.contributions)
    assert total == pytest.approx(why.output)
    sizes = [abs(c.contribution) for c in why.contributions]
    assert sizes == sorted(sizes, reverse=True)
    assert {c.feature for c in why.contributions} == {*MODEL_INPUTS, *CATEGORICAL}
    grade = next(c for c in why.contributions if c.feature == "avg_grade")
    assert grade.value == pytest.approx(cur["avg_grade"].iloc[int(np.argmax(scores))])
    with pytest.raises(NotFound, match="no prediction with id 'nobody'"):
        monitor.explain("nobody")


def test_each_prediction_is_explained_by_the_version_that_made_it(
    scenario: Any, local_backend: LocalBackend, tmp_path: Path
) -> None:
    monitor, data, model = scenario("control")
    cur = data.current.head(200)
    inputs = cur[MODEL_INPUTS + CATEGORICAL]
    monitor.log(
        inputs,
        model.predict_proba(inputs)[:, 1],
        ids=cur["student_id"],
        timestamps=cur["timestamp"],
        model_version=1,
    )
    flipped = Pipeline([*model.steps[:-1], ("model", LogisticRegression(max_iter=500))])
    flipped.fit(data.reference[MODEL_INPUTS + CATEGORICAL], 1 - data.reference[data.label])
    v2 = register(local_backend, tmp_path, flipped, name="clf2")
    monitor.log(
        inputs,
        flipped.predict_proba(inputs)[:, 1],
        ids=cur["student_id"],
        timestamps=cur["timestamp"] + pd.Timedelta(hours=1),
        model_version=v2,
    )
    student = str(cur["student_id"].iloc[0])
    latest = monitor.explain(student)
    first = monitor.explain(student, model_version=1)
    assert (latest.model_version, first.model_version) == (2, 1)
    assert latest.output == pytest.approx(-first.output, abs=0.5)
    monitor.compute()
    r = monitor.results("explanation")
    detail = r[r["metric"] == "importance_shift"].iloc[0]["detail"]
    assert set(detail["model_versions"]) == {"1", "2"}
    versions = monitor.results("volume")
    by_version = versions[versions["subject"] == "model_version"]
    assert set(by_version["group"]) == {"1", "2"}
    assert by_version["value"].sum() == 400


def test_a_model_that_cannot_be_loaded_leaves_a_message_not_a_failure(
    local_backend: LocalBackend, tmp_path: Path
) -> None:
    data = dataset("control", rows_per_day=1_000)
    model = fit_model(data)
    log(local_backend, tmp_path, "edu", "broken", {"model.pkl": b"not a pickle"}, type="model")
    local_backend.registry.link("dropout-risk", project="edu", artifact="broken", selector=0)
    local_backend.registry.set_alias("dropout-risk", "production", 1)
    monitor = open_monitor(local_backend, data, model)
    log_days(monitor, data, model)
    report = monitor.compute()
    assert report.recomputed == 6
    assert monitor.results("explanation").empty
    assert not monitor.results("drift").empty
    messages = [m for w in monitor.backend.monitoring.windows("edu", "dropout") for m in w.messages]
    assert any("dropout-risk:v1 (model.pkl) could not be loaded" in m for m in messages)
    with pytest.raises(InvalidArgument, match="could not be loaded"):
        monitor.explain(str(data.current["student_id"].iloc[0]))


def test_explain_rows_is_validated(local_backend: LocalBackend, tmp_path: Path) -> None:
    data = dataset("control", rows_per_day=1_000)
    model = fit_model(data)
    with pytest.raises(InvalidArgument, match="explain_rows needs model="):
        open_monitor(local_backend, data, model, model=None)
    register(local_backend, tmp_path, model)
    with pytest.raises(InvalidArgument, match="explain_rows must be from 0 to 20,000"):
        open_monitor(local_backend, data, model, explain_rows=50_000)
    with pytest.raises(InvalidArgument, match="explain_rows must be a number"):
        open_monitor(local_backend, data, model, explain_rows="all")


def test_explanations_over_rest_and_the_http_client(
    scenario: Any, local_backend: LocalBackend, settings: Any
) -> None:
    import threading
    import time

    import httpx
    import uvicorn

    from headway.server.app import create_app

    monitor, data, model = scenario("control")
    cur = log_days(monitor, data, model)
    monitor.close()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, local_backend), host="127.0.0.1", port=0, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        student = str(cur["student_id"].iloc[5])
        local = local_backend.monitoring.explain_prediction("edu", "dropout", student)
        remote = headway.Monitor.get("edu", "dropout", url=url)
        try:
            over_http = remote.explain(student)
        finally:
            remote.close()
        assert over_http == local
        base = f"{url}/api/v1/projects/edu/monitors/dropout"
        missing = httpx.get(f"{base}/explain", params={"id": "nobody"})
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        bad = httpx.get(f"{base}/explain", params={"id": student, "model_version": 0})
        assert bad.status_code in (400, 422)
        assert "model_version" in bad.text
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_cli_explains_a_prediction_and_creates_explained_monitors(
    scenario: Any, settings: Any
) -> None:
    import json

    from click.testing import CliRunner

    from headway.cli.main import cli

    monitor, data, model = scenario("control")
    cur = log_days(monitor, data, model)
    monitor.close()
    store = ["--dir", str(settings.dir)]
    student = str(cur["student_id"].iloc[3])
    runner = CliRunner()
    shown = runner.invoke(
        cli, ["monitor", "explain", "edu", "dropout", student, "--top", "2", *store]
    )
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].startswith(f"{student}  ") and "dropout-risk v1" in lines[0]
    assert lines[1].startswith("shap-linear: log-odds")
    assert len(lines) == 5 and "(3 more inputs)" in lines[4]
    as_json = runner.invoke(
        cli, ["monitor", "explain", "edu", "dropout", student, "--json", *store]
    )
    body = json.loads(as_json.output)
    assert body["id"] == student and len(body["contributions"]) == 5
    missing = runner.invoke(cli, ["monitor", "explain", "edu", "dropout", "nobody", *store])
    assert missing.exit_code != 0 and "no prediction with id 'nobody'" in str(missing.exception)
    made = runner.invoke(
        cli,
        [
            "monitor",
            "create",
            "edu",
            "plain",
            "--features",
            "avg_grade",
            "--prediction",
            "score",
            "--explain-rows",
            "10",
            *store,
        ],
    )
    assert made.exit_code != 0 and "explain_rows needs model=" in str(made.exception)
