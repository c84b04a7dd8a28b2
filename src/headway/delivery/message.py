"""What an alert channel sends: one message, formatted by each channel from the same fields.

The alert service builds an :class:`AlertMessage`; ``slack``, ``email``, ``pagerduty`` and the
generic ``webhook`` turn it into their own format, so every channel says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from headway.errors import InvalidArgument

Severity = Literal["info", "warning", "critical"]
State = Literal["firing", "acknowledged", "resolved"]

SEVERITIES: tuple[str, ...] = get_args(Severity)
STATES: tuple[str, ...] = get_args(State)

#: PagerDuty refuses longer ``dedup_key`` values; holding every channel to it keeps one key.
MAX_DEDUP_KEY = 255


@dataclass(frozen=True, kw_only=True)
class AlertMessage:
    """One alert notification.

    ``url`` links back to the Headway view (absolute ``http(s)://`` or ``None``);
    ``dedup_key`` is the same for every message about one alert, so receivers can thread
    firing → acknowledged → resolved; ``fields`` are ordered ``(name, value)`` pairs with
    distinct names, e.g. ``(("window", "2026-11-20"), ("drifted", "gpa, region"))``;
    ``created_at`` is timezone-aware.
    """

    title: str
    text: str
    severity: Severity
    state: State
    dedup_key: str
    project: str
    source: str
    created_at: datetime
    url: str | None = None
    fields: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise InvalidArgument("an alert message needs a non-empty title")
        if self.severity not in SEVERITIES:
            raise InvalidArgument(
                f"unknown severity {self.severity!r}: choose from {', '.join(SEVERITIES)}"
            )
        if self.state not in STATES:
            raise InvalidArgument(f"unknown state {self.state!r}: choose from {', '.join(STATES)}")
        # Every channel renders the URL as a link; anything but http(s) (javascript:, data:)
        # would be a way to smuggle script into an email or a chat client.
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise InvalidArgument(f"invalid alert URL {self.url!r}: expected http(s)://…")
        if not self.dedup_key or len(self.dedup_key) > MAX_DEDUP_KEY:
            raise InvalidArgument(
                f"an alert dedup_key must have 1 to {MAX_DEDUP_KEY} characters, "
                f"got {len(self.dedup_key)}"
            )
        names = [name for name, _ in self.fields]
        if len(set(names)) != len(names):
            raise InvalidArgument(f"alert field names must be distinct, got {names}")
        if self.created_at.utcoffset() is None:
            raise InvalidArgument("an alert's created_at must be timezone-aware")

    @property
    def headline(self) -> str:
        """``[CRITICAL] firing: <title>`` while firing, ``resolved: <title>`` afterwards.

        The severity label only while firing: a resolved alert is no longer critical, and a
        subject or notification shouting it would page people for good news.
        """
        title = " ".join(self.title.split())
        if self.state == "firing":
            return f"[{self.severity.upper()}] firing: {title}"
        return f"{self.state}: {title}"


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
