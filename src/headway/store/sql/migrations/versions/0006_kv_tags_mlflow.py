"""Key -> value run tags, and what MLflow's API needs beyond Headway's own model.

``run_kv_tags`` holds MLflow's kind of tag (``team=edu``), searchable as ``tag.team``.
``mlflow_experiments`` gives each project MLflow's stable integer id, its free-text name
and its tags; ``mlflow_logged_models`` holds MLflow 3's logged models; ``mlflow_files`` is
the mutable tree MLflow clients write file by file (runs' and logged models' artifacts),
pointing at content-addressed blobs; ``mlflow_run_inputs`` keeps the dataset inputs a run
logged, as the client sent them.

Revision ID: 0006_kv_tags_mlflow
Revises: 0005_upload_missing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_kv_tags_mlflow"
down_revision = "0005_upload_missing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_kv_tags",
        sa.Column(
            "run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_index("ix_run_kv_tags_key_value", "run_kv_tags", ["key", "value", "run_id"])
    op.create_table(
        "mlflow_experiments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("name", sa.String(512), nullable=False, unique=True),
        sa.Column("artifact_location", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "mlflow_logged_models",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "experiment_id",
            sa.Integer(),
            sa.ForeignKey("mlflow_experiments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("model_type", sa.String(256), nullable=True),
        sa.Column("source_run_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("artifact", sa.String(256), nullable=True),
        sa.Column("artifact_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_mlflow_logged_models_experiment",
        "mlflow_logged_models",
        ["experiment_id", "created_at"],
    )
    op.create_table(
        "mlflow_files",
        sa.Column("path", sa.String(2048), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mlflow_files_digest", "mlflow_files", ["digest"])
    op.create_table(
        "mlflow_run_inputs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("context", sa.String(512), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
    )
    op.create_index("ix_mlflow_run_inputs_run", "mlflow_run_inputs", ["run_id", "name", "digest"])


def downgrade() -> None:
    op.drop_table("mlflow_run_inputs")
    op.drop_index("ix_mlflow_files_digest", table_name="mlflow_files")
    op.drop_table("mlflow_files")
    op.drop_table("mlflow_logged_models")
    op.drop_table("mlflow_experiments")
    op.drop_index("ix_run_kv_tags_key_value", table_name="run_kv_tags")
    op.drop_table("run_kv_tags")
