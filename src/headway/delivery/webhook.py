"""Signed JSON webhooks: one attempt at a time; the caller records it and schedules retries.

The signature is ``X-Headway-Signature: sha256=<hex>``, an HMAC-SHA256 with the shared
secret over ``"<timestamp>." + body``, where the timestamp is ``X-Headway-Timestamp``
(Unix seconds). Receivers recompute it with :func:`verify` and reject old timestamps, so a
captured request cannot be replayed later.

:func:`send` is the one HTTP attempt under every JSON channel (this webhook, Slack,
PagerDuty); :func:`alert_payload` is the generic webhook's body for an alert.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from headway.delivery.message import AlertMessage

#: Responses are kept up to this many characters in the delivery log.
MAX_RESPONSE = 2000
USER_AGENT = "Headway-Webhook/1"


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None
    response: str
    error: str | None
    duration_ms: float


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: float = 300.0
) -> bool:
    """True if ``signature`` is valid for ``body`` and the timestamp is recent."""
    try:
        age = abs(time.time() - float(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff(attempt: int, base: float = 2.0, cap: float = 600.0) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): base, 2·base, 4·base, … capped."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


def post(
    url: str,
    body: bytes,
    *,
    secret: str | None,
    event: str,
    delivery_id: str,
    timeout: float = 10.0,
) -> Attempt:
    """POST ``body`` once. Any 2xx is success; everything else is recorded, not raised."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Headway-Event": event,
        "X-Headway-Delivery": delivery_id,
        "X-Headway-Timestamp": timestamp,
    }
    if secret:
        headers["X-Headway-Signature"] = sign(secret, timestamp, body)
    return send(url, body, headers=headers, timeout=timeout)


def send(url: str, body: bytes, *, headers: Mapping[str, str], timeout: float = 10.0) -> Attempt:
    """POST ``body`` to ``url`` once; any 2xx is success, everything else is recorded.

    No answer (refused, DNS, TLS, timeout, a malformed URL) gives ``status_code=None`` and
    the exception's name and text in ``error``; a non-2xx answer gives ``HTTP <code>``.
    Redirects are not followed: a delivery goes where it was configured to, nowhere else.
    """
    start = time.perf_counter()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=dict(headers))
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Attempt(
            False, None, "", f"{type(exc).__name__}: {exc}", (time.perf_counter() - start) * 1000
        )
    elapsed = (time.perf_counter() - start) * 1000
    ok = 200 <= response.status_code < 300
    return Attempt(
        ok,
        response.status_code,
        response.text[:MAX_RESPONSE],
        None if ok else f"HTTP {response.status_code}",
        elapsed,
    )


def alert_event(message: AlertMessage) -> str:
    """The ``X-Headway-Event`` of an alert delivery: ``alert.firing``, ``alert.resolved``, …"""
    return f"alert.{message.state}"


def alert_payload(message: AlertMessage) -> bytes:
    """The generic webhook's JSON body for an alert (sent with :func:`post`)."""
    alert: dict[str, Any] = {
        "title": message.title,
        "text": message.text,
        "severity": message.severity,
        "state": message.state,
        "url": message.url,
        "dedup_key": message.dedup_key,
        "project": message.project,
        "source": message.source,
        "fields": dict(message.fields),
        "created_at": message.created_at.isoformat(),
    }
    # Not sorted: the fields' order is the order the alert service chose to show them in.
    return json.dumps({"alert": alert}, ensure_ascii=False).encode()
