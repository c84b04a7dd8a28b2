"""The feature-importance panel of the run page in real Chromium against a real server.

A training script (a subprocess, public SDK only) fits a dropout model on synthetic
students and calls ``run.log_explanations``; a second run logs no explanation. The
screenshot is test-output/ui/run-explanations.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import ServerProcess, filled_server
from playwright.sync_api import Page, expect

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
PROJECT = "student-dropout"
FILL = f"""
import json
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import headway

rng = np.random.default_rng(3)
n = 1500
X = pd.DataFrame(
    {{
        "attendance_rate": rng.uniform(0.3, 1.0, n),
        "avg_grade": rng.normal(70, 12, n),
        "lms_logins_per_week": rng.poisson(5, n).astype(float),
        "work_hours": rng.choice([0, 10, 20, 30], n).astype(float),
        "distance_km": rng.exponential(10, n),
        "age": rng.integers(17, 40, n).astype(float),
        "enrollment_type": rng.choice(["full-time", "part-time", "online"], n),
    }},
    index=pd.Index([f"s{{i:05d}}" for i in range(n)], name="student"),
)
risk = (
    -6 * (X["attendance_rate"] - 0.65)
    - 0.06 * (X["avg_grade"] - 70)
    + 0.05 * X["work_hours"]
    + 0.8 * (X["enrollment_type"] == "online")
)
y = (risk + rng.logistic(size=n) > 0).astype(int)
model = Pipeline([
    ("encode", ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), ["enrollment_type"])],
        remainder="passthrough",
    )),
    ("trees", GradientBoostingClassifier(random_state=0)),
]).fit(X, y)
with headway.init(project={PROJECT!r}, name="gbm-explained") as run:
    run.log({{"val/auc": 0.87}})
    explanation = run.log_explanations(model, X, y=y, max_rows=1000)
with headway.init(project={PROJECT!r}, name="no-explanations") as plain:
    plain.log({{"val/auc": 0.80}})
print(json.dumps({{
    "run": run.id,
    "plain": plain.id,
    "features": list(explanation.importance),
    "method": explanation.method,
}}))
"""


class Store:
    def __init__(self, server: ServerProcess, data: dict[str, Any]) -> None:
        self.url = server.url
        self.data = data


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with filled_server(tmp_path_factory.mktemp("explanations-ui"), FILL) as (server, data):
        yield Store(server, data)


def test_run_overview_shows_the_feature_importance(store: Store, page: Page) -> None:
    features: list[str] = store.data["features"]
    assert store.data["method"] == "shap-tree" and features[0] == "attendance_rate"
    page.goto(f"{store.url}/runs/{store.data['run']}")

    panel = page.get_by_role("region", name="Feature importance (SHAP)")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("How much each input moved this model's predictions")
    expect(panel.locator("caption")).to_contain_text("Method: shap-tree")
    rows = panel.get_by_role("row")
    expect(rows).to_have_count(1 + len(features))  # the header, then one row per input
    # Highest first, exactly as the SDK ranked them; the categorical column is one input.
    expect(panel.locator("tbody th")).to_have_text(features)
    assert "enrollment_type" in features
    widths = panel.locator(".bar").evaluate_all("bars => bars.map(b => b.offsetWidth)")
    assert widths == sorted(widths, reverse=True) and widths[0] > 5 * widths[-1]

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(200)  # let the last fetch paint
    page.screenshot(path=str(SHOTS / "run-explanations.png"), full_page=True)

    # The caption leads to the artifact with the per-student values.
    panel.get_by_role("link", name="explanation artifact").click()
    outputs = page.get_by_role("table", name="Outputs")
    expect(outputs).to_contain_text(f"explanations-{store.data['run']}:v0")
    expect(outputs).to_contain_text("explanation")


def test_a_run_without_explanations_has_no_panel(store: Store, page: Page) -> None:
    page.goto(f"{store.url}/runs/{store.data['plain']}")
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    expect(page.get_by_role("heading", name="Feature importance (SHAP)")).to_have_count(0)
