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
    mute,
    preview,
    resolve,
    rule,
    rules,
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
    "mute",
    "preview",
    "resolve",
    "rule",
    "rules",
    "target",
    "test_channel",
]
