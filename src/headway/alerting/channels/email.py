"""Email over SMTP: the password (if the server needs one) is the secret."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headway.alerting.channels.base import BaseChannel
from headway.delivery.email import SECURITIES, SmtpConfig, send_email
from headway.delivery.message import AlertMessage
from headway.delivery.webhook import Attempt
from headway.errors import InvalidArgument


class EmailChannel(BaseChannel):
    config_keys = {
        "host": True,
        "port": False,
        "sender": True,
        "to": True,
        "security": False,
        "username": False,
        "ca_file": False,
    }
    secret_label = "SMTP password"

    @property
    def name(self) -> str:
        return "email"

    def normalise(self, config: dict[str, Any], secret: str | None) -> dict[str, Any]:
        to = config["to"]
        if isinstance(to, str):
            to = [a.strip() for a in to.split(",") if a.strip()]
        if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
            raise InvalidArgument(
                "email channel: 'to' must list at least one address",
                details={"field": "config.to"},
            )
        config["to"] = to
        security = config.setdefault("security", "starttls")
        if security not in SECURITIES:
            raise InvalidArgument(
                f"email channel: security must be one of {', '.join(SECURITIES)}",
                details={"field": "config.security"},
            )
        config.setdefault("port", {"tls": 465, "starttls": 587}.get(security, 25))
        # Building the SMTP config checks the port and addresses once, at creation.
        self._smtp(config, secret)
        return config

    def _smtp(self, config: Mapping[str, Any], secret: str | None) -> SmtpConfig:
        return SmtpConfig(
            host=str(config["host"]),
            port=int(config["port"]),
            sender=str(config["sender"]),
            security=config.get("security", "starttls"),
            username=config.get("username"),
            password=secret,
            ca_file=config.get("ca_file"),
        )

    def send(self, config: Mapping[str, Any], secret: str | None, message: AlertMessage) -> Attempt:
        return send_email(self._smtp(config, secret), list(config["to"]), message)
