"""Alert entities to and from the JSON the server speaks (one place, both sides).

Conditions travel as their ``to_dict()`` form. Targets travel with every field, ``None``
included: ``subject=None`` (each subject on its own) differs from the default ``"*"``.
Secrets never travel back: a channel says only ``has_secret``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from headway.backend import codec
from headway.entities.alerts import (
    Alert,
    AlertEvent,
    AlertRule,
    Cause,
    Channel,
    ChannelTest,
    Condition,
    DriftedFeature,
    ImportanceChange,
    Notification,
    RootCause,
    RulePreview,
    RuleTarget,
    SegmentDrop,
    TimelineEvent,
    condition_from_dict,
)
from headway.errors import InvalidArgument

_TARGET_FIELDS = tuple(f.name for f in fields(RuleTarget))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# -- conditions and targets -----------------------------------------------------------------


def condition_from_wire(data: Any, *, where: str = "condition") -> Condition:
    """:func:`condition_from_dict`, with the message and ``details.field`` naming the field
    of the request (``condition.op``) rather than the bare key.

    Raises:
        InvalidArgument: as :func:`condition_from_dict`.
    """
    try:
        return condition_from_dict(data)
    except InvalidArgument as exc:
        key = exc.details.get("key")
        field = f"{where}.{key}" if key else where
        raise InvalidArgument(
            f"{where}: {exc.message}", details={**exc.details, "field": field}
        ) from None


def target_to_wire(target: RuleTarget) -> dict[str, Any]:
    return asdict(target)


def target_from_wire(data: Mapping[str, Any], *, where: str = "target") -> RuleTarget:
    """Raises: InvalidArgument naming an unknown or missing field (``target.type``)."""
    if not isinstance(data, Mapping):
        raise InvalidArgument(f"{where} must be an object", details={"field": where})
    unknown = sorted(set(data) - set(_TARGET_FIELDS))
    if unknown:
        raise InvalidArgument(
            f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(_TARGET_FIELDS)}",
            details={"field": f"{where}.{unknown[0]}"},
        )
    if not data.get("type"):
        raise InvalidArgument(f"{where} needs a type", details={"field": f"{where}.type"})
    return RuleTarget(**dict(data))


# -- rules ----------------------------------------------------------------------------------


def rule_to_wire(r: AlertRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "project": r.project,
        "name": r.name,
        "target": target_to_wire(r.target),
        "condition": r.condition.to_dict(),
        "severity": r.severity,
        "channels": list(r.channels),
        "cooldown_seconds": r.cooldown_seconds,
        "muted_until": _iso(r.muted_until),
        "enabled": r.enabled,
        "description": r.description,
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
    }


def rule_from_wire(d: Mapping[str, Any]) -> AlertRule:
    return AlertRule(
        id=d["id"],
        project=d["project"],
        name=d["name"],
        target=target_from_wire(d["target"]),
        condition=condition_from_wire(d["condition"]),
        severity=d["severity"],
        channels=tuple(d.get("channels") or ()),
        cooldown_seconds=d.get("cooldown_seconds", 0),
        muted_until=_dt(d.get("muted_until")),
        enabled=d.get("enabled", True),
        description=d.get("description", ""),
        created_at=_dt(d.get("created_at")),
        updated_at=_dt(d.get("updated_at")),
    )


# -- alerts ---------------------------------------------------------------------------------


def alert_to_wire(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id,
        "project": a.project,
        "rule_id": a.rule_id,
        "rule_name": a.rule_name,
        "scope": a.scope,
        "state": a.state,
        "severity": a.severity,
        "title": a.title,
        "text": a.text,
        # A diverged loss fires with +inf; JSON carries it as "Infinity".
        "value": codec.to_wire(a.value),
        "at": _iso(a.at),
        "step": a.step,
        "lower": codec.to_wire(a.lower),
        "upper": codec.to_wire(a.upper),
        "opened_at": a.opened_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
        "acknowledged_at": _iso(a.acknowledged_at),
        "acknowledged_by": a.acknowledged_by,
        "resolved_at": _iso(a.resolved_at),
        "resolved_by": a.resolved_by,
        "source": codec.to_wire(a.source),
    }


def _float(value: Any) -> float | None:
    return None if value is None else float(codec.from_wire(value))


def alert_from_wire(d: Mapping[str, Any]) -> Alert:
    opened_at = datetime.fromisoformat(d["opened_at"])
    return Alert(
        id=d["id"],
        project=d["project"],
        rule_id=d.get("rule_id"),
        rule_name=d["rule_name"],
        scope=d["scope"],
        state=d["state"],
        severity=d["severity"],
        title=d["title"],
        text=d.get("text", ""),
        value=_float(d.get("value")),
        at=_dt(d.get("at")),
        step=d.get("step"),
        lower=_float(d.get("lower")),
        upper=_float(d.get("upper")),
        opened_at=opened_at,
        updated_at=_dt(d.get("updated_at")) or opened_at,
        acknowledged_at=_dt(d.get("acknowledged_at")),
        acknowledged_by=d.get("acknowledged_by"),
        resolved_at=_dt(d.get("resolved_at")),
        resolved_by=d.get("resolved_by"),
        source=codec.from_wire(d.get("source") or {}),
    )


def event_to_wire(e: AlertEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "alert_id": e.alert_id,
        "at": e.at.isoformat(),
        "type": e.type,
        "by": e.by,
        "message": e.message,
    }


def event_from_wire(d: Mapping[str, Any]) -> AlertEvent:
    return AlertEvent(
        id=d["id"],
        alert_id=d["alert_id"],
        at=datetime.fromisoformat(d["at"]),
        type=d["type"],
        by=d.get("by"),
        message=d.get("message", ""),
    )


def notification_to_wire(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "alert_id": n.alert_id,
        "channel_id": n.channel_id,
        "channel": n.channel,
        "event": n.event,
        "state": n.state,
        "attempts": n.attempts,
        "last_error": n.last_error,
        "created_at": n.created_at.isoformat(),
        "delivered_at": _iso(n.delivered_at),
    }


def notification_from_wire(d: Mapping[str, Any]) -> Notification:
    return Notification(
        id=d["id"],
        alert_id=d["alert_id"],
        channel_id=d["channel_id"],
        channel=d["channel"],
        event=d["event"],
        state=d["state"],
        attempts=d["attempts"],
        last_error=d.get("last_error"),
        created_at=datetime.fromisoformat(d["created_at"]),
        delivered_at=_dt(d.get("delivered_at")),
    )


# -- channels -------------------------------------------------------------------------------


def channel_to_wire(c: Channel) -> dict[str, Any]:
    """Everything but the secret, which is never read back out of the store."""
    return {
        "id": c.id,
        "project": c.project,
        "name": c.name,
        "type": c.type,
        "config": codec.to_wire(c.config),
        "has_secret": c.has_secret,
        "min_severity": c.min_severity,
        "enabled": c.enabled,
        "created_at": _iso(c.created_at),
    }


def channel_from_wire(d: Mapping[str, Any]) -> Channel:
    return Channel(
        id=d["id"],
        project=d["project"],
        name=d["name"],
        type=d["type"],
        config=dict(d.get("config") or {}),
        has_secret=bool(d["has_secret"]),
        min_severity=d.get("min_severity", "info"),
        enabled=d.get("enabled", True),
        created_at=_dt(d.get("created_at")),
    )


def channel_test_to_wire(t: ChannelTest) -> dict[str, Any]:
    return asdict(t)


def channel_test_from_wire(d: Mapping[str, Any]) -> ChannelTest:
    return ChannelTest(
        ok=bool(d["ok"]),
        status_code=d.get("status_code"),
        response=d.get("response", ""),
        error=d.get("error"),
        duration_ms=float(d["duration_ms"]),
    )


# -- previews -------------------------------------------------------------------------------


def preview_to_wire(p: RulePreview) -> dict[str, Any]:
    return {
        "scope": p.scope,
        "label": p.label,
        "times": [t.isoformat() for t in p.times],
        "steps": list(p.steps),
        "values": list(p.values),
        "verdicts": None if p.verdicts is None else [str(v) for v in p.verdicts],
        "breach": list(p.breach),
        "firing": list(p.firing),
        "lower": list(p.lower),
        "upper": list(p.upper),
        "transitions": [[i, kind] for i, kind in p.transitions],
    }


def preview_from_wire(d: Mapping[str, Any]) -> RulePreview:
    verdicts = d.get("verdicts")
    return RulePreview(
        scope=d["scope"],
        label=d["label"],
        times=tuple(datetime.fromisoformat(t) for t in d["times"]),
        steps=tuple(d["steps"]),
        values=tuple(d["values"]),
        verdicts=None if verdicts is None else tuple(verdicts),
        breach=tuple(bool(x) for x in d["breach"]),
        firing=tuple(bool(x) for x in d["firing"]),
        lower=tuple(d["lower"]),
        upper=tuple(d["upper"]),
        transitions=tuple((int(i), str(kind)) for i, kind in d["transitions"]),
    )


def root_cause_to_wire(rc: RootCause) -> dict[str, Any]:
    return {
        "alert_id": rc.alert_id,
        "change_at": _iso(rc.change_at),
        "method": rc.method,
        "series": None if rc.series is None else preview_to_wire(rc.series),
        "drifted": [asdict(d) for d in rc.drifted],
        "segments": [asdict(s) for s in rc.segments],
        "timeline": [
            {"at": _iso(e.at), "kind": e.kind, "text": e.text, "link": e.link} for e in rc.timeline
        ],
        "causes": [
            {
                "kind": c.kind,
                "subject": c.subject,
                "score": c.score,
                "detail": c.detail,
                "at": _iso(c.at),
                "link": c.link,
            }
            for c in rc.causes
        ],
        "importance": [asdict(i) for i in rc.importance],
    }


def root_cause_from_wire(d: Mapping[str, Any]) -> RootCause:
    return RootCause(
        alert_id=int(d["alert_id"]),
        change_at=_dt(d.get("change_at")),
        method=str(d["method"]),
        series=None if d.get("series") is None else preview_from_wire(d["series"]),
        drifted=tuple(DriftedFeature(**x) for x in d.get("drifted", [])),
        segments=tuple(SegmentDrop(**x) for x in d.get("segments", [])),
        importance=tuple(ImportanceChange(**x) for x in d.get("importance", [])),
        timeline=tuple(
            TimelineEvent(
                at=_dt(e["at"]),  # type: ignore[arg-type]
                kind=e["kind"],
                text=e["text"],
                link=dict(e.get("link") or {}),
            )
            for e in d.get("timeline", [])
        ),
        causes=tuple(
            Cause(
                kind=c["kind"],
                subject=c["subject"],
                score=float(c["score"]),
                detail=c["detail"],
                at=_dt(c.get("at")),
                link=dict(c.get("link") or {}),
            )
            for c in d.get("causes", [])
        ),
    )
