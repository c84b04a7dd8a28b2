"""Fixtures of the delivery tests: an alert to send (the receivers are in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

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
