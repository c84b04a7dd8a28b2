"""Alerts: rules, the alerts they open with their history, channels and notifications.

``alerts.open_key`` is ``<rule>|<scope>`` while an alert is open and NULL once resolved, so a
unique index keeps one open alert per rule and scope even when two workers evaluate the
same rule at once. ``alert_notifications`` is one state change to deliver to one channel;
``alert_attempts`` logs every attempt with the answer it got.

Revision ID: 0008_alerts
Revises: 0007_monitoring
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_alerts"
down_revision = "0007_monitoring"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _project() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _project(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("cooldown_seconds", sa.Integer(), nullable=False),
        _ts("muted_until", True),
        sa.Column("enabled", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index(
        "ix_alert_rules_project_name", "alert_rules", ["project_id", "name"], unique=True
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _project(),
        sa.Column(
            "rule_id",
            sa.Integer(),
            sa.ForeignKey("alert_rules.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("rule_name", sa.String(128), nullable=False),
        sa.Column("scope", sa.String(512), nullable=False),
        sa.Column("open_key", sa.String(600), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        _ts("at", True),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        _ts("opened_at"),
        _ts("updated_at"),
        _ts("acknowledged_at", True),
        sa.Column("acknowledged_by", sa.String(256), nullable=True),
        _ts("resolved_at", True),
        sa.Column("resolved_by", sa.String(256), nullable=True),
        sa.Column("source", sa.JSON(), nullable=False),
    )
    op.create_index("ix_alerts_open_key", "alerts", ["open_key"], unique=True)
    op.create_index("ix_alerts_project_state", "alerts", ["project_id", "state", "opened_at"])
    op.create_index("ix_alerts_rule_scope", "alerts", ["rule_id", "scope", "resolved_at"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "alert_id",
            sa.Integer(),
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _ts("at"),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("by", sa.String(256), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_alert_events_alert", "alert_events", ["alert_id", "at"])
    op.create_table(
        "alert_channels",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _project(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("min_severity", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Integer(), nullable=False),
        _ts("created_at"),
    )
    op.create_index(
        "ix_alert_channels_project_name", "alert_channels", ["project_id", "name"], unique=True
    )
    op.create_table(
        "alert_notifications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "alert_id",
            sa.Integer(),
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "channel_id",
            sa.Integer(),
            sa.ForeignKey("alert_channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("delivered_at", True),
    )
    op.create_index("ix_alert_notifications_alert", "alert_notifications", ["alert_id"])
    op.create_table(
        "alert_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "notification_id",
            sa.Integer(),
            sa.ForeignKey("alert_notifications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
    )
    op.create_index(
        "ix_alert_attempts_notification", "alert_attempts", ["notification_id", "attempt"]
    )


def downgrade() -> None:
    op.drop_table("alert_attempts")
    op.drop_table("alert_notifications")
    op.drop_table("alert_channels")
    op.drop_table("alert_events")
    op.drop_table("alerts")
    op.drop_table("alert_rules")
