"""Block sketches on metric chunks, for exact envelopes without decoding every point.

Revision ID: 0002_chunk_sketch
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from headway.store.chunks import decode_floats, decode_steps
from headway.store.sketch import sketch

revision = "0002_chunk_sketch"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metric_chunks") as batch:
        batch.add_column(sa.Column("grid", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("sketch", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    chunks = sa.table(
        "metric_chunks",
        sa.column("id", sa.Integer()),
        sa.column("steps", sa.LargeBinary()),
        sa.column("values", sa.LargeBinary()),
        sa.column("grid", sa.BigInteger()),
        sa.column("sketch", sa.LargeBinary()),
    )
    last_id = -1
    while True:
        rows = conn.execute(
            sa.select(chunks.c.id, chunks.c.steps, chunks.c["values"])
            .where(chunks.c.id > last_id)
            .order_by(chunks.c.id)
            .limit(500)
        ).all()
        if not rows:
            break
        for chunk_id, steps, values in rows:
            grid, blocks = sketch(decode_steps(steps), decode_floats(values))
            conn.execute(
                sa.update(chunks)
                .where(chunks.c.id == chunk_id)
                .values(grid=grid, sketch=blocks.to_bytes(grid))
            )
            last_id = chunk_id
    with op.batch_alter_table("metric_chunks") as batch:
        batch.alter_column("grid", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("sketch", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("metric_chunks") as batch:
        batch.drop_column("sketch")
        batch.drop_column("grid")
