"""Generic JSON webhook to ``endpoint``, signed with HMAC-SHA256 when the channel has a
secret (the setting is not called ``url``: every SDK call already takes ``url=`` for the
server)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headway.alerting.channels.base import BaseChannel, http_url
from headway.delivery import webhook
from headway.delivery.message import AlertMessage
from headway.delivery.webhook import Attempt


class WebhookChannel(BaseChannel):
    config_keys = {"endpoint": True}
    secret_label = "signing secret"

    @property
    def name(self) -> str:
        return "webhook"

    def normalise(self, config: dict[str, Any], secret: str | None) -> dict[str, Any]:
        return {"endpoint": http_url(config["endpoint"], "endpoint")}

    def send(self, config: Mapping[str, Any], secret: str | None, message: AlertMessage) -> Attempt:
        return webhook.post(
            str(config["endpoint"]),
            webhook.alert_payload(message),
            secret=secret,
            event=webhook.alert_event(message),
            delivery_id=f"{message.dedup_key}:{message.state}",
        )
