"""Slack incoming webhook: the webhook URL is the secret (anyone holding it can post)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headway.alerting.channels.base import BaseChannel, http_url
from headway.delivery.message import AlertMessage
from headway.delivery.slack import post_slack
from headway.delivery.webhook import Attempt


class SlackChannel(BaseChannel):
    secret_required = True
    secret_label = "incoming webhook URL"

    @property
    def name(self) -> str:
        return "slack"

    def normalise(self, config: dict[str, Any], secret: str | None) -> dict[str, Any]:
        http_url(secret, "the Slack incoming webhook URL")
        return config

    def send(self, config: Mapping[str, Any], secret: str | None, message: AlertMessage) -> Attempt:
        return post_slack(str(secret), message)
