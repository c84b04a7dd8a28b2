"""The model-monitoring pages in real Chromium against a real server.

The store is filled by ``headway.testing.monitoring_data`` (public SDK only, in a
subprocess): the registered model ``dropout-risk@production`` from a training run, and the
monitor ``dropout-risk`` with 14 daily windows of the synthetic ``"all"`` scenario — from
day 7 ``lms_logins_per_week`` shifts, ``avg_grade`` spreads, the new course "Data
Science" appears, the ``enrollment_type`` mix changes and ``work_hours`` goes 30 %
missing — with outcomes for all but the last three days. Every page saves a screenshot
under test-output/ui/ (``monitoring-*.png``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import ServerProcess, filled_server
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
CHROMIUM = "/usr/bin/chromium"
PROJECT = "dropout"
FILL = f"""
import dataclasses, json
from headway.testing.monitoring_data import fill_monitoring_project
print(json.dumps(dataclasses.asdict(fill_monitoring_project({PROJECT!r}))))
"""


class Store:
    def __init__(self, server: ServerProcess, data: dict[str, Any]) -> None:
        self.url = server.url
        self.data = data
        self.monitor = f"{server.url}/projects/{PROJECT}/monitors/{data['monitor']}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with filled_server(tmp_path_factory.mktemp("monitoring-ui"), FILL) as (server, data):
        yield Store(server, data)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # let the last fetch paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def click_cell(page: Page, label: str, row_key: str, col: int) -> None:
    """Click the heatmap cell of ``row_key`` in window ``col`` (negative: from the end)."""
    grid = page.get_by_role("grid", name=re.compile(f"^{re.escape(label)}"))
    expect(grid).to_be_visible()
    rows = (grid.get_attribute("data-rows") or "").split(",")
    cols = int(grid.get_attribute("aria-colcount") or 0)
    cell = float(grid.get_attribute("data-cell-width") or 0)
    row_height = float(grid.get_attribute("data-row-height") or 0)
    header = float(grid.get_attribute("data-header") or 0)
    assert row_key in rows, rows
    c = col % cols
    grid.click(
        position={"x": (c + 0.5) * cell, "y": header + (rows.index(row_key) + 0.5) * row_height}
    )


def test_monitor_list_overview_and_drift(store: Store, page: Page) -> None:
    data = store.data
    page.goto(f"{store.url}/monitors")
    expect(page.get_by_role("heading", name="Monitors of every project")).to_be_visible()
    table = page.get_by_role("grid", name="Monitors")
    row = table.get_by_role("row").filter(has_text=data["monitor"])
    expect(row).to_contain_text("dropout-risk@production")
    expect(row).to_contain_text("Needs attention")
    expect(row).to_contain_text("drifted")
    expect(row).to_contain_text("data quality")
    expect(row).to_contain_text(f"{data['rows']:,}")
    expect(row).to_contain_text(re.compile(r"\d+ of 14 windows"))
    shot(page, "monitoring-list")

    # The monitor: the latest window's findings in words, and where model and data come from.
    row.get_by_role("link", name=data["monitor"], exact=True).click()
    expect(page.get_by_role("heading", name=data["monitor"], exact=True)).to_be_visible()
    findings = page.get_by_role("region", name="Window findings")
    expect(findings).to_contain_text("Latest window")
    expect(findings).to_contain_text("lms_logins_per_week no longer looks like the reference data")
    expect(findings).to_contain_text(re.compile(r"work_hours is missing in \d+% of rows"))
    expect(findings).to_contain_text(
        'course has a category the reference never had: "Data Science"'
    )
    expect(findings).to_contain_text("No outcomes are known yet")
    model = page.get_by_role("region", name="Model and data")
    expect(model.get_by_role("link", name="dropout-risk@production")).to_be_visible()
    expect(model.get_by_role("link", name=f"run {data['train_run']}")).to_be_visible()
    expect(model.get_by_role("link", name="dropout-risk-reference:v0")).to_be_visible()
    expect(
        page.get_by_role("list", name="Windows by health").get_by_role("listitem")
    ).to_have_count(14)
    shot(page, "monitoring-overview")

    # Drift: click the shifted feature in the latest window.
    page.get_by_role("link", name="Drift", exact=True).click()
    click_cell(page, "Drift of each feature in each window", "lms_logins_per_week", -1)
    detail = page.get_by_role("region", name="Feature lms_logins_per_week")
    expect(detail).to_contain_text("Drifted")
    expect(detail).to_contain_text("Wasserstein distance")
    expect(detail).to_contain_text("drift when the distance reaches it")
    expect(
        detail.get_by_role("img", name=re.compile("^Distribution of lms_logins_per_week"))
    ).to_be_visible()
    expect(detail.get_by_role("img", name="Drift of lms_logins_per_week over time")).to_be_visible()
    assert "feature=lms_logins_per_week" in page.url
    expect(page.get_by_role("img", name="Share of drifted features per window")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Multivariate drift"))).to_be_visible()
    shot(page, "monitoring-drift")

    # Before the change the same feature did not drift; a category's bars name the new course.
    click_cell(page, "Drift of each feature in each window", "lms_logins_per_week", 0)
    expect(detail).to_contain_text("no drift")
    click_cell(page, "Drift of each feature in each window", "course", -1)
    course = page.get_by_role("region", name="Feature course")
    expect(course).to_contain_text("Jensen-Shannon distance")
    expect(course.locator("[data-category='Data Science']")).to_have_count(1)
    shot(page, "monitoring-drift-category")


def test_performance_fairness_quality_and_audit(store: Store, page: Page) -> None:
    data = store.data
    page.goto(f"{store.monitor}?tab=performance")
    chart = page.get_by_role("region", name="Performance over time")
    expect(chart.get_by_role("heading", name=re.compile("ROC AUC over time"))).to_be_visible()
    expect(chart).to_contain_text("estimated before outcomes are known (CBPE)")
    window = page.get_by_role("region", name="Window details")
    expect(window.get_by_role("table", name="Confusion matrix")).to_be_visible()
    expect(window.get_by_role("table", name="Metrics of the window")).to_contain_text("Recall")
    page.get_by_label("Split by segment").select_option("course")
    segments = page.get_by_role("region", name="ROC AUC by course")
    expect(segments.get_by_role("group", name="Groups shown")).to_contain_text("Data Science")
    shot(page, "monitoring-performance")

    # Fairness: the gaps of each attribute, their limits and what a verdict means.
    page.get_by_role("link", name="Fairness", exact=True).click()
    gaps = page.get_by_role("table", name="Fairness gaps across gender")
    expect(gaps.get_by_role("row").filter(has_text="Equalized odds difference")).to_contain_text(
        "≤ 0.1"
    )
    expect(page.get_by_text("standing gap", exact=True).first).to_be_visible()
    page.get_by_role("button", name="disability").click()
    expect(page.get_by_role("table", name="Fairness gaps across disability")).to_be_visible()
    expect(
        page.get_by_role("img", name="True positive rate of each group over time")
    ).to_be_visible()
    shot(page, "monitoring-fairness")

    # Data quality: the missing-value spike and the new course, with their windows.
    page.get_by_role("link", name="Data quality", exact=True).click()
    problems = page.get_by_role("table", name="Data-quality problems")
    missing = problems.get_by_role("row").filter(has_text="work_hours")
    expect(missing).to_contain_text("Missing values")
    expect(missing).to_contain_text("(7 of 14)")
    expect(missing).to_contain_text(re.compile(r"reference: \d(\.\d)?% missing"))
    expect(problems.get_by_role("row").filter(has_text="course")).to_contain_text("Data Science")
    missing.click()
    expect(page.get_by_role("region", name="work_hours: Missing values")).to_contain_text("Problem")
    shot(page, "monitoring-quality")

    # Audit: what the model saw and said for one student, and the real outcome.
    page.get_by_role("link", name="Audit", exact=True).click()
    form = page.get_by_role("form", name="Look up predictions")
    form.get_by_label("Student or prediction id").fill(
        f"{data['audit_id']}, {data['unlabelled_id']}"
    )
    form.get_by_role("button", name="Look up").click()
    trail = page.get_by_role("table", name="Audit trail")
    expect(trail.get_by_role("columnheader", name=data["audit_id"])).to_be_visible()
    expect(trail.get_by_role("row").filter(has_text="Model version")).to_contain_text("v1")
    outcome = trail.get_by_role("row").filter(has_text="Actual outcome")
    expect(outcome).to_contain_text(re.compile("prediction was (right|wrong)"))
    expect(outcome).to_contain_text("not known yet")
    expect(trail.get_by_role("row").filter(has_text="lms_logins_per_week")).to_be_visible()
    assert f"id={data['audit_id']}" in page.url
    shot(page, "monitoring-audit")

    form.get_by_label("Student or prediction id").fill("nobody")
    form.get_by_role("button", name="Look up").click()
    expect(page.get_by_text("No prediction was logged with the id nobody")).to_be_visible()


def test_empty_states_explain_what_to_do(store: Store, page: Page) -> None:
    page.goto(f"{store.url}/projects/{PROJECT}")
    page.locator(".project-nav").get_by_role("link", name="Monitors").click()
    expect(page.get_by_role("heading", name="Monitors", exact=True)).to_be_visible()
    assert page.url.endswith(f"/projects/{PROJECT}/monitors")
    page.goto(f"{store.url}/projects/elsewhere/monitors")
    expect(page.get_by_text("No model of elsewhere is monitored yet.")).to_be_visible()
    expect(page.locator("pre.code")).to_contain_text("headway.Monitor(")
    shot(page, "monitoring-empty")
    page.goto(f"{store.url}/projects/{PROJECT}/monitors/no-such-monitor")
    expect(page.get_by_role("alert")).to_contain_text("There is no monitor no-such-monitor")
