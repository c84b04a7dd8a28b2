"""Alerts over HTTP: the same calls as ``LocalAlerts``, as JSON to ``headway server``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from headway.backend import alerts_wire as wire
from headway.backend.alerts import BaseAlerts
from headway.backend.http_artifacts import _HttpHalf, _seg
from headway.entities.alerts import (
    Alert,
    AlertEvent,
    AlertRule,
    Channel,
    ChannelTest,
    Condition,
    Notification,
    RootCause,
    RulePreview,
    RuleTarget,
)


def _rules(project: str, name: str | None = None, *rest: str) -> str:
    base = f"/projects/{_seg(project)}/alert-rules"
    return "/".join((base, _seg(name), *rest)) if name is not None else base


def _channels(project: str, name: str | None = None, *rest: str) -> str:
    base = f"/projects/{_seg(project)}/alert-channels"
    return "/".join((base, _seg(name), *rest)) if name is not None else base


def _alert(alert_id: int, *rest: str) -> str:
    return "/".join((f"/alerts/{int(alert_id)}", *rest))


class HttpAlerts(_HttpHalf, BaseAlerts):
    def with_user(self, user: str) -> HttpAlerts:
        return HttpAlerts(self.http, user)

    def _rule(self, method: str, path: str, payload: dict[str, Any] | None = None) -> AlertRule:
        body = self._call(method, path, payload)
        return self.http._parse(lambda: wire.rule_from_wire(body))

    def _one(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Alert:
        body = self._call(method, path, payload)
        return self.http._parse(lambda: wire.alert_from_wire(body))

    def _many(self, body: Any) -> list[Alert]:
        return self.http._parse(lambda: [wire.alert_from_wire(a) for a in body["alerts"]])

    # -- rules ----------------------------------------------------------------------------
    def create_rule(
        self,
        project: str,
        name: str,
        *,
        target: RuleTarget,
        condition: Condition,
        severity: str = "warning",
        channels: Sequence[str] = (),
        cooldown_seconds: int = 0,
        description: str = "",
        exist_ok: bool = False,
    ) -> AlertRule:
        payload = {
            "name": name,
            "target": wire.target_to_wire(target),
            "condition": condition.to_dict(),
            "severity": severity,
            "channels": list(channels),
            "cooldown_seconds": cooldown_seconds,
            "description": description,
            "exist_ok": exist_ok,
        }
        return self._rule("POST", _rules(project), payload)

    def rules(self, project: str | None = None) -> list[AlertRule]:
        body = self._call("GET", _rules(project) if project is not None else "/alert-rules")
        return self.http._parse(lambda: [wire.rule_from_wire(r) for r in body["rules"]])

    def get_rule(self, project: str, name: str) -> AlertRule:
        return self._rule("GET", _rules(project, name))

    def set_rule_enabled(self, project: str, name: str, enabled: bool) -> AlertRule:
        return self._rule("PATCH", _rules(project, name), {"enabled": enabled})

    def mute_rule(self, project: str, name: str, until: datetime | None) -> AlertRule:
        until_wire = until.isoformat() if until is not None else None
        return self._rule("PATCH", _rules(project, name), {"muted_until": until_wire})

    def delete_rule(self, project: str, name: str) -> None:
        self._call("DELETE", _rules(project, name))

    def evaluate_rule(self, project: str, name: str) -> list[Alert]:
        return self._many(self._call("POST", _rules(project, name, "evaluate")))

    def preview(
        self,
        project: str,
        *,
        target: RuleTarget,
        condition: Condition,
        last: int = 30,
    ) -> list[RulePreview]:
        payload = {
            "target": wire.target_to_wire(target),
            "condition": condition.to_dict(),
            "last": last,
        }
        body = self._call("POST", _rules(project) + "/preview", payload)
        return self.http._parse(lambda: [wire.preview_from_wire(p) for p in body["previews"]])

    # -- alerts ---------------------------------------------------------------------------
    def alerts(
        self,
        *,
        project: str | None = None,
        states: Sequence[str] = (),
        severities: Sequence[str] = (),
        rule: str | None = None,
        limit: int = 200,
    ) -> list[Alert]:
        params: dict[str, Any] = {"limit": limit}
        if project is not None:
            params["project"] = project
        if states:
            params["state"] = list(states)
        if severities:
            params["severity"] = list(severities)
        if rule is not None:
            params["rule"] = rule
        return self._many(self._call("GET", "/alerts", params=params))

    def get_alert(self, alert_id: int) -> Alert:
        return self._one("GET", _alert(alert_id))

    def alert_events(self, alert_id: int) -> list[AlertEvent]:
        body = self._call("GET", _alert(alert_id, "events"))
        return self.http._parse(lambda: [wire.event_from_wire(e) for e in body["events"]])

    def root_cause(self, alert_id: int) -> RootCause:
        body = self._call("GET", _alert(alert_id, "root-cause"))
        return self.http._parse(lambda: wire.root_cause_from_wire(body))

    def notifications(self, alert_id: int) -> list[Notification]:
        body = self._call("GET", _alert(alert_id, "notifications"))
        return self.http._parse(
            lambda: [wire.notification_from_wire(n) for n in body["notifications"]]
        )

    def acknowledge(self, alert_id: int, note: str = "") -> Alert:
        return self._one("POST", _alert(alert_id, "acknowledge"), {"note": note})

    def resolve(self, alert_id: int, note: str = "") -> Alert:
        return self._one("POST", _alert(alert_id, "resolve"), {"note": note})

    def raise_alert(
        self,
        project: str,
        *,
        title: str,
        text: str = "",
        severity: str = "warning",
        run_id: str | None = None,
    ) -> Alert:
        payload = {"title": title, "text": text, "severity": severity, "run_id": run_id}
        return self._one("POST", f"/projects/{_seg(project)}/alerts", payload)

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
        payload = {
            "name": name,
            "type": type,
            "config": dict(config or {}),
            "secret": secret,
            "min_severity": min_severity,
        }
        body = self._call("POST", _channels(project), payload)
        return self.http._parse(lambda: wire.channel_from_wire(body))

    def channels(self, project: str) -> list[Channel]:
        body = self._call("GET", _channels(project))
        return self.http._parse(lambda: [wire.channel_from_wire(c) for c in body["channels"]])

    def set_channel_enabled(self, project: str, name: str, enabled: bool) -> Channel:
        body = self._call("PATCH", _channels(project, name), {"enabled": enabled})
        return self.http._parse(lambda: wire.channel_from_wire(body))

    def delete_channel(self, project: str, name: str) -> None:
        self._call("DELETE", _channels(project, name))

    def test_channel(self, project: str, name: str) -> ChannelTest:
        body = self._call("POST", _channels(project, name, "test"))
        return self.http._parse(lambda: wire.channel_test_from_wire(body))
