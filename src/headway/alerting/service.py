"""Alert rules, the alerts they open and close, and their notifications.

Evaluation: a rule's target gives one series per scope (:mod:`headway.alerting.targets`); the
condition engine (:mod:`headway.alerting.conditions`) says whether each scope's rule is firing
after its latest point. Firing with no open alert opens one (unless the scope resolved less
than ``cooldown_seconds`` ago); firing with an open alert refreshes its value; not firing
with an open alert resolves it automatically. The unique open key in storage keeps one open
alert per rule and scope however many workers evaluate.

Notification: each state change queues one notification per channel of the project the
rule routes to (all enabled channels by default, at or above their ``min_severity``), and a
job per notification. The job makes one attempt through the channel; a failed attempt is
logged and retried with exponential backoff, up to ``MAX_ATTEMPTS``; a notification is never
dropped silently, and a failing channel never fails the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from headway.alerting.channels import get_channel
from headway.alerting.conditions import Evaluation, evaluate
from headway.alerting.targets import Targets, Watched
from headway.delivery.message import AlertMessage
from headway.delivery.secrets import SecretBox
from headway.delivery.webhook import Attempt, backoff
from headway.entities.alerts import (
    SEVERITIES,
    TARGET_TYPES,
    Alert,
    AlertRule,
    Channel,
    Condition,
    RootCause,
    RulePreview,
    RuleTarget,
    Severity,
    condition_from_dict,
)
from headway.entities.monitoring import RESULT_KINDS
from headway.errors import InvalidArgument, NotFound
from headway.store.sql.alert_channels import StoredAttempt
from headway.store.sql.store import SqlStore
from headway.tracking import validation as v

log = logging.getLogger("headway.alerting")

EVALUATE_JOB = "alerts.evaluate"
NOTIFY_JOB = "alerts.notify"
#: Attempts per notification (the first and five retries: 2 s, 4 s, … up to 10 min apart).
MAX_ATTEMPTS = 6
#: Seconds between evaluations of the rules on runs (a stalled run triggers nothing else).
RUN_RULES_EVERY = 30.0


def now_utc() -> datetime:
    return datetime.now(UTC)


def _severity(value: Any) -> Severity:
    if value not in SEVERITIES:
        raise InvalidArgument(
            f"unknown severity {value!r}: choose from {', '.join(SEVERITIES)}",
            details={"field": "severity"},
        )
    return value  # type: ignore[no-any-return]


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def check_target(target: RuleTarget) -> RuleTarget:
    """Raise InvalidArgument naming the field a target is missing or gets wrong."""
    if target.type not in TARGET_TYPES:
        raise InvalidArgument(
            f"unknown target type {target.type!r}: choose from {', '.join(TARGET_TYPES)}",
            details={"field": "target.type"},
        )
    needs = {"monitor": "monitor", "model": "model", "runs": "metric"}[target.type]
    if not getattr(target, needs):
        raise InvalidArgument(
            f"a {target.type} target needs {needs}=", details={"field": f"target.{needs}"}
        )
    if target.type != "runs" and target.kind is not None and target.kind not in RESULT_KINDS:
        raise InvalidArgument(
            f"unknown result kind {target.kind!r}: choose from {', '.join(RESULT_KINDS)}",
            details={"field": "target.kind"},
        )
    if target.type == "runs" and (target.monitor or target.model):
        raise InvalidArgument(
            "a runs target takes filter= and metric=, not a monitor or model",
            details={"field": "target.monitor" if target.monitor else "target.model"},
        )
    if target.type == "model" and "@" not in str(target.model) and ":" in str(target.model):
        raise InvalidArgument(
            "a model target follows an alias (name@production), not a fixed version",
            details={"field": "target.model"},
        )
    return target


class AlertService:
    def __init__(
        self,
        store: SqlStore,
        targets: Targets,
        secrets: SecretBox,
        *,
        public_url: str | None = None,
        retry_base: float = 2.0,
    ) -> None:
        self.store = store
        self.targets = targets
        self.secrets = secrets
        self.public_url = public_url
        self.retry_base = retry_base
        #: No worker in this process: attempt each notification once, right away.
        self.inline_delivery = True

    # -- rules ----------------------------------------------------------------------------
    def create_rule(
        self,
        project: str,
        name: str,
        *,
        target: RuleTarget,
        condition: Condition | Mapping[str, Any],
        severity: str = "warning",
        channels: tuple[str, ...] = (),
        cooldown_seconds: int = 0,
        description: str = "",
        exist_ok: bool = False,
    ) -> AlertRule:
        rule = self._rule(
            project,
            name,
            target,
            condition,
            severity,
            channels,
            cooldown_seconds,
            description,
        )
        if exist_ok:
            try:
                existing = self.store.alerts.get_rule(project, rule.name)
            except NotFound:
                existing = None
            if existing is not None:
                updated = self.store.alerts.update_rule(
                    project,
                    rule.name,
                    {
                        "target": rule.target,
                        "condition": rule.condition,
                        "severity": rule.severity,
                        "channels": rule.channels,
                        "cooldown_seconds": rule.cooldown_seconds,
                        "description": rule.description,
                    },
                    now=now_utc(),
                )
                self._safe_evaluate(updated)
                return updated
        created = self.store.alerts.create_rule(rule, now=now_utc())
        # Judged at once on what is already stored: a rule about a monitor drifting since
        # last week fires now, not at the next computation.
        self._safe_evaluate(created)
        return created

    def _rule(
        self,
        project: str,
        name: str,
        target: RuleTarget,
        condition: Condition | Mapping[str, Any],
        severity: str,
        channels: tuple[str, ...],
        cooldown_seconds: int,
        description: str,
    ) -> AlertRule:
        project = v.project_name(project)
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise InvalidArgument(
                "a rule needs a name of 1 to 128 characters", details={"field": "name"}
            )
        cond = condition if not isinstance(condition, Mapping) else condition_from_dict(condition)
        check_target(target)
        self.targets.check(project, target)
        if not isinstance(cooldown_seconds, int) or not 0 <= cooldown_seconds <= 30 * 86_400:
            raise InvalidArgument(
                "cooldown_seconds must be 0 to 2,592,000 (30 days)",
                details={"field": "cooldown_seconds"},
            )
        known = {c.name for c in self.store.alert_channels.all(project)} if channels else set()
        unknown = [c for c in channels if c not in known]
        if unknown:
            raise InvalidArgument(
                f"no channel {', '.join(map(repr, unknown))} in project {project!r}",
                details={"field": "channels"},
            )
        return AlertRule(
            id=0,
            project=project,
            name=name.strip(),
            target=target,
            condition=cond,
            severity=_severity(severity),
            channels=tuple(channels),
            cooldown_seconds=cooldown_seconds,
            description=description,
        )

    def rules(self, project: str | None = None) -> list[AlertRule]:
        return self.store.alerts.rules(project)

    def get_rule(self, project: str, name: str) -> AlertRule:
        return self.store.alerts.get_rule(project, name)

    def set_enabled(self, project: str, name: str, enabled: bool) -> AlertRule:
        return self.store.alerts.update_rule(project, name, {"enabled": enabled}, now=now_utc())

    def mute(self, project: str, name: str, *, until: datetime | None) -> AlertRule:
        """Open and resolve alerts as usual, but notify nobody until ``until`` (None: unmute)."""
        return self.store.alerts.update_rule(project, name, {"muted_until": until}, now=now_utc())

    def delete_rule(self, project: str, name: str) -> None:
        self.store.alerts.delete_rule(project, name)

    def preview(self, rule: AlertRule, *, last: int = 30) -> list[tuple[Watched, Evaluation]]:
        """What the rule says about the latest ``last`` points of each scope, without
        opening anything: the rule editor's live preview."""
        out = []
        for w in self.targets.watched(rule):
            ev = evaluate(rule.condition, w.series)
            out.append((_tail(w, last), _tail_eval(ev, last)))
        return out

    def preview_draft(
        self, project: str, target: RuleTarget, condition: Condition, *, last: int = 30
    ) -> list[RulePreview]:
        if not isinstance(last, int) or not 1 <= last <= 1000:
            raise InvalidArgument("last must be 1 to 1,000 points", details={"field": "last"})
        draft = self._rule(project, "preview", target, condition, "info", (), 0, "")
        return [_preview(w, ev) for w, ev in self.preview(draft, last=last)]

    # -- evaluation -----------------------------------------------------------------------
    def evaluate_rule(self, rule: AlertRule, *, now: datetime | None = None) -> list[Alert]:
        """Open, refresh and resolve this rule's alerts; returns the alerts that changed."""
        now = now or now_utc()
        changed: list[Alert] = []
        seen: set[str] = set()
        for w in self.targets.watched(rule, now=now):
            if len(w.series.values) == 0:
                continue
            seen.add(w.scope)
            ev = evaluate(rule.condition, w.series)
            alert = self._reconcile(rule, w, ev, now)
            if alert is not None:
                changed.append(alert)
        return changed

    def _reconcile(
        self, rule: AlertRule, w: Watched, ev: Evaluation, now: datetime
    ) -> Alert | None:
        open_alert = self.store.alerts.open_for(rule.id, w.scope)
        if bool(ev.firing[-1]):
            since = _streak_start(ev)
            fields = self._point(w, ev, len(ev.firing) - 1)
            if open_alert is not None:
                self.store.alerts.refresh(
                    open_alert.id, text=self._text(rule, w, ev), now=now, **fields
                )
                return None
            if rule.cooldown_seconds:
                last = self.store.alerts.last_resolved_at(rule.id, w.scope)
                if last is not None and now - last < timedelta(seconds=rule.cooldown_seconds):
                    return None
            first = self._point(w, ev, since)
            alert = Alert(
                id=0,
                project=rule.project,
                rule_id=rule.id,
                rule_name=rule.name,
                scope=w.scope,
                state="firing",
                severity=rule.severity,
                title=f"{rule.name}: {w.label}",
                text=self._text(rule, w, ev),
                opened_at=now,
                updated_at=now,
                source={**w.source, "first_at": _iso(first["at"]), "first_step": first["step"]},
                **fields,
            )
            opened, created = self.store.alerts.open_alert(alert, message=alert.text)
            if created:
                self._notify(opened, "firing", rule, now)
                return opened
            return None
        if open_alert is not None:
            resolved, moved = self.store.alerts.transition(
                open_alert.id,
                "resolved",
                by="auto",
                message=f"the condition cleared: {_describe_point(w, ev, len(ev.firing) - 1)}",
                now=now,
            )
            if moved:
                self._notify(resolved, "resolved", rule, now)
                return resolved
        return None

    def _point(self, w: Watched, ev: Evaluation, i: int) -> dict[str, Any]:
        value = float(w.series.values[i])
        at = w.series.times[i]
        step = w.steps[i] if i < len(w.steps) else None
        return {
            "value": None if np.isnan(value) else value,
            "at": None if step is not None else _datetime(at),
            "step": step,
            "lower": _finite(ev.lower[i]),
            "upper": _finite(ev.upper[i]),
        }

    def _text(self, rule: AlertRule, w: Watched, ev: Evaluation) -> str:
        return (
            f"{w.label}: {_describe_point(w, ev, len(ev.firing) - 1)}. "
            f"Rule: {describe_condition(rule.condition)}."
        )

    def evaluate_project_rules(
        self, project: str | None = None, *, types: tuple[str, ...] = ("runs",)
    ) -> int:
        """Evaluate every enabled rule of these target types; returns how many changed."""
        changed = 0
        for rule in self.store.alerts.rules(project, enabled=True):
            if rule.target.type in types:
                changed += len(self._safe_evaluate(rule))
        return changed

    def evaluate_monitor(self, project: str, monitor: str) -> int:
        """Evaluate the enabled rules that watch this monitor (after its windows changed)."""
        changed = 0
        for rule in self.store.alerts.rules(project, enabled=True):
            t = rule.target
            if (t.type == "monitor" and t.monitor == monitor) or (
                t.type == "model"
                and any(m.spec.name == monitor for m in self.targets.monitors(project, t))
            ):
                changed += len(self._safe_evaluate(rule))
        return changed

    def _safe_evaluate(self, rule: AlertRule) -> list[Alert]:
        try:
            return self.evaluate_rule(rule)
        except Exception:
            # One broken rule (its monitor deleted, a bad filter) must not stop the others.
            log.warning(
                "evaluating alert rule %s/%s failed", rule.project, rule.name, exc_info=True
            )
            return []

    # -- lifecycle ------------------------------------------------------------------------
    def acknowledge(self, alert_id: int, *, by: str, note: str = "") -> Alert:
        alert, moved = self.store.alerts.transition(
            alert_id, "acknowledged", by=by, message=note or f"acknowledged by {by}", now=now_utc()
        )
        if moved:
            self._notify(alert, "acknowledged", self._rule_of(alert), now_utc())
        return alert

    def resolve(self, alert_id: int, *, by: str, note: str = "") -> Alert:
        alert, moved = self.store.alerts.transition(
            alert_id, "resolved", by=by, message=note or f"resolved by {by}", now=now_utc()
        )
        if moved:
            self._notify(alert, "resolved", self._rule_of(alert), now_utc())
        return alert

    def raise_alert(
        self,
        project: str,
        *,
        title: str,
        text: str,
        severity: str = "warning",
        scope: str,
        source: dict[str, Any] | None = None,
    ) -> tuple[Alert, bool]:
        """An alert raised from code (``run.alert``): one open alert per scope and title;
        raising it again while open refreshes its text and notifies nobody."""
        if not isinstance(title, str) or not title.strip():
            raise InvalidArgument("an alert needs a title")
        now = now_utc()
        alert = Alert(
            id=0,
            project=v.project_name(project),
            rule_id=None,
            rule_name="code",
            scope=f"{scope}/{title.strip()[:200]}",
            state="firing",
            severity=_severity(severity),
            title=title.strip(),
            text=str(text),
            value=None,
            at=now,
            step=None,
            lower=None,
            upper=None,
            opened_at=now,
            updated_at=now,
            source=dict(source or {}),
        )
        opened, created = self.store.alerts.open_alert(alert, message=alert.text)
        if created:
            self._notify(opened, "firing", None, now)
        else:
            opened = self.store.alerts.refresh(
                opened.id,
                value=None,
                at=now,
                step=None,
                lower=None,
                upper=None,
                text=alert.text,
                now=now,
            )
        return opened, created

    def root_cause(self, alert_id: int) -> RootCause:
        """The alert page's "why": see :mod:`headway.alerting.root_cause`."""
        from headway.alerting.root_cause import root_cause

        return root_cause(self, self.store.alerts.get_alert(alert_id))

    def _rule_of(self, alert: Alert) -> AlertRule | None:
        if alert.rule_id is None:
            return None
        try:
            return self.store.alerts.rule_by_id(alert.rule_id)
        except Exception:
            return None

    # -- channels -------------------------------------------------------------------------
    def create_channel(
        self,
        project: str,
        name: str,
        type: str,
        config: Mapping[str, Any] | None = None,
        *,
        secret: str | None = None,
        min_severity: str = "info",
    ) -> Channel:
        project = v.project_name(project)
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise InvalidArgument(
                "a channel needs a name of 1 to 128 characters", details={"field": "name"}
            )
        kind = get_channel(type)
        clean = kind.validate(dict(config or {}), secret)
        stored = None if not secret else self.secrets.encrypt(secret)
        return self.store.alert_channels.create(
            project,
            name.strip(),
            kind.name,
            clean,
            stored,
            min_severity=_severity(min_severity),
            now=now_utc(),
        )

    def channels(self, project: str) -> list[Channel]:
        return self.store.alert_channels.all(project)

    def delete_channel(self, project: str, name: str) -> None:
        self.store.alert_channels.delete(project, name)

    def set_channel_enabled(self, project: str, name: str, enabled: bool) -> Channel:
        return self.store.alert_channels.set_enabled(project, name, enabled)

    def test_channel(self, project: str, name: str) -> Attempt:
        """Send a test message now, synchronously: the settings page's "send test" button."""
        channel = self.store.alert_channels.get(project, name)
        message = AlertMessage(
            title=f"Test from Headway: channel {name}",
            text="If you can read this, alerts of this project will reach this channel.",
            severity="info",
            state="firing",
            dedup_key=f"headway-test-{project}-{name}"[:255],
            project=project,
            source="headway",
            created_at=now_utc(),
            url=self._url(f"/projects/{project}/alerts"),
        )
        return self._send(channel.id, message)

    # -- notification ---------------------------------------------------------------------
    def _notify(self, alert: Alert, event: str, rule: AlertRule | None, now: datetime) -> list[int]:
        if rule is not None and rule.muted_until is not None and rule.muted_until > now:
            self.store.alerts.add_event(
                alert.id,
                "muted",
                f"not sent: rule muted until {rule.muted_until:%Y-%m-%d %H:%M} UTC",
                by=None,
                now=now,
            )
            return []
        wanted = set(rule.channels) if rule is not None and rule.channels else None
        chosen = [
            c.id
            for c in self.store.alert_channels.all(alert.project)
            if c.enabled
            and (wanted is None or c.name in wanted)
            and _rank(alert.severity) >= _rank(c.min_severity)
        ]
        if not chosen:
            return []
        ids = self.store.alert_channels.queue(alert.id, event, chosen, now=now)
        for nid in ids:
            if self.inline_delivery:
                self.deliver(nid)
            else:
                self.store.jobs.enqueue(NOTIFY_JOB, f"notify:{nid}", {"notification": nid}, now=now)
        return ids

    # -- jobs -----------------------------------------------------------------------------
    def run_notify_job(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.deliver(int(payload["notification"]))

    def run_evaluate_job(self, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("monitor"):
            changed = self.evaluate_monitor(str(payload["project"]), str(payload["monitor"]))
        else:
            changed = self.evaluate_project_rules(payload.get("project"))
        return {"changed": changed}

    def evaluate_run_rules(self) -> int:
        """The periodic check of every rule on runs (a stalled run triggers nothing else)."""
        return self.evaluate_project_rules(None, types=("runs",))

    def deliver(self, notification_id: int) -> dict[str, Any]:
        """The notify job: one attempt; a failure is logged and retried later, never raised."""
        n = self.store.alert_channels.notification(notification_id)
        if n.state != "pending":
            return {"state": n.state}
        alert = self.store.alerts.get_alert(n.alert_id)
        message = self.message(alert, n.event)
        attempt = self._send(n.channel_id, message)
        final = not attempt.ok and n.attempts + 1 >= MAX_ATTEMPTS
        now = now_utc()
        done = self.store.alert_channels.record_attempt(
            notification_id,
            StoredAttempt(
                attempt=n.attempts + 1,
                at=now,
                ok=attempt.ok,
                status_code=attempt.status_code,
                response=attempt.response,
                error=attempt.error,
                duration_ms=attempt.duration_ms,
            ),
            final=final,
        )
        if attempt.ok:
            self.store.alerts.add_event(
                alert.id, "notified", f"{n.event} sent to {n.channel}", by=None, now=now
            )
        elif final:
            self.store.alerts.add_event(
                alert.id,
                "notify_failed",
                f"{n.event} could not be sent to {n.channel} after {done.attempts} attempts: "
                f"{attempt.error}",
                by=None,
                now=now,
            )
        else:
            self.store.jobs.enqueue(
                NOTIFY_JOB,
                f"notify:{notification_id}",
                {"notification": notification_id, "attempt": done.attempts + 1},
                now=now,
                delay=backoff(done.attempts, self.retry_base),
            )
        return {"state": done.state, "attempts": done.attempts}

    def _send(self, channel_id: int, message: AlertMessage) -> Attempt:
        channel, encrypted = self.store.alert_channels.secret(channel_id)
        try:
            secret = None if encrypted is None else self.secrets.decrypt(encrypted)
            return get_channel(channel.type).send(channel.config, secret, message)
        except Exception as exc:
            # A channel bug or an unreadable secret is this attempt's failure, not the worker's.
            return Attempt(False, None, "", f"{type(exc).__name__}: {exc}", 0.0)

    def message(self, alert: Alert, event: str) -> AlertMessage:
        fields: list[tuple[str, str]] = [("rule", alert.rule_name)]
        if alert.value is not None:
            fields.append(("value", f"{alert.value:.4g}"))
        if alert.at is not None:
            fields.append(("at", f"{alert.at:%Y-%m-%d %H:%M} UTC"))
        if alert.step is not None:
            fields.append(("step", str(alert.step)))
        for key in ("monitor", "run", "subject", "metric"):
            if alert.source.get(key) not in (None, "*"):
                fields.append((key, str(alert.source[key])))
        source = (
            f"monitor {alert.source['monitor']}"
            if "monitor" in alert.source
            else f"run {alert.source['run']}"
            if "run" in alert.source
            else alert.rule_name
        )
        return AlertMessage(
            title=alert.title[:500],
            text=alert.text,
            severity=alert.severity,
            state=event,  # type: ignore[arg-type]
            dedup_key=f"headway-alert-{alert.id}",
            project=alert.project,
            source=source,
            created_at=now_utc(),
            url=self._url(f"/projects/{alert.project}/alerts/{alert.id}"),
            fields=tuple(fields),
        )

    def _url(self, path: str) -> str | None:
        return None if not self.public_url else self.public_url.rstrip("/") + path


# -- text -----------------------------------------------------------------------------------


def describe_condition(condition: Condition) -> str:
    """One line a person reads: ``above 0.1 for 3 windows``."""
    d = condition.to_dict()
    kind = d.get("kind")
    n = int(d.get("for_windows", 1))
    tail = "" if n == 1 else f" for {n} windows in a row"
    if kind == "threshold":
        op = d["op"]
        bound = f"{d['value']:g}" if op in ("above", "below") else f"[{d['low']:g}, {d['high']:g}]"
        return f"{op} {bound}{tail}"
    if kind == "is_nan":
        return f"missing or NaN{tail}"
    if kind == "change":
        return (
            f"{d['direction']} of more than {100 * d['relative']:g} % "
            f"against the {d['baseline']} value{tail}"
        )
    if kind == "anomaly":
        season = " (same weekday)" if d.get("seasonal") == "day_of_week" else ""
        return (
            f"outside {d['method']} band of ±{d['k']:g} std over {d['window']} points{season}{tail}"
        )
    if kind == "verdict":
        return f"verdict {' or '.join(d['verdicts'])}{tail}"
    return str(kind)


def _describe_point(w: Watched, ev: Evaluation, i: int) -> str:
    value = float(w.series.values[i])
    text = "no value" if np.isnan(value) else f"{value:.4g}"
    lower, upper = _finite(ev.lower[i]), _finite(ev.upper[i])
    if lower is not None and upper is not None:
        text += f" (band {lower:.4g} to {upper:.4g})"
    elif upper is not None:
        text += f" (limit {upper:.4g})"
    elif lower is not None:
        text += f" (limit {lower:.4g})"
    verdicts = w.series.verdicts
    if verdicts is not None and verdicts[i] not in ("", "ok"):
        text += f", verdict {verdicts[i]}"
    step = w.steps[i] if i < len(w.steps) else None
    if step is not None:
        return f"{text} at step {step}"
    return f"{text} in the window from {_datetime(w.series.times[i]):%Y-%m-%d %H:%M} UTC"


def _streak_start(ev: Evaluation) -> int:
    """Index of the point where the current firing began."""
    starts = [i for i, kind in ev.transitions() if kind == "firing"]
    return starts[-1] if starts else len(ev.firing) - 1


def _finite(x: Any) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None


def _datetime(t: Any) -> datetime:
    micros = int(np.datetime64(t, "us").astype(np.int64))
    return datetime.fromtimestamp(micros / 1e6, tz=UTC)


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _tail(w: Watched, last: int) -> Watched:
    s = w.series
    series = replace(
        s,
        times=s.times[-last:],
        values=s.values[-last:],
        verdicts=None if s.verdicts is None else s.verdicts[-last:],
    )
    return replace(w, series=series, window_ends=w.window_ends[-last:], steps=w.steps[-last:])


def _tail_eval(ev: Evaluation, last: int) -> Evaluation:
    return replace(
        ev,
        breach=ev.breach[-last:],
        evaluable=ev.evaluable[-last:],
        firing=ev.firing[-last:],
        lower=ev.lower[-last:],
        upper=ev.upper[-last:],
        baseline=ev.baseline[-last:],
    )


def _preview(w: Watched, ev: Evaluation) -> RulePreview:
    n = len(w.series.values)
    return RulePreview(
        scope=w.scope,
        label=w.label,
        times=tuple(_datetime(t) for t in w.series.times),
        steps=tuple(w.steps[i] if i < len(w.steps) else None for i in range(n)),
        values=tuple(_finite(x) for x in w.series.values),
        verdicts=w.series.verdicts,
        breach=tuple(bool(x) for x in ev.breach),
        firing=tuple(bool(x) for x in ev.firing),
        lower=tuple(_finite(x) for x in ev.lower),
        upper=tuple(_finite(x) for x in ev.upper),
        transitions=tuple((i, str(kind)) for i, kind in ev.transitions()),
    )
