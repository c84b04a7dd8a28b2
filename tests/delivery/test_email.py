"""Alerts sent as email to a real SMTP server (aiosmtpd) on 127.0.0.1: in clear, over
STARTTLS and over TLS with a certificate made for the test, with AUTH, and failing."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

from headway.delivery.email import SmtpConfig, send_email
from headway.delivery.message import AlertMessage
from headway.errors import InvalidArgument
from receivers import Certificates, Received, SmtpReceiver

URL = "https://headway.example.edu/projects/student-dropout/monitors/dropout-risk"
SENDER = "Headway <alerts@headway.example.edu>"
OPS = "ops@example.edu"

Alert = Callable[..., AlertMessage]
StartSmtp = Callable[..., SmtpReceiver]


def config(server: SmtpReceiver, **overrides: Any) -> SmtpConfig:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "sender": SENDER,
        "security": "none",
        "timeout": 5.0,
    }
    values.update(overrides)
    return SmtpConfig(**values)


def parse(received: Received) -> EmailMessage:
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.iter_parts()
        if isinstance(part, EmailMessage)
    }


def test_an_alert_is_a_plain_text_and_html_email(smtp_server: StartSmtp, alert: Alert) -> None:
    server = smtp_server()
    attempt = send_email(config(server), [OPS, "dean@example.edu"], alert())

    assert attempt.ok and attempt.status_code is None and attempt.error is None
    assert attempt.response == f"accepted by 127.0.0.1:{server.port} for {OPS}, dean@example.edu"
    [received] = server.messages
    assert received.mail_from == "alerts@headway.example.edu"
    assert received.rcpt_tos == [OPS, "dean@example.edu"]
    assert (received.tls, received.login) == (False, None)
    message = parse(received)
    assert message["Subject"] == "[CRITICAL] firing: Drift on dropout-risk"
    assert message["From"] == SENDER
    assert message["To"] == f"{OPS}, dean@example.edu"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    body = parts(message)
    assert body["text/plain"] == (
        "[CRITICAL] firing: Drift on dropout-risk\n\n"
        "3 of 12 features drifted in the window of 2026-11-20.\n\n"
        "Project: student-dropout\n"
        "Source:  monitor dropout-risk\n"
        "window:  2026-11-20\n"
        "drifted: gpa, region\n"
        "Created: 2026-11-20T06:30:00+00:00\n\n"
        f"Open in Headway: {URL}\n"
    )
    html = body["text/html"]
    assert f'<a href="{URL}"' in html and ">Open in Headway</a>" in html
    assert ">[CRITICAL] firing: Drift on dropout-risk</h2>" in html
    assert "<th" in html and ">drifted</th><td>gpa, region</td>" in html


def test_alert_data_is_escaped_in_the_html_part(smtp_server: StartSmtp, alert: Alert) -> None:
    server = smtp_server()
    message = alert(
        title="<script>alert(1)</script> & co",
        text="values <b>shifted</b>",
        fields=(("note", '<img src=x onerror="alert(2)">'),),
        url='https://headway.example.edu/view?a=1&b="2"',
    )
    assert send_email(config(server), [OPS], message).ok
    mail = parse(server.messages[0])
    assert mail["Subject"] == "[CRITICAL] firing: <script>alert(1)</script> & co"
    html = parts(mail)["text/html"]
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "values &lt;b&gt;shifted&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert 'href="https://headway.example.edu/view?a=1&amp;b=&quot;2&quot;"' in html
    # The plain-text part is not markup: it keeps the data as written.
    assert "<script>alert(1)</script> & co" in parts(mail)["text/plain"]


def test_a_line_break_in_the_title_cannot_add_headers(smtp_server: StartSmtp, alert: Alert) -> None:
    server = smtp_server()
    message = alert(title="Drift\r\nBcc: thief@example.com")
    assert send_email(config(server), [OPS], message).ok
    [received] = server.messages
    assert received.rcpt_tos == [OPS]
    mail = parse(received)
    assert mail["Subject"] == "[CRITICAL] firing: Drift Bcc: thief@example.com"
    assert mail["Bcc"] is None


@pytest.mark.parametrize(
    ("state", "severity", "subject"),
    [
        ("firing", "warning", "[WARNING] firing: Drift on dropout-risk"),
        ("firing", "info", "[INFO] firing: Drift on dropout-risk"),
        ("acknowledged", "critical", "acknowledged: Drift on dropout-risk"),
        ("resolved", "critical", "resolved: Drift on dropout-risk"),
    ],
)
def test_the_subject_names_the_state(
    smtp_server: StartSmtp, alert: Alert, state: str, severity: str, subject: str
) -> None:
    server = smtp_server()
    assert send_email(config(server), [OPS], alert(state=state, severity=severity)).ok
    assert parse(server.messages[0])["Subject"] == subject


def test_messages_about_one_alert_share_a_thread(smtp_server: StartSmtp, alert: Alert) -> None:
    server = smtp_server()
    for message in (alert(), alert(state="resolved"), alert(dedup_key="monitor-7-rule-3")):
        assert send_email(config(server), [OPS], message).ok
    firing, resolved, other = (parse(m) for m in server.messages)
    assert firing["References"] == resolved["References"] == resolved["In-Reply-To"]
    assert other["References"] != firing["References"]
    assert firing["Message-ID"] != resolved["Message-ID"]
    assert firing["Message-ID"].endswith("@headway.example.edu>")


def test_starttls_with_auth(
    smtp_server: StartSmtp, certificates: Certificates, alert: Alert
) -> None:
    server = smtp_server(starttls=certificates.server_context(), users={"headway": "s3cret"})
    settings = config(
        server,
        security="starttls",
        ca_file=certificates.ca_file,
        username="headway",
        password="s3cret",
    )
    attempt = send_email(settings, [OPS], alert())
    assert attempt.ok, attempt.error
    [received] = server.messages
    assert (received.tls, received.login) == (True, "headway")


def test_implicit_tls(smtp_server: StartSmtp, certificates: Certificates, alert: Alert) -> None:
    server = smtp_server(tls=certificates.server_context())
    attempt = send_email(
        config(server, security="tls", ca_file=certificates.ca_file), [OPS], alert()
    )
    assert attempt.ok, attempt.error
    assert server.messages[0].tls


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_is_refused_and_recorded(
    smtp_server: StartSmtp, certificates: Certificates, alert: Alert, security: str
) -> None:
    context = certificates.server_context()
    server = smtp_server(**{security: context})
    attempt = send_email(config(server, security=security), [OPS], alert())
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error is not None and "CERTIFICATE_VERIFY_FAILED" in attempt.error
    assert server.messages == []


def test_starttls_never_falls_back_to_clear_text(smtp_server: StartSmtp, alert: Alert) -> None:
    server = smtp_server()  # offers no STARTTLS
    attempt = send_email(config(server, security="starttls"), [OPS], alert())
    assert not attempt.ok
    assert attempt.error is not None and attempt.error.startswith("SMTPNotSupportedError")
    assert server.messages == []


def test_a_wrong_password_is_recorded(
    smtp_server: StartSmtp, certificates: Certificates, alert: Alert
) -> None:
    server = smtp_server(starttls=certificates.server_context(), users={"headway": "s3cret"})
    settings = config(
        server,
        security="starttls",
        ca_file=certificates.ca_file,
        username="headway",
        password="guess",
    )
    attempt = send_email(settings, [OPS], alert())
    assert not attempt.ok
    assert attempt.error is not None and attempt.error.startswith("SMTPAuthenticationError: 535")
    assert server.messages == []


def test_a_refused_recipient_is_named_while_the_others_get_the_alert(
    smtp_server: StartSmtp, alert: Alert
) -> None:
    server = smtp_server(refuse=frozenset({"nobody@example.edu"}))
    attempt = send_email(config(server), [OPS, "nobody@example.edu"], alert())
    assert attempt.ok
    assert attempt.error == "refused: nobody@example.edu (550 5.1.1 No such user here)"
    assert server.messages[0].rcpt_tos == [OPS]


def test_every_recipient_refused_is_a_failure(smtp_server: StartSmtp, alert: Alert) -> None:
    server = smtp_server(refuse=frozenset({"nobody@example.edu"}))
    attempt = send_email(config(server), ["nobody@example.edu"], alert())
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error == (
        "SMTPRecipientsRefused: every recipient was refused: "
        "nobody@example.edu (550 5.1.1 No such user here)"
    )
    assert server.messages == []


def test_a_server_that_is_down_is_recorded_not_raised(closed_port: int, alert: Alert) -> None:
    settings = SmtpConfig(host="127.0.0.1", port=closed_port, sender=SENDER, security="none")
    attempt = send_email(settings, [OPS], alert())
    assert not attempt.ok and attempt.status_code is None and attempt.response == ""
    assert attempt.error is not None and attempt.error.startswith("ConnectionRefusedError")


def test_a_server_that_never_greets_is_recorded(silent_port: int, alert: Alert) -> None:
    settings = SmtpConfig(
        host="127.0.0.1", port=silent_port, sender=SENDER, security="none", timeout=0.3
    )
    attempt = send_email(settings, [OPS], alert())
    assert not attempt.ok
    assert attempt.error == "TimeoutError: the SMTP server did not answer in time"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"security": "ssl"}, "unknown SMTP security"),
        ({"port": 0}, "invalid SMTP port"),
        ({"sender": "headway"}, "invalid sender"),
        ({"sender": "a@example.edu\r\nBcc: b@example.com"}, "invalid sender"),
    ],
)
def test_a_bad_configuration_is_refused_where_it_is_made(
    overrides: dict[str, Any], complaint: str
) -> None:
    values: dict[str, Any] = {"host": "127.0.0.1", "port": 25, "sender": SENDER}
    with pytest.raises(InvalidArgument, match=complaint):
        SmtpConfig(**(values | overrides))


@pytest.mark.parametrize("to", [[], [" "], ["ops"], ["ops@example.edu\nBcc: b@example.com"]])
def test_bad_recipients_are_refused_before_connecting(
    closed_port: int, alert: Alert, to: list[str]
) -> None:
    settings = SmtpConfig(host="127.0.0.1", port=closed_port, sender=SENDER)
    with pytest.raises(InvalidArgument):
        send_email(settings, to, alert())
