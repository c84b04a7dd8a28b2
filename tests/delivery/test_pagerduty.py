"""Alerts sent as PagerDuty Events API v2 events to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from headway.delivery.message import AlertMessage
from headway.delivery.pagerduty import EVENTS_URL, post_pagerduty
from receivers import HttpReceiver

URL = "https://headway.example.edu/projects/student-dropout/monitors/dropout-risk"
KEY = "R0UTINGKEY0123456789ABCDEFGHIJKL"
ACCEPTED = {"status": "success", "message": "Event processed", "dedup_key": "monitor-7-rule-2"}

Alert = Callable[..., AlertMessage]


def enqueue(receiver: HttpReceiver) -> str:
    return receiver.url + "/v2/enqueue"


def test_the_default_endpoint_is_pagerdutys() -> None:
    assert EVENTS_URL == "https://events.pagerduty.com/v2/enqueue"


def test_a_firing_alert_triggers_an_event_with_details_and_a_link(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    http_receiver.reply(202, ACCEPTED)
    attempt = post_pagerduty(KEY, alert(), url=enqueue(http_receiver))

    assert attempt.ok and attempt.status_code == 202 and attempt.error is None
    assert attempt.response == (
        '{"status": "success", "message": "Event processed", "dedup_key": "monitor-7-rule-2"}'
    )
    [request] = http_receiver.requests
    assert request.path == "/v2/enqueue"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {
        "routing_key": KEY,
        "event_action": "trigger",
        "dedup_key": "monitor-7-rule-2",
        "payload": {
            "summary": "[student-dropout] Drift on dropout-risk",
            "source": "monitor dropout-risk",
            "severity": "critical",
            "timestamp": "2026-11-20T06:30:00+00:00",
            "group": "student-dropout",
            "custom_details": {
                "project": "student-dropout",
                "text": "3 of 12 features drifted in the window of 2026-11-20.",
                "window": "2026-11-20",
                "drifted": "gpa, region",
            },
        },
        "client": "Headway",
        "client_url": URL,
        "links": [{"href": URL, "text": "Open in Headway"}],
    }


@pytest.mark.parametrize(
    ("state", "action"), [("acknowledged", "acknowledge"), ("resolved", "resolve")]
)
def test_acknowledge_and_resolve_name_the_alert_by_its_dedup_key(
    http_receiver: HttpReceiver, alert: Alert, state: str, action: str
) -> None:
    http_receiver.reply(202, ACCEPTED)
    assert post_pagerduty(KEY, alert(state=state), url=enqueue(http_receiver)).ok
    assert http_receiver.requests[0].json() == {
        "routing_key": KEY,
        "event_action": action,
        "dedup_key": "monitor-7-rule-2",
    }


@pytest.mark.parametrize("severity", ["info", "warning", "critical"])
def test_severity_maps_onto_pagerdutys_levels(
    http_receiver: HttpReceiver, alert: Alert, severity: str
) -> None:
    http_receiver.reply(202, ACCEPTED)
    assert post_pagerduty(KEY, alert(severity=severity), url=enqueue(http_receiver)).ok
    assert http_receiver.requests[0].json()["payload"]["severity"] == severity


def test_the_summary_is_cut_to_1024_characters_and_one_line(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    http_receiver.reply(202, ACCEPTED)
    title = "drift\non " + "x" * 2000
    assert post_pagerduty(KEY, alert(title=title, url=None), url=enqueue(http_receiver)).ok
    event = http_receiver.requests[0].json()
    summary = event["payload"]["summary"]
    assert len(summary) == 1024 and summary.startswith("[student-dropout] drift on xxx")
    assert summary.endswith("…")
    assert "links" not in event and "client_url" not in event


def test_an_invalid_event_is_recorded_with_pagerdutys_reasons(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    http_receiver.reply(
        400,
        {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        },
    )
    attempt = post_pagerduty("short", alert(), url=enqueue(http_receiver))
    assert not attempt.ok and attempt.status_code == 400
    assert attempt.error == (
        "HTTP 400: Event object is invalid "
        "(Length of 'routing_key' is incorrect (should be 32 characters))"
    )
    assert '"invalid event"' in attempt.response


def test_throttling_is_recorded_as_a_failure_to_retry(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    http_receiver.reply(429, "")
    attempt = post_pagerduty(KEY, alert(), url=enqueue(http_receiver))
    assert not attempt.ok and attempt.status_code == 429
    assert attempt.error == "HTTP 429: PagerDuty is throttling this integration key; retry later"


def test_a_server_error_without_json_is_recorded(http_receiver: HttpReceiver, alert: Alert) -> None:
    http_receiver.reply(503, "upstream unavailable")
    attempt = post_pagerduty(KEY, alert(), url=enqueue(http_receiver))
    assert (attempt.ok, attempt.status_code, attempt.error) == (False, 503, "HTTP 503")
    assert attempt.response == "upstream unavailable"


def test_a_server_that_is_down_is_recorded_not_raised(closed_port: int, alert: Alert) -> None:
    attempt = post_pagerduty(KEY, alert(), url=f"http://127.0.0.1:{closed_port}/v2/enqueue")
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error is not None and attempt.error.startswith("ConnectError")


def test_a_server_that_does_not_answer_in_time_is_recorded(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    http_receiver.hang = True
    attempt = post_pagerduty(KEY, alert(), url=enqueue(http_receiver), timeout=0.3)
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error is not None and attempt.error.startswith("ReadTimeout")
