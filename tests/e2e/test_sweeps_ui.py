"""The sweep pages in real Chromium against a real server.

The store is filled by ``headway.testing.sweep_data`` (public SDK only, in a subprocess):
the TPE sweep ``tune-lr`` (16 of its 40 trials run, some pruned by the median rule, still
running) and the two-metric NSGA-II sweep ``trade-off``. Another sweep is created and run
by an agent while its page is open, to see the page follow it live. Every page saves a
screenshot under test-output/ui/ (``sweep-*.png``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import ServerProcess, filled_server
from playwright.sync_api import Locator, Page, Route, expect

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
PROJECT = "tuning"
FILL = f"""
import dataclasses, json
from headway.testing.sweep_data import fill_sweep_project
print(json.dumps(dataclasses.asdict(fill_sweep_project({PROJECT!r}))))
"""


class Store:
    def __init__(self, server: ServerProcess, data: dict[str, Any]) -> None:
        self.url = server.url
        self.api = f"{server.url}/api/v1"
        self.data = data

    def sweep(self, sweep_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.api}/sweeps/{sweep_id}", timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def page(self, sweep_id: str) -> str:
        return f"{self.url}/projects/{PROJECT}/sweeps/{sweep_id}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with filled_server(tmp_path_factory.mktemp("sweeps-ui"), FILL) as (server, data):
        yield Store(server, data)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(200)  # let the last fetch paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def painted(canvas: Locator) -> float:
    """The share of a canvas's pixels that are not transparent."""
    share: float = canvas.evaluate(
        """c => {
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return n / (c.width * c.height);
        }"""
    )
    return share


def wait_for_state(store: Store, sweep_id: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        sweep = store.sweep(sweep_id)
        if sweep["state"] == state or time.monotonic() > deadline:
            assert sweep["state"] == state, sweep
            return sweep
        time.sleep(0.1)


def test_list_and_sweep_page(store: Store, page: Page) -> None:
    sweep_id = store.data["sweep"]
    api = store.sweep(sweep_id)
    counts = api["counts"]
    assert api["state"] == "running" and counts.get("pruned", 0) > 0, api

    # The project's nav leads to its sweeps.
    page.goto(f"{store.url}/projects/{PROJECT}")
    page.get_by_role("link", name="Sweeps", exact=True).click()
    expect(page.get_by_role("heading", name="Sweeps", exact=True)).to_be_visible()
    table = page.get_by_role("grid", name="Sweeps")
    row = table.get_by_role("row").filter(has_text="tune-lr")
    expect(row).to_contain_text("running")
    expect(row).to_contain_text("Bayesian (TPE)")
    expect(row).to_contain_text("minimize loss")
    expect(row).to_contain_text(f"{store.data['trials']}/40")
    best_value = api["best"][0]["values"][0]
    expect(row).to_contain_text(f"loss {best_value:.5g}")
    pareto_row = table.get_by_role("row").filter(has_text="trade-off")
    expect(pareto_row).to_contain_text("finished")
    expect(pareto_row).to_contain_text(
        f"{len(store.sweep(store.data['pareto_sweep'])['best'])} on the Pareto front"
    )
    shot(page, "sweep-list")

    row.get_by_role("link", name="tune-lr").click()
    expect(page.get_by_role("heading", name="tune-lr", exact=True)).to_be_visible()
    progress = page.get_by_role("group", name="Progress")
    expect(progress).to_contain_text(f"{store.data['trials']} of 40 trials")
    for state in ("finished", "pruned"):
        expect(progress).to_contain_text(f"{counts[state]} {state}")
    expect(progress).to_contain_text("0 failed")

    # The best run: its value, parameters and a link to its run.
    best = api["best"][0]
    panel = page.get_by_role("region", name="Best trial so far")
    expect(panel).to_contain_text(f"in trial {best['number']}")
    params = panel.get_by_role("table", name="Parameters of the best trial")
    expect(params).to_contain_text("optimizer")
    expect(params).to_contain_text(best["params"]["optimizer"])

    # Importance: fANOVA first, random forest on the switch; every parameter has a bar.
    importance = page.get_by_role("table", name="Parameter importance for loss")
    expect(importance).to_contain_text("fANOVA, from")
    for name in ("x", "lr", "optimizer"):
        expect(importance.get_by_role("row").filter(has_text=name)).to_have_count(1)
    widths = importance.locator(".bar").evaluate_all(
        "bars => bars.map(b => b.getBoundingClientRect().width)"
    )
    assert len(widths) == 3 and max(widths) > 50 and all(w > 0 for w in widths), widths
    page.get_by_role("radio", name="Random forest").click()
    expect(importance).to_contain_text("Random forest, from")

    # The contour: a heat map painted over the plot, the trials as dots.
    contour = page.get_by_role("img", name=re.compile(r"^Contour of loss over x and lr"))
    expect(contour).to_be_visible()
    assert painted(contour) > 0.2
    expect(page.get_by_label("Colour key of loss")).to_contain_text("lower (blue) is better")
    # Only numeric parameters can span a contour's axes.
    expect(page.get_by_label("Contour x").locator("option")).to_have_text(["x", "lr"])

    finished = counts["finished"]
    expect(
        page.get_by_role(
            "img",
            name=f"Optimisation history of loss over {finished} finished trials (lower is better)",
        )
    ).to_be_visible()
    expect(
        page.get_by_role(
            "img",
            name=re.compile(
                rf"^Parallel coordinates of {store.data['trials']} runs over x, lr, optimizer, loss"
            ),
        )
    ).to_be_visible()
    for name in ("x", "lr", "optimizer"):
        expect(page.get_by_role("figure", name=f"Slice of loss by {name}")).to_be_visible()
    expect(page.get_by_role("figure", name="Slice of loss by lr")).to_contain_text(
        "log-distributed"
    )
    trials = page.get_by_role("grid", name="Trials")
    expect(trials).to_have_attribute("aria-rowcount", str(store.data["trials"] + 1))
    expect(trials).to_contain_text("pruned at step")
    shot(page, "sweep-page")

    # Pause and resume, checked through the API.
    controls = page.get_by_role("group", name="Sweep controls")
    expect(controls.get_by_role("button", name="Resume")).to_be_disabled()
    controls.get_by_role("button", name="Pause").click()
    wait_for_state(store, sweep_id, "paused")
    expect(page.get_by_label("Sweep message")).to_contain_text("Paused")
    expect(controls.get_by_role("button", name="Pause")).to_be_disabled()
    expect(controls.get_by_role("button", name="Resume")).to_be_enabled()
    shot(page, "sweep-paused")
    controls.get_by_role("button", name="Resume").click()
    wait_for_state(store, sweep_id, "running")
    expect(controls.get_by_role("button", name="Pause")).to_be_enabled()

    # Cancel asks first; keeping the sweep changes nothing.
    controls.get_by_role("button", name="Cancel").click()
    dialog = page.get_by_role("dialog", name="Cancel the sweep tune-lr?")
    expect(dialog).to_contain_text("No new trials will start")
    shot(page, "sweep-cancel-dialog")
    dialog.get_by_role("button", name="Keep the sweep").click()
    expect(dialog).to_have_count(0)
    assert store.sweep(sweep_id)["state"] == "running"

    # The best run's link opens its run page.
    panel.get_by_role("link", name=f"Open the best run ({best['run_id']})").click()
    expect(page).to_have_url(f"{store.url}/runs/{best['run_id']}")
    page.go_back()

    # "Open in runs table": the runs page filtered on the sweep's tag, and the filter works.
    page.get_by_role("link", name="Open in runs table").click()
    expect(page).to_have_url(re.compile(r"/projects/tuning\?filter=tag\.headway\.sweep"))
    expect(page.get_by_text(f"{store.data['trials']} runs", exact=True)).to_be_visible()
    search = httpx.post(
        f"{store.api}/projects/{PROJECT}/runs/search",
        json={
            "filter": f'tag.headway.sweep = "{sweep_id}" and tag.headway.trial = "{best["number"]}"'
        },
        timeout=10,
    )
    assert search.status_code == 200, search.text
    assert [r["id"] for r in search.json()["runs"]] == [best["run_id"]]


def test_pareto_front(store: Store, page: Page) -> None:
    sweep_id = store.data["pareto_sweep"]
    api = store.sweep(sweep_id)
    front = api["best"]
    assert len(api["metrics"]) == 2 and 1 < len(front) < store.data["pareto_trials"], front
    page.goto(store.page(sweep_id))
    expect(page.get_by_role("heading", name="trade-off", exact=True)).to_be_visible()
    expect(page.get_by_text("Reached its run cap of 12")).to_be_visible()
    for name in ("Resume", "Pause", "Stop", "Cancel"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
    listed = page.get_by_role("table", name="Trials on the Pareto front")
    expect(listed.locator("tbody tr")).to_have_count(len(front))
    for trial in front:
        expect(listed.get_by_role("link", name=trial["run_id"])).to_be_visible()
    pareto = page.get_by_role("group", name="Pareto front of loss and latency")
    expect(pareto).to_contain_text(f"on the front ({len(front)})")
    scatter = pareto.get_by_role(
        "img", name=f"Scatter of latency against loss for {store.data['pareto_trials']} runs"
    )
    expect(scatter).to_be_visible()
    assert painted(scatter) > 0.001
    # width is a list of numbers: still a numeric parameter for the contour.
    expect(
        page.get_by_role("img", name=re.compile(r"^Contour of loss over width and dropout"))
    ).to_be_visible()
    shot(page, "sweep-pareto")


def test_page_follows_a_running_sweep(store: Store, page: Page) -> None:
    created = httpx.post(
        f"{store.api}/sweeps",
        json={
            "project": PROJECT,
            "name": "live",
            "config": {
                "method": "random",
                "metric": {"name": "loss", "goal": "minimize"},
                "parameters": {"x": {"min": 0.0, "max": 1.0}, "y": {"min": 0.0, "max": 1.0}},
                "run_cap": 4,
                "seed": 1,
            },
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    sweep_id = created.json()["id"]
    page.goto(store.page(sweep_id))
    progress = page.get_by_role("group", name="Progress")
    expect(progress).to_contain_text("0 of 4 trials")
    expect(page.get_by_text("No trial has started yet")).to_be_visible()

    agent = f"""
import time, headway
def train():
    run = headway.init()
    time.sleep(0.3)
    run.log({{"loss": (run.config["x"] - 0.5) ** 2 + run.config["y"]}})
    run.finish()
headway.agent({sweep_id!r}, function=train, url={store.url!r})
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADWAY_")}
    env.update({"HEADWAY_CAPTURE_SYSTEM_METRICS": "false", "HEADWAY_CAPTURE_PACKAGES": "false"})
    done = subprocess.run(
        [sys.executable, "-c", agent], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # No reload: the page polls while the sweep runs.
    expect(progress).to_contain_text("4 finished", timeout=15_000)
    expect(page.get_by_role("grid", name="Trials")).to_have_attribute("aria-rowcount", "5")
    expect(page.locator(".sw-state")).to_have_text("finished", timeout=15_000)
    expect(page.get_by_role("link", name=re.compile(r"^Open the best run"))).to_be_visible()


def _many_trials(template: dict[str, Any], n: int) -> list[dict[str, Any]]:
    trials = []
    for i in range(n):
        x = (i * 0.6180339887) % 2 - 1
        lr = 10 ** (-4 + (i * 0.41421356) % 4)
        optimizer = "adam" if i % 3 else "sgd"
        loss = (x - 0.3) ** 2 + 0.5 * ((i * 0.41421356) % 4 - 2) ** 2 + 0.05
        params = {"x": x, "lr": lr, "optimizer": optimizer}
        trials.append(
            {
                **template,
                "number": i,
                "params": params,
                "config": params,
                "values": [loss],
                "run_id": f"r{i}",
                "steps": [],
                "intermediate": [],
            }
        )
    return trials


def test_ten_thousand_trials_stay_fast(store: Store, page: Page) -> None:
    """The page's own drawing, at 10,000 trials: the trial list and the sweep are served
    from here (the store holds 16), the analyses by the real server."""
    sweep_id = store.data["sweep"]
    real = store.sweep(sweep_id)
    n = 10_000
    trials = _many_trials(real["best"][0], n)
    sweep = {
        **real,
        "state": "finished",
        "message": "",
        "total": n,
        "counts": {"finished": n},
        "run_cap": n,
        "best": [min(trials, key=lambda t: t["values"][0])],
    }
    body = json.dumps({"trials": trials})

    def trials_route(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=body)

    def sweep_route(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(sweep))

    page.route(f"**/api/v1/sweeps/{sweep_id}/trials?*", trials_route)
    page.route(f"**/api/v1/sweeps/{sweep_id}", sweep_route)
    start = time.monotonic()
    page.goto(store.page(sweep_id))
    expect(page.get_by_role("grid", name="Trials")).to_have_attribute("aria-rowcount", str(n + 1))
    expect(
        page.get_by_role("img", name=re.compile(rf"^Parallel coordinates of {n} runs"))
    ).to_be_visible()
    expect(
        page.get_by_role(
            "img", name=f"Optimisation history of loss over {n} finished trials (lower is better)"
        )
    ).to_be_visible()
    expect(page.get_by_role("figure", name="Slice of loss by lr")).to_be_visible()
    elapsed = time.monotonic() - start
    assert elapsed < 8, f"the page took {elapsed:.1f} s to draw {n} trials"
    # Canvas plots and a virtual table: the DOM stays small whatever the trial count.
    assert page.locator(".vtable-row").count() < 100
    assert page.locator("*").count() < 3000
    # Hovering the parallel coordinates finds a line among 10,000 without stalling.
    chart = page.get_by_role("img", name=re.compile(rf"^Parallel coordinates of {n} runs"))
    box = chart.bounding_box()
    assert box is not None
    hover_start = time.monotonic()
    for k in range(5):
        page.mouse.move(box["x"] + 100 + 60 * k, box["y"] + box["height"] / 2)
    assert time.monotonic() - hover_start < 3
    page.mouse.move(0, 0)
    shot(page, "sweep-10k")
