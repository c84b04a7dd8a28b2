"""PagerDuty Events API v2: the integration's routing key is the secret."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headway.alerting.channels.base import BaseChannel, http_url
from headway.delivery.message import AlertMessage
from headway.delivery.pagerduty import post_pagerduty
from headway.delivery.webhook import Attempt

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


class PagerDutyChannel(BaseChannel):
    # ``endpoint`` only for a proxy or a test receiver; PagerDuty's own by default.
    config_keys = {"endpoint": False}
    secret_required = True
    secret_label = "routing key"

    @property
    def name(self) -> str:
        return "pagerduty"

    def normalise(self, config: dict[str, Any], secret: str | None) -> dict[str, Any]:
        if "endpoint" in config:
            http_url(config["endpoint"], "endpoint")
        return config

    def send(self, config: Mapping[str, Any], secret: str | None, message: AlertMessage) -> Attempt:
        return post_pagerduty(str(secret), message, url=str(config.get("endpoint", EVENTS_URL)))
