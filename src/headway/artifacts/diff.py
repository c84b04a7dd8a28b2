"""What changed between two versions: files added, removed and changed; metadata."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from headway.entities.artifacts import ArtifactVersion, FileChange, ManifestEntry, VersionDiff
from headway.entities.config import flatten


def diff_versions(
    old: ArtifactVersion,
    new: ArtifactVersion,
    old_files: Sequence[ManifestEntry],
    new_files: Sequence[ManifestEntry],
) -> VersionDiff:
    a = {e.path: e for e in old_files}
    b = {e.path: e for e in new_files}
    changes: list[FileChange] = []
    same = 0
    for path in sorted(a.keys() | b.keys()):
        x, y = a.get(path), b.get(path)
        if x is None and y is not None:
            changes.append(FileChange(path, "added", None, y.size))
        elif y is None and x is not None:
            changes.append(FileChange(path, "removed", x.size, None))
        elif x is not None and y is not None:
            if (x.digest, x.ref, x.etag, x.size) != (y.digest, y.ref, y.etag, y.size):
                changes.append(FileChange(path, "changed", x.size, y.size))
            else:
                same += 1
    return VersionDiff(
        old=f"{old.name}:v{old.version}",
        new=f"{new.name}:v{new.version}",
        files=tuple(changes),
        metadata=_dict_diff(old.metadata, new.metadata),
        unchanged_files=same,
    )


def _dict_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    a, b = flatten(old), flatten(new)
    return {k: (a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)}
