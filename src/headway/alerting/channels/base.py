"""What every alert channel does: check its settings once, then send one attempt."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any

from headway.delivery.message import AlertMessage
from headway.delivery.webhook import Attempt
from headway.errors import InvalidArgument


class BaseChannel(abc.ABC):
    """A kind of channel (webhook, Slack, email, PagerDuty).

    ``config`` is what may be shown (an SMTP host, recipients); ``secret`` is what must not
    (a Slack webhook URL, a signing secret, an SMTP password, a routing key), stored
    encrypted and handed to :meth:`send` decrypted.
    """

    #: Keys ``config`` may hold, with whether each is required.
    config_keys: Mapping[str, bool] = {}
    #: Whether the channel cannot work without a secret, and what the secret is.
    secret_required: bool = False
    secret_label: str = "secret"

    def validate(self, config: Mapping[str, Any], secret: str | None) -> dict[str, Any]:
        """The normalised config; raises InvalidArgument naming what is wrong.

        Raises:
            InvalidArgument: an unknown or missing key, a value of the wrong kind, or a
                missing secret.
        """
        unknown = sorted(set(config) - set(self.config_keys))
        if unknown:
            raise InvalidArgument(
                f"{self.name} channel: unknown setting {', '.join(map(repr, unknown))}; "
                f"it takes {', '.join(self.config_keys) or 'none'}",
                details={"field": f"config.{unknown[0]}"},
            )
        missing = [k for k, required in self.config_keys.items() if required and k not in config]
        if missing:
            raise InvalidArgument(
                f"{self.name} channel: missing setting {', '.join(map(repr, missing))}",
                details={"field": f"config.{missing[0]}"},
            )
        if self.secret_required and not secret:
            raise InvalidArgument(
                f"{self.name} channel needs its {self.secret_label} (the secret)",
                details={"field": "secret"},
            )
        return self.normalise(dict(config), secret)

    @property
    @abc.abstractmethod
    def name(self) -> str: ...

    def normalise(self, config: dict[str, Any], secret: str | None) -> dict[str, Any]:
        """Channel-specific checks beyond the keys; returns the config to store."""
        return config

    @abc.abstractmethod
    def send(self, config: Mapping[str, Any], secret: str | None, message: AlertMessage) -> Attempt:
        """One attempt. Never raises for a network or receiver failure: the Attempt says."""


def http_url(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise InvalidArgument(
            f"{what} must be an http:// or https:// URL, not {value!r}",
            details={"field": "secret" if what.startswith("the ") else f"config.{what}"},
        )
    return value
