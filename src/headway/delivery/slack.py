"""Slack incoming webhooks: an alert as a Block Kit message, one attempt at a time.

Slack answers ``200 ok``, or a 4xx/5xx with a short plain-text reason (``invalid_payload``,
``no_text``, ``channel_not_found``, ``channel_is_archived``, ``action_prohibited``, …);
either is recorded in the :class:`~headway.delivery.webhook.Attempt`, never raised.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from headway.delivery.message import AlertMessage, truncate
from headway.delivery.webhook import Attempt, send

USER_AGENT = "Headway-Slack/1"

# Slack's Block Kit limits: longer text or more items make Slack refuse the whole message
# with invalid_blocks, so the sender cuts rather than losing the alert.
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELD = 2000
FIELDS_PER_SECTION = 10
MAX_FIELDS = 40  # four field sections keep the message far below Slack's 50 blocks

EMOJI = {
    ("firing", "critical"): ":red_circle:",
    ("firing", "warning"): ":large_orange_circle:",
    ("firing", "info"): ":large_blue_circle:",
}
STATE_EMOJI = {"acknowledged": ":eyes:", "resolved": ":white_check_mark:"}
# RFC 3986 reserved and unreserved characters stay; anything else (spaces, |, <, >) is
# percent-encoded so it cannot end a <url|label> link early.
URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def post_slack(webhook_url: str, message: AlertMessage, timeout: float = 10.0) -> Attempt:
    """Post ``message`` to a Slack incoming webhook once; failures are recorded, not raised."""
    body = json.dumps(slack_payload(message), ensure_ascii=False).encode()
    attempt = send(
        webhook_url,
        body,
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        timeout=timeout,
    )
    if attempt.status_code is not None and not attempt.ok and attempt.response.strip():
        # Slack's reason (invalid_payload, channel_is_archived, …) is what tells an admin
        # whether to fix the channel or wait, so it goes into the error, not only the body.
        reason = attempt.response.strip().splitlines()[0][:200]
        attempt = replace(attempt, error=f"HTTP {attempt.status_code}: {reason}")
    return attempt


def slack_payload(message: AlertMessage) -> dict[str, Any]:
    """The incoming-webhook JSON: ``text`` for notifications, ``blocks`` for the message."""
    emoji = STATE_EMOJI.get(message.state) or EMOJI[(message.state, message.severity)]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate(f"{emoji} {message.headline}", MAX_HEADER),
                "emoji": True,
            },
        }
    ]
    if message.text.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(message.text)}})
    fields = [("Project", message.project), ("Source", message.source), *message.fields]
    shown = fields[:MAX_FIELDS]
    for start in range(0, len(shown), FIELDS_PER_SECTION):
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": f"*{mrkdwn(name, 200)}*\n{mrkdwn(value, MAX_FIELD - 210)}",
                    }
                    for name, value in shown[start : start + FIELDS_PER_SECTION]
                ],
            }
        )
    context = []
    if message.url:
        # A mrkdwn link, not a button: Slack sends button clicks to the app's interaction
        # URL and flags the button as failed when nobody answers, and an app made only for
        # an incoming webhook has no such URL.
        context.append(link(message.url, "Open in Headway"))
    # Slack shows <!date^…> in each reader's own time zone; the text after | is the
    # fallback for clients that cannot.
    stamp = message.created_at
    context.append(
        f"<!date^{int(stamp.timestamp())}^{{date_short_pretty}} {{time}}|{stamp.isoformat()}>"
    )
    if len(fields) > MAX_FIELDS:
        context.append(f"{len(fields) - MAX_FIELDS} more field(s) in Headway")
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
    )

    text = f"{escape(message.headline)} ({escape(message.project)}: {escape(message.source)})"
    if message.url:
        text += " " + link(message.url, "Open in Headway")
    return {"text": text, "blocks": blocks}


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: ``&``, ``<`` and ``>`` only.

    Without it a title such as ``<!channel>`` or ``<@U123>`` in user data would ping a
    whole channel or a person.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = MAX_SECTION) -> str:
    """``text`` escaped and cut to ``limit`` characters without splitting an entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&", len(cut) - 4)
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def link(url: str, label: str) -> str:
    """A mrkdwn link; ``|``, ``<``, ``>`` and spaces in the URL would end it early."""
    return f"<{quote(url, safe=URL_SAFE)}|{escape(label)}>"
