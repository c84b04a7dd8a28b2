"""Email over SMTP: an alert as a plain-text + HTML message, one attempt at a time.

SMTP answers with reply codes, not HTTP ones, so an :class:`Attempt` from here always has
``status_code=None``; the server's reply goes into ``error`` (or ``response``). Nothing
that the network or the server does is raised.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Literal, get_args

from headway.delivery.message import AlertMessage
from headway.delivery.webhook import MAX_RESPONSE, Attempt
from headway.errors import InvalidArgument

Security = Literal["none", "starttls", "tls"]
SECURITIES: tuple[str, ...] = get_args(Security)

SEVERITY_COLOURS = {"critical": "#c62828", "warning": "#ef6c00", "info": "#1565c0"}
STATE_COLOURS = {"acknowledged": "#6d4c41", "resolved": "#2e7d32"}


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    """Where and how to send mail.

    ``security``: ``"starttls"`` (usually port 587) upgrades the connection before
    anything else is said and fails if the server cannot; ``"tls"`` (usually 465) speaks
    TLS from the first byte; ``"none"`` (25, or a relay on localhost) sends in clear.
    ``ca_file`` is a PEM bundle to trust instead of the system's (a company CA, a test's
    self-signed certificate); the server's name is always checked.
    """

    host: str
    port: int
    sender: str
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise InvalidArgument(
                f"unknown SMTP security {self.security!r}: choose from {', '.join(SECURITIES)}"
            )
        if not isinstance(self.port, int) or not 0 < self.port < 65536:
            raise InvalidArgument(f"invalid SMTP port {self.port!r}: expected 1 to 65535")
        _check_address(self.sender, "sender")

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)


def send_email(config: SmtpConfig, to: Sequence[str], message: AlertMessage) -> Attempt:
    """Send ``message`` to ``to`` once; failures are recorded, not raised.

    The attempt is ok when the server accepted the message for at least one recipient;
    refused recipients are named in ``error`` all the same. Retrying would send it again to
    those who already have it, and a refused address is not going to start working.
    """
    recipients = [address.strip() for address in to if address.strip()]
    if not recipients:
        raise InvalidArgument("an email alert needs at least one recipient")
    for address in recipients:
        _check_address(address, "recipient")
    mail = build_email(config.sender, recipients, message)
    start = time.perf_counter()
    try:
        refused = _deliver(config, mail, recipients)
    except (smtplib.SMTPException, OSError) as exc:
        return Attempt(False, None, "", _describe(exc), (time.perf_counter() - start) * 1000)
    elapsed = (time.perf_counter() - start) * 1000
    accepted = [r for r in recipients if r not in refused]
    response = f"accepted by {config.host}:{config.port} for {', '.join(accepted)}"
    error = None
    if refused:
        error = "refused: " + "; ".join(
            f"{address} ({code} {_text(reply)})" for address, (code, reply) in refused.items()
        )
    return Attempt(True, None, response[:MAX_RESPONSE], error, elapsed)


def _deliver(
    config: SmtpConfig, mail: EmailMessage, recipients: list[str]
) -> dict[str, tuple[int, bytes]]:
    context = config.ssl_context() if config.security != "none" else None
    smtp: smtplib.SMTP
    if config.security == "tls":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            # Raises SMTPNotSupportedError when the server does not offer STARTTLS: a
            # configured "starttls" never quietly falls back to sending in clear.
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.username:
            smtp.login(config.username, config.password or "")
        return smtp.send_message(mail, to_addrs=recipients)
    finally:
        # Once the message is accepted, a server that fumbles QUIT has still delivered
        # it; that must not turn the attempt into a failure (and a duplicate on retry).
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def build_email(sender: str, to: Sequence[str], message: AlertMessage) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML as the richer alternative."""
    mail = EmailMessage()
    mail["Subject"] = message.headline
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "headway"
    mail["Message-ID"] = make_msgid("headway", domain=domain)
    # Every message about one alert refers to the same (never sent) root id, so mail
    # clients thread "firing", "acknowledged" and "resolved" together.
    thread = hashlib.sha256(f"{message.project}\0{message.dedup_key}".encode()).hexdigest()
    root = f"<alert-{thread[:32]}@{domain}>"
    mail["References"] = root
    mail["In-Reply-To"] = root
    mail["X-Headway-Alert"] = f"{message.state}; severity={message.severity}"
    mail.set_content(plain_text(message))
    mail.add_alternative(html_body(message), subtype="html")
    return mail


def plain_text(message: AlertMessage) -> str:
    lines = [message.headline, ""]
    if message.text:
        lines += [message.text, ""]
    rows = [("Project", message.project), ("Source", message.source), *message.fields]
    rows.append(("Created", message.created_at.isoformat()))
    width = max(len(name) for name, _ in rows)
    lines += [f"{name + ':':<{width + 1}} {value}" for name, value in rows]
    if message.url:
        lines += ["", f"Open in Headway: {message.url}"]
    return "\n".join(lines) + "\n"


def html_body(message: AlertMessage) -> str:
    """The HTML part; every value is escaped, so alert data can never become markup."""
    e = html.escape
    colour = STATE_COLOURS.get(message.state) or SEVERITY_COLOURS[message.severity]
    rows = [("Project", message.project), ("Source", message.source), *message.fields]
    rows.append(("Created", message.created_at.isoformat()))
    table = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0">{e(name)}</th>'
        f"<td>{e(value)}</td></tr>"
        for name, value in rows
    )
    text = "<p>" + e(message.text).replace("\n", "<br>\n") + "</p>" if message.text.strip() else ""
    button = (
        f'<p><a href="{e(message.url, quote=True)}" style="display:inline-block;'
        f"padding:8px 14px;background:{colour};color:#ffffff;text-decoration:none;"
        f'border-radius:4px">Open in Headway</a></p>'
        if message.url
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html><body style="font-family:sans-serif;font-size:14px">\n'
        f'<h2 style="color:{colour};margin:0 0 12px">{e(message.headline)}</h2>\n'
        f"{text}\n<table>{table}</table>\n{button}\n</body></html>\n"
    )


def _check_address(address: str, role: str) -> None:
    # A line break in an address would let it add headers (Bcc: …) to the message.
    if "\r" in address or "\n" in address or "@" not in parseaddr(address)[1]:
        raise InvalidArgument(f"invalid {role} {address!r}: expected name@domain")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "SMTPRecipientsRefused: every recipient was refused: " + "; ".join(
            f"{address} ({code} {_text(reply)})"
            for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        # smtplib reports a read timeout as "Connection unexpectedly closed", which sends
        # whoever reads the log looking for the wrong problem.
        return "TimeoutError: the SMTP server did not answer in time"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
