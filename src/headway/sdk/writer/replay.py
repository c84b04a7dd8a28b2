"""Applying spool records to a backend: the one path for live shipping and ``sync``."""

from __future__ import annotations

from headway.backend.base import BaseBackend
from headway.sdk.writer.spool import Record


def apply_record(backend: BaseBackend, run_id: str, record: Record) -> None:
    """Apply one record. Batches are idempotent by sequence number (the first one creates
    the run), and resuming twice is harmless, so replaying a spool twice is safe."""
    if record.batch is not None:
        backend.log_batch(run_id, record.batch)
        return
    kind = (record.op or {}).get("op")
    if kind == "resume":
        backend.resume_run(run_id)
    else:
        raise ValueError(f"unknown spool record {kind!r}")
