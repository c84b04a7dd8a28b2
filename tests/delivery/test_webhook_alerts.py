"""The generic webhook's alert body, signed and posted to a real HTTP server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from headway.delivery import webhook
from headway.delivery.message import AlertMessage
from headway.errors import InvalidArgument
from receivers import HttpReceiver

SECRET = "a-long-shared-secret-value"
URL = "https://headway.example.edu/projects/student-dropout/monitors/dropout-risk"

Alert = Callable[..., AlertMessage]


def test_an_alert_is_posted_as_signed_json(http_receiver: HttpReceiver, alert: Alert) -> None:
    message = alert(state="resolved", title="Drift on dropout-risk — über")
    body = webhook.alert_payload(message)
    attempt = webhook.post(
        http_receiver.url + "/hooks/alerts",
        body,
        secret=SECRET,
        event=webhook.alert_event(message),
        delivery_id="42-1",
    )
    assert attempt.ok and attempt.status_code == 200

    [request] = http_receiver.requests
    assert request.headers["X-Headway-Event"] == "alert.resolved"
    assert webhook.verify(
        SECRET,
        request.headers["X-Headway-Timestamp"],
        request.body,
        request.headers["X-Headway-Signature"],
    )
    assert request.json() == {
        "alert": {
            "title": "Drift on dropout-risk — über",
            "text": "3 of 12 features drifted in the window of 2026-11-20.",
            "severity": "critical",
            "state": "resolved",
            "url": URL,
            "dedup_key": "monitor-7-rule-2",
            "project": "student-dropout",
            "source": "monitor dropout-risk",
            "fields": {"window": "2026-11-20", "drifted": "gpa, region"},
            "created_at": "2026-11-20T06:30:00+00:00",
        }
    }
    # The fields keep the order the alert service gave them.
    assert request.body.index(b'"window"') < request.body.index(b'"drifted"')


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"severity": "fatal"}, "unknown severity"),
        ({"state": "open"}, "unknown state"),
        ({"title": "  "}, "non-empty title"),
        ({"url": "javascript:alert(1)"}, "invalid alert URL"),
        ({"dedup_key": ""}, "dedup_key"),
        ({"dedup_key": "k" * 256}, "dedup_key"),
        ({"fields": (("a", "1"), ("a", "2"))}, "distinct"),
        ({"created_at": dt.datetime(2026, 11, 20, 6, 30)}, "timezone-aware"),
    ],
)
def test_a_malformed_alert_message_is_refused_where_it_is_built(
    alert: Alert, override: dict[str, object], complaint: str
) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        alert(**override)
