"""Alerts: the inbox and each alert's history; rules, previews and channels per project.

Handlers are plain ``def`` (they run in the thread pool): evaluating a rule and testing a
channel do database and network work. Acknowledging and resolving record the acting user
(the ``X-Headway-User`` header).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from headway.backend.alerts import BaseAlerts
from headway.backend.base import BaseBackend
from headway.server.deps import _user
from headway.server.schemas.alerts import (
    AlertEventList,
    AlertEventOut,
    AlertList,
    AlertOut,
    ChannelIn,
    ChannelList,
    ChannelOut,
    ChannelPatch,
    ChannelTestOut,
    NoteIn,
    NotificationList,
    NotificationOut,
    PreviewIn,
    PreviewList,
    PreviewOut,
    RaiseIn,
    RootCauseOut,
    RuleIn,
    RuleList,
    RuleOut,
    RulePatch,
)
from headway.server.schemas.common import error_responses


async def _alerts(request: Request) -> BaseAlerts:
    backend: BaseBackend = request.app.state.backend
    # Acting as the caller: acknowledged_by / resolved_by.
    return backend.alerts.with_user(_user(request))


Alerts = Annotated[BaseAlerts, Depends(_alerts)]

router = APIRouter(tags=["alerts"])
_ALERT = "/alerts/{alert_id}"
_RULES = "/projects/{project}/alert-rules"
_RULE = _RULES + "/{name}"
_CHANNELS = "/projects/{project}/alert-channels"
_CHANNEL = _CHANNELS + "/{name}"
_ERRORS = error_responses(400, 404)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# -- the inbox ------------------------------------------------------------------------------


@router.get("/alerts", summary="Alerts of every project, newest first", responses=_ERRORS)
def list_alerts(
    alerts: Alerts,
    project: str | None = None,
    state: Annotated[list[str] | None, Query(description="firing, acknowledged, resolved")] = None,
    severity: Annotated[list[str] | None, Query(description="info, warning, critical")] = None,
    rule: Annotated[str | None, Query(description="Only alerts of this rule name")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> AlertList:
    found = alerts.alerts(
        project=project, states=state or (), severities=severity or (), rule=rule, limit=limit
    )
    return AlertList(alerts=[AlertOut.from_entity(a) for a in found])


@router.get(_ALERT, summary="One alert", responses=_ERRORS)
def get_alert(alert_id: int, alerts: Alerts) -> AlertOut:
    return AlertOut.from_entity(alerts.get_alert(alert_id))


@router.get(_ALERT + "/events", summary="An alert's history, oldest first", responses=_ERRORS)
def alert_events(alert_id: int, alerts: Alerts) -> AlertEventList:
    return AlertEventList(
        events=[AlertEventOut.from_entity(e) for e in alerts.alert_events(alert_id)]
    )


@router.get(
    _ALERT + "/root-cause",
    summary="Why an alert fired: drifted features, worst segments, changes, ranked causes",
    responses=_ERRORS,
)
def alert_root_cause(alert_id: int, alerts: Alerts) -> RootCauseOut:
    return RootCauseOut.from_entity(alerts.root_cause(alert_id))


@router.get(
    _ALERT + "/notifications",
    summary="What was sent about an alert, per channel, with attempts",
    responses=_ERRORS,
)
def alert_notifications(alert_id: int, alerts: Alerts) -> NotificationList:
    return NotificationList(
        notifications=[NotificationOut.from_entity(n) for n in alerts.notifications(alert_id)]
    )


@router.post(
    _ALERT + "/acknowledge",
    summary="Acknowledge an alert (someone is looking into it)",
    responses=error_responses(400, 404, 409),
)
def acknowledge(alert_id: int, alerts: Alerts, body: NoteIn | None = None) -> AlertOut:
    return AlertOut.from_entity(alerts.acknowledge(alert_id, body.note if body else ""))


@router.post(_ALERT + "/resolve", summary="Resolve an alert by hand", responses=_ERRORS)
def resolve(alert_id: int, alerts: Alerts, body: NoteIn | None = None) -> AlertOut:
    return AlertOut.from_entity(alerts.resolve(alert_id, body.note if body else ""))


@router.post(
    "/projects/{project}/alerts",
    summary="Raise an alert from code (run.alert); an open one of that title is refreshed",
    responses=_ERRORS,
)
def raise_alert(project: str, body: RaiseIn, alerts: Alerts) -> AlertOut:
    alert = alerts.raise_alert(
        project, title=body.title, text=body.text, severity=body.severity, run_id=body.run_id
    )
    return AlertOut.from_entity(alert)


# -- rules ----------------------------------------------------------------------------------


@router.get("/alert-rules", summary="The alert rules of every project", responses=_ERRORS)
def list_all_rules(alerts: Alerts) -> RuleList:
    return RuleList(rules=[RuleOut.from_entity(r) for r in alerts.rules()])


@router.get(_RULES, summary="A project's alert rules", responses=_ERRORS)
def list_rules(project: str, alerts: Alerts) -> RuleList:
    return RuleList(rules=[RuleOut.from_entity(r) for r in alerts.rules(project)])


@router.post(
    _RULES,
    status_code=status.HTTP_201_CREATED,
    summary="Create an alert rule (exist_ok: or replace the one of that name)",
    responses=error_responses(400, 404, 409),
)
def create_rule(project: str, body: RuleIn, alerts: Alerts) -> RuleOut:
    rule = alerts.create_rule(
        project,
        body.name,
        target=body.target.to_entity(),
        condition=body.to_condition(),
        severity=body.severity,
        channels=body.channels,
        cooldown_seconds=body.cooldown_seconds,
        description=body.description,
        exist_ok=body.exist_ok,
    )
    return RuleOut.from_entity(rule)


@router.post(
    _RULES + "/preview",
    summary="When a draft rule would have fired over the latest points (stores nothing)",
    responses=_ERRORS,
)
def preview(project: str, body: PreviewIn, alerts: Alerts) -> PreviewList:
    found = alerts.preview(
        project, target=body.target.to_entity(), condition=body.to_condition(), last=body.last
    )
    return PreviewList(previews=[PreviewOut.from_entity(p) for p in found])


@router.get(_RULE, summary="One alert rule", responses=_ERRORS)
def get_rule(project: str, name: str, alerts: Alerts) -> RuleOut:
    return RuleOut.from_entity(alerts.get_rule(project, name))


@router.patch(_RULE, summary="Enable, disable, mute or unmute a rule", responses=_ERRORS)
def patch_rule(project: str, name: str, body: RulePatch, alerts: Alerts) -> RuleOut:
    given = body.model_fields_set
    rule = None
    if "enabled" in given and body.enabled is not None:
        rule = alerts.set_rule_enabled(project, name, body.enabled)
    if "muted_until" in given:
        rule = alerts.mute_rule(project, name, _utc(body.muted_until))
    return RuleOut.from_entity(rule or alerts.get_rule(project, name))


@router.delete(
    _RULE,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a rule (its alerts stay in the history)",
    responses=_ERRORS,
)
def delete_rule(project: str, name: str, alerts: Alerts) -> Response:
    alerts.delete_rule(project, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    _RULE + "/evaluate",
    summary="Evaluate a rule now; returns the alerts that opened or resolved",
    responses=_ERRORS,
)
def evaluate_rule(project: str, name: str, alerts: Alerts) -> AlertList:
    return AlertList(alerts=[AlertOut.from_entity(a) for a in alerts.evaluate_rule(project, name)])


# -- channels -------------------------------------------------------------------------------


@router.get(
    _CHANNELS, summary="A project's alert channels (secrets never shown)", responses=_ERRORS
)
def list_channels(project: str, alerts: Alerts) -> ChannelList:
    return ChannelList(channels=[ChannelOut.from_entity(c) for c in alerts.channels(project)])


@router.post(
    _CHANNELS,
    status_code=status.HTTP_201_CREATED,
    summary="Add an alert channel: webhook, slack, email or pagerduty",
    responses=error_responses(400, 404, 409),
)
def create_channel(project: str, body: ChannelIn, alerts: Alerts) -> ChannelOut:
    channel = alerts.create_channel(
        project,
        body.name,
        body.type,
        body.config,
        secret=body.secret,
        min_severity=body.min_severity,
    )
    return ChannelOut.from_entity(channel)


@router.patch(_CHANNEL, summary="Enable or disable a channel", responses=_ERRORS)
def patch_channel(project: str, name: str, body: ChannelPatch, alerts: Alerts) -> ChannelOut:
    return ChannelOut.from_entity(alerts.set_channel_enabled(project, name, body.enabled))


@router.delete(
    _CHANNEL,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a channel",
    responses=_ERRORS,
)
def delete_channel(project: str, name: str, alerts: Alerts) -> Response:
    alerts.delete_channel(project, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    _CHANNEL + "/test",
    summary="Send a test message now and say what the receiver answered",
    responses=_ERRORS,
)
def test_channel(project: str, name: str, alerts: Alerts) -> ChannelTestOut:
    return ChannelTestOut.from_entity(alerts.test_channel(project, name))
