"""What an unchanged MLflow script logs is ordinary Headway data in the web UI.

A real MLflow client script (a subprocess with MLFLOW_TRACKING_URI) logs to a real
``headway server``; real Chromium then finds the run in the experiment's project with its
params, metrics, key-value tags and files, and the registered model in the registry.
Screenshots: test-output/ui/mlflow-*.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import ServerProcess, free_port, run_script, script_env
from playwright.sync_api import Page, expect, sync_playwright

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
CHROMIUM = "/usr/bin/chromium"
SCRIPT = """
import json, mlflow, numpy as np
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment("At-risk students 2026")
rng = np.random.default_rng(0)
x = rng.random((80, 3)); y = (x.sum(axis=1) > 1.5).astype(int)
with mlflow.start_run(run_name="logreg-balanced") as run:
    mlflow.log_params({"C": 0.5, "class_weight": "balanced"})
    mlflow.set_tags({"team": "student-success", "semester": "fall-2026"})
    for epoch in range(20):
        mlflow.log_metric("val_auc", 0.6 + epoch / 60, step=epoch)
    mlflow.log_text("Flagged 12 students for outreach.", "reports/summary.txt")
    mlflow.sklearn.log_model(LogisticRegression(C=0.5).fit(x, y), name="model",
                             registered_model_name="dropout-risk-mlflow")
print(json.dumps({"run_id": run.info.run_id}))
"""


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    folder = tmp_path_factory.mktemp("mlflow-ui")
    server = ServerProcess(folder / "store", free_port())
    server.start()
    env = script_env(
        folder / "client",
        MLFLOW_TRACKING_URI=server.url,
        MLFLOW_REGISTRY_URI=server.url,
        MLFLOW_HTTP_REQUEST_MAX_RETRIES="0",
    )
    done = run_script(SCRIPT, env, timeout=180)
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout.strip().splitlines()[-1])["run_id"]
    yield server, run_id
    server.stop()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_mlflow_run_in_the_headway_ui(logged: tuple[ServerProcess, str], page: Page) -> None:
    server, run_id = logged
    # The experiment is a project, named after it.
    page.goto(f"{server.url}/projects/At-risk-students-2026")
    expect(page.get_by_text("logreg-balanced")).to_be_visible()
    expect(page.get_by_text("0.91667")).to_be_visible()
    shot(page, "mlflow-project")
    page.goto(f"{server.url}/runs/{run_id}")
    expect(page.get_by_role("heading", name="Key-value tags")).to_be_visible()
    expect(page.get_by_text("student-success")).to_be_visible()
    expect(page.get_by_text("balanced").first).to_be_visible()
    # The last val_auc, not the step-0 copy log_model re-sends.
    expect(page.get_by_text("0.91667").first).to_be_visible()
    shot(page, "mlflow-run-overview")
    page.goto(f"{server.url}/runs/{run_id}?tab=artifacts")
    expect(page.get_by_text(f"files-{run_id}").first).to_be_visible()
    expect(page.get_by_text("model:v0").first).to_be_visible()
    shot(page, "mlflow-run-artifacts")
    page.goto(f"{server.url}/registry/dropout-risk-mlflow")
    expect(page.get_by_text("dropout-risk-mlflow").first).to_be_visible()
    shot(page, "mlflow-registry-model")
