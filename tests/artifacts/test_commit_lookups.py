"""A commit looks up only the blobs that were missing when its upload began."""

from __future__ import annotations

from pathlib import Path

import pytest

from headway.backend.local import LocalBackend
from headway.testing.artifact_contract import log


def test_commit_checks_only_blobs_that_were_missing(
    local_backend: LocalBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"f{i}.txt": f"row {i}".encode() for i in range(100)}
    log(local_backend, tmp_path, "p", "d", files)
    blobs = local_backend.artifact_service.blobs
    asked: list[set[str]] = []
    original = blobs.missing

    def counting(digests: object) -> set[str]:
        wanted = set(digests)  # type: ignore[call-overload]
        asked.append(wanted)
        return original(wanted)

    monkeypatch.setattr(blobs, "missing", counting)
    version, created = log(local_backend, tmp_path, "p", "d", {**files, "new.txt": b"new"})
    assert created and version.file_count == 101
    # Opening the session asks about all 101; the commit only about the one it lacked.
    assert [len(a) for a in asked] == [101, 1]
