"""The web UI in real Chromium (Debian's, driven by Playwright) against a real server.

The server holds the education demo, a generated 10,000-run tuning project and a run
with a 1,000,000-step series containing one spike. Each test saves a screenshot under
test-output/ui/ — open them to see what a user sees.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from e2e_support import ServerProcess, free_port
from playwright.sync_api import Browser, Page, expect

from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.demo.training import run_demo
from headway.entities import ConsoleLine, LogBatch, RunCreate, Series
from headway.settings import Settings
from headway.testing.ui_data import LongRun, fill_long_run, fill_sweep_project

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
CHROMIUM = "/usr/bin/chromium"


class UiStore:
    def __init__(self, server: ServerProcess, long_run: LongRun, demo_ids: list[str]) -> None:
        self.server = server
        self.url = server.url
        self.long_run = long_run
        self.demo_ids = demo_ids


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiStore]:
    store = tmp_path_factory.mktemp("ui-store")
    backend = LocalBackend(Settings.from_env(dir=str(store)), migrate=True)
    long_run = fill_long_run(backend)
    fill_sweep_project(backend, project="kt-sweep", runs=10_000)
    backend.close()
    demo_ids = run_demo(dir=store, quiet=True)
    server = ServerProcess(store, free_port())
    server.start()
    yield UiStore(server, long_run, demo_ids)
    server.stop()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{request.node.name}.png"))
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def table_cells(page: Page, column: int) -> list[str]:
    rows = page.locator(".vtable-body [role=row][aria-rowindex]")
    return [rows.nth(i).locator("[role=gridcell]").nth(column).inner_text() for i in range(5)]


def test_runs_table_sorts_filters_groups_and_completes(ui: UiStore, page: Page) -> None:
    page.goto(f"{ui.url}/projects/kt-sweep?columns=summary.val/auc,config.optimizer")
    expect(page.locator(".count")).to_have_text("10,000 runs", timeout=20_000)

    # Sort by val/auc descending: two clicks on the header.
    header = page.get_by_role("button", name=re.compile(r"^val.auc"))
    header.click()
    with page.expect_response(
        lambda r: "/runs/search" in r.url and "-summary.val/auc" in (r.request.post_data or "")
    ):
        header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    page.wait_for_timeout(200)
    values = [float(v) for v in table_cells(page, 4)]
    assert values == sorted(values, reverse=True)

    # Autocomplete a field, then a value; apply the filter.
    box = page.get_by_role("combobox", name="Filter runs")
    box.fill("")
    box.type("config.opt")
    suggestions = page.get_by_role("listbox")
    expect(suggestions.get_by_role("option", name="config.optimizer")).to_be_visible()
    box.press("Tab")
    box.type("= ")
    box.type('"sg')
    expect(suggestions.get_by_role("option", name='"sgd"')).to_be_visible()
    box.press("Enter")
    assert box.input_value().strip() == 'config.optimizer = "sgd"'
    with page.expect_response(
        lambda r: "/runs/search" in r.url and "sgd" in (r.request.post_data or "")
    ):
        page.get_by_role("button", name="Apply").click()
    expect(page.locator(".count")).to_have_text("3,333 runs", timeout=20_000)
    assert set(table_cells(page, 5)) == {"sgd"}

    # A bad expression is a message naming the problem, and the table stays.
    box.fill("config.optimizer = = 3")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("The filter is not valid")

    # Group all runs by optimizer: three groups with aggregates.
    page.goto(f"{ui.url}/projects/kt-sweep?columns=summary.val/auc&group=config.optimizer")
    groups = page.locator(".group-row")
    expect(groups).to_have_count(3, timeout=20_000)
    expect(page.locator(".count")).to_have_text("10,000 runs", timeout=20_000)
    expect(groups.first).to_contain_text("runs")
    expect(groups.first.locator(".agg").first).to_contain_text("μ 0.6")
    groups.first.get_by_role("button", name=re.compile("adam")).click()
    assert page.locator(".vtable-body [role=row][aria-rowindex]").count() > 3


def test_chart_shows_the_spike_at_every_zoom(ui: UiStore, page: Page) -> None:
    long_run = ui.long_run
    page.goto(f"{ui.url}/runs/{long_run.run_id}?tab=charts")
    panel = page.locator("[data-panel='train/loss']")
    over = panel.locator(".u-over")
    expect(over).to_be_visible(timeout=20_000)

    def hover_at_step(step: float, lo: float, hi: float) -> str:
        box = over.bounding_box()
        assert box is not None
        x = box["x"] + box["width"] * (step - lo) / (hi - lo)
        page.mouse.move(x, box["y"] + box["height"] / 2)
        tip = panel.get_by_test_id("chart-tip")
        expect(tip).to_be_visible()
        return tip.inner_text()

    # The whole million steps: the spike's bucket reports it as its max.
    text = hover_at_step(long_run.spike_step, 0, long_run.steps - 1)
    assert "25" in text, text

    # Zoom in around the spike by dragging; the chart refines from the server.
    box = over.bounding_box()
    assert box is not None
    lo, hi = 0.70 * long_run.steps, 0.85 * long_run.steps
    y = box["y"] + box["height"] / 2
    with page.expect_response(lambda r: "/history/envelope" in r.url) as refined:
        page.mouse.move(box["x"] + box["width"] * 0.70, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.85, y, steps=5)
        page.mouse.up()
    envelope = refined.value.json()["runs"][long_run.run_id]["train/loss"]
    assert max(v for v in envelope["max"] if isinstance(v, float | int)) == long_run.spike_value
    assert envelope["edges"][0] >= lo - long_run.steps * 0.01
    assert envelope["edges"][-1] <= hi + long_run.steps * 0.01
    page.wait_for_timeout(300)
    text = hover_at_step(long_run.spike_step, envelope["edges"][0], envelope["edges"][-1] - 1)
    assert "25" in text, text
    expect(page.get_by_role("button", name="Reset zoom")).to_be_enabled()


def test_run_page_shows_config_console_and_system_metrics(ui: UiStore, page: Page) -> None:
    run_id = ui.long_run.run_id
    page.goto(f"{ui.url}/runs/{run_id}")
    expect(page.get_by_role("tree")).to_contain_text("transformer", timeout=20_000)
    expect(page.locator(".facts")).to_contain_text("trainer-01")
    expect(page.locator(".facts")).to_contain_text("train.py --steps 1000000")

    # Tags are editable and saved on the server.
    page.get_by_role("textbox", name="New tag").fill("reviewed")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".tag-list")).to_contain_text("reviewed")
    assert "reviewed" in httpx.get(f"{ui.url}/api/v1/runs/{run_id}").json()["tags"]

    page.get_by_role("link", name="Console").click()
    log = page.get_by_role("log", name="Console output")
    expect(log).to_contain_text("step 0: loss")
    page.get_by_role("searchbox", name="Search the console").fill("gradient norm")
    expect(page.locator(".console-tools")).to_contain_text("6 of 3,000 lines match")
    expect(log).to_contain_text("warning: gradient norm clipped")

    page.get_by_role("link", name="System").click()
    expect(page.locator("[data-panel='system/cpu_percent'] canvas")).to_be_visible(timeout=20_000)
    expect(page.locator("[data-panel='system/memory_percent']")).to_be_visible()


def test_compare_shows_the_differences_and_importance(ui: UiStore, page: Page) -> None:
    page.goto(f"{ui.url}/projects/student-dropout")
    # Five model variants, three data-preparation runs, the spring retrain and the
    # sweep's 20 trials.
    expect(page.locator(".count")).to_have_text("29 runs", timeout=20_000)
    page.get_by_role("checkbox", name="select logreg-C1", exact=True).check()
    page.get_by_role("checkbox", name="select logreg-C0.01", exact=True).check()
    page.get_by_role("button", name="Pin logreg-C1 as the baseline", exact=True).click()
    page.get_by_role("button", name="Compare 2 selected").click()

    expect(page.get_by_role("heading", name="Compare 2 runs")).to_be_visible(timeout=20_000)
    diff = page.get_by_role("grid", name="Differences between runs")
    # Only differences: the regularisation differs, the shared seed does not appear.
    expect(diff).to_contain_text("config.model.C")
    expect(diff).not_to_contain_text("config.seed")
    expect(diff).to_contain_text("baseline")
    page.get_by_role("checkbox", name="Only differences").uncheck()
    expect(diff).to_contain_text("config.seed")

    # All five runs: parallel coordinates, scatter and importance from the server.
    page.goto(f"{ui.url}/projects/kt-sweep/compare?filter=config.model.cell%20%3D%20%22gru%22")
    expect(page.get_by_role("heading", name=re.compile(r"Compare 3,\d{3} runs"))).to_be_visible(
        timeout=30_000
    )
    importance = page.get_by_role("table", name=re.compile("Parameter importance"))
    expect(importance).to_contain_text("hidden_size", timeout=30_000)
    first = importance.locator("tbody tr").first
    assert re.search(r"hidden_size|lr", first.inner_text())
    expect(
        page.get_by_role("img", name=re.compile("Parallel coordinates of 3,?\\d+ runs"))
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Scatter of"))).to_be_visible()


def test_live_run_updates_without_reload(ui: UiStore, page: Page) -> None:
    backend = HttpBackend(ui.url, timeout=30)
    # Real clock times: a heartbeat from the past would mark the run crashed, not live.
    now = time.time()
    try:
        steps = np.arange(5, dtype=np.int64)
        backend.log_batch(
            "liverun1",
            LogBatch(
                seq=0,
                create=RunCreate(project="live", id="liverun1", name="still-training"),
                metrics={
                    "train/loss": Series("train/loss", steps, steps * 1.0 + now, 1 / (steps + 1.0))
                },
                console=[ConsoleLine(now, "stdout", "epoch 1 done")],
                time=now,
            ),
        )
        page.goto(f"{ui.url}/runs/liverun1?tab=console")
        expect(page.get_by_role("log", name="Console output")).to_contain_text(
            "epoch 1 done", timeout=20_000
        )
        expect(page.locator(".live")).to_be_visible()
        backend.log_batch(
            "liverun1",
            LogBatch(seq=1, console=[ConsoleLine(now + 5, "stdout", "epoch 2 done")], time=now + 5),
        )
        expect(page.get_by_role("log", name="Console output")).to_contain_text(
            "epoch 2 done", timeout=10_000
        )
    finally:
        backend.close()


def test_empty_project_and_missing_pages_explain_themselves(ui: UiStore, page: Page) -> None:
    httpx.post(f"{ui.url}/api/v1/projects", json={"name": "brand-new"}).raise_for_status()
    page.goto(f"{ui.url}/projects/brand-new")
    expect(page.locator(".empty")).to_contain_text("headway.init", timeout=20_000)
    page.goto(f"{ui.url}/runs/does-not-exist")
    expect(page.get_by_role("alert")).to_contain_text("could not be loaded")
    page.goto(f"{ui.url}/nowhere/at/all")
    expect(page.get_by_role("alert")).to_contain_text("This page does not exist")
