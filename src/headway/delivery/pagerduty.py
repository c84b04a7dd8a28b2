"""PagerDuty Events API v2: an alert as a trigger / acknowledge / resolve event, one attempt.

PagerDuty answers ``202`` with ``{"status": "success", "message": "Event processed",
"dedup_key": …}``, ``400`` for an invalid event (wrong routing key, missing field: retrying
cannot help), ``429`` when the integration key is throttled and ``5xx`` on its own trouble
(both worth a retry with backoff). Every answer is recorded in the
:class:`~headway.delivery.webhook.Attempt`, never raised.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from headway.delivery.message import AlertMessage, truncate
from headway.delivery.webhook import Attempt, send

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
USER_AGENT = "Headway-PagerDuty/1"
MAX_SUMMARY = 1024

EVENT_ACTIONS = {"firing": "trigger", "acknowledged": "acknowledge", "resolved": "resolve"}
# PagerDuty has a fourth level, "error", between warning and critical; Headway's three map
# onto their namesakes so a "critical" alert pages with PagerDuty's highest urgency.
SEVERITIES = {"info": "info", "warning": "warning", "critical": "critical"}


def post_pagerduty(
    routing_key: str,
    message: AlertMessage,
    *,
    url: str = EVENTS_URL,
    timeout: float = 10.0,
) -> Attempt:
    """Send ``message`` as one Events API v2 event; failures are recorded, not raised.

    ``url`` is the enqueue endpoint: PagerDuty's by default, an EU/self-hosted proxy or a
    test server otherwise.
    """
    body = json.dumps(pagerduty_payload(routing_key, message), ensure_ascii=False).encode()
    attempt = send(
        url,
        body,
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        timeout=timeout,
    )
    if attempt.status_code is not None and not attempt.ok:
        attempt = replace(attempt, error=_error(attempt.status_code, attempt.response))
    return attempt


def pagerduty_payload(routing_key: str, message: AlertMessage) -> dict[str, Any]:
    """The event body: the whole alert on trigger, only its key on acknowledge / resolve.

    PagerDuty applies an acknowledge or resolve to the open alert with the same
    ``dedup_key`` (sent with the same routing key) and ignores any other content, so
    those events carry nothing else.
    """
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": EVENT_ACTIONS[message.state],
        "dedup_key": message.dedup_key,
    }
    if message.state != "firing":
        return event
    details: dict[str, Any] = {"project": message.project}
    if message.text:
        details["text"] = message.text
    details.update(message.fields)
    event["payload"] = {
        "summary": truncate(f"[{message.project}] {' '.join(message.title.split())}", MAX_SUMMARY),
        "source": message.source,
        "severity": SEVERITIES[message.severity],
        "timestamp": message.created_at.isoformat(),
        "group": message.project,
        "custom_details": details,
    }
    event["client"] = "Headway"
    if message.url:
        event["client_url"] = message.url
        event["links"] = [{"href": message.url, "text": "Open in Headway"}]
    return event


def _error(status_code: int, response: str) -> str:
    """``HTTP 400: Event object is invalid (routing_key: …)`` from PagerDuty's JSON answer."""
    if status_code == 429:
        return "HTTP 429: PagerDuty is throttling this integration key; retry later"
    try:
        answer = json.loads(response)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return f"HTTP {status_code}"
    text = str(answer.get("message") or answer.get("status") or "")
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        text += f" ({'; '.join(str(e) for e in errors)})"
    return f"HTTP {status_code}: {text}"[:500] if text else f"HTTP {status_code}"
