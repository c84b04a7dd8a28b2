"""The manifest of a version and its digest: identical content, identical digest."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from headway.artifacts import names
from headway.entities.artifacts import ManifestEntry
from headway.errors import InvalidArgument
from headway.store.blobstore.digest import digest_bytes, is_digest

MAX_FILES = 1_000_000


def validate(entries: Iterable[ManifestEntry]) -> tuple[ManifestEntry, ...]:
    """Check every entry; returns them sorted by path. Raises InvalidArgument naming it."""
    out: dict[str, ManifestEntry] = {}
    for e in entries:
        names.file_path(e.path)
        if not isinstance(e.size, int) or e.size < 0:
            raise InvalidArgument(f"file {e.path!r}: size must be a non-negative integer")
        if e.ref is None:
            if not is_digest(e.digest):
                raise InvalidArgument(f"file {e.path!r}: digest must be 64 hex characters")
        else:
            names.reference_uri(e.ref)
            if e.digest is not None and not is_digest(e.digest):
                raise InvalidArgument(f"reference {e.path!r}: digest must be 64 hex characters")
        if e.path in out:
            raise InvalidArgument(f"file {e.path!r} appears twice in the artifact")
        out[e.path] = e
    if len(out) > MAX_FILES:
        raise InvalidArgument(f"an artifact version holds at most {MAX_FILES:,} files")
    _check_prefix_clashes(out)
    return tuple(out[p] for p in sorted(out))


def _check_prefix_clashes(by_path: dict[str, ManifestEntry]) -> None:
    # "a" as a file and "a/b" inside it cannot both be written to disk.
    for path in by_path:
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent in by_path:
                raise InvalidArgument(
                    f"file {parent!r} clashes with {path!r}: a path cannot be both a file "
                    "and a folder"
                )


def manifest_digest(entries: Sequence[ManifestEntry]) -> str:
    """Digest of the canonical manifest (entries sorted by path, fixed key order)."""
    canonical = [
        [e.path, e.size, e.digest, e.ref, e.etag] for e in sorted(entries, key=lambda e: e.path)
    ]
    return digest_bytes(json.dumps(canonical, separators=(",", ":")).encode())


def blob_digests(entries: Iterable[ManifestEntry]) -> set[str]:
    """Digests of stored content (references are not in the blob store)."""
    return {e.digest for e in entries if e.ref is None and e.digest is not None}
