"""Alerts posted to a real HTTP server standing in for a Slack incoming webhook."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from headway.delivery.message import AlertMessage
from headway.delivery.slack import post_slack
from receivers import HttpReceiver

URL = "https://headway.example.edu/projects/student-dropout/monitors/dropout-risk"
LINK = f"<{URL}|Open in Headway>"

Alert = Callable[..., AlertMessage]


def test_a_firing_alert_is_a_block_kit_message_with_a_link_back(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    attempt = post_slack(http_receiver.url + "/services/T0/B0/x", alert())

    assert (attempt.ok, attempt.status_code, attempt.response, attempt.error) == (
        True,
        200,
        "ok",
        None,
    )
    [request] = http_receiver.requests
    assert request.path == "/services/T0/B0/x"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json() == {
        "text": "[CRITICAL] firing: Drift on dropout-risk (student-dropout: monitor dropout-risk) "
        + LINK,
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": ":red_circle: [CRITICAL] firing: Drift on dropout-risk",
                    "emoji": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "3 of 12 features drifted in the window of 2026-11-20.",
                },
            },
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Project*\nstudent-dropout"},
                    {"type": "mrkdwn", "text": "*Source*\nmonitor dropout-risk"},
                    {"type": "mrkdwn", "text": "*window*\n2026-11-20"},
                    {"type": "mrkdwn", "text": "*drifted*\ngpa, region"},
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": LINK + " · <!date^1795156200^{date_short_pretty} {time}"
                        "|2026-11-20T06:30:00+00:00>",
                    }
                ],
            },
        ],
    }


@pytest.mark.parametrize(
    ("state", "severity", "header"),
    [
        ("firing", "critical", ":red_circle: [CRITICAL] firing: "),
        ("firing", "warning", ":large_orange_circle: [WARNING] firing: "),
        ("firing", "info", ":large_blue_circle: [INFO] firing: "),
        ("acknowledged", "critical", ":eyes: acknowledged: "),
        ("resolved", "critical", ":white_check_mark: resolved: "),
    ],
)
def test_the_header_shows_severity_while_firing_and_the_state_after(
    http_receiver: HttpReceiver, alert: Alert, state: str, severity: str, header: str
) -> None:
    assert post_slack(http_receiver.url, alert(state=state, severity=severity)).ok
    payload = http_receiver.requests[0].json()
    assert payload["blocks"][0]["text"]["text"] == header + "Drift on dropout-risk"
    assert payload["text"].startswith(header.split(" ", 1)[1])


def test_alert_data_cannot_ping_people_or_forge_links(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    message = alert(
        title="<!channel> GPA & region",
        text="ask <@U024BE7LH> or see <https://evil.example|the fix>",
        fields=(("rule", "psi > 0.2"),),
        url="https://headway.example.edu/a view?x=1|2",
    )
    assert post_slack(http_receiver.url, message).ok
    payload = http_receiver.requests[0].json()
    blocks = payload["blocks"]
    # plain_text is never parsed by Slack, so the header keeps the title as written.
    assert blocks[0]["text"]["text"].endswith("<!channel> GPA & region")
    assert blocks[1]["text"]["text"] == (
        "ask &lt;@U024BE7LH&gt; or see &lt;https://evil.example|the fix&gt;"
    )
    assert blocks[2]["fields"][2]["text"] == "*rule*\npsi &gt; 0.2"
    assert payload["text"].startswith("[CRITICAL] firing: &lt;!channel&gt; GPA &amp; region")
    link = "<https://headway.example.edu/a%20view?x=1%7C2|Open in Headway>"
    assert payload["text"].endswith(link)
    assert blocks[-1]["elements"][0]["text"].startswith(link)


def test_without_a_url_there_is_no_link(http_receiver: HttpReceiver, alert: Alert) -> None:
    assert post_slack(http_receiver.url, alert(url=None, text="")).ok
    payload = http_receiver.requests[0].json()
    assert "Open in Headway" not in json.dumps(payload)
    # An empty text gets no section: Slack refuses a section whose text is empty.
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "context"]
    assert "fields" in payload["blocks"][1]


def test_long_content_is_cut_to_slack_limits(http_receiver: HttpReceiver, alert: Alert) -> None:
    message = alert(
        title="t" * 300,
        text="&" * 5000,
        fields=tuple((f"feature_{i}", "drifted " * 400) for i in range(45)),
    )
    assert post_slack(http_receiver.url, message).ok
    blocks: list[dict[str, Any]] = http_receiver.requests[0].json()["blocks"]
    assert len(blocks[0]["text"]["text"]) == 150
    text = blocks[1]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("&amp;…")
    field_sections = [b["fields"] for b in blocks if "fields" in b]
    assert [len(f) for f in field_sections] == [10, 10, 10, 10]
    assert all(len(f["text"]) <= 2000 for fs in field_sections for f in fs)
    assert field_sections[0][2]["text"].startswith("*feature_0*\ndrifted ")
    assert blocks[-1]["elements"][0]["text"].endswith("7 more field(s) in Headway")


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (400, "invalid_payload"),
        (400, "no_text"),
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
        (500, "rollup_error"),
    ],
)
def test_a_refusal_is_recorded_with_slacks_reason(
    http_receiver: HttpReceiver, alert: Alert, status: int, reason: str
) -> None:
    http_receiver.reply(status, reason)
    attempt = post_slack(http_receiver.url, alert())
    assert not attempt.ok
    assert attempt.status_code == status
    assert attempt.response == reason
    assert attempt.error == f"HTTP {status}: {reason}"


def test_a_refusal_without_a_body_is_recorded(http_receiver: HttpReceiver, alert: Alert) -> None:
    http_receiver.reply(429, "", headers={"Retry-After": "30"})
    attempt = post_slack(http_receiver.url, alert())
    assert (attempt.ok, attempt.status_code, attempt.error) == (False, 429, "HTTP 429")


def test_a_server_that_is_down_is_recorded_not_raised(closed_port: int, alert: Alert) -> None:
    attempt = post_slack(f"http://127.0.0.1:{closed_port}/hook", alert())
    assert not attempt.ok and attempt.status_code is None and attempt.response == ""
    assert attempt.error is not None and attempt.error.startswith("ConnectError")


def test_a_server_that_does_not_answer_in_time_is_recorded(
    http_receiver: HttpReceiver, alert: Alert
) -> None:
    http_receiver.hang = True
    attempt = post_slack(http_receiver.url, alert(), timeout=0.3)
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error is not None and attempt.error.startswith("ReadTimeout")
    assert len(http_receiver.requests) == 1


def test_a_malformed_webhook_url_is_recorded_not_raised(alert: Alert) -> None:
    attempt = post_slack("hooks.slack.com/services/T0/B0/x", alert())
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error is not None and "UnsupportedProtocol" in attempt.error
