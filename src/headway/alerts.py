"""``headway.alerts``: alert rules, channels and alerts from Python (see docs/alerts.md).

The functions live in :mod:`headway.sdk.alerts`; the engine that evaluates rules and sends
notifications is :mod:`headway.alerting`.
"""

from __future__ import annotations

from headway.sdk.alerts import (
    Anomaly,
    Change,
    IsNan,
    Threshold,
    Verdict,
    acknowledge,
    alerts,
    channel,
    channels,
    delete_channel,
    mute,
    notifications,
    preview,
    resolve,
    root_cause,
    rule,
    rules,
    set_channel_enabled,
    target,
    test_channel,
)

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
    "mute",
    "notifications",
    "preview",
    "resolve",
    "root_cause",
    "rule",
    "rules",
    "set_channel_enabled",
    "target",
    "test_channel",
]
