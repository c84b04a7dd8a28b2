"""Block sketches of metric chunks, for exact envelopes without decoding every point.

Revision ID: 0002_sketches
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from headway.store.chunks import decode_floats, decode_steps
from headway.store.sketch import sketch

revision = "0002_sketches"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_sketches",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("min_step", sa.BigInteger(), nullable=False),
        sa.Column("max_step", sa.BigInteger(), nullable=False),
        sa.Column("grid", sa.BigInteger(), nullable=False),
        sa.Column("sketch", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "key", "seq"),
    )
    conn = op.get_bind()
    chunks = sa.table(
        "metric_chunks",
        sa.column("id", sa.Integer()),
        sa.column("run_id", sa.String()),
        sa.column("key", sa.String()),
        sa.column("seq", sa.Integer()),
        sa.column("steps", sa.LargeBinary()),
        sa.column("values", sa.LargeBinary()),
    )
    sketches = sa.table(
        "metric_sketches",
        sa.column("run_id", sa.String()),
        sa.column("key", sa.String()),
        sa.column("seq", sa.Integer()),
        sa.column("min_step", sa.BigInteger()),
        sa.column("max_step", sa.BigInteger()),
        sa.column("grid", sa.BigInteger()),
        sa.column("sketch", sa.LargeBinary()),
    )
    last_id = -1
    while True:
        rows = conn.execute(
            sa.select(
                chunks.c.id,
                chunks.c.run_id,
                chunks.c.key,
                chunks.c.seq,
                chunks.c.steps,
                chunks.c["values"],
            )
            .where(chunks.c.id > last_id)
            .order_by(chunks.c.id)
            .limit(500)
        ).all()
        if not rows:
            break
        batch = []
        for chunk_id, run_id, key, seq, steps_blob, values_blob in rows:
            steps = decode_steps(steps_blob)
            grid, blocks = sketch(steps, decode_floats(values_blob))
            batch.append(
                {
                    "run_id": run_id,
                    "key": key,
                    "seq": seq,
                    "min_step": int(steps.min()),
                    "max_step": int(steps.max()),
                    "grid": grid,
                    "sketch": blocks.to_bytes(grid),
                }
            )
            last_id = chunk_id
        conn.execute(sa.insert(sketches), batch)


def downgrade() -> None:
    op.drop_table("metric_sketches")
