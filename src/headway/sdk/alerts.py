"""Alert rules, channels and alerts from Python: ``headway.alerts``.

    import headway
    from headway.alerts import Threshold, Verdict

    headway.alerts.channel("student-dropout", "advisors", "slack", secret=SLACK_URL)
    headway.alerts.rule(
        "student-dropout", "recall of at-risk students",
        model="dropout-risk@production", kind="performance", metric="recall",
        condition=Threshold(op="below", value=0.7, for_windows=2), severity="critical",
    )

Every function takes ``dir=``/``url=`` to choose the store, as :func:`headway.init` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from headway.backend.base import BaseBackend
from headway.entities.alerts import (
    Alert,
    AlertRule,
    Anomaly,
    Change,
    Channel,
    ChannelTest,
    Condition,
    IsNan,
    Notification,
    RootCause,
    RulePreview,
    RuleTarget,
    Threshold,
    Verdict,
    condition_from_dict,
)
from headway.errors import InvalidArgument
from headway.sdk.connect import backend_for, make_settings

__all__ = [
    "Anomaly",
    "Change",
    "IsNan",
    "Threshold",
    "Verdict",
    "acknowledge",
    "alerts",
    "channel",
    "channels",
    "delete_channel",
    "notifications",
    "preview",
    "resolve",
    "root_cause",
    "rule",
    "rules",
    "set_channel_enabled",
    "test_channel",
]


def _backend(dir: Any, url: str | None, backend: BaseBackend | None) -> BaseBackend:
    return backend or backend_for(make_settings(dir, url))


def target(
    *,
    monitor: str | None = None,
    model: str | None = None,
    runs: str | None = None,
    kind: str | None = None,
    subject: str | None = "*",
    group: str = "*",
    metric: str | None = None,
    after_step: int | None = None,
    stall_minutes: int | None = None,
) -> RuleTarget:
    """What a rule watches: exactly one of ``monitor=`` (a monitor's results), ``model=``
    (``name@alias``: the monitors of the version that holds the alias) or ``runs=`` (a runs
    filter expression, ``""`` for every run; then ``metric=`` is the metric, or ``"_state"``
    for the run's state with ``stall_minutes=``)."""
    chosen = [
        k for k, v in (("monitor", monitor), ("model", model), ("runs", runs)) if v is not None
    ]
    if len(chosen) != 1:
        raise InvalidArgument("a rule watches exactly one of monitor=, model= or runs=")
    kind_of = chosen[0]
    return RuleTarget(
        type=kind_of,  # type: ignore[arg-type]
        monitor=monitor,
        model=model,
        kind=kind,
        subject=subject,
        group=group,
        metric=metric,
        filter=runs if kind_of == "runs" else None,
        after_step=after_step,
        stall_minutes=stall_minutes,
    )


def _condition(condition: Condition | Mapping[str, Any]) -> Condition:
    return condition_from_dict(condition) if isinstance(condition, Mapping) else condition


def rule(
    project: str,
    name: str,
    *,
    condition: Condition | Mapping[str, Any],
    monitor: str | None = None,
    model: str | None = None,
    runs: str | None = None,
    kind: str | None = None,
    subject: str | None = "*",
    group: str = "*",
    metric: str | None = None,
    after_step: int | None = None,
    stall_minutes: int | None = None,
    severity: str = "warning",
    channels: Sequence[str] = (),
    cooldown_seconds: int = 0,
    description: str = "",
    exist_ok: bool = True,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> AlertRule:
    """Create (or, with ``exist_ok``, update) an alert rule; see docs/alerts.md.

    Raises:
        InvalidArgument: naming the bad argument (an unknown result kind, a condition
            field out of range, a channel the project does not have).
        NotFound: the monitor or model does not exist.
    """
    b = _backend(dir, url, backend)
    return b.alerts.create_rule(
        project,
        name,
        target=target(
            monitor=monitor,
            model=model,
            runs=runs,
            kind=kind,
            subject=subject,
            group=group,
            metric=metric,
            after_step=after_step,
            stall_minutes=stall_minutes,
        ),
        condition=_condition(condition),
        severity=severity,
        channels=channels,
        cooldown_seconds=cooldown_seconds,
        description=description,
        exist_ok=exist_ok,
    )


def rules(
    project: str | None = None,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> list[AlertRule]:
    return _backend(dir, url, backend).alerts.rules(project)


def preview(
    project: str,
    *,
    condition: Condition | Mapping[str, Any],
    last: int = 30,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
    **where: Any,
) -> list[RulePreview]:
    """When a rule would have fired over the last ``last`` points; ``where`` as for
    :func:`rule` (``monitor=``, ``kind=``, ``metric=`` …). Stores nothing."""
    return _backend(dir, url, backend).alerts.preview(
        project, target=target(**where), condition=_condition(condition), last=last
    )


def alerts(
    project: str | None = None,
    *,
    state: str | Sequence[str] = (),
    severity: str | Sequence[str] = (),
    rule: str | None = None,
    limit: int = 200,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> list[Alert]:
    """Alerts, newest first (``state="firing"`` or a list of states)."""
    states = (state,) if isinstance(state, str) else tuple(state)
    severities = (severity,) if isinstance(severity, str) else tuple(severity)
    return _backend(dir, url, backend).alerts.alerts(
        project=project, states=states, severities=severities, rule=rule, limit=limit
    )


def acknowledge(
    alert_id: int,
    note: str = "",
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> Alert:
    return _backend(dir, url, backend).alerts.acknowledge(alert_id, note)


def resolve(
    alert_id: int,
    note: str = "",
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> Alert:
    return _backend(dir, url, backend).alerts.resolve(alert_id, note)


def mute(
    project: str,
    rule: str,
    until: datetime | None,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> AlertRule:
    """Keep a rule's alerts quiet (no notifications) until ``until``; None unmutes."""
    return _backend(dir, url, backend).alerts.mute_rule(project, rule, until)


def channel(
    project: str,
    name: str,
    type: str,
    *,
    secret: str | None = None,
    min_severity: str = "info",
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
    **config: Any,
) -> Channel:
    """Add a channel: ``webhook`` (``endpoint=``, secret = signing secret), ``slack``
    (secret = incoming webhook URL), ``email`` (``host=``, ``sender=``, ``to=``, ``port=``,
    ``security=``, ``username=``; secret = password), ``pagerduty`` (secret = routing key;
    ``endpoint=`` only for a proxy)."""
    return _backend(dir, url, backend).alerts.create_channel(
        project, name, type, config, secret=secret, min_severity=min_severity
    )


def channels(
    project: str,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> list[Channel]:
    return _backend(dir, url, backend).alerts.channels(project)


def test_channel(
    project: str,
    name: str,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> ChannelTest:
    """Send a test message through the channel now and return what the receiver said."""
    return _backend(dir, url, backend).alerts.test_channel(project, name)


def root_cause(
    alert_id: int,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> RootCause:
    """Why an alert fired: drifted features, worst segments, what changed around it, and
    every candidate ranked by its association with the change (docs/alerts.md)."""
    return _backend(dir, url, backend).alerts.root_cause(alert_id)


def notifications(
    alert_id: int,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> list[Notification]:
    """What was sent about an alert, per channel and state change."""
    return _backend(dir, url, backend).alerts.notifications(alert_id)


def set_channel_enabled(
    project: str,
    name: str,
    enabled: bool,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> Channel:
    return _backend(dir, url, backend).alerts.set_channel_enabled(project, name, enabled)


def delete_channel(
    project: str,
    name: str,
    *,
    dir: Any = None,
    url: str | None = None,
    backend: BaseBackend | None = None,
) -> None:
    _backend(dir, url, backend).alerts.delete_channel(project, name)
