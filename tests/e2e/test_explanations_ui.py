"""The monitor's Explanations tab and an alert's importance shift, in real Chromium.

The store is filled in a subprocess by the real demo (``headway.demo.run_demo``): the
monitor ``dropout-risk`` of project ``student-dropout`` explains 1,000 predictions a week
with SHAP (``explain_rows=1000``), version 2 of the model begins scoring in week 3, and the
alert "Recall for at-risk students fell" is open. A second, tiny monitor
``no-explanations`` (explanations off) shows how to turn them on. What the pages show is
checked against the REST API's answers. Screenshots go to test-output/ui/
(``explanations-*.png`` and ``alert-root-cause-importance.png``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import ServerProcess, filled_server
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
PROJECT = "student-dropout"
MONITOR = "dropout-risk"
RECALL_RULE = "Recall for at-risk students fell"
FILL = f"""
import json
from datetime import UTC, datetime, timedelta
import headway
from headway.demo import run_demo
run_demo(project={PROJECT!r}, quiet=True)
import pandas as pd
reference = pd.DataFrame({{"age": [20 + i % 7 for i in range(60)], "score": [0.2] * 60}})
plain = headway.Monitor({PROJECT!r}, name="no-explanations", features=["age"],
                        prediction="score", window="1d", reference=reference)
now = datetime.now(UTC) - timedelta(days=1)
plain.log({{"age": [20 + i % 7 for i in range(40)]}}, [0.1 + i / 100 for i in range(40)],
          ids=[f"X{{i}}" for i in range(40)], timestamps=[now] * 40)
plain.compute()
plain.close()
print(json.dumps({{"project": {PROJECT!r}}}))
"""


class Store:
    def __init__(self, server: ServerProcess) -> None:
        self.url = server.url
        self.api = f"{server.url}/api/v1"
        self.monitor = f"{server.url}/projects/{PROJECT}/monitors/{MONITOR}"
        self.monitor_api = f"{self.api}/projects/{PROJECT}/monitors/{MONITOR}"

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.api}{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with filled_server(tmp_path_factory.mktemp("explanations-ui"), FILL) as (server, _data):
        yield Store(server)


def shot(page: Page, name: str, element: Locator | None = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # let the last fetch paint
    if element is None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    else:
        element.screenshot(path=str(SHOTS / f"{name}.png"))


def click_window(chart: Locator, index: int, count: int) -> None:
    """Click window ``index`` of ``count`` (equal widths) on a TimeChart."""
    over = chart.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    over.click(position={"x": box["width"] * (index + 0.5) / count, "y": box["height"] / 2})


def test_explanations_tab_windows_and_one_prediction(store: Store, page: Page) -> None:
    windows = store.get(f"/projects/{PROJECT}/monitors/{MONITOR}/windows")["windows"]
    starts = sorted(w["start"] for w in windows)
    shifts = {
        r["window_start"]: r
        for r in store.get(
            f"/projects/{PROJECT}/monitors/{MONITOR}/results", kind="explanation", subject="*"
        )["results"]
        if r["metric"] == "importance_shift"
    }
    assert len(shifts) == len(starts) == 8

    page.goto(f"{store.url}/projects/{PROJECT}/monitors/{MONITOR}")
    page.get_by_role("link", name="Explanations", exact=True).click()
    assert "tab=explanations" in page.url

    # Shares of the top inputs over the weeks, and the shift from the reference.
    over_time = page.get_by_role("region", name="Importance over time")
    expect(
        over_time.get_by_role("heading", name="What drives the model's scores, window by window")
    ).to_be_visible()
    shares = over_time.get_by_role("img", name="Importance share of each input over time")
    shift = over_time.get_by_role("img", name="Importance shift over time")
    expect(shares.locator("canvas")).to_have_count(1)
    expect(shift.locator("canvas")).to_have_count(1)
    expect(over_time.get_by_role("list", name="Inputs charted")).to_contain_text("attendance_rate")
    expect(over_time).to_contain_text("a new model version began scoring")

    # The latest window by default: every input, the method in words, the model version.
    window = page.get_by_role("region", name="Window explanation")
    expect(window).to_contain_text("Latest window")
    expect(window).to_contain_text("SHAP values of the log-odds (exact for this linear model)")
    expect(window.get_by_role("link", name="dropout-risk v2")).to_be_visible()
    table = window.get_by_role("table", name="Importance share of each input")
    expect(table.locator("tbody tr")).to_have_count(12)
    shot(page, "explanations-tab")

    # Select week 2 on the shift chart: scored by version 1, its own top-risk students.
    click_window(shift, 1, len(starts))
    expect(window).to_contain_text("Window: 1 Oct")
    expect(window.get_by_role("link", name="dropout-risk v1")).to_be_visible()
    assert "window=" in page.url
    top_rows = shifts[starts[1]]["detail"]["top_rows"]
    top = page.get_by_role("table", name="Highest-scored predictions")
    expect(top.get_by_role("button")).to_have_count(len(top_rows))
    first = top_rows[0]
    expect(top.locator("tbody tr").first).to_contain_text(first["row"])
    push = first["contributions"][0]
    expect(top.locator("tbody tr").first).to_contain_text(f"{push['feature']} = ")
    shot(page, "explanations-window")

    # One student: every input's push, ordered and signed as the REST answer says.
    top.get_by_role("button", name=first["row"], exact=True).click()
    assert f"id={first['row']}" in page.url
    answer = store.get(f"/projects/{PROJECT}/monitors/{MONITOR}/explain", id=first["row"])
    why = page.get_by_role("region", name="Why was this prediction made?")
    bars = why.get_by_role("table", name=f"What pushed the score of {first['row']} up or down")
    expect(bars.locator("tbody tr")).to_have_count(len(answer["contributions"]))
    features = bars.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.feature, r.dataset.direction])"
    )
    assert [f for f, _ in features] == [c["feature"] for c in answer["contributions"]]
    for (_, direction), c in zip(features, answer["contributions"], strict=True):
        assert direction == (
            "up" if c["contribution"] > 0 else "down" if c["contribution"] < 0 else "none"
        )
    expect(why).to_contain_text(f"dropout-risk v{answer['model_version']}")
    expect(why).to_contain_text("flagged as at risk" if answer["flagged"] else "not flagged")
    expect(why).to_contain_text("its average score on the reference data")
    shot(page, "explanations-prediction", why)

    # A student with pushes both ways (lowest risk of the latest window's explained rows).
    low = next(
        c
        for c in (
            store.get(f"/projects/{PROJECT}/monitors/{MONITOR}/explain", id=f"S2300{i:02d}")
            for i in range(20)
        )
        if any(x["contribution"] < 0 for x in c["contributions"])
        and any(x["contribution"] > 0 for x in c["contributions"])
    )
    form = why.get_by_role("form", name="Explain a prediction")
    form.get_by_label("Student or prediction id").fill(low["id"])
    form.get_by_role("button", name="Explain").click()
    mixed = why.get_by_role("table", name=f"What pushed the score of {low['id']} up or down")
    expect(mixed.locator("tbody tr[data-direction='down']").first).to_be_visible()
    expect(mixed.locator("tbody tr[data-direction='up']").first).to_be_visible()
    shot(page, "explanations-prediction-mixed", why)

    # An id nobody logged: said in words, not as an error.
    form.get_by_label("Student or prediction id").fill("S-nobody")
    form.get_by_role("button", name="Explain").click()
    expect(why.get_by_text("No prediction was logged with the id S-nobody")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    shot(page, "explanations-not-found", why)

    # From the explanation to the audit record and back.
    page.goto(f"{store.monitor}?tab=explanations&id={low['id']}")
    why.get_by_role("link", name=f"See the full audit record of {low['id']}").click()
    trail = page.get_by_role("table", name="Audit trail")
    expect(trail.get_by_role("columnheader", name=low["id"])).to_be_visible()
    trail.get_by_role("link", name="Why? (explanation)").click()
    assert "tab=explanations" in page.url
    expect(
        page.get_by_role("table", name=f"What pushed the score of {low['id']} up or down")
    ).to_be_visible()


def test_explanations_off_says_how_to_turn_them_on(store: Store, page: Page) -> None:
    page.goto(f"{store.url}/projects/{PROJECT}/monitors/no-explanations?tab=explanations")
    note = page.get_by_role("status").filter(has_text="Explanations are turned off")
    expect(note).to_contain_text("explain_rows=1000")
    expect(note).to_contain_text('model="name@alias"')
    expect(page.get_by_role("region", name="Importance over time")).to_have_count(0)
    expect(page.get_by_role("region", name="Why was this prediction made?")).to_have_count(0)
    shot(page, "explanations-off")


def test_alert_root_cause_shows_the_importance_shift(store: Store, page: Page) -> None:
    alerts = store.get("/alerts", project=PROJECT)["alerts"]
    (alert,) = [a for a in alerts if a["rule_name"] == RECALL_RULE]
    cause = store.get(f"/alerts/{alert['id']}/root-cause")
    assert cause["importance"], "the demo's root cause has an importance shift"

    page.goto(f"{store.url}/projects/{PROJECT}/alerts/{alert['id']}")
    root = page.get_by_role("region", name="Root cause")
    table = root.get_by_role("table", name="Importance shift")
    expect(table.locator("tbody tr")).to_have_count(len(cause["importance"]))
    expect(table.locator("tbody tr").first).to_contain_text(cause["importance"][0]["feature"])
    expect(root.get_by_role("link", name=re.compile("What drives the scores"))).to_have_attribute(
        "href", f"/projects/{PROJECT}/monitors/{MONITOR}?tab=explanations"
    )
    changes = root.get_by_role("list", name="Changes around the alert")
    serving = changes.get_by_role("listitem").filter(has_text="began scoring predictions")
    expect(serving).to_contain_text("dropout-risk v2")
    expect(serving.get_by_role("link")).to_have_attribute(
        "href", "/registry/dropout-risk?tab=compare&versions=2"
    )
    shot(page, "alert-root-cause-importance", root)
