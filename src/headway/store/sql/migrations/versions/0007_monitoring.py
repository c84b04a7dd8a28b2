"""Monitoring: monitors, their inference files, computed windows and results; a job queue.

``monitor_files`` lists the Parquet files (content-addressed blobs) of predictions and
labels, one per client batch and UTC day; ``monitor_windows`` keeps the fingerprint of
the inputs each window was computed from, so only changed windows are recomputed;
``monitor_results`` holds every number the dashboards chart. ``jobs`` is the queue that
``headway worker`` processes (and the server's in-process worker) take work from.

Revision ID: 0007_monitoring
Revises: 0006_kv_tags_mlflow
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_monitoring"
down_revision = "0006_kv_tags_mlflow"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _monitor_fk(primary_key: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "monitor_id",
        sa.Integer(),
        sa.ForeignKey("monitors.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("reference_ref", sa.String(512), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("labels", sa.BigInteger(), nullable=False),
        _ts("first_at", True),
        _ts("last_at", True),
        _ts("computed_at", True),
        sa.Column("health", sa.JSON(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_monitors_project_name", "monitors", ["project_id", "name"], unique=True)
    op.create_table(
        "monitor_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _monitor_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("batch", sa.String(128), nullable=False),
        sa.Column("partition", sa.String(10), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        _ts("min_at"),
        _ts("max_at"),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        _ts("created_at"),
    )
    op.create_index(
        "ix_monitor_files_batch", "monitor_files", ["monitor_id", "kind", "batch"], unique=True
    )
    op.create_index(
        "ix_monitor_files_range", "monitor_files", ["monitor_id", "kind", "min_at", "max_at"]
    )
    op.create_index("ix_monitor_files_digest", "monitor_files", ["digest"])
    op.create_table(
        "monitor_windows",
        _monitor_fk(primary_key=True),
        sa.Column("start", sa.DateTime(timezone=True), primary_key=True),
        _ts("end"),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("labeled", sa.Integer(), nullable=False),
        sa.Column("inputs_fp", sa.String(64), nullable=False),
        sa.Column("labels_fp", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        _ts("computed_at"),
    )
    op.create_table(
        "monitor_results",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _monitor_fk(),
        _ts("window_start"),
        _ts("window_end"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("group_value", sa.String(256), nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_monitor_results_window", "monitor_results", ["monitor_id", "kind", "window_start"]
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _ts("run_after"),
        _ts("lease_until", True),
        sa.Column("worker", sa.String(256), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        _ts("created_at"),
        _ts("finished_at", True),
    )
    op.create_index("ix_jobs_state_run_after", "jobs", ["state", "run_after"])
    op.create_index("ix_jobs_key_state", "jobs", ["key", "state"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("monitor_results")
    op.drop_table("monitor_windows")
    op.drop_table("monitor_files")
    op.drop_table("monitors")
