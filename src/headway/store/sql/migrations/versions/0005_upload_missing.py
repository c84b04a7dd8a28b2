"""Upload sessions remember which blobs were missing when they opened.

A commit then looks up only those in the blob store: on S3 that is one request per
uploaded blob instead of one per file of the manifest.

Revision ID: 0005_upload_missing
Revises: 0004_artifacts_registry
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_upload_missing"
down_revision = "0004_artifacts_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("upload_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missing", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("upload_sessions", schema=None) as batch_op:
        batch_op.drop_column("missing")
