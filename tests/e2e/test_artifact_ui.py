"""The artifact and model-registry pages in real Chromium against a real server.

The store is filled by ``headway.testing.registry_data`` (public SDK only, in a
subprocess): a raw dataset, two cleanings of it, three models from training runs, and the
registered model ``dropout-risk`` with a promotion history and a webhook automation.
Every page saves a screenshot under test-output/ui/ (``artifacts-*.png``, ``registry-*.png``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import ServerProcess, free_port, run_script, script_env
from playwright.sync_api import Browser, Page, expect

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
CHROMIUM = "/usr/bin/chromium"
PROJECT = "dropout"
FILL = f"""
import dataclasses, json
from headway.testing.registry_data import fill_registry_project
print(json.dumps(dataclasses.asdict(fill_registry_project({PROJECT!r}))))
"""


class Store:
    def __init__(self, server: ServerProcess, data: dict[str, Any]) -> None:
        self.url = server.url
        self.api = f"{server.url}/api/v1"
        self.data = data


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("artifact-ui")
    done = run_script(FILL, script_env(folder / "store"), timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])
    server = ServerProcess(folder / "store", free_port())
    server.start()
    yield Store(server, data)
    server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # let the last fetch paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_artifact_browser_to_run_through_lineage(store: Store, page: Page) -> None:
    train_runs: list[str] = store.data["train_runs"]

    # The runs page of the project links to its artifacts from the top bar.
    page.goto(f"{store.url}/projects/{PROJECT}")
    page.get_by_role("link", name="Artifacts", exact=True).click()
    expect(page.get_by_role("heading", name="Artifacts")).to_be_visible()
    datasets = page.get_by_role("region", name="dataset artifacts")
    models = page.get_by_role("region", name="model artifacts")
    expect(datasets.get_by_role("row")).to_have_count(3)  # header + 2 datasets
    cleaned_row = datasets.get_by_role("row").filter(has_text="student_data_cleaned")
    expect(cleaned_row).to_contain_text("latest-clean → v1")
    expect(cleaned_row.get_by_role("gridcell").nth(1)).to_have_text("2")
    expect(models.get_by_role("row").filter(has_text="dropout-model")).to_contain_text("3")
    shot(page, "artifacts-list")

    # The artifact: its versions, newest first, with aliases, tags and producing runs.
    cleaned_row.get_by_role("link", name="student_data_cleaned").click()
    expect(page.get_by_role("heading", name="student_data_cleaned")).to_be_visible()
    rows = page.get_by_role("grid", name="Versions of student_data_cleaned").locator(
        "[role=row][aria-rowindex]"
    )
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("v1")
    expect(rows.first).to_contain_text("latest-clean")
    expect(rows.first).to_contain_text("clean")
    expect(rows.first.get_by_role("link", name=store.data["clean_runs"][1])).to_be_visible()
    shot(page, "artifacts-versions")

    # The version: what it is, and the runs around it.
    rows.first.get_by_role("link", name="v1").click()
    expect(page.get_by_role("heading", name="student_data_cleaned:v1")).to_be_visible()
    expect(page.get_by_text("Students with a grade; outliers removed.")).to_be_visible()
    runs = page.get_by_role("region", name="Runs")
    expect(runs.get_by_role("link", name="clean-v1")).to_be_visible()
    expect(runs).to_contain_text("Used by (3)")
    for name in ("train-h32", "train-h64", "train-h128"):
        expect(runs.get_by_role("link", name=name)).to_be_visible()
    shot(page, "artifacts-version-overview")

    # Files: a tree with a collapsible folder, and a CSV previewed as a table.
    page.get_by_role("link", name=re.compile(r"^Files \(5\)")).click()
    tree = page.get_by_role("tree")
    folder = tree.get_by_role("treeitem", name=re.compile(r"^▾ splits\W"))
    expect(tree.get_by_role("treeitem", name=re.compile("train.csv"))).to_be_visible()
    folder.click()
    expect(tree.get_by_role("treeitem", name=re.compile("train.csv"))).to_have_count(0)
    tree.get_by_role("treeitem", name=re.compile(r"^students\.csv")).click()
    table = page.get_by_role("grid", name="Rows of students.csv")
    count = re.compile(r"CSV · 5 columns · first 200 of \d+ rows")
    expect(page.locator(".table-count")).to_contain_text(count)
    expect(table.get_by_role("columnheader", name="attendance")).to_be_visible()
    expect(table.locator("[role=row][aria-rowindex='2']")).to_contain_text("s00001")
    assert "tab=files" in page.url and "file=students.csv" in page.url
    shot(page, "artifacts-file-csv")

    tree.get_by_role("treeitem", name=re.compile(r"^students\.parquet")).click()
    expect(page.locator(".table-count")).to_contain_text("PARQUET · 5 columns")
    tree.get_by_role("treeitem", name=re.compile(r"^stats\.json")).click()
    expect(page.get_by_label("Contents of stats.json")).to_contain_text('"dropout_rate":')

    # Lineage: upstream left, downstream right; hover highlights, click opens the run.
    page.get_by_role("link", name="Lineage", exact=True).click()
    graph = page.locator("svg.lineage-graph")
    expect(graph).to_be_visible()
    root = graph.locator(f"[data-node-id='{PROJECT}/student_data_cleaned:v1']")
    raw = graph.locator(f"[data-node-id='{PROJECT}/student_data:v0']")
    model = graph.locator(f"[data-node-id='{PROJECT}/dropout-model:v1']")
    raw_box, root_box, model_box = (n.bounding_box() for n in (raw, root, model))
    assert raw_box and root_box and model_box
    assert raw_box["x"] < root_box["x"] < model_box["x"], "data must flow left to right"
    trainer = graph.locator(f"[data-node-id='{train_runs[1]}']")
    trainer.hover()
    expect(graph.locator(".lineage-node.dim").first).to_be_attached()
    expect(graph.locator(".lineage-edge.lit")).to_have_count(2)
    shot(page, "artifacts-lineage")
    trainer.get_by_role("link").click()
    expect(page.get_by_role("heading", name="train-h64")).to_be_visible()
    assert page.url.endswith(f"/runs/{train_runs[1]}")

    # The run's Artifacts tab: what it used and produced, and its lineage.
    page.get_by_role("link", name="Artifacts", exact=True).click()
    inputs = page.get_by_role("table", name="Inputs")
    outputs = page.get_by_role("table", name="Outputs")
    expect(inputs.get_by_role("link", name="student_data_cleaned:v1")).to_be_visible()
    expect(outputs.get_by_role("link", name="dropout-model:v1")).to_be_visible()
    nodes = page.locator("svg.lineage-graph [data-node-id]")
    expect(nodes).to_have_count(5)  # two steps: the run, its data and model, and upstream
    expect(nodes.and_(page.locator(f"[data-node-id='{PROJECT}/student_data:v0']"))).to_be_visible()
    shot(page, "artifacts-run-tab")
    page.get_by_label("Lineage depth").select_option("1")
    expect(nodes).to_have_count(3)


def test_version_edit_diff_and_deleted_versions(store: Store, page: Page) -> None:
    base = f"{store.url}/projects/{PROJECT}/artifacts/student_data_cleaned"
    page.goto(f"{base}/v/v1")
    page.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit this version")
    form.get_by_label("Description").fill("Reviewed by the data team.")
    form.get_by_label(re.compile("^Tags")).fill("clean, gold")
    form.get_by_label(re.compile("^Aliases")).fill("latest-clean, reviewed")
    shot(page, "artifacts-version-edit")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Reviewed by the data team.")).to_be_visible()
    expect(page.locator(".page-head .alias-badge", has_text="reviewed")).to_be_visible()
    api = f"{store.api}/projects/{PROJECT}/artifacts/student_data_cleaned"
    saved = httpx.get(f"{api}/versions/reviewed")
    assert saved.json()["version"] == 1 and saved.json()["tags"] == ["clean", "gold"]

    # Compare with v0: files added and changed, with sizes; metadata differences.
    page.get_by_role("link", name="Compare versions").click()
    expect(page.get_by_label("Compare with version")).to_have_value("0")
    files = page.get_by_role("table", name="Changed files")
    expect(files.get_by_role("row").filter(has_text="students.parquet")).to_contain_text("added")
    expect(files.get_by_role("row").filter(has_text="splits/train.csv")).to_contain_text("changed")
    metadata = page.get_by_role("table", name="Metadata differences")
    expect(metadata.get_by_role("row").filter(has_text="min_attendance")).to_contain_text("0.6")
    shot(page, "artifacts-version-diff")

    # A deleted version is hidden until asked for.
    deleted = httpx.delete(f"{api}/versions/v0")
    assert deleted.status_code == 200, deleted.text
    page.goto(base)
    grid = page.get_by_role("grid", name="Versions of student_data_cleaned")
    expect(grid.locator("[role=row][aria-rowindex]")).to_have_count(1)
    page.get_by_label("Show deleted versions").check()
    expect(grid.locator("[role=row][aria-rowindex]")).to_have_count(2)
    expect(grid.locator(".deleted-row")).to_contain_text("v0deleted")
    expect(page.locator("details.artifact-history summary")).to_contain_text("events")
    shot(page, "artifacts-deleted-shown")


def test_file_previews_of_images_json_text_and_binary(store: Store, page: Page) -> None:
    base = f"{store.url}/projects/{PROJECT}/artifacts/dropout-model/v/v1"
    page.goto(f"{base}?tab=files&file=plots/roc.png")
    image = page.get_by_role("img", name="plots/roc.png")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.preview-image')?.naturalWidth > 0")
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [96, 64]
    shot(page, "artifacts-file-image")

    tree = page.get_by_role("tree")
    tree.get_by_role("treeitem", name=re.compile(r"^config\.json")).click()
    config = page.get_by_label("Contents of model/config.json")
    expect(config).to_contain_text('  "hidden_size": 64,')
    shot(page, "artifacts-file-json")
    tree.get_by_role("treeitem", name=re.compile(r"^README\.md")).click()
    expect(page.get_by_label("Contents of README.md")).to_contain_text("# dropout model h64")
    tree.get_by_role("treeitem", name=re.compile(r"^weights\.bin")).click()
    expect(page.get_by_role("status").filter(has_text="A binary file")).to_be_visible()
    download = page.get_by_role("link", name="Download")
    expect(download).to_have_attribute("href", re.compile(r"/files/model/weights\.bin$"))


def test_registry_promote_rollback_history_and_compare(store: Store, page: Page) -> None:
    page.goto(store.url)
    page.get_by_role("link", name="Registry", exact=True).click()
    models = page.get_by_role("grid", name="Registered models")
    row = models.get_by_role("row").filter(has_text="dropout-risk")
    expect(row.get_by_text("production → v2")).to_be_visible()
    expect(row.get_by_role("img", name="protected (role approver)")).to_be_visible()
    expect(row).to_contain_text("staging → v3")
    expect(row).to_contain_text("Predicts which students are at risk")
    shot(page, "registry-list")

    row.get_by_role("link", name="dropout-risk").click()
    card = page.get_by_role("region", name="Model card")
    expect(card.get_by_role("heading", name="Dropout risk")).to_be_visible()
    expect(card.locator("strong", has_text="at risk of dropping out")).to_be_visible()
    expect(card.locator("pre code")).to_contain_text('api.model_version("dropout-risk@production")')
    expect(card.get_by_role("link", name="the Headway docs")).to_have_attribute(
        "href", "https://example.org/headway"
    )
    aliases = page.get_by_role("region", name="Aliases")
    expect(aliases.get_by_role("row").filter(has_text="production")).to_contain_text("v2")
    expect(aliases).to_contain_text("role approver")
    versions = page.get_by_role("grid", name="Model versions")
    expect(versions.locator("[role=row][aria-rowindex]")).to_have_count(3)
    expect(versions.get_by_role("link", name="dropout-model:v2")).to_be_visible()
    shot(page, "registry-model")

    # Promote v3 to production: a confirmation that asks for the protected alias's role.
    page.get_by_role("button", name="Promote version 3").click()
    dialog = page.get_by_role("dialog", name="Promote version 3")
    expect(dialog.get_by_label("Alias")).to_have_value("production")
    expect(dialog).to_contain_text("production: v2 → v3")
    expect(dialog).to_contain_text("requires the role approver")
    dialog.get_by_role("textbox", name="Role").fill("viewer")
    dialog.get_by_role("button", name="Promote v3 to production").click()
    expect(dialog.get_by_role("alert")).to_contain_text("requires role 'approver'")
    dialog.get_by_role("textbox", name="Role").fill("approver")
    shot(page, "registry-promote-dialog")
    dialog.get_by_role("button", name="Promote v3 to production").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("production now points at version 3")
    expect(aliases.get_by_role("row").filter(has_text="production")).to_contain_text("v3")

    # Roll it back: to where it pointed before (v2).
    aliases.get_by_role("button", name="Roll back production").click()
    dialog = page.get_by_role("dialog", name="Roll back production")
    expect(dialog).to_contain_text("production: v3 → v2")
    dialog.get_by_role("textbox", name="Role").fill("approver")
    dialog.get_by_role("button", name="Roll back production to v2").click()
    expect(page.get_by_role("status")).to_contain_text("production now points at version 2")

    # History, newest first, filtered by alias; and what production was at a moment.
    page.get_by_role("link", name="History", exact=True).click()
    history = page.get_by_role("grid", name="Model history").locator("[role=row][aria-rowindex]")
    expect(history.nth(0)).to_contain_text("production → v2 (was v3) · rollback")
    expect(history.nth(1)).to_contain_text("production → v3 (was v2)")
    lookup = page.get_by_role("form", name="Alias at a time")
    lookup.get_by_role("button", name="Look up").click()
    expect(lookup.get_by_role("status")).to_contain_text("production pointed at v2")
    shot(page, "registry-history")
    page.get_by_label("Filter history by alias").select_option("staging")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("staging → v3 (new alias)")
    lookup.get_by_label("Date and time").fill("2001-01-01T00:00")
    lookup.get_by_role("button", name="Look up").click()
    expect(lookup.get_by_role("status")).to_contain_text("production was not set")

    # Automations and their deliveries.
    page.get_by_role("link", name="Automations", exact=True).click()
    hook = page.get_by_role("region", name="Automation notify-deploy")
    expect(hook).to_contain_text("alias_set")
    deliveries = hook.get_by_role("grid", name="Deliveries of notify-deploy")
    ok_rows = deliveries.locator("[role=row][aria-rowindex]").filter(has_text="✓ ok")
    expect(ok_rows).to_have_count(4)
    expect(ok_rows.first).to_contain_text("200")
    expect(ok_rows.first).to_contain_text('{"received": true}')
    shot(page, "registry-automations")

    # Compare versions 1 and 3: run metrics, artifact metadata, datasets used.
    page.get_by_role("link", name="Overview", exact=True).click()
    page.get_by_label("Select version 1 to compare").check()
    page.get_by_label("Select version 3 to compare").check()
    page.get_by_role("button", name="Compare 2 selected").click()
    table = page.get_by_role("table", name="Version comparison")
    expect(table.get_by_role("row").filter(has_text="val/accuracy")).to_contain_text("0.")
    expect(table.get_by_role("row").filter(has_text="hidden_size")).to_contain_text("128")
    datasets = table.get_by_role("row").filter(has_text="Datasets used")
    expect(datasets.get_by_role("link", name="student_data_cleaned:v1")).to_have_count(2)
    expect(table.locator("td.best")).not_to_have_count(0)
    shot(page, "registry-compare")


def test_registry_card_edit_and_automations_as_a_named_user(store: Store, page: Page) -> None:
    model_api = f"{store.api}/registry/models/dropout-risk"
    page.goto(f"{store.url}/registry/dropout-risk")

    # Nobody is set: the top bar says anonymous and how to change it; the name sticks.
    signed = page.get_by_role("group", name="Signed in as")
    expect(signed).to_contain_text("anonymous")
    expect(signed).to_contain_text("set your name")
    signed.get_by_role("button", name="anonymous").click()
    page.get_by_role("textbox", name="Your name").fill("  maria  ")
    page.get_by_role("textbox", name="Your name").press("Enter")
    expect(signed.get_by_role("button", name="maria", exact=True)).to_be_visible()
    page.reload()
    expect(signed.get_by_role("button", name="maria", exact=True)).to_be_visible()
    expect(signed).not_to_contain_text("set your name")

    # Edit the model card: a live preview while typing; Cancel discards, Save keeps.
    card = page.get_by_role("region", name="Model card")
    card.get_by_role("button", name="Edit").click()
    source = card.get_by_label("Markdown")
    original = source.input_value()
    assert original.startswith("# Dropout risk")
    source.fill("thrown away")
    card.get_by_role("button", name="Cancel").click()
    expect(card.get_by_role("heading", name="Dropout risk")).to_be_visible()
    expect(card).not_to_contain_text("thrown away")

    card.get_by_role("button", name="Edit").click()
    source.fill("x" * 100_001)  # over the server's limit: its message is shown
    card.get_by_role("button", name="Save").click()
    expect(card.get_by_role("alert")).to_contain_text("at most 100000")
    edited = original + "\n## Review\n\nApproved for the **spring term** by the board.\n"
    source.fill(edited)
    preview = card.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", name="Review")).to_be_visible()
    expect(preview.locator("strong", has_text="spring term")).to_be_visible()
    shot(page, "registry-card-edit")
    card.get_by_role("button", name="Save").click()
    expect(source).to_have_count(0)
    expect(card.get_by_role("heading", name="Review")).to_be_visible()
    expect(card.locator("strong", has_text="spring term")).to_be_visible()
    assert httpx.get(model_api).json()["description"] == edited

    # The history records it, with the name from the top bar as the actor.
    page.get_by_role("link", name="History", exact=True).click()
    newest = page.get_by_role("grid", name="Model history").locator("[role=row][aria-rowindex]")
    expect(newest.first).to_contain_text("description changed")
    expect(newest.first).to_contain_text("model card edited")
    expect(newest.first.get_by_role("gridcell").nth(1)).to_have_text("maria")

    # Create an automation: the server's own error for a short secret, then created.
    page.get_by_role("link", name="Automations", exact=True).click()
    page.get_by_role("button", name="New automation…").click()
    form = page.get_by_role("form", name="New automation")
    form.get_by_label("Name", exact=True).fill("notify-ci")
    for event in ("version_created", "alias_set", "tag_set"):
        expect(form.get_by_role("checkbox", name=re.compile(f"^{event}"))).to_be_visible()
    form.get_by_role("checkbox", name=re.compile("^alias_set")).check()
    form.get_by_label("Webhook URL").fill("http://127.0.0.1:9/hook")
    form.get_by_label("Secret (optional)").fill("too-short")
    form.get_by_role("button", name="Create automation").click()
    expect(form.get_by_role("alert")).to_contain_text("at least 16 characters")
    shot(page, "registry-automation-form")
    form.get_by_label("Secret (optional)").fill("a-secret-of-24-characters")
    form.get_by_role("button", name="Create automation").click()
    expect(form).to_have_count(0)
    hook = page.get_by_role("region", name="Automation notify-ci")
    expect(hook).to_contain_text("alias_set")
    expect(hook).to_contain_text("http://127.0.0.1:9/hook")
    expect(hook).to_contain_text("signed")
    expect(hook.locator(".state")).to_have_text("enabled")
    listed = httpx.get(f"{store.api}/registry/automations", params={"model": "dropout-risk"})
    (created,) = [a for a in listed.json()["automations"] if a["name"] == "notify-ci"]
    assert created["model"] == "dropout-risk" and created["events"] == ["alias_set"]

    # Disable it, then delete it after a confirmation.
    hook.get_by_role("button", name="Disable notify-ci").click()
    expect(hook.locator(".state")).to_have_text("disabled")
    expect(hook.get_by_role("button", name="Enable notify-ci")).to_be_visible()
    automation = f"{store.api}/registry/automations"
    listed = httpx.get(automation, params={"model": "dropout-risk"}).json()["automations"]
    assert [a["enabled"] for a in listed if a["id"] == created["id"]] == [False]
    hook.get_by_role("button", name="Delete notify-ci…").click()
    dialog = page.get_by_role("dialog", name="Delete automation notify-ci")
    expect(dialog).to_contain_text("http://127.0.0.1:9/hook")
    dialog.get_by_role("button", name="Delete notify-ci").click()
    expect(dialog).to_have_count(0)
    expect(hook).to_have_count(0)
    expect(page.get_by_role("region", name="Automation notify-deploy")).to_be_visible()
    listed = httpx.get(automation, params={"model": "dropout-risk"}).json()["automations"]
    assert created["id"] not in [a["id"] for a in listed]


def test_missing_pages_say_what_is_missing(store: Store, page: Page) -> None:
    page.goto(f"{store.url}/projects/{PROJECT}/artifacts/no_such_data/v/v4")
    expect(page.get_by_role("alert")).to_contain_text("no_such_data:v4 could not be loaded")
    page.goto(f"{store.url}/registry/no-such-model")
    expect(page.get_by_role("alert")).to_contain_text("no-such-model could not be loaded")
    shot(page, "registry-missing-model")
