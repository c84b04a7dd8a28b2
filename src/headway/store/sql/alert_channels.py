"""Rows of alert channels, the notifications queued for them, and every delivery attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from headway.entities.alerts import Channel, Notification
from headway.errors import AlreadyExists, NotFound
from headway.store.sql import runs as run_rows
from headway.store.sql.engine import Database
from headway.store.sql.models import ProjectRow
from headway.store.sql.models_alerts import (
    AlertAttemptRow,
    AlertChannelRow,
    AlertNotificationRow,
)
from headway.store.sql.runs import utc


@dataclass(frozen=True)
class StoredAttempt:
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    response: str
    error: str | None
    duration_ms: float


def _channel(row: AlertChannelRow, project: str) -> Channel:
    return Channel(
        id=row.id,
        project=project,
        name=row.name,
        type=row.type,  # type: ignore[arg-type]
        config=dict(row.config or {}),
        has_secret=row.secret is not None,
        min_severity=row.min_severity,  # type: ignore[arg-type]
        enabled=bool(row.enabled),
        created_at=utc(row.created_at),
    )


def _notification(row: AlertNotificationRow, channel: str) -> Notification:
    return Notification(
        id=row.id,
        alert_id=row.alert_id,
        channel_id=row.channel_id,
        channel=channel,
        event=row.event,  # type: ignore[arg-type]
        state=row.state,  # type: ignore[arg-type]
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        delivered_at=utc(row.delivered_at),
    )


class ChannelRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _row(self, s: Session, project: str, name: str) -> AlertChannelRow:
        row = s.scalar(
            select(AlertChannelRow)
            .join(ProjectRow, ProjectRow.id == AlertChannelRow.project_id)
            .where(ProjectRow.name == project, AlertChannelRow.name == name)
        )
        if row is None:
            raise NotFound(
                f"no alert channel {name!r} in project {project!r}",
                details={"project": project, "channel": name},
            )
        return row

    def create(
        self,
        project: str,
        name: str,
        type: str,
        config: dict[str, Any],
        secret: str | None,
        *,
        min_severity: str,
        now: datetime,
    ) -> Channel:
        def work(s: Session) -> Channel:
            proj = run_rows.ensure_project(s, project, now)
            exists = s.scalar(
                select(AlertChannelRow.id).where(
                    AlertChannelRow.project_id == proj.id, AlertChannelRow.name == name
                )
            )
            if exists is not None:
                raise AlreadyExists(
                    f"alert channel {name!r} already exists in project {project!r}",
                    details={"project": project, "channel": name},
                )
            row = AlertChannelRow(
                project_id=proj.id,
                name=name,
                type=type,
                config=config,
                secret=secret,
                min_severity=min_severity,
                enabled=1,
                created_at=now,
            )
            s.add(row)
            s.flush()
            return _channel(row, project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def get(self, project: str, name: str) -> Channel:
        with self.db.read() as s:
            return _channel(self._row(s, project, name), project)

    def secret(self, channel_id: int) -> tuple[Channel, str | None]:
        """The channel and its encrypted secret (for the sender only, never the API)."""
        with self.db.read() as s:
            found = s.execute(
                select(AlertChannelRow, ProjectRow.name)
                .join(ProjectRow, ProjectRow.id == AlertChannelRow.project_id)
                .where(AlertChannelRow.id == channel_id)
            ).first()
            if found is None:
                raise NotFound(f"no alert channel {channel_id}", details={"channel": channel_id})
            return _channel(found[0], found[1]), found[0].secret

    def all(self, project: str) -> list[Channel]:
        with self.db.read() as s:
            stmt = (
                select(AlertChannelRow)
                .join(ProjectRow, ProjectRow.id == AlertChannelRow.project_id)
                .where(ProjectRow.name == project)
                .order_by(AlertChannelRow.name)
            )
            return [_channel(row, project) for row in s.scalars(stmt)]

    def set_enabled(self, project: str, name: str, enabled: bool) -> Channel:
        def work(s: Session) -> Channel:
            row = self._row(s, project, name)
            row.enabled = int(enabled)
            s.flush()
            return _channel(row, project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def delete(self, project: str, name: str) -> None:
        def work(s: Session) -> None:
            s.delete(self._row(s, project, name))

        self.db.retry_write(work)

    # -- notifications --------------------------------------------------------------------
    def queue(
        self, alert_id: int, event: str, channel_ids: list[int], *, now: datetime
    ) -> list[int]:
        """One pending notification per channel; their ids, for the delivery jobs."""

        def work(s: Session) -> list[int]:
            rows = [
                AlertNotificationRow(
                    alert_id=alert_id,
                    channel_id=cid,
                    event=event,
                    state="pending",
                    attempts=0,
                    created_at=now,
                )
                for cid in channel_ids
            ]
            s.add_all(rows)
            s.flush()
            return [r.id for r in rows]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def notification(self, notification_id: int) -> Notification:
        with self.db.read() as s:
            found = s.execute(
                select(AlertNotificationRow, AlertChannelRow.name)
                .join(AlertChannelRow, AlertChannelRow.id == AlertNotificationRow.channel_id)
                .where(AlertNotificationRow.id == notification_id)
            ).first()
            if found is None:
                raise NotFound(
                    f"no notification {notification_id}",
                    details={"notification": notification_id},
                )
            return _notification(found[0], found[1])

    def record_attempt(
        self,
        notification_id: int,
        attempt: StoredAttempt,
        *,
        final: bool,
    ) -> Notification:
        """Log one attempt; the notification is delivered, failed (``final``) or pending."""

        def work(s: Session) -> Notification:
            row = s.get(AlertNotificationRow, notification_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no notification {notification_id}")
            row.attempts += 1
            s.add(
                AlertAttemptRow(
                    notification_id=notification_id,
                    attempt=row.attempts,
                    at=attempt.at,
                    ok=int(attempt.ok),
                    status_code=attempt.status_code,
                    response=attempt.response,
                    error=attempt.error,
                    duration_ms=attempt.duration_ms,
                )
            )
            if attempt.ok:
                row.state, row.delivered_at, row.last_error = "delivered", attempt.at, None
            else:
                row.state = "failed" if final else "pending"
                row.last_error = attempt.error
            s.flush()
            name = s.scalar(
                select(AlertChannelRow.name).where(AlertChannelRow.id == row.channel_id)
            )
            return _notification(row, str(name))

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def notifications(self, alert_id: int) -> list[Notification]:
        with self.db.read() as s:
            stmt = (
                select(AlertNotificationRow, AlertChannelRow.name)
                .join(AlertChannelRow, AlertChannelRow.id == AlertNotificationRow.channel_id)
                .where(AlertNotificationRow.alert_id == alert_id)
                .order_by(AlertNotificationRow.id)
            )
            return [_notification(row, name) for row, name in s.execute(stmt)]

    def attempts(self, notification_id: int) -> list[StoredAttempt]:
        with self.db.read() as s:
            stmt = (
                select(AlertAttemptRow)
                .where(AlertAttemptRow.notification_id == notification_id)
                .order_by(AlertAttemptRow.attempt)
            )
            return [
                StoredAttempt(
                    attempt=r.attempt,
                    at=utc(r.at),  # type: ignore[arg-type]
                    ok=bool(r.ok),
                    status_code=r.status_code,
                    response=r.response,
                    error=r.error,
                    duration_ms=r.duration_ms,
                )
                for r in s.scalars(stmt)
            ]
