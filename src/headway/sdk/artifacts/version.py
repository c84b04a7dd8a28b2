"""``ArtifactVersion``: a committed version as the SDK hands it out.

Content is read through the backend and verified on arrival; downloads go through a
shared, content-addressed cache (``HEADWAY_CACHE_DIR``), so a file common to many versions
or many checkouts is fetched once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headway.backend.base import BaseBackend
from headway.entities.artifacts import (
    ArtifactPatch,
    Direction,
    LineageGraph,
    ManifestEntry,
    VersionDiff,
)
from headway.entities.artifacts import ArtifactVersion as VersionEntity
from headway.errors import InvalidArgument, NotFound
from headway.store.blobstore.base import blob_key
from headway.store.blobstore.digest import StreamHasher, digest_file


@dataclass
class VerifyReport:
    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)


class ArtifactVersion:
    def __init__(self, backend: BaseBackend, entity: VersionEntity, cache_dir: Path) -> None:
        self._backend = backend
        self._entity = entity
        self._cache = cache_dir
        self._files: list[ManifestEntry] | None = None
        self._root: Path | None = None

    def __repr__(self) -> str:
        e = self._entity
        return f"<headway.ArtifactVersion {e.project}/{e.name}:v{e.version} type={e.type!r}>"

    # -- attributes -------------------------------------------------------------------------
    @property
    def entity(self) -> VersionEntity:
        return self._entity

    @property
    def project(self) -> str:
        return self._entity.project

    @property
    def name(self) -> str:
        return self._entity.name

    @property
    def version(self) -> int:
        return self._entity.version

    @property
    def qualified_name(self) -> str:
        return self._entity.qualified_name

    @property
    def type(self) -> str:
        return self._entity.type

    @property
    def digest(self) -> str:
        return self._entity.digest

    @property
    def size(self) -> int:
        return self._entity.size

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._entity.metadata)

    @property
    def description(self) -> str | None:
        return self._entity.description

    @property
    def aliases(self) -> list[str]:
        return list(self._entity.aliases)

    @property
    def tags(self) -> list[str]:
        return list(self._entity.tags)

    @property
    def run_id(self) -> str | None:
        """The run that produced this version."""
        return self._entity.run_id

    # -- content --------------------------------------------------------------------------
    def files(self, prefix: str = "") -> list[ManifestEntry]:
        """The manifest: path, size, digest (and the URI of references)."""
        if self._files is None:
            self._files = self._backend.artifacts.files(self.project, self.name, self.version)
        return [e for e in self._files if e.path.startswith(prefix)]

    def download(
        self, root: str | os.PathLike[str] | None = None, *, path_prefix: str = ""
    ) -> Path:
        """Materialise the files (or those under ``path_prefix``) in ``root`` (default
        ``./artifacts/NAME:vN``); every byte is verified against its digest."""
        target = Path(root) if root is not None else Path("artifacts") / self.qualified_name
        entries = self.files(path_prefix)
        if path_prefix and not entries:
            raise NotFound(f"{self.qualified_name} has no files under {path_prefix!r}")
        target.mkdir(parents=True, exist_ok=True)
        real = target.resolve()
        for entry in entries:
            dest = (target / entry.path).resolve()
            if real not in dest.parents:  # paths are validated at commit; belt and braces
                raise InvalidArgument(f"refusing to write {entry.path!r} outside {target}")
            if dest.is_file() and entry.digest and _matches(dest, entry):
                continue
            self._materialise(entry, dest)
        self._root = target
        return target

    def _materialise(self, entry: ManifestEntry, dest: Path) -> None:
        if entry.ref is not None:
            from headway.sdk.artifacts.references import fetch_reference

            fetch_reference(entry, dest)
            return
        assert entry.digest is not None
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not self._backend.artifacts.remote_blobs:  # a local folder needs no cache
            self._backend.artifacts.fetch_blob(entry.digest, dest)
            return
        cached = self._cache / blob_key(entry.digest)
        if not (cached.is_file() and cached.stat().st_size == entry.size):
            self._backend.artifacts.fetch_blob(entry.digest, cached)
        tmp = dest.with_name(f".{dest.name}.headway-tmp")
        shutil.copyfile(cached, tmp)
        os.replace(tmp, dest)

    def verify(self, root: str | os.PathLike[str] | None = None) -> VerifyReport:
        """Check content against the manifest: files in ``root`` (or the last download)
        if given, else the stored blobs themselves, re-read and re-hashed."""
        where = Path(root) if root is not None else self._root
        problems: list[str] = []
        entries = self.files()
        for entry in entries:
            if where is not None:
                local = where / entry.path
                if not local.is_file():
                    problems.append(f"{entry.path}: missing from {where}")
                elif entry.digest and not _matches(local, entry):
                    problems.append(f"{entry.path}: content differs from the logged version")
                continue
            if entry.ref is not None or entry.digest is None:
                continue
            hasher = StreamHasher()
            try:
                for chunk in self._backend.artifacts.iter_blob(entry.digest):
                    hasher.update(chunk)
            except NotFound:
                problems.append(f"{entry.path}: blob {entry.digest} is missing from the store")
                continue
            if hasher.hexdigest() != entry.digest:
                problems.append(f"{entry.path}: stored blob {entry.digest} is corrupted")
        return VerifyReport(not problems, len(entries), problems)

    # -- history, lineage, edits ----------------------------------------------------------
    def lineage(self, direction: str | Direction = "both", depth: int = 2) -> LineageGraph:
        return self._backend.artifacts.lineage(
            project=self.project,
            name=self.name,
            version=self.version,
            direction=Direction(direction),
            depth=depth,
        )

    def diff(self, other: ArtifactVersion | int) -> VersionDiff:
        """What changed from ``other`` (an older version, or its number) to this one."""
        if isinstance(other, int):
            return self._backend.artifacts.diff(self.project, self.name, other, self.version)
        return self._backend.artifacts.diff(
            other.project, other.name, other.version, self.version, new_name=self.name
        )

    def update(
        self,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> ArtifactVersion:
        self._entity = self._backend.artifacts.update(
            self.project,
            self.name,
            self.version,
            ArtifactPatch(
                description=description,
                metadata=None if metadata is None else dict(metadata),
                tags=None if tags is None else tuple(tags),
            ),
        )
        return self

    def add_aliases(self, *aliases: str) -> ArtifactVersion:
        self._entity = self._backend.artifacts.update(
            self.project, self.name, self.version, ArtifactPatch(add_aliases=tuple(aliases))
        )
        return self

    def remove_aliases(self, *aliases: str) -> ArtifactVersion:
        self._entity = self._backend.artifacts.update(
            self.project, self.name, self.version, ArtifactPatch(remove_aliases=tuple(aliases))
        )
        return self

    def delete(self) -> None:
        self._entity = self._backend.artifacts.delete(self.project, self.name, self.version)


def _matches(path: Path, entry: ManifestEntry) -> bool:
    if path.stat().st_size != entry.size:
        return False
    return digest_file(path)[0] == entry.digest


__all__ = ["ArtifactVersion", "VerifyReport"]
