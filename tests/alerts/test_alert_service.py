"""Alert rules end to end on the embedded store: rules judge stored series, alerts open,
deduplicate, resolve and notify real receivers on 127.0.0.1; failures are retried and kept."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import headway
from explain_support import CATEGORICAL, MODEL_INPUTS, fit_model, register
from explain_support import open_monitor as explained_monitor
from headway.alerting.service import NOTIFY_JOB
from headway.backend.local import LocalBackend
from headway.delivery import webhook
from headway.entities.alerts import IsNan, Threshold, Verdict
from headway.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from headway.settings import Settings
from monitoring_support import CHANGE_AT, dataset, log_all, open_monitor
from receivers import HttpReceiver

SECRET = "shared-signing-secret"


@pytest.fixture
def backend(tmp_path: Any) -> Iterator[LocalBackend]:
    settings = Settings.from_env(
        env={}, dir=str(tmp_path / ".headway"), public_url="https://headway.school.edu"
    )
    b = LocalBackend(settings, migrate=True)
    yield b
    b.close()


@pytest.fixture
def drifting(backend: LocalBackend) -> headway.Monitor:
    """Monitor ``dropout``: six daily windows, lms_logins_per_week shifts from day 3."""
    data = dataset("mean_shift")
    monitor = open_monitor(backend, data)
    log_all(monitor, data)
    monitor.compute()
    return monitor


def _posts(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return [r.json()["alert"] for r in receiver.requests]


def _logins_rule(backend: LocalBackend, name: str = "logins", **extra: Any) -> Any:
    """A rule on the drift verdict of the feature the ``mean_shift`` scenario changes."""
    args: dict[str, Any] = {
        "monitor": "dropout",
        "kind": "drift",
        "subject": "lms_logins_per_week",
        "condition": Verdict(verdicts=("drift",)),
        "backend": backend,
    }
    return headway.alerts.rule("edu", name, **{**args, **extra})


def _drain(backend: LocalBackend, alert_id: int) -> None:
    """Run the worker until the alert's notifications are delivered or given up (the
    retries are due a few milliseconds apart)."""
    for _ in range(500):
        backend.worker.run(until_idle=True)
        if all(n.state != "pending" for n in backend.alerts.notifications(alert_id)):
            return
        time.sleep(0.005)
    raise AssertionError(backend.alerts.notifications(alert_id))


def test_a_drift_rule_opens_one_alert_notifies_and_resolves_when_it_clears(
    backend: LocalBackend, drifting: headway.Monitor, http_receiver: HttpReceiver
) -> None:
    headway.alerts.channel(
        "edu", "hook", "webhook", endpoint=http_receiver.url, secret=SECRET, backend=backend
    )
    rule = _logins_rule(backend, "logins drift", severity="critical")
    assert rule.enabled and rule.target.kind == "drift"
    # A new rule is judged at once on the windows already computed.
    opened = backend.alerts.alerts(project="edu", rule="logins drift")
    assert len(opened) == 1
    alert = opened[0]
    assert (alert.state, alert.severity, alert.rule_name) == ("firing", "critical", "logins drift")
    assert alert.source["subject"] == "lms_logins_per_week"
    # It fired at the change (day 3) and keeps the latest window's value.
    assert alert.source["first_at"].startswith("2026-09-04")
    assert alert.value is not None and alert.value > (alert.upper or 0.1)
    # One signed webhook, linking back to the alert's page.
    [request] = http_receiver.requests
    assert webhook.verify(
        SECRET,
        request.headers["X-Headway-Timestamp"],
        request.body,
        request.headers["X-Headway-Signature"],
    )
    body = request.json()["alert"]
    assert body["state"] == "firing" and body["severity"] == "critical"
    assert body["url"] == f"https://headway.school.edu/projects/edu/alerts/{alert.id}"
    assert body["dedup_key"] == f"headway-alert-{alert.id}"
    # Evaluating again (and recomputing) keeps the one open alert and sends nothing.
    assert backend.alerts.evaluate_rule("edu", "logins drift") == []
    drifting.compute()
    assert len(http_receiver.requests) == 1
    assert [a.id for a in backend.alerts.alerts(project="edu", states=["firing"])] == [alert.id]
    # The condition clears (here: the rule now asks for a verdict no window has).
    backend.alert_service.store.alerts.update_rule(
        "edu",
        "logins drift",
        {"condition": Verdict(verdicts=("insufficient_data",))},
        now=datetime.now(UTC),
    )
    [resolved] = backend.alerts.evaluate_rule("edu", "logins drift")
    assert (resolved.id, resolved.state, resolved.resolved_by) == (alert.id, "resolved", "auto")
    assert [p["state"] for p in _posts(http_receiver)] == ["firing", "resolved"]
    history = [e.type for e in backend.alerts.alert_events(alert.id)]
    assert history == ["fired", "notified", "resolved", "notified"]
    assert [n.state for n in backend.alerts.notifications(alert.id)] == ["delivered"] * 2


def test_rules_on_every_feature_alert_only_on_the_drifted_one(
    backend: LocalBackend, drifting: headway.Monitor
) -> None:
    headway.alerts.rule(
        "edu",
        "any drift",
        monitor="dropout",
        kind="drift",
        subject=None,
        condition=Verdict(verdicts=("drift",)),
        backend=backend,
    )
    opened = backend.alerts.alerts(project="edu", rule="any drift")
    assert {a.source["subject"] for a in opened} == {"lms_logins_per_week"}


def test_acknowledge_resolve_and_cooldown(
    backend: LocalBackend, drifting: headway.Monitor, http_receiver: HttpReceiver
) -> None:
    headway.alerts.channel("edu", "hook", "webhook", endpoint=http_receiver.url, backend=backend)
    _logins_rule(backend, condition=Threshold(op="above", value=0.1), cooldown_seconds=3600)
    [alert] = backend.alerts.alerts(project="edu", rule="logins")
    acked = headway.alerts.acknowledge(alert.id, "looking into it", backend=backend)
    assert acked.state == "acknowledged" and acked.acknowledged_by == backend.settings.user
    # Still firing: the acknowledged alert stays the open one.
    assert backend.alerts.evaluate_rule("edu", "logins") == []
    done = headway.alerts.resolve(alert.id, "retrained", backend=backend)
    assert done.state == "resolved" and done.resolved_by == backend.settings.user
    with pytest.raises(Conflict, match="already resolved"):
        backend.alerts.acknowledge(alert.id)
    # Still breaching, but resolved minutes ago: the cooldown keeps it closed.
    assert backend.alerts.evaluate_rule("edu", "logins") == []
    # After the cooldown it opens again, as a new alert.
    later = datetime.now(UTC) + timedelta(hours=2)
    rule = backend.alerts.get_rule("edu", "logins")
    [again] = backend.alert_service.evaluate_rule(rule, now=later)
    assert again.id != alert.id and again.state == "firing"
    assert [p["state"] for p in _posts(http_receiver)] == [
        "firing",
        "acknowledged",
        "resolved",
        "firing",
    ]


def test_a_failing_channel_is_retried_with_backoff_then_given_up_and_recorded(
    backend: LocalBackend, drifting: headway.Monitor, http_receiver: HttpReceiver
) -> None:
    service = backend.alert_service
    service.retry_base = 0.001  # backoff 1 ms, 2 ms, …: the test does not wait
    service.inline_delivery = False  # as under a server: every attempt is a worker job
    http_receiver.reply(503, "busy")
    headway.alerts.channel("edu", "hook", "webhook", endpoint=http_receiver.url, backend=backend)
    _logins_rule(backend)
    [alert] = backend.alerts.alerts(project="edu", rule="logins")
    _drain(backend, alert.id)
    [note] = backend.alerts.notifications(alert.id)
    assert (note.state, note.attempts) == ("failed", 6)
    assert note.last_error == "HTTP 503"
    attempts = backend.alert_service.store.alert_channels.attempts(note.id)
    assert [a.attempt for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert all(a.status_code == 503 and a.response == "busy" for a in attempts)
    assert len(http_receiver.requests) == 6
    assert backend.alerts.alert_events(alert.id)[-1].type == "notify_failed"
    # Every job ended done: a failing channel never fails (or kills) the worker.
    jobs = [j for j in backend.alert_service.store.jobs.list() if j.kind == NOTIFY_JOB]
    assert len(jobs) == 6 and {j.state for j in jobs} == {"done"}


def test_a_channel_that_recovers_gets_the_notification(
    backend: LocalBackend, drifting: headway.Monitor, http_receiver: HttpReceiver
) -> None:
    backend.alert_service.retry_base = 0.001
    http_receiver.reply(500, "down", times=2)
    headway.alerts.channel("edu", "hook", "webhook", endpoint=http_receiver.url, backend=backend)
    _logins_rule(backend)
    # Embedded mode: the first attempt is made at once, the retries by a worker later.
    [alert] = backend.alerts.alerts(project="edu", rule="logins")
    [note] = backend.alerts.notifications(alert.id)
    assert (note.state, note.attempts) == ("pending", 1)
    _drain(backend, alert.id)
    [note] = backend.alerts.notifications(alert.id)
    assert (note.state, note.attempts) == ("delivered", 3)


def test_channels_route_by_name_and_severity(
    backend: LocalBackend, drifting: headway.Monitor, http_receiver: HttpReceiver
) -> None:
    url = http_receiver.url
    headway.alerts.channel("edu", "all", "webhook", endpoint=f"{url}/all", backend=backend)
    headway.alerts.channel(
        "edu", "pager", "webhook", endpoint=f"{url}/pager", min_severity="critical", backend=backend
    )
    headway.alerts.channel("edu", "team", "webhook", endpoint=f"{url}/team", backend=backend)
    backend.alerts.set_channel_enabled("edu", "team", False)
    headway.alerts.rule(
        "edu",
        "warn",
        monitor="dropout",
        kind="drift",
        subject="lms_logins_per_week",
        condition=Verdict(verdicts=("drift",)),
        severity="warning",
        backend=backend,
    )
    headway.alerts.rule(
        "edu",
        "only pager",
        monitor="dropout",
        kind="dataset",
        condition=Threshold(op="above", value=0.0),
        severity="critical",
        channels=["pager"],
        backend=backend,
    )
    # warning: "all" only (pager wants critical, team is disabled); critical: the pager only.
    assert sorted(r.path for r in http_receiver.requests) == ["/all", "/pager"]


def test_a_muted_rule_opens_alerts_but_notifies_nobody(
    backend: LocalBackend, http_receiver: HttpReceiver
) -> None:
    data = dataset("mean_shift")
    monitor = open_monitor(backend, data)
    headway.alerts.channel("edu", "hook", "webhook", endpoint=http_receiver.url, backend=backend)
    _logins_rule(backend)
    headway.alerts.mute("edu", "logins", datetime.now(UTC) + timedelta(days=1), backend=backend)
    log_all(monitor, data)
    monitor.compute()
    [alert] = backend.alerts.alerts(project="edu", rule="logins")
    assert alert.state == "firing" and http_receiver.requests == []
    assert backend.alerts.alert_events(alert.id)[-1].type == "muted"


def test_new_results_are_judged_as_soon_as_they_are_computed(
    backend: LocalBackend, http_receiver: HttpReceiver
) -> None:
    data = dataset("mean_shift")
    monitor = open_monitor(backend, data)
    headway.alerts.channel("edu", "hook", "webhook", endpoint=http_receiver.url, backend=backend)
    _logins_rule(backend)
    assert http_receiver.requests == []
    log_all(monitor, data)
    monitor.compute()  # no explicit evaluation: computing the windows runs the rules
    assert [p["state"] for p in _posts(http_receiver)] == ["firing"]


def test_a_model_rule_follows_the_monitors_of_the_version_holding_the_alias(
    tmp_path: Any, http_receiver: HttpReceiver
) -> None:
    from headway.testing.monitoring_data import fill_monitoring_project

    store = tmp_path / "store"
    filled = fill_monitoring_project("dropout", dir=store, rows_per_day=400)
    headway.alerts.channel("dropout", "hook", "webhook", endpoint=http_receiver.url, dir=store)
    headway.alerts.rule(
        "dropout",
        "production drift share",
        model=f"{filled.model}@production",
        kind="dataset",
        condition=Threshold(op="above", value=0.1),
        dir=store,
    )
    fired = headway.alerts.alerts("dropout", state="firing", dir=store)
    assert [a.source["monitor"] for a in fired] == [filled.monitor]
    assert fired[0].source["model"] == f"{filled.model}@production"


def test_rules_on_runs_nan_loss_low_accuracy_after_a_step_and_crashed_runs(
    backend: LocalBackend, settings_dir: Any = None
) -> None:
    store = backend.settings.dir
    good = headway.init(project="train", dir=store, name="good")
    bad = headway.init(project="train", dir=store, name="bad")
    for step in range(10):
        good.log({"val/loss": 1.0 / (step + 1), "val_acc": 0.6 + 0.03 * step}, step=step)
        bad.log(
            {"val/loss": math.nan if step >= 7 else 1.0, "val_acc": 0.5 + 0.01 * step}, step=step
        )
    good.finish()
    bad.finish(exit_code=1)
    headway.alerts.rule(
        "train", "loss is NaN", runs="", metric="val/loss", condition=IsNan(), backend=backend
    )
    headway.alerts.rule(
        "train",
        "accuracy low after epoch 5",
        runs="",
        metric="val_acc",
        after_step=5,
        condition=Threshold(op="below", value=0.7),
        backend=backend,
    )
    headway.alerts.rule(
        "train",
        "run failed",
        runs="",
        metric="_state",
        condition=Verdict(verdicts=("failed", "crashed")),
        backend=backend,
    )
    # Each rule was judged when created; the periodic check finds nothing new.
    assert backend.alert_service.evaluate_run_rules() == 0
    firing = {(a.rule_name, a.source["run_name"]) for a in backend.alerts.alerts(project="train")}
    assert firing == {
        ("loss is NaN", "bad"),
        ("accuracy low after epoch 5", "bad"),
        ("run failed", "bad"),
    }
    nan_alert = next(a for a in backend.alerts.alerts(project="train") if "NaN" in a.rule_name)
    assert nan_alert.step == 9 and nan_alert.source["first_step"] == 7


def test_a_running_run_that_went_silent_is_stalled(backend: LocalBackend) -> None:
    run = headway.init(project="train", dir=backend.settings.dir, name="long")
    run.log({"loss": 1.0})
    run._writer.flush(30)  # type: ignore[union-attr]
    rule = headway.alerts.rule(
        "train",
        "stalled",
        runs="",
        metric="_state",
        stall_minutes=15,
        condition=Verdict(verdicts=("stalled",)),
        backend=backend,
    )
    service = backend.alert_service
    assert service.evaluate_rule(rule) == [] and backend.alerts.alerts(project="train") == []
    [stalled] = service.evaluate_rule(rule, now=datetime.now(UTC) + timedelta(minutes=20))
    assert stalled.source["state"] == "stalled"
    run.finish()


def test_run_alert_from_training_code(backend: LocalBackend, http_receiver: HttpReceiver) -> None:
    headway.alerts.channel("train", "hook", "webhook", endpoint=http_receiver.url, backend=backend)
    with headway.init(project="train", dir=backend.settings.dir, name="r") as run:
        first = run.alert("Loss spiked", "val/loss went from 0.4 to 3.1", level="WARN")
        again = run.alert("Loss spiked", "still high: 2.9", level="warn")
        assert first is not None and again is not None and again.id == first.id
        assert again.text == "still high: 2.9"
        with pytest.raises(InvalidArgument, match="unknown alert level"):
            run.alert("x", level="panic")
    [post] = _posts(http_receiver)
    assert post["title"] == "Loss spiked" and post["severity"] == "warning"
    assert first.source == {"run": run.id}


def test_bad_rules_and_channels_are_refused_with_the_reason(
    backend: LocalBackend, drifting: headway.Monitor
) -> None:
    def rule(**kw: Any) -> Any:
        args: dict[str, Any] = {
            "monitor": "dropout",
            "kind": "drift",
            "condition": Verdict(),
            "backend": backend,
            "exist_ok": False,
        }
        args.update(kw)
        return headway.alerts.rule("edu", kw.pop("name", "r"), **args)

    with pytest.raises(NotFound, match="no monitor 'nope'"):
        rule(monitor="nope")
    with pytest.raises(InvalidArgument, match="unknown result kind 'drifts'"):
        rule(kind="drifts")
    with pytest.raises(InvalidArgument, match="exactly one of monitor=, model= or runs="):
        rule(model="dropout-risk@production")
    with pytest.raises(InvalidArgument, match="no channel 'slack-x'"):
        rule(channels=["slack-x"])
    with pytest.raises(InvalidArgument, match="severity"):
        rule(severity="urgent")
    with pytest.raises(InvalidArgument, match="op"):
        rule(condition={"kind": "threshold", "op": "over", "value": 1})
    rule()
    with pytest.raises(AlreadyExists):
        rule()
    with pytest.raises(InvalidArgument, match="unknown channel type 'teams'"):
        headway.alerts.channel("edu", "t", "teams", backend=backend)
    with pytest.raises(InvalidArgument, match="slack channel needs its incoming webhook URL"):
        headway.alerts.channel("edu", "s", "slack", backend=backend)
    with pytest.raises(InvalidArgument, match="unknown setting 'uri'"):
        headway.alerts.channel("edu", "w", "webhook", uri="http://x", backend=backend)
    with pytest.raises(InvalidArgument, match="http:// or https://"):
        headway.alerts.channel("edu", "w", "webhook", endpoint="ftp://x", backend=backend)
    # Nothing half-made was stored.
    assert [c.name for c in backend.alerts.channels("edu")] == []
    assert [r.name for r in backend.alerts.rules("edu")] == ["r"]


def test_secrets_are_stored_encrypted_and_never_returned(
    backend: LocalBackend, http_receiver: HttpReceiver
) -> None:
    backend.ensure_project("edu")
    slack_url = f"{http_receiver.url}/services/T07ED6C/B07HOOK/hw-demo-token"
    channel = headway.alerts.channel("edu", "slack", "slack", secret=slack_url, backend=backend)
    assert channel.has_secret and "hw-demo-token" not in json.dumps(channel.config)
    _, stored = backend.alert_service.store.alert_channels.secret(channel.id)
    assert stored is not None and "hw-demo-token" not in stored
    tested = headway.alerts.test_channel("edu", "slack", backend=backend)
    assert tested.ok and tested.status_code == 200
    [request] = http_receiver.requests
    assert request.path == "/services/T07ED6C/B07HOOK/hw-demo-token"
    assert "Test from Headway" in request.json()["text"]


def test_preview_shows_when_a_rule_would_have_fired(
    backend: LocalBackend, drifting: headway.Monitor
) -> None:
    [scope] = headway.alerts.preview(
        "edu",
        monitor="dropout",
        kind="drift",
        subject="lms_logins_per_week",
        condition=Threshold(op="above", value=0.1, for_windows=2),
        last=30,
        backend=backend,
    )
    assert len(scope.values) == 6
    assert scope.breach == (False, False, False, True, True, True)
    assert scope.firing == (False, False, False, False, True, True)
    assert scope.transitions == ((4, "firing"),)
    assert all(u == pytest.approx(0.1) for u in scope.upper)
    assert backend.alerts.alerts(project="edu") == []  # a preview stores nothing


def test_replaced_rule_keeps_its_alerts(backend: LocalBackend, drifting: headway.Monitor) -> None:
    rule = _logins_rule(backend, "r")
    [alert] = backend.alerts.alerts(project="edu", rule="r")
    updated = _logins_rule(backend, "r", condition=Threshold(op="above", value=0.05))
    assert updated.id == rule.id and updated.condition.kind == "threshold"  # type: ignore[union-attr]
    backend.alerts.delete_rule("edu", "r")
    kept = backend.alerts.get_alert(alert.id)
    assert kept.rule_id is None and kept.rule_name == "r"


def test_root_cause_ranks_the_injected_feature_first(
    backend: LocalBackend, drifting: headway.Monitor
) -> None:
    headway.alerts.rule(
        "edu",
        "inputs changed",
        monitor="dropout",
        kind="multivariate",
        condition=Threshold(op="above", value=0.6),
        backend=backend,
    )
    [alert] = backend.alerts.alerts(project="edu", rule="inputs changed")
    cause = backend.alerts.root_cause(alert.id)
    assert cause.change_at is not None and cause.change_at.isoformat().startswith("2026-09-04")
    top = cause.causes[0]
    assert (top.kind, top.subject) == ("feature", "lms_logins_per_week") and top.score > 0.9
    assert cause.drifted[0].feature == "lms_logins_per_week" and cause.drifted[0].ratio > 1
    # No segment's change stands out of its own noise as much as the drifted feature.
    assert all(c.score < top.score / 2 for c in cause.causes if c.kind == "segment")
    assert cause.series is not None and cause.series.transitions == ((3, "firing"),)
    assert "change point" in cause.method


def test_root_cause_names_the_promotion_just_before_the_change(
    tmp_path: Any, http_receiver: HttpReceiver
) -> None:
    from headway.testing.monitoring_data import fill_monitoring_project

    store = tmp_path / "store"
    filled = fill_monitoring_project("dropout", dir=store, rows_per_day=400)
    change = datetime.fromisoformat(filled.change_start)
    backend = LocalBackend(Settings.from_env(env={}, dir=str(store)))
    try:
        # What the registry recorded half a day before the inputs changed (the store takes
        # the time, as the registry service would have stamped it then).
        backend.alert_service.store.registry.set_alias(
            filled.model,
            "staging",
            1,
            actor="ci",
            now=change - timedelta(hours=12),
            check_role=lambda *args, **kwargs: None,
        )
        headway.alerts.rule(
            "dropout",
            "drift share",
            monitor=filled.monitor,
            kind="dataset",
            condition=Threshold(op="above", value=0.1),
            backend=backend,
        )
        [alert] = backend.alerts.alerts(project="dropout", rule="drift share")
        cause = backend.alerts.root_cause(alert.id)
        kinds = [(c.kind, c.subject) for c in cause.causes]
        changed = set(filled.changes.values())
        assert kinds[0][0] == "feature" and kinds[0][1] in changed
        promotion = next(c for c in cause.causes if c.kind == "event" and "staging" in c.subject)
        assert promotion.score > 0.5
        assert any(e.kind == "alias_set" for e in cause.timeline)
    finally:
        backend.close()


def test_root_cause_shows_the_importance_shift_and_the_version_that_began_scoring(
    backend: LocalBackend, tmp_path: Any
) -> None:
    data = dataset("variance_change", rows_per_day=1_000)
    model = fit_model(data)
    v1 = register(backend, tmp_path, model)
    backend.registry.set_alias("dropout-risk", "production", v1)
    monitor = explained_monitor(backend, data, model)
    # The same model re-registered as v2 takes over on the day avg_grade is stretched.
    v2 = register(backend, tmp_path, model, name="clf-retrain")
    backend.registry.set_alias("dropout-risk", "production", v2)
    cur = data.current
    switch = (cur["timestamp"] >= CHANGE_AT).to_numpy()
    inputs = cur[MODEL_INPUTS + CATEGORICAL]
    for version, rows in ((v1, ~switch), (v2, switch)):
        monitor.log(
            inputs[rows],
            model.predict_proba(inputs[rows])[:, 1],
            ids=cur["student_id"][rows],
            timestamps=cur["timestamp"][rows],
            model_version=version,
        )
    monitor.compute()
    headway.alerts.rule(
        "edu",
        "importance moved",
        monitor="dropout",
        kind="explanation",
        metric="importance_shift",
        condition=Threshold(op="above", value=0.05),
        backend=backend,
    )
    [alert] = backend.alerts.alerts(project="edu", rule="importance moved")
    cause = backend.alerts.root_cause(alert.id)
    assert cause.change_at == CHANGE_AT.to_pydatetime()
    assert cause.importance[0].feature == "avg_grade"
    assert cause.importance[0].after > (cause.importance[0].before or 0) + 0.05
    shift = next(c for c in cause.causes if c.kind == "importance")
    assert shift.subject == "importance shift: avg_grade" and shift.score > 0.9
    serving = [e for e in cause.timeline if e.kind == "model_serving"]
    assert [e.link["version"] for e in serving] == [v2]
    assert (
        serving[0].text
        == "dropout-risk v2 began scoring predictions (moved to @production in the registry)"
    )
    assert serving[0].at >= CHANGE_AT.to_pydatetime()
    event = next(c for c in cause.causes if c.kind == "event" and "v2 began" in c.subject)
    assert event.score > 0.9
    monitor.close()
