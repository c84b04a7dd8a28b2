"""The append-only, per-run spool: every record the SDK sends, on disk first.

A spool is one file of framed records: ``u32 length | u32 crc32 | u8 kind | payload``.
JSON records (kind 1) carry run lifecycle operations; batch records (kind 2) carry a
``LogBatch`` in the compact binary codec. A torn last record — the process was killed
while writing it — is detected by its length or checksum and ignored, so a spool is
always readable. ``acked`` beside it holds how many records the backend has applied; it
is a hint for speed only, since the backend ignores batches it already has.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headway.backend.codec import decode_batch, encode_batch
from headway.entities import LogBatch

SPOOL_FILE = "spool.bin"
ACKED_FILE = "acked"
KIND_JSON = 1
KIND_BATCH = 2
_HEADER = struct.Struct("<IIB")
_MAX_RECORD = 1 << 30


@dataclass(frozen=True)
class Record:
    index: int
    kind: int
    op: dict[str, Any] | None = None
    batch: LogBatch | None = None


class SpoolWriter:
    """Appends records; not thread-safe (the run's single writer thread owns it)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / SPOOL_FILE
        self._count = sum(1 for _ in read_records(self.path)) if self.path.exists() else 0
        self._file = open(self.path, "ab")  # noqa: SIM115 - lives as long as the run

    @property
    def count(self) -> int:
        return self._count

    def append_op(self, op: dict[str, Any]) -> int:
        return self._append(KIND_JSON, json.dumps(op, allow_nan=True).encode())

    def append_batch(self, batch: LogBatch) -> int:
        return self._append(KIND_BATCH, encode_batch(batch))

    def _append(self, kind: int, payload: bytes) -> int:
        body = bytes([kind]) + payload
        self._file.write(_HEADER.pack(len(payload), zlib.crc32(body), kind) + payload)
        # Hand the bytes to the OS now: a killed process then loses nothing written.
        self._file.flush()
        self._count += 1
        return self._count - 1

    def sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self.sync()
            self._file.close()

    def discard(self) -> None:
        """Close and delete the records once a backend has acknowledged all of them.

        ``run.json`` stays, so the folder still says which run it was.
        """
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)
        (self.folder / ACKED_FILE).unlink(missing_ok=True)


def read_records(path: Path, start: int = 0) -> Iterator[Record]:
    """Records from index ``start`` on; stops quietly at a torn or corrupt tail."""
    with open(path, "rb") as f:
        index = 0
        while True:
            header = f.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return
            length, crc, kind = _HEADER.unpack(header)
            if length > _MAX_RECORD:
                return
            payload = f.read(length)
            if len(payload) < length or zlib.crc32(bytes([kind]) + payload) != crc:
                return
            if index >= start:
                if kind == KIND_BATCH:
                    yield Record(index, kind, batch=decode_batch(payload))
                else:
                    yield Record(index, kind, op=json.loads(payload))
            index += 1


def read_acked(folder: Path) -> int:
    try:
        return int((folder / ACKED_FILE).read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def write_acked(folder: Path, count: int) -> None:
    tmp = folder / f"{ACKED_FILE}.tmp"
    tmp.write_text(str(count))
    os.replace(tmp, folder / ACKED_FILE)
