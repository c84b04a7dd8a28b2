"""The alerts half of the backend interface (``backend.alerts``).

``LocalAlerts`` runs the alert service in-process; ``HttpAlerts`` (``http_alerts.py``) calls
``headway server``. Both take and return the domain types of ``headway.entities.alerts``.

Thread safety: every implementation may be called from several threads at once.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from headway.entities.alerts import (
    ALERT_STATES,
    SEVERITIES,
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
from headway.errors import InvalidArgument

if TYPE_CHECKING:
    from headway.alerting.service import AlertService


class BaseAlerts(abc.ABC):
    @abc.abstractmethod
    def with_user(self, user: str) -> BaseAlerts:
        """The same alerts, acting as ``user`` (who acknowledged or resolved)."""

    # -- rules ----------------------------------------------------------------------------
    @abc.abstractmethod
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
        """Create a rule (``exist_ok``: or replace the settings of the one of that name).

        Raises: InvalidArgument naming the bad field (an unknown monitor is NotFound);
        AlreadyExists unless ``exist_ok``.
        """

    @abc.abstractmethod
    def rules(self, project: str | None = None) -> list[AlertRule]: ...

    @abc.abstractmethod
    def get_rule(self, project: str, name: str) -> AlertRule:
        """Raises: NotFound."""

    @abc.abstractmethod
    def set_rule_enabled(self, project: str, name: str, enabled: bool) -> AlertRule: ...

    @abc.abstractmethod
    def mute_rule(self, project: str, name: str, until: datetime | None) -> AlertRule:
        """Notify nobody about this rule's alerts until ``until`` (None: unmute)."""

    @abc.abstractmethod
    def delete_rule(self, project: str, name: str) -> None:
        """Delete a rule; its alerts stay in the history."""

    @abc.abstractmethod
    def evaluate_rule(self, project: str, name: str) -> list[Alert]:
        """Evaluate now; returns the alerts that opened or resolved."""

    @abc.abstractmethod
    def preview(
        self,
        project: str,
        *,
        target: RuleTarget,
        condition: Condition,
        last: int = 30,
    ) -> list[RulePreview]:
        """When a rule with this target and condition would have fired over the last
        ``last`` points of each scope; stores nothing."""

    # -- alerts ---------------------------------------------------------------------------
    @abc.abstractmethod
    def alerts(
        self,
        *,
        project: str | None = None,
        states: Sequence[str] = (),
        severities: Sequence[str] = (),
        rule: str | None = None,
        limit: int = 200,
    ) -> list[Alert]:
        """Newest first."""

    @abc.abstractmethod
    def get_alert(self, alert_id: int) -> Alert:
        """Raises: NotFound."""

    @abc.abstractmethod
    def alert_events(self, alert_id: int) -> list[AlertEvent]: ...

    @abc.abstractmethod
    def notifications(self, alert_id: int) -> list[Notification]: ...

    @abc.abstractmethod
    def root_cause(self, alert_id: int) -> RootCause:
        """Why the alert fired (docs/alerts.md#root-cause). Raises: NotFound."""

    @abc.abstractmethod
    def acknowledge(self, alert_id: int, note: str = "") -> Alert:
        """Raises: NotFound; Conflict if it is already resolved."""

    @abc.abstractmethod
    def resolve(self, alert_id: int, note: str = "") -> Alert: ...

    @abc.abstractmethod
    def raise_alert(
        self,
        project: str,
        *,
        title: str,
        text: str = "",
        severity: str = "warning",
        run_id: str | None = None,
    ) -> Alert:
        """An alert from code (``run.alert``): one open alert per run and title."""

    # -- channels -------------------------------------------------------------------------
    @abc.abstractmethod
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
        """Raises: InvalidArgument naming the bad setting; AlreadyExists."""

    @abc.abstractmethod
    def channels(self, project: str) -> list[Channel]: ...

    @abc.abstractmethod
    def set_channel_enabled(self, project: str, name: str, enabled: bool) -> Channel: ...

    @abc.abstractmethod
    def delete_channel(self, project: str, name: str) -> None: ...

    @abc.abstractmethod
    def test_channel(self, project: str, name: str) -> ChannelTest:
        """Send a test message now and say what the receiver answered."""


class LocalAlerts(BaseAlerts):
    def __init__(self, service: AlertService, user: str) -> None:
        self.service = service
        self.user = user

    def with_user(self, user: str) -> LocalAlerts:
        return LocalAlerts(self.service, user)

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
        return self.service.create_rule(
            project,
            name,
            target=target,
            condition=condition,
            severity=severity,
            channels=tuple(channels),
            cooldown_seconds=cooldown_seconds,
            description=description,
            exist_ok=exist_ok,
        )

    def rules(self, project: str | None = None) -> list[AlertRule]:
        return self.service.rules(project)

    def get_rule(self, project: str, name: str) -> AlertRule:
        return self.service.get_rule(project, name)

    def set_rule_enabled(self, project: str, name: str, enabled: bool) -> AlertRule:
        return self.service.set_enabled(project, name, enabled)

    def mute_rule(self, project: str, name: str, until: datetime | None) -> AlertRule:
        return self.service.mute(project, name, until=until)

    def delete_rule(self, project: str, name: str) -> None:
        self.service.delete_rule(project, name)

    def evaluate_rule(self, project: str, name: str) -> list[Alert]:
        return self.service.evaluate_rule(self.service.get_rule(project, name))

    def preview(
        self,
        project: str,
        *,
        target: RuleTarget,
        condition: Condition,
        last: int = 30,
    ) -> list[RulePreview]:
        return self.service.preview_draft(project, target, condition, last=last)

    def alerts(
        self,
        *,
        project: str | None = None,
        states: Sequence[str] = (),
        severities: Sequence[str] = (),
        rule: str | None = None,
        limit: int = 200,
    ) -> list[Alert]:
        _check_choices("state", states, ALERT_STATES)
        _check_choices("severity", severities, SEVERITIES)
        if not 1 <= limit <= 10_000:
            raise InvalidArgument("limit must be 1 to 10,000", details={"field": "limit"})
        return self.service.store.alerts.alerts(
            project=project, states=states, severities=severities, rule=rule, limit=limit
        )

    def get_alert(self, alert_id: int) -> Alert:
        return self.service.store.alerts.get_alert(alert_id)

    def alert_events(self, alert_id: int) -> list[AlertEvent]:
        self.service.store.alerts.get_alert(alert_id)
        return self.service.store.alerts.events(alert_id)

    def notifications(self, alert_id: int) -> list[Notification]:
        self.service.store.alerts.get_alert(alert_id)
        return self.service.store.alert_channels.notifications(alert_id)

    def root_cause(self, alert_id: int) -> RootCause:
        return self.service.root_cause(alert_id)

    def acknowledge(self, alert_id: int, note: str = "") -> Alert:
        return self.service.acknowledge(alert_id, by=self.user, note=note)

    def resolve(self, alert_id: int, note: str = "") -> Alert:
        return self.service.resolve(alert_id, by=self.user, note=note)

    def raise_alert(
        self,
        project: str,
        *,
        title: str,
        text: str = "",
        severity: str = "warning",
        run_id: str | None = None,
    ) -> Alert:
        scope = f"run:{run_id}" if run_id else "code"
        source = {"run": run_id} if run_id else {}
        alert, _created = self.service.raise_alert(
            project, title=title, text=text, severity=severity, scope=scope, source=source
        )
        return alert

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
        return self.service.create_channel(
            project, name, type, config, secret=secret, min_severity=min_severity
        )

    def channels(self, project: str) -> list[Channel]:
        return self.service.channels(project)

    def set_channel_enabled(self, project: str, name: str, enabled: bool) -> Channel:
        return self.service.set_channel_enabled(project, name, enabled)

    def delete_channel(self, project: str, name: str) -> None:
        self.service.delete_channel(project, name)

    def test_channel(self, project: str, name: str) -> ChannelTest:
        a = self.service.test_channel(project, name)
        return ChannelTest(
            ok=a.ok,
            status_code=a.status_code,
            response=a.response,
            error=a.error,
            duration_ms=a.duration_ms,
        )


def _check_choices(field: str, given: Sequence[str], allowed: Sequence[str]) -> None:
    unknown = [x for x in given if x not in allowed]
    if unknown:
        raise InvalidArgument(
            f"unknown {field} {', '.join(map(repr, unknown))}: choose from {', '.join(allowed)}",
            details={"field": field},
        )
