"""Alerts on a real PostgreSQL store: the lifecycle, and one open alert per rule and scope
when many workers evaluate the same rule at the same moment."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

import headway
from headway.backend.local import LocalBackend
from headway.entities.alerts import Alert, Verdict
from headway.settings import Settings
from monitoring_support import dataset, log_all, open_monitor
from receivers import HttpReceiver

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_backend(postgres_url: str, tmp_path: Path) -> Iterator[LocalBackend]:
    settings = Settings.from_env(env={}, dir=str(tmp_path / ".headway"), db_url=postgres_url)
    backend = LocalBackend(settings, migrate=True)
    yield backend
    backend.close()


def test_alert_lifecycle_on_postgres(pg_backend: LocalBackend, http_receiver: HttpReceiver) -> None:
    data = dataset("mean_shift")
    monitor = open_monitor(pg_backend, data)
    log_all(monitor, data)
    monitor.compute()
    headway.alerts.channel("edu", "hook", "webhook", endpoint=http_receiver.url, backend=pg_backend)
    headway.alerts.rule(
        "edu",
        "logins",
        monitor="dropout",
        kind="drift",
        subject="lms_logins_per_week",
        condition=Verdict(verdicts=("drift",)),
        backend=pg_backend,
    )
    [alert] = pg_backend.alerts.alerts(project="edu", states=["firing"])
    pg_backend.alerts.acknowledge(alert.id, "on it")
    done = pg_backend.alerts.resolve(alert.id, "retrained")
    assert done.state == "resolved" and done.resolved_at is not None
    assert [r.json()["alert"]["state"] for r in http_receiver.requests] == [
        "firing",
        "acknowledged",
        "resolved",
    ]
    assert [e.type for e in pg_backend.alerts.alert_events(alert.id)] == [
        "fired",
        "notified",
        "acknowledged",
        "notified",
        "resolved",
        "notified",
    ]


def test_concurrent_evaluations_open_one_alert_per_rule_and_scope(
    pg_backend: LocalBackend,
) -> None:
    service = pg_backend.alert_service
    pg_backend.ensure_project("edu")
    now = datetime.now(UTC)
    opened: list[tuple[Alert, bool]] = []

    def open_one(_: int) -> tuple[Alert, bool]:
        return service.store.alerts.open_alert(
            Alert(
                id=0,
                project="edu",
                rule_id=None,
                rule_name="code",
                scope="run:r1/Loss spiked",
                state="firing",
                severity="warning",
                title="Loss spiked",
                text="",
                value=None,
                at=now,
                step=None,
                lower=None,
                upper=None,
                opened_at=now,
                updated_at=now,
            ),
            message="",
        )

    with ThreadPoolExecutor(8) as pool:
        opened = list(pool.map(open_one, range(16)))
    assert sum(created for _, created in opened) == 1
    assert len({a.id for a, _ in opened}) == 1
    assert len(pg_backend.alerts.alerts(project="edu")) == 1
