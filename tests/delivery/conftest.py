"""Fixtures of the delivery tests: an alert to send and real receivers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from delivery_receivers import Certificates, HttpReceiver, SmtpReceiver, make_certificates

from headway.delivery.message import AlertMessage

CREATED = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.UTC)
URL = "https://headway.example.edu/projects/student-dropout/monitors/dropout-risk"


@pytest.fixture
def alert() -> Callable[..., AlertMessage]:
    """Builds an alert about a drifting monitor; keyword arguments override any field."""

    def make(**overrides: Any) -> AlertMessage:
        values: dict[str, Any] = {
            "title": "Drift on dropout-risk",
            "text": "3 of 12 features drifted in the window of 2026-11-20.",
            "severity": "critical",
            "state": "firing",
            "url": URL,
            "dedup_key": "monitor-7-rule-2",
            "project": "student-dropout",
            "source": "monitor dropout-risk",
            "fields": (("window", "2026-11-20"), ("drifted", "gpa, region")),
            "created_at": CREATED,
        }
        values.update(overrides)
        return AlertMessage(**values)

    return make


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """Records every POST; answers ``200 ok`` unless told otherwise (``reply``, ``hang``)."""
    receiver = HttpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose kernel completes the TCP handshake but whose server never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., SmtpReceiver]]:
    """Starts SMTP servers with the given options; stops them after the test."""
    started: list[SmtpReceiver] = []

    def start(**options: Any) -> SmtpReceiver:
        server = SmtpReceiver(**options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
