"""Alert channels: one class per kind, over the senders in :mod:`headway.delivery`."""

from __future__ import annotations

from headway.alerting.channels.base import BaseChannel
from headway.alerting.channels.email import EmailChannel
from headway.alerting.channels.pagerduty import PagerDutyChannel
from headway.alerting.channels.slack import SlackChannel
from headway.alerting.channels.webhook import WebhookChannel
from headway.errors import InvalidArgument

CHANNELS: dict[str, BaseChannel] = {
    c.name: c for c in (WebhookChannel(), SlackChannel(), EmailChannel(), PagerDutyChannel())
}


def get_channel(kind: str) -> BaseChannel:
    try:
        return CHANNELS[kind]
    except KeyError:
        raise InvalidArgument(
            f"unknown channel type {kind!r}: choose from {', '.join(CHANNELS)}",
            details={"field": "type"},
        ) from None


__all__ = ["CHANNELS", "BaseChannel", "get_channel"]
