"""``headway sync``: upload offline or unfinished spools, resumably and idempotently."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from headway.backend.base import BaseBackend
from headway.sdk.artifacts.spool import pending_artifacts, sync_artifacts
from headway.sdk.writer.replay import apply_record
from headway.sdk.writer.spool import SPOOL_FILE, read_acked, read_records, write_acked


@dataclass(frozen=True)
class SyncResult:
    run_id: str
    folder: Path
    records: int
    applied: int
    #: ``name:vN`` of the artifacts committed by this sync.
    artifacts: tuple[str, ...] = ()


def find_spools(paths: Iterable[Path]) -> list[Path]:
    """Spool folders at or below ``paths`` (a run's folder, or a store/spool folder)."""
    found: list[Path] = []
    for path in paths:
        if (path / SPOOL_FILE).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p.parent for p in path.rglob(SPOOL_FILE)))
    return list(dict.fromkeys(found))


def pending(folder: Path) -> int:
    """Records not yet acknowledged, plus artifacts not yet committed."""
    total = sum(1 for _ in read_records(folder / SPOOL_FILE))
    return max(0, total - read_acked(folder)) + len(pending_artifacts(folder))


def sync_spool(backend: BaseBackend, folder: Path, *, full: bool = False) -> SyncResult:
    """Apply the spool's unacknowledged records in order (all of them with ``full``).

    Safe to repeat and to interrupt: every record is idempotent on the backend, and the
    acknowledged count advances only after a record is applied.
    """
    meta = json.loads((folder / "run.json").read_text())
    run_id = str(meta["run_id"])
    start = 0 if full else read_acked(folder)
    applied = 0
    index = start
    for record in read_records(folder / SPOOL_FILE, start):
        apply_record(backend, run_id, record)
        applied += 1
        index = record.index + 1
        if applied % 64 == 0:
            write_acked(folder, index)
    write_acked(folder, index)
    # After the records: the run they create must exist before its artifacts point at it.
    artifacts = sync_artifacts(backend, folder, project=str(meta["project"]), run_id=run_id)
    return SyncResult(
        run_id=run_id,
        folder=folder,
        records=index,
        applied=applied,
        artifacts=tuple(f"{a.name}:v{a.version}" for a in artifacts),
    )
