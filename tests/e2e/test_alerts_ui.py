"""The alerts pages in real Chromium against a real server.

The store is filled in a subprocess by ``headway.testing.monitoring_data`` (the monitor
``dropout-risk`` with 14 daily windows; from ``change_start`` on ``lms_logins_per_week``
drifts) plus one rule made with the SDK, ``logins drifted`` (critical, the monitor's drift
verdict on that feature), which is judged at once and opens one firing alert. The tests add
a webhook channel to a real receiver and a second rule through the UI. Screenshots go to
test-output/ui/ (``alerts-*.png``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import ServerProcess, filled_server
from playwright.sync_api import Page, expect

from receivers import HttpReceiver

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
PROJECT = "dropout"
RULE = "logins drifted"
SECRET = "s3cret-signing-key-0123456789"
FILL = f"""
import dataclasses, json
import headway
from headway.alerts import Verdict
from headway.testing.monitoring_data import fill_monitoring_project
data = fill_monitoring_project({PROJECT!r})
headway.alerts.rule(
    {PROJECT!r}, {RULE!r}, monitor=data.monitor, kind="drift",
    subject="lms_logins_per_week", condition=Verdict(verdicts=("drift",)), severity="critical",
    description="Ask the LMS team whether the login tracking changed.",
)
(alert,) = headway.alerts.alerts({PROJECT!r}, state="firing")
print(json.dumps({{**dataclasses.asdict(data), "alert": alert.id}}))
"""


class Store:
    def __init__(self, server: ServerProcess, data: dict[str, Any]) -> None:
        self.url = server.url
        self.api = f"{server.url}/api/v1"
        self.data = data


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with filled_server(tmp_path_factory.mktemp("alerts-ui"), FILL) as (server, data):
        yield Store(server, data)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(200)  # let the last fetch paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_for(check: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_channel_inbox_acknowledge_and_alert_page(
    store: Store, page: Page, http_receiver: HttpReceiver
) -> None:
    alert_id = store.data["alert"]

    # Channels: none yet, and the page says what they are for. Add a signed webhook.
    page.goto(f"{store.url}/projects/{PROJECT}/alert-channels")
    expect(page.get_by_role("heading", name="Alert channels")).to_be_visible()
    expect(page.get_by_text("No channels yet.")).to_be_visible()
    page.get_by_role("button", name="Add channel…").first.click()
    form = page.get_by_role("form", name="New channel")
    form.get_by_label("Name", exact=True).fill("retrain")
    form.get_by_label("Endpoint URL").fill("not a url")
    secret = form.get_by_label("Signing secret (optional)")
    assert secret.get_attribute("type") == "password"
    secret.fill(SECRET)
    form.get_by_role("button", name="Add channel").click()
    # The server's refusal is shown under the field it is about.
    expect(form.locator("#channel-endpoint-error")).to_contain_text("http:// or https://")
    form.get_by_label("Endpoint URL").fill(f"{http_receiver.url}/hook")
    form.get_by_role("button", name="Add channel").click()
    table = page.get_by_role("table", name="Alert channels")
    row = table.get_by_role("row").filter(has_text="retrain")
    expect(row).to_contain_text("Webhook")
    expect(row).to_contain_text(f"{http_receiver.url}/hook")
    expect(row).to_contain_text("set")
    expect(page.locator("body")).not_to_contain_text(SECRET)

    # Send test: the receiver's answer inline, and the receiver really got a signed POST.
    row.get_by_role("button", name="Send test to retrain").click()
    answer = row.get_by_role("status", name="Test answer from retrain")
    expect(answer).to_contain_text("ok — HTTP 200")
    assert len(http_receiver.requests) == 1
    test_post = http_receiver.requests[0]
    assert test_post.method == "POST" and test_post.path == "/hook"
    headers = {k.lower(): v for k, v in test_post.headers.items()}
    assert headers["x-headway-signature"].startswith("sha256=")
    assert json.loads(test_post.body)["alert"]["title"].startswith("Test from Headway")
    shot(page, "alerts-channels")

    # The inbox: the firing alert with its severity, state, source and value; the top bar
    # counts firing alerts.
    page.goto(f"{store.url}/alerts")
    expect(page.get_by_role("heading", name="Alerts of every project")).to_be_visible()
    nav = page.get_by_role("navigation").first
    expect(nav.get_by_role("link", name=re.compile(r"^Alerts 1"))).to_be_visible()
    grid = page.get_by_role("grid", name="Alerts")
    alert_row = grid.get_by_role("row").filter(has_text=RULE)
    expect(alert_row).to_contain_text("Critical")
    expect(alert_row).to_contain_text("Firing")
    expect(alert_row).to_contain_text("lms_logins_per_week")
    expect(alert_row.get_by_role("link", name="monitor dropout-risk")).to_be_visible()
    expect(alert_row.get_by_role("link", name=PROJECT, exact=True)).to_be_visible()
    shot(page, "alerts-inbox")

    # Filters live in the URL: only critical ones, then resolved ones (none yet).
    page.get_by_role("group", name="Severity").get_by_role("button", name="critical").click()
    expect(page).to_have_url(re.compile(r"severity=critical"))
    expect(alert_row).to_be_visible()
    page.get_by_role("group", name="State").get_by_role("button", name="firing").click()
    page.get_by_role("group", name="State").get_by_role("button", name="acknowledged").click()
    page.get_by_role("group", name="State").get_by_role("button", name="resolved").click()
    expect(page).to_have_url(re.compile(r"state=resolved"))
    expect(page.get_by_text("No alerts match these filters")).to_be_visible()
    page.goto(f"{store.url}/alerts")

    # Acknowledge as a named user: the state changes in place and the badge empties.
    signed = page.get_by_role("group", name="Signed in as")
    signed.get_by_role("button", name="anonymous").click()
    page.get_by_role("textbox", name="Your name").fill("maria")
    page.get_by_role("textbox", name="Your name").press("Enter")
    alert_row.get_by_role("button", name=f"Acknowledge alert {alert_id}").click()
    expect(alert_row).to_contain_text("Acknowledged")
    expect(alert_row.get_by_role("button", name=f"Acknowledge alert {alert_id}")).to_have_count(0)
    expect(nav.get_by_role("link", name="Alerts", exact=True)).to_be_visible()

    # The channel is told; the alert's page shows the series, the history and the delivery.
    wait_for(
        lambda: any(
            r.headers.get("X-Headway-Event") == "alert.acknowledged" for r in http_receiver.requests
        )
    )
    # The delivery is recorded once the channel has answered, a moment after it received.
    wait_for(
        lambda: any(
            e["type"] == "notified" and "acknowledged" in e["message"]
            for e in httpx.get(f"{store.api}/alerts/{alert_id}/events").json()["events"]
        )
    )
    alert_row.get_by_role("link", name=re.compile(f"^{RULE}")).click()
    expect(page).to_have_url(re.compile(f"/projects/{PROJECT}/alerts/{alert_id}$"))
    expect(page.get_by_role("heading", name=re.compile(f"^{RULE}"))).to_be_visible()
    fired = page.get_by_role("region", name="What fired")
    expect(fired.get_by_role("link", name=RULE, exact=True)).to_be_visible()
    expect(fired).to_contain_text("Feature drift of lms_logins_per_week in monitor dropout-risk")
    expect(fired).to_contain_text("the verdict is drift")
    expect(fired).to_contain_text("by maria")
    series = page.get_by_role("region", name="The series that fired")
    expect(series.get_by_role("img", name=re.compile(f"^{RULE}"))).to_be_visible()
    expect(series).to_contain_text(f"The last {store.data['windows']} windows")
    history = page.get_by_role("list", name="Alert history")
    expect(history).to_contain_text("Fired")
    expect(history).to_contain_text("Acknowledged by maria")
    expect(history).to_contain_text("Notified")
    sent = page.get_by_role("table", name="Notifications sent")
    expect(sent.get_by_role("row").filter(has_text="retrain")).to_contain_text("delivered")
    # Root cause, apart: the drifted feature itself is the first lead, with its score.
    cause = page.get_by_role("region", name="Root cause")
    first = cause.get_by_role("list", name="Candidate causes").get_by_role("listitem").first
    expect(first).to_contain_text("lms_logins_per_week")
    expect(first).to_contain_text("feature drift")
    expect(
        cause.get_by_role("table", name="Most drifted features").get_by_role("row").nth(1)
    ).to_contain_text("lms_logins_per_week")
    expect(cause).to_contain_text("How the scores are computed.")
    shot(page, "alerts-alert")

    # The rule's link opens it in the editor.
    fired.get_by_role("link", name=RULE, exact=True).click()
    expect(page.get_by_role("heading", name=f"Edit rule {RULE}")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(RULE)


def test_rule_editor_live_preview_and_rules_list(store: Store, page: Page) -> None:
    windows = store.data["windows"]
    # From the monitor to its rules, then a new rule for it.
    page.goto(f"{store.url}/projects/{PROJECT}/monitors/{store.data['monitor']}")
    page.get_by_role("link", name="Alert rules for this monitor").click()
    expect(page.get_by_role("heading", name="Alert rules")).to_be_visible()
    rules = page.get_by_role("table", name="Alert rules")
    expect(rules.get_by_role("row").filter(has_text=RULE)).to_contain_text("Critical")
    page.get_by_role("link", name="New rule…").click()
    expect(page.get_by_role("heading", name="New alert rule")).to_be_visible()
    expect(page.get_by_label("Monitor", exact=True)).to_have_value(store.data["monitor"])

    # The monitor's own verdict needs no number: the preview speaks at once.
    summary = page.get_by_role("status", name="Preview summary")
    expect(summary).to_contain_text(f"in the last {windows} windows")
    page.get_by_label("Name", exact=True).fill("logins far from the reference")
    page.get_by_label("Feature", exact=True).select_option("lms_logins_per_week")
    page.get_by_label("Measure").select_option("wasserstein")
    page.get_by_label("The value…").select_option("threshold")
    page.get_by_label("Fires when the value is").select_option("above")
    threshold = page.get_by_label("Threshold")

    # The sentence follows the threshold: far above every window, then just above normal.
    threshold.fill("5")
    expect(summary).to_have_text(f"Would not have fired in the last {windows} windows.")
    threshold.fill("0.3")
    change = time.strftime("%-d %b", time.strptime(store.data["change_start"][:10], "%Y-%m-%d"))
    expect(summary).to_have_text(
        f"Would have fired once in the last {windows} windows (last: {change}). "
        "It would be firing now."
    )
    preview = page.get_by_role("complementary", name="Live preview")
    expect(preview.get_by_role("img", name=re.compile("^Preview: "))).to_be_visible()

    # A blank threshold: the preview waits for one. A value the server refuses is shown
    # next to its field.
    threshold.fill("")
    expect(preview).to_contain_text("Type the threshold to see the preview.")
    threshold.fill("0.3")
    expect(summary).to_contain_text("Would have fired once")
    in_a_row = page.get_by_label(re.compile("^Fire only after this many windows"))
    in_a_row.fill("0")
    expect(page.locator("#condition-for-error")).to_contain_text("for_windows must be")
    expect(preview).to_contain_text("Fix the highlighted field to see the preview")
    in_a_row.fill("1")
    expect(summary).to_contain_text("Would have fired once")
    page.get_by_role("radiogroup", name="Severity").get_by_text("Critical").click()
    expect(page.get_by_role("form", name="Alert rule")).to_contain_text(
        "fires when Wasserstein distance (feature drift) of lms_logins_per_week "
        "in monitor dropout-risk is above 0.3."
    )
    page.evaluate("window.scrollTo(0, 0)")  # the preview sticks beside the form
    shot(page, "alerts-rule-editor")

    # Saved: back on the monitor's rules, judged at once, so it already has a firing alert.
    page.get_by_role("button", name="Create rule").click()
    expect(page).to_have_url(re.compile(r"/alert-rules\?monitor="))
    row = rules.get_by_role("row").filter(has_text="logins far from the reference")
    expect(row).to_contain_text("above 0.3")
    expect(row).to_contain_text("Firing")
    row.get_by_role("link", name=re.compile("all its alerts")).click()
    expect(page).to_have_url(re.compile(r"rule=logins\+far\+from\+the\+reference"))
    expect(page.get_by_role("grid", name="Alerts").get_by_role("row")).to_have_count(2)

    # The same name again is refused next to the name.
    page.goto(f"{store.url}/projects/{PROJECT}/alert-rules/new")
    page.get_by_label("Name", exact=True).fill("logins far from the reference")
    page.get_by_role("button", name="Create rule").click()
    expect(page.locator("#rule-name-error")).to_contain_text("already exists")
