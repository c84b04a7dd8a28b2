"""Wire shapes of alerting: rules, alerts with their history, channels, previews.

A condition travels as its ``to_dict()`` form and is checked by ``condition_from_dict`` in
the router. Names, severities and channel types are plain strings checked by the alert
service, so a mistake reads the same over HTTP as in the SDK. A channel's secret is
accepted on create and never returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from headway.backend import alerts_wire as wire
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
from headway.server.schemas.common import StrictModel, WireFloat

Severity = Literal["info", "warning", "critical"]

_CONDITION_DOC = (
    "The condition's to_dict() form, tagged by kind: "
    '{"kind": "threshold", "op": "above", "value": 0.1}, {"kind": "is_nan"}, '
    '{"kind": "change", "direction": "drop", "relative": 0.1, "baseline": "reference"}, '
    '{"kind": "anomaly", "method": "zscore", "k": 3}, '
    '{"kind": "verdict", "verdicts": ["drift"]}; every kind takes for_windows.'
)


class TargetWire(StrictModel):
    """Which series a rule watches (see ``RuleTarget``)."""

    type: Literal["monitor", "model", "runs"]
    monitor: str | None = Field(None, description="Monitor name (type monitor).")
    model: str | None = Field(None, description="name@alias (type model).")
    kind: str | None = Field(None, description="Result kind: drift, performance, …")
    subject: str | None = Field(
        "*", description="Feature, segment column or attribute; '*' the whole window; null each."
    )
    group: str = Field("*", description="Segment value or group; '*' for all.")
    metric: str | None = Field(None, description="Method or metric; for runs the metric key.")
    filter: str | None = Field(None, description="Runs filter expression (type runs).")
    after_step: int | None = Field(None, description="Runs: ignore this step and earlier.")
    stall_minutes: int | None = Field(None, description="Runs, metric _state: stalled after.")

    def to_entity(self) -> RuleTarget:
        return wire.target_from_wire(self.model_dump())

    @classmethod
    def from_entity(cls, t: RuleTarget) -> TargetWire:
        return cls.model_validate(wire.target_to_wire(t))


# -- rules ----------------------------------------------------------------------------------


class RuleIn(StrictModel):
    name: str
    target: TargetWire
    condition: dict[str, Any] = Field(description=_CONDITION_DOC)
    severity: str = Field("warning", description="info, warning or critical.")
    channels: list[str] = Field(
        default_factory=list, description="Channel names; empty: every enabled channel."
    )
    cooldown_seconds: int = 0
    description: str = ""
    exist_ok: bool = Field(False, description="Replace the settings of a rule of that name.")

    def to_condition(self) -> Condition:
        return wire.condition_from_wire(self.condition)


class RulePatch(StrictModel):
    enabled: bool | None = None
    muted_until: datetime | None = Field(
        None, description="Notify nobody until then (UTC if no offset); null unmutes."
    )


class RuleOut(BaseModel):
    id: int
    project: str
    name: str
    target: TargetWire
    condition: dict[str, Any] = Field(description=_CONDITION_DOC)
    severity: Severity
    channels: list[str]
    cooldown_seconds: int
    muted_until: datetime | None
    enabled: bool
    description: str
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_entity(cls, r: AlertRule) -> RuleOut:
        return cls.model_validate(wire.rule_to_wire(r))


class RuleList(BaseModel):
    rules: list[RuleOut]


class PreviewIn(StrictModel):
    target: TargetWire
    condition: dict[str, Any] = Field(description=_CONDITION_DOC)
    last: int = Field(30, description="Points per scope, 1 to 1,000.")

    def to_condition(self) -> Condition:
        return wire.condition_from_wire(self.condition)


class PreviewOut(BaseModel):
    """A rule judged over the latest points of one scope (nothing is stored)."""

    scope: str
    label: str
    times: list[datetime]
    steps: list[int | None]
    values: list[float | None]
    verdicts: list[str] | None
    breach: list[bool]
    firing: list[bool]
    lower: list[float | None]
    upper: list[float | None]
    transitions: list[tuple[int, Literal["firing", "resolved"]]] = Field(
        description="(index, state) where the rule would have changed state."
    )

    @classmethod
    def from_entity(cls, p: RulePreview) -> PreviewOut:
        return cls.model_validate(wire.preview_to_wire(p))


class PreviewList(BaseModel):
    previews: list[PreviewOut]


# -- alerts ---------------------------------------------------------------------------------


class AlertOut(BaseModel):
    id: int
    project: str
    rule_id: int | None = Field(description="null: raised from code (run.alert).")
    rule_name: str
    scope: str = Field(description="What it is about, e.g. monitor:dropout/drift/gpa/*/psi.")
    state: Literal["firing", "acknowledged", "resolved"]
    severity: Severity
    title: str
    text: str
    value: WireFloat | None
    at: datetime | None
    step: int | None
    lower: WireFloat | None
    upper: WireFloat | None
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    source: dict[str, Any]

    @classmethod
    def from_entity(cls, a: Alert) -> AlertOut:
        return cls.model_validate(wire.alert_to_wire(a))


class AlertList(BaseModel):
    alerts: list[AlertOut]


class AlertEventOut(BaseModel):
    id: int
    alert_id: int
    at: datetime
    type: str = Field(description="fired, acknowledged, resolved, notified, notify_failed, …")
    by: str | None
    message: str

    @classmethod
    def from_entity(cls, e: AlertEvent) -> AlertEventOut:
        return cls.model_validate(wire.event_to_wire(e))


class AlertEventList(BaseModel):
    events: list[AlertEventOut]


class NotificationOut(BaseModel):
    id: int
    alert_id: int
    channel_id: int
    channel: str
    event: Literal["firing", "acknowledged", "resolved"]
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_entity(cls, n: Notification) -> NotificationOut:
        return cls.model_validate(wire.notification_to_wire(n))


class NotificationList(BaseModel):
    notifications: list[NotificationOut]


class NoteIn(StrictModel):
    note: str = ""


class RaiseIn(StrictModel):
    title: str
    text: str = ""
    severity: str = Field("warning", description="info, warning or critical.")
    run_id: str | None = Field(None, description="The run it is about: one open alert per run.")


# -- channels -------------------------------------------------------------------------------


class ChannelIn(StrictModel):
    name: str
    type: str = Field(description="webhook, slack, email or pagerduty.")
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="webhook: endpoint; email: host, port, sender, to, security, username, "
        "ca_file; pagerduty: url (optional); slack: none.",
    )
    secret: str | None = Field(
        None,
        description="Write-only: the webhook's signing secret, the Slack URL, the SMTP "
        "password or the PagerDuty routing key. Stored encrypted, never returned.",
    )
    min_severity: str = Field("info", description="Only alerts at or above this severity.")


class ChannelPatch(StrictModel):
    enabled: bool


class ChannelOut(BaseModel):
    id: int
    project: str
    name: str
    type: Literal["webhook", "slack", "email", "pagerduty"]
    config: dict[str, Any]
    has_secret: bool
    min_severity: Severity
    enabled: bool
    created_at: datetime | None

    @classmethod
    def from_entity(cls, c: Channel) -> ChannelOut:
        return cls.model_validate(wire.channel_to_wire(c))


class ChannelList(BaseModel):
    channels: list[ChannelOut]


class ChannelTestOut(BaseModel):
    """What the channel's receiver answered to a test message."""

    ok: bool
    status_code: int | None
    response: str
    error: str | None
    duration_ms: float

    @classmethod
    def from_entity(cls, t: ChannelTest) -> ChannelTestOut:
        return cls.model_validate(wire.channel_test_to_wire(t))


# -- root cause -----------------------------------------------------------------------------


class DriftedOut(BaseModel):
    feature: str
    method: str
    value: float | None
    threshold: float | None
    p_value: float | None
    ratio: float = Field(description="How far past its threshold (>= 1: drifted).")


class SegmentDropOut(BaseModel):
    subject: str
    group: str
    metric: str
    value: float | None
    reference: float | None
    drop: float = Field(description="How much worse than before the change (positive: worse).")


class ImportanceChangeOut(BaseModel):
    feature: str
    before: float | None = Field(description="Share of the SHAP importance before the change.")
    after: float = Field(description="Share from the change on.")
    change: float


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    text: str
    link: dict[str, Any]


class CauseOut(BaseModel):
    kind: Literal["feature", "segment", "importance", "event"]
    subject: str
    score: float = Field(description="Association with the change, 0 to 1 (see method).")
    detail: str
    at: datetime | None
    link: dict[str, Any]


class RootCauseOut(BaseModel):
    """Why an alert fired: candidates ranked by the step they make at its change point."""

    alert_id: int
    change_at: datetime | None
    method: str
    series: PreviewOut | None
    drifted: list[DriftedOut]
    segments: list[SegmentDropOut]
    timeline: list[TimelineOut]
    causes: list[CauseOut]
    importance: list[ImportanceChangeOut]

    @classmethod
    def from_entity(cls, rc: RootCause) -> RootCauseOut:
        return cls.model_validate(wire.root_cause_to_wire(rc))
