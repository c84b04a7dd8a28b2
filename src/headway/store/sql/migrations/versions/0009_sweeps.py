"""Sweeps and their trials.

``sweeps.version`` counts the trials created: a new trial is inserted only if the version
is still the one its parameters were sampled at (compare-and-set), so concurrent agents on
any number of machines never get duplicate trials or sample from a stale view.
``(sweep_id, number)`` is unique; ``(state, heartbeat_at)`` finds trials whose agent died.

Revision ID: 0009_sweeps
Revises: 0008_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_sweeps"
down_revision = "0008_alerts"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("study_attrs", sa.JSON(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_sweeps_project", "sweeps", ["project_id", "created_at"])
    op.create_table(
        "sweep_trials",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "sweep_id",
            sa.String(16),
            sa.ForeignKey("sweeps.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("searched", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("system_attrs", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=True),
        sa.Column("intermediate", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("agent", sa.String(256), nullable=True),
        sa.Column("retry_of", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("started_at", True),
        _ts("heartbeat_at", True),
        _ts("finished_at", True),
    )
    op.create_index("ix_sweep_trials_number", "sweep_trials", ["sweep_id", "number"], unique=True)
    op.create_index("ix_sweep_trials_state", "sweep_trials", ["state", "heartbeat_at"])
    op.create_index("ix_sweep_trials_run", "sweep_trials", ["run_id"])


def downgrade() -> None:
    op.drop_table("sweep_trials")
    op.drop_table("sweeps")
