"""Rows of alert rules, the alerts they open, and each alert's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headway.entities.alerts import (
    OPEN_STATES,
    Alert,
    AlertEvent,
    AlertRule,
    RuleTarget,
    condition_from_dict,
)
from headway.errors import AlreadyExists, Conflict, NotFound
from headway.store.sql import runs as run_rows
from headway.store.sql.engine import Database
from headway.store.sql.models import ProjectRow
from headway.store.sql.models_alerts import AlertEventRow, AlertRow, AlertRuleRow
from headway.store.sql.runs import utc

#: Fields of a rule that ``update_rule`` may change.
RULE_FIELDS = (
    "target",
    "condition",
    "severity",
    "channels",
    "cooldown_seconds",
    "muted_until",
    "enabled",
    "description",
)


def open_key(rule_id: int | None, scope: str) -> str:
    return f"{rule_id if rule_id is not None else 'code'}|{scope}"


def _rule(row: AlertRuleRow, project: str) -> AlertRule:
    return AlertRule(
        id=row.id,
        project=project,
        name=row.name,
        target=RuleTarget(**row.target),
        condition=condition_from_dict(row.condition),
        severity=row.severity,  # type: ignore[arg-type]
        channels=tuple(row.channels or ()),
        cooldown_seconds=row.cooldown_seconds,
        muted_until=utc(row.muted_until),
        enabled=bool(row.enabled),
        description=row.description,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )


def _alert(row: AlertRow, project: str) -> Alert:
    return Alert(
        id=row.id,
        project=project,
        rule_id=row.rule_id,
        rule_name=row.rule_name,
        scope=row.scope,
        state=row.state,  # type: ignore[arg-type]
        severity=row.severity,  # type: ignore[arg-type]
        title=row.title,
        text=row.text,
        value=row.value,
        at=utc(row.at),
        step=row.step,
        lower=row.lower,
        upper=row.upper,
        opened_at=utc(row.opened_at),  # type: ignore[arg-type]
        updated_at=utc(row.updated_at),  # type: ignore[arg-type]
        acknowledged_at=utc(row.acknowledged_at),
        acknowledged_by=row.acknowledged_by,
        resolved_at=utc(row.resolved_at),
        resolved_by=row.resolved_by,
        source=dict(row.source or {}),
    )


def _event(row: AlertEventRow) -> AlertEvent:
    return AlertEvent(
        id=row.id,
        alert_id=row.alert_id,
        at=utc(row.at),  # type: ignore[arg-type]
        type=row.type,
        by=row.by,
        message=row.message,
    )


def _project_id(s: Session, project: str) -> int:
    found = s.scalar(select(ProjectRow.id).where(ProjectRow.name == project))
    if found is None:
        raise NotFound(f"no project {project!r}", details={"project": project})
    return int(found)


class AlertRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- rules ----------------------------------------------------------------------------
    def _rule_row(self, s: Session, project: str, name: str) -> AlertRuleRow:
        row = s.scalar(
            select(AlertRuleRow)
            .join(ProjectRow, ProjectRow.id == AlertRuleRow.project_id)
            .where(ProjectRow.name == project, AlertRuleRow.name == name)
        )
        if row is None:
            raise NotFound(
                f"no alert rule {name!r} in project {project!r}",
                details={"project": project, "rule": name},
            )
        return row

    def create_rule(self, rule: AlertRule, *, now: datetime) -> AlertRule:
        def work(s: Session) -> AlertRule:
            project = run_rows.ensure_project(s, rule.project, now)
            exists = s.scalar(
                select(AlertRuleRow.id).where(
                    AlertRuleRow.project_id == project.id, AlertRuleRow.name == rule.name
                )
            )
            if exists is not None:
                raise AlreadyExists(
                    f"alert rule {rule.name!r} already exists in project {rule.project!r}",
                    details={"project": rule.project, "rule": rule.name},
                )
            row = AlertRuleRow(
                project_id=project.id,
                name=rule.name,
                target=rule.target.to_dict(),
                condition=rule.condition.to_dict(),
                severity=rule.severity,
                channels=list(rule.channels),
                cooldown_seconds=rule.cooldown_seconds,
                muted_until=rule.muted_until,
                enabled=int(rule.enabled),
                description=rule.description,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return _rule(row, rule.project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def update_rule(
        self, project: str, name: str, changes: dict[str, Any], *, now: datetime
    ) -> AlertRule:
        def work(s: Session) -> AlertRule:
            row = self._rule_row(s, project, name)
            for key, value in changes.items():
                if key not in RULE_FIELDS:
                    raise KeyError(key)
                if key == "target" or key == "condition":
                    value = value.to_dict()
                elif key == "channels":
                    value = list(value)
                elif key == "enabled":
                    value = int(value)
                setattr(row, key, value)
            row.updated_at = now
            s.flush()
            return _rule(row, project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def get_rule(self, project: str, name: str) -> AlertRule:
        with self.db.read() as s:
            return _rule(self._rule_row(s, project, name), project)

    def rule_by_id(self, rule_id: int) -> AlertRule:
        with self.db.read() as s:
            found = s.execute(
                select(AlertRuleRow, ProjectRow.name)
                .join(ProjectRow, ProjectRow.id == AlertRuleRow.project_id)
                .where(AlertRuleRow.id == rule_id)
            ).first()
            if found is None:
                raise NotFound(f"no alert rule {rule_id}", details={"rule": rule_id})
            return _rule(found[0], found[1])

    def rules(self, project: str | None = None, *, enabled: bool | None = None) -> list[AlertRule]:
        with self.db.read() as s:
            stmt = (
                select(AlertRuleRow, ProjectRow.name)
                .join(ProjectRow, ProjectRow.id == AlertRuleRow.project_id)
                .order_by(ProjectRow.name, AlertRuleRow.name)
            )
            if project is not None:
                stmt = stmt.where(ProjectRow.name == project)
            if enabled is not None:
                stmt = stmt.where(AlertRuleRow.enabled == int(enabled))
            return [_rule(row, name) for row, name in s.execute(stmt)]

    def delete_rule(self, project: str, name: str) -> None:
        def work(s: Session) -> None:
            s.delete(self._rule_row(s, project, name))

        self.db.retry_write(work)

    # -- alerts ---------------------------------------------------------------------------
    def open_alert(self, alert: Alert, *, message: str) -> tuple[Alert, bool]:
        """Open ``alert`` unless one is open for its rule and scope: (the open one, created).

        The unique ``open_key`` makes this safe when two workers evaluate one rule at once.
        """
        key = open_key(alert.rule_id, alert.scope)

        def work(s: Session) -> tuple[Alert, bool]:
            existing = s.scalar(select(AlertRow).where(AlertRow.open_key == key))
            if existing is not None:
                return _alert(existing, alert.project), False
            row = AlertRow(
                project_id=_project_id(s, alert.project),
                rule_id=alert.rule_id,
                rule_name=alert.rule_name,
                scope=alert.scope,
                open_key=key,
                state=alert.state,
                severity=alert.severity,
                title=alert.title,
                text=alert.text,
                value=alert.value,
                at=alert.at,
                step=alert.step,
                lower=alert.lower,
                upper=alert.upper,
                opened_at=alert.opened_at,
                updated_at=alert.updated_at,
                source=alert.source,
            )
            s.add(row)
            s.flush()
            s.add(
                AlertEventRow(
                    alert_id=row.id, at=alert.opened_at, type="fired", by=None, message=message
                )
            )
            s.flush()
            return _alert(row, alert.project), True

        try:
            return self.db.retry_write(work)  # type: ignore[no-any-return]
        except (IntegrityError, AlreadyExists):
            # Another worker opened it between our look and our insert (the session helper
            # reports the unique key's violation as AlreadyExists): theirs stands.
            with self.db.read() as s:
                row = s.scalar(select(AlertRow).where(AlertRow.open_key == key))
                if row is None:
                    raise
                return _alert(row, alert.project), False

    def refresh(
        self,
        alert_id: int,
        *,
        value: float | None,
        at: datetime | None,
        step: int | None,
        lower: float | None,
        upper: float | None,
        text: str,
        now: datetime,
    ) -> Alert:
        """Keep an open alert's latest value current (no history line: it is the same alert)."""

        def work(s: Session) -> Alert:
            row, project = self._alert_row(s, alert_id)
            row.value, row.at, row.step, row.lower, row.upper = value, at, step, lower, upper
            row.text = text
            row.updated_at = now
            s.flush()
            return _alert(row, project)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def _alert_row(self, s: Session, alert_id: int) -> tuple[AlertRow, str]:
        found = s.execute(
            select(AlertRow, ProjectRow.name)
            .join(ProjectRow, ProjectRow.id == AlertRow.project_id)
            .where(AlertRow.id == alert_id)
        ).first()
        if found is None:
            raise NotFound(f"no alert {alert_id}", details={"alert": alert_id})
        return found[0], found[1]

    def transition(
        self, alert_id: int, state: str, *, by: str | None, message: str, now: datetime
    ) -> tuple[Alert, bool]:
        """Move an alert to ``acknowledged`` or ``resolved``: (the alert, whether it moved).

        Acknowledging a resolved alert is a Conflict; repeating a state changes nothing.
        """

        def work(s: Session) -> tuple[Alert, bool]:
            row, project = self._alert_row(s, alert_id)
            if row.state == state:
                return _alert(row, project), False
            if row.state == "resolved":
                raise Conflict(
                    f"alert {alert_id} is already resolved",
                    details={"alert": alert_id, "state": row.state},
                )
            row.state = state
            row.updated_at = now
            if state == "acknowledged":
                row.acknowledged_at, row.acknowledged_by = now, by
            else:
                row.resolved_at, row.resolved_by = now, by
                row.open_key = None
            s.add(AlertEventRow(alert_id=row.id, at=now, type=state, by=by, message=message))
            s.flush()
            return _alert(row, project), True

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def add_event(
        self, alert_id: int, type: str, message: str, *, by: str | None, now: datetime
    ) -> None:
        def work(s: Session) -> None:
            s.add(AlertEventRow(alert_id=alert_id, at=now, type=type, by=by, message=message))

        self.db.retry_write(work)

    def get_alert(self, alert_id: int) -> Alert:
        with self.db.read() as s:
            row, project = self._alert_row(s, alert_id)
            return _alert(row, project)

    def open_for(self, rule_id: int | None, scope: str) -> Alert | None:
        with self.db.read() as s:
            found = s.execute(
                select(AlertRow, ProjectRow.name)
                .join(ProjectRow, ProjectRow.id == AlertRow.project_id)
                .where(AlertRow.open_key == open_key(rule_id, scope))
            ).first()
            return None if found is None else _alert(found[0], found[1])

    def open_alerts_of_rule(self, rule_id: int) -> list[Alert]:
        with self.db.read() as s:
            stmt = (
                select(AlertRow, ProjectRow.name)
                .join(ProjectRow, ProjectRow.id == AlertRow.project_id)
                .where(AlertRow.rule_id == rule_id, AlertRow.state.in_(OPEN_STATES))
            )
            return [_alert(row, name) for row, name in s.execute(stmt)]

    def last_resolved_at(self, rule_id: int, scope: str) -> datetime | None:
        with self.db.read() as s:
            found = s.scalar(
                select(func.max(AlertRow.resolved_at)).where(
                    AlertRow.rule_id == rule_id, AlertRow.scope == scope
                )
            )
            return utc(found)

    def alerts(
        self,
        *,
        project: str | None = None,
        states: Sequence[str] = (),
        severities: Sequence[str] = (),
        rule: str | None = None,
        limit: int = 200,
    ) -> list[Alert]:
        """Newest first."""
        with self.db.read() as s:
            stmt = (
                select(AlertRow, ProjectRow.name)
                .join(ProjectRow, ProjectRow.id == AlertRow.project_id)
                .order_by(AlertRow.opened_at.desc(), AlertRow.id.desc())
                .limit(limit)
            )
            if project is not None:
                stmt = stmt.where(ProjectRow.name == project)
            if states:
                stmt = stmt.where(AlertRow.state.in_(list(states)))
            if severities:
                stmt = stmt.where(AlertRow.severity.in_(list(severities)))
            if rule is not None:
                stmt = stmt.where(AlertRow.rule_name == rule)
            return [_alert(row, name) for row, name in s.execute(stmt)]

    def events(self, alert_id: int) -> list[AlertEvent]:
        with self.db.read() as s:
            stmt = (
                select(AlertEventRow)
                .where(AlertEventRow.alert_id == alert_id)
                .order_by(AlertEventRow.at, AlertEventRow.id)
            )
            return [_event(row) for row in s.scalars(stmt)]
