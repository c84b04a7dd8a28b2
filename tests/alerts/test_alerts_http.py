"""Alerts through a real ``headway server`` (uvicorn in a thread): ``HttpBackend(url).alerts``
answers exactly as ``LocalAlerts`` on the server's own store, errors keep their stable
codes, and secrets never come back out."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn

import headway
from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.delivery import webhook
from headway.entities.alerts import Change, RuleTarget, Threshold, Verdict
from headway.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from headway.server.app import create_app
from headway.settings import Settings
from monitoring_support import dataset, log_all, open_monitor
from receivers import HttpReceiver

SECRET = "whsec-do-not-echo-4f1b"
SLACK_SECRET = "https://hooks.slack.example/services/T000/B000/do-not-echo"
LOGINS = RuleTarget(type="monitor", monitor="dropout", kind="drift", subject="lms_logins_per_week")


class _Swappable:
    """The ASGI app the session's one server forwards to; each test plugs its own."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "no app plugged in"
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[_Swappable, str]]:
    swappable = _Swappable()
    config = uvicorn.Config(
        swappable, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="alerts-uvicorn")
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the test server did not start"
        time.sleep(0.01)
    yield swappable, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def url(
    live: tuple[_Swappable, str], settings: Settings, local_backend: LocalBackend
) -> Iterator[str]:
    swappable, base = live
    swappable.app = create_app(settings, local_backend)
    yield base
    swappable.app = None


@pytest.fixture
def remote(url: str) -> Iterator[HttpBackend]:
    backend = HttpBackend(url, user="maria")
    yield backend
    backend.close()


@pytest.fixture
def api(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as client:
        yield client


@pytest.fixture
def drifting(local_backend: LocalBackend) -> Iterator[headway.Monitor]:
    """Monitor edu/dropout on the server's store: lms_logins_per_week drifts from day 3."""
    data = dataset("mean_shift")
    monitor = open_monitor(local_backend, data)
    log_all(monitor, data)
    monitor.compute()
    yield monitor
    monitor.close()


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


def test_rules_over_http_are_the_rules_in_the_store(
    remote: HttpBackend, local_backend: LocalBackend, drifting: headway.Monitor
) -> None:
    local = local_backend.alerts
    created = remote.alerts.create_rule(
        "edu",
        "each feature",
        target=RuleTarget(type="monitor", monitor="dropout", kind="drift", subject=None),
        condition=Verdict(verdicts=("drift", "alert"), for_windows=2),
        severity="critical",
        cooldown_seconds=600,
        description="any feature drifting two windows in a row",
    )
    assert created == local.get_rule("edu", "each feature")
    # None (each subject on its own) survives the trip; it is not the default '*'.
    assert created.target.subject is None
    assert created.condition == Verdict(verdicts=("drift", "alert"), for_windows=2)
    logins = remote.alerts.create_rule(
        "edu", "logins", target=LOGINS, condition=Threshold(op="above", value=0.1)
    )
    assert remote.alerts.rules("edu") == local.rules("edu")
    assert [r.name for r in remote.alerts.rules()] == ["each feature", "logins"]
    with pytest.raises(AlreadyExists):
        remote.alerts.create_rule(
            "edu", "logins", target=LOGINS, condition=Threshold(op="above", value=0.1)
        )
    replaced = remote.alerts.create_rule(
        "edu",
        "logins",
        target=LOGINS,
        condition=Change(direction="rise", relative=0.5, baseline="first"),
        exist_ok=True,
    )
    assert replaced.id == logins.id and replaced.condition.kind == "change"
    # Enable, mute and unmute: the same rule either way.
    assert not remote.alerts.set_rule_enabled("edu", "logins", False).enabled
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    muted = remote.alerts.mute_rule("edu", "logins", until)
    assert muted.muted_until == until and muted == local.get_rule("edu", "logins")
    assert remote.alerts.mute_rule("edu", "logins", None).muted_until is None
    assert remote.alerts.set_rule_enabled("edu", "logins", True).enabled
    remote.alerts.delete_rule("edu", "logins")
    with pytest.raises(NotFound, match="no alert rule 'logins'"):
        remote.alerts.get_rule("edu", "logins")
    assert [r.name for r in local.rules("edu")] == ["each feature"]


def test_alerts_open_are_acknowledged_and_resolved_as_the_acting_user(
    remote: HttpBackend,
    local_backend: LocalBackend,
    drifting: headway.Monitor,
    http_receiver: HttpReceiver,
    api: httpx.Client,
) -> None:
    remote.alerts.create_channel(
        "edu", "hook", "webhook", {"endpoint": http_receiver.url}, secret=SECRET
    )
    remote.alerts.create_rule(
        "edu",
        "logins drift",
        target=LOGINS,
        condition=Verdict(verdicts=("drift",)),
        severity="critical",
    )
    remote.alerts.evaluate_rule("edu", "logins drift")
    [alert] = remote.alerts.alerts(project="edu", states=["firing"])
    assert alert == local_backend.alerts.get_alert(alert.id)
    assert (alert.state, alert.severity, alert.rule_name) == ("firing", "critical", "logins drift")
    assert alert.source["subject"] == "lms_logins_per_week" and alert.value is not None
    # Why it fired reads the same over HTTP, the drifted feature ranked first.
    cause = remote.alerts.root_cause(alert.id)
    assert cause == local_backend.alerts.root_cause(alert.id)
    assert cause.causes[0].subject == "lms_logins_per_week" and cause.series is not None
    with pytest.raises(InvalidArgument, match="unknown state 'open'"):
        remote.alerts.alerts(states=["open"])
    # Filters: the inbox across projects, by severity, by rule.
    assert remote.alerts.alerts(severities=["info"]) == []
    assert remote.alerts.alerts(rule="logins drift") == local_backend.alerts.alerts(
        rule="logins drift"
    )
    # Evaluating again changes nothing: one open alert per rule and scope.
    assert remote.alerts.evaluate_rule("edu", "logins drift") == []

    acked = remote.alerts.acknowledge(alert.id, "looking into it")
    assert (acked.state, acked.acknowledged_by) == ("acknowledged", "maria")
    done = remote.alerts.resolve(alert.id, "retrained on the new term")
    assert (done.state, done.resolved_by) == ("resolved", "maria")
    assert done == local_backend.alerts.get_alert(alert.id)

    events = remote.alerts.alert_events(alert.id)
    assert events == local_backend.alerts.alert_events(alert.id)
    assert [e.type for e in events] == [
        "fired",
        "notified",
        "acknowledged",
        "notified",
        "resolved",
        "notified",
    ]
    assert [e.message for e in events if e.by == "maria"] == [
        "looking into it",
        "retrained on the new term",
    ]
    notes = remote.alerts.notifications(alert.id)
    assert notes == local_backend.alerts.notifications(alert.id)
    assert [(n.event, n.state) for n in notes] == [
        ("firing", "delivered"),
        ("acknowledged", "delivered"),
        ("resolved", "delivered"),
    ]
    # The webhook was signed with the secret the server keeps.
    first = http_receiver.requests[0]
    assert webhook.verify(
        SECRET,
        first.headers["X-Headway-Timestamp"],
        first.body,
        first.headers["X-Headway-Signature"],
    )

    # Acknowledging a resolved alert is a conflict, in the SDK and on the wire.
    with pytest.raises(Conflict, match="already resolved"):
        remote.alerts.acknowledge(alert.id)
    _error(api.post(f"/alerts/{alert.id}/acknowledge", json={}), 409, "conflict")
    # Resolving again changes nothing (and needs no body).
    raw = api.post(f"/alerts/{alert.id}/resolve")
    assert raw.status_code == 200 and raw.json()["resolved_by"] == "maria"


def test_channels_over_http_keep_their_secrets_write_only(
    remote: HttpBackend,
    local_backend: LocalBackend,
    http_receiver: HttpReceiver,
    api: httpx.Client,
) -> None:
    created = api.post(
        "/projects/edu/alert-channels",
        json={
            "name": "hook",
            "type": "webhook",
            "config": {"endpoint": http_receiver.url},
            "secret": SECRET,
            "min_severity": "warning",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["has_secret"] is True and SECRET not in created.text
    slack = remote.alerts.create_channel("edu", "team", "slack", secret=SLACK_SECRET)
    assert slack.has_secret and slack.config == {}
    assert remote.alerts.channels("edu") == local_backend.alerts.channels("edu")
    listed = api.get("/projects/edu/alert-channels")
    assert [c["name"] for c in listed.json()["channels"]] == ["hook", "team"]
    for secret in (SECRET, SLACK_SECRET, "do-not-echo"):
        assert secret not in listed.text
    with pytest.raises(AlreadyExists):
        remote.alerts.create_channel("edu", "hook", "webhook", {"endpoint": http_receiver.url})

    # A test message goes out now; the answer is the receiver's.
    http_receiver.reply(202, "queued by the receiver")
    tested = remote.alerts.test_channel("edu", "hook")
    assert (tested.ok, tested.status_code, tested.response) == (
        True,
        202,
        "queued by the receiver",
    )
    assert tested.error is None
    http_receiver.reply(500, "receiver is down")
    failed = remote.alerts.test_channel("edu", "hook")
    assert (failed.ok, failed.status_code, failed.error) == (False, 500, "HTTP 500")
    assert len(http_receiver.requests) == 2
    assert http_receiver.requests[0].json()["alert"]["title"].startswith("Test from Headway")

    assert not remote.alerts.set_channel_enabled("edu", "hook", False).enabled
    assert not local_backend.alerts.channels("edu")[0].enabled
    remote.alerts.delete_channel("edu", "team")
    assert [c.name for c in remote.alerts.channels("edu")] == ["hook"]
    with pytest.raises(NotFound):
        remote.alerts.delete_channel("edu", "team")
    # A channel without its required secret names the field.
    with pytest.raises(InvalidArgument, match="incoming webhook URL"):
        remote.alerts.create_channel("edu", "nosecret", "slack")


def test_preview_and_raise_alert_over_http_match_local(
    remote: HttpBackend,
    local_backend: LocalBackend,
    drifting: headway.Monitor,
    url: str,
    api: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    condition = Threshold(op="above", value=0.1, for_windows=2)
    previews = remote.alerts.preview("edu", target=LOGINS, condition=condition, last=5)
    assert previews == local_backend.alerts.preview(
        "edu", target=LOGINS, condition=condition, last=5
    )
    [p] = previews
    assert len(p.values) == 5 and p.verdicts is not None
    # Breaching from day 3; firing from the second breaching window on.
    assert p.breach == (False, False, True, True, True)
    assert p.firing == (False, False, False, True, True)
    assert p.transitions == ((3, "firing"),)
    assert remote.alerts.rules("edu") == []  # a preview stores nothing

    raised = remote.alerts.raise_alert(
        "edu", title="GPU memory low", text="3% free", severity="critical", run_id="r1"
    )
    assert (raised.rule_id, raised.rule_name, raised.source) == (None, "code", {"run": "r1"})
    assert raised == local_backend.alerts.get_alert(raised.id)
    again = remote.alerts.raise_alert("edu", title="GPU memory low", text="1% free", run_id="r1")
    assert again.id == raised.id
    assert remote.alerts.get_alert(raised.id).text == "1% free"

    # Without the header the server records 'anonymous', never its own user.
    plain = api.post("/projects/edu/alerts", json={"title": "disk full"}).json()
    assert plain["state"] == "firing" and plain["severity"] == "warning"
    resolved = api.post(f"/alerts/{plain['id']}/resolve", json={"note": "cleaned up"}).json()
    assert resolved["resolved_by"] == "anonymous"

    # What run.alert does when the run talks to a server.
    monkeypatch.setenv("HEADWAY_CAPTURE_SYSTEM_METRICS", "false")
    monkeypatch.setenv("HEADWAY_CAPTURE_CONSOLE", "false")
    with headway.init(project="edu", url=url, name="diverging") as run:
        from_run = run.alert("loss is NaN", "at step 120", level="error")
    assert from_run is not None
    assert from_run == local_backend.alerts.get_alert(from_run.id)
    assert (from_run.severity, from_run.source) == ("critical", {"run": run.id})


def test_errors_keep_their_codes_and_name_the_field(
    remote: HttpBackend, api: httpx.Client, drifting: headway.Monitor
) -> None:
    error = _error(api.get("/alerts/424242"), 404, "not_found")
    assert error["message"] == "no alert 424242"
    with pytest.raises(NotFound, match="no alert 424242"):
        remote.alerts.get_alert(424242)
    _error(api.get("/alerts/424242/events"), 404, "not_found")
    _error(api.get("/projects/edu/alert-rules/nope"), 404, "not_found")

    rule: dict[str, Any] = {
        "name": "bad",
        "target": {"type": "monitor", "monitor": "dropout", "kind": "drift"},
        "condition": {"kind": "threshold", "op": "sideways", "value": 1},
    }
    error = _error(api.post("/projects/edu/alert-rules", json=rule), 400, "invalid_argument")
    assert error["details"]["field"] == "condition.op"
    assert error["message"].startswith("condition: op must be one of above, below")
    rule["condition"] = {"kind": "threshold", "op": "above", "value": 1, "colour": "red"}
    error = _error(api.post("/projects/edu/alert-rules", json=rule), 400, "invalid_argument")
    assert error["details"]["field"] == "condition.colour"
    rule["condition"] = {"op": "above", "value": 1}
    error = _error(api.post("/projects/edu/alert-rules", json=rule), 400, "invalid_argument")
    assert error["details"]["field"] == "condition.kind"
    # The preview checks its condition the same way.
    preview = {"target": rule["target"], "condition": {"kind": "anomaly", "method": "median"}}
    error = _error(
        api.post("/projects/edu/alert-rules/preview", json=preview), 400, "invalid_argument"
    )
    assert error["details"]["field"] == "condition.method"
    # Targets and other fields are named too.
    rule["condition"] = {"kind": "is_nan"}
    rule["target"] = {"type": "monitor", "monitor": "dropout", "colour": "red"}
    error = _error(api.post("/projects/edu/alert-rules", json=rule), 400, "invalid_argument")
    assert "target.colour" in error["message"]
    rule["target"] = {"type": "monitor", "monitor": "dropout"}
    rule["severity"] = "apocalyptic"
    error = _error(api.post("/projects/edu/alert-rules", json=rule), 400, "invalid_argument")
    assert error["details"]["field"] == "severity"
    # An unknown monitor is not found, not a bad argument.
    rule["severity"], rule["target"] = "info", {"type": "monitor", "monitor": "ghost"}
    _error(api.post("/projects/edu/alert-rules", json=rule), 404, "not_found")
    # The SDK over HTTP raises the same classes with the same messages.
    with pytest.raises(InvalidArgument, match="unknown severity 'apocalyptic'"):
        remote.alerts.create_rule(
            "edu", "x", target=LOGINS, condition=Verdict(), severity="apocalyptic"
        )
    _error(api.patch("/projects/edu/alert-rules/nope", json={"enabled": False}), 404, "not_found")
