"""``headway.Artifact``: collect files, folders and references, then log them as a version."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from headway.artifacts import names
from headway.entities.artifacts import ManifestEntry
from headway.errors import InvalidArgument
from headway.sdk.artifacts.references import resolve_reference
from headway.tracking import validation as v


@dataclass(frozen=True)
class _Staged:
    """A file to store (``source``) or a resolved reference (``entry``)."""

    source: Path | None = None
    entry: ManifestEntry | None = None


class Artifact:
    """A named, typed set of files that ``run.log_artifact`` turns into ``name:vN``.

    Files are read when the artifact is logged, not when they are added; a file changed
    in between is logged as it is then (and a file changing *during* the upload is
    detected and refused).
    """

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = names.artifact_name(name)
        self.type = names.artifact_type(type)
        self.description = description
        self.metadata: dict[str, Any] = v.config_tree(dict(metadata or {}))
        self._items: dict[str, _Staged] = {}
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def __repr__(self) -> str:
        return f"<headway.Artifact {self.name!r} type={self.type!r} files={len(self._items)}>"

    def _add(self, path: str, item: _Staged) -> None:
        clean = names.file_path(path)
        if clean in self._items:
            raise InvalidArgument(f"artifact {self.name!r} already has a file at {clean!r}")
        self._items[clean] = item

    def add_file(self, path: str | os.PathLike[str], name: str | None = None) -> Artifact:
        """Add one file, stored as ``name`` (default: its file name)."""
        source = Path(path)
        if not source.is_file():
            raise InvalidArgument(f"cannot add {str(path)!r} to artifact {self.name!r}: not a file")
        self._add(name if name is not None else source.name, _Staged(source=source.resolve()))
        return self

    def add_dir(self, path: str | os.PathLike[str], name: str | None = None) -> Artifact:
        """Add every file under a folder, under the prefix ``name`` (default: the root).

        Symbolic links are followed only when they stay inside the folder; one pointing
        outside is refused (it would smuggle other files into the artifact).
        """
        root = Path(path)
        if not root.is_dir():
            raise InvalidArgument(
                f"cannot add {str(path)!r} to artifact {self.name!r}: not a folder"
            )
        real_root = root.resolve()
        prefix = names.file_path(name) + "/" if name else ""
        found = 0
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            here = Path(dirpath)
            for d in list(dirnames):
                if (here / d).is_symlink():
                    self._check_inside(here / d, real_root)
                    dirnames.remove(d)  # walked through its target when that is inside
            for f in sorted(filenames):
                file = here / f
                target = self._check_inside(file, real_root) if file.is_symlink() else file
                if not target.is_file():
                    continue
                rel = file.relative_to(root).as_posix()
                self._add(prefix + rel, _Staged(source=target.resolve()))
                found += 1
        if found == 0:
            raise InvalidArgument(f"folder {str(path)!r} has no files to add")
        return self

    @staticmethod
    def _check_inside(link: Path, root: Path) -> Path:
        target = link.resolve()
        if target != root and root not in target.parents:
            raise InvalidArgument(
                f"{link} is a symbolic link to {target}, outside the folder being added; "
                "copy the file in or add it with add_file"
            )
        return target

    def add_reference(self, uri: str, name: str | None = None, checksum: bool = True) -> Artifact:
        """Track an object by reference (``s3://``, ``https://``, ``file://``) without
        copying it. With ``checksum`` the content is hashed (or the object's ETag kept)
        so a download can tell when it changed."""
        names.reference_uri(uri)
        default = uri.rstrip("/").rsplit("/", 1)[-1] or "reference"
        path = names.file_path(name if name is not None else default)
        if path in self._items:
            raise InvalidArgument(f"artifact {self.name!r} already has a file at {path!r}")
        self._items[path] = _Staged(entry=resolve_reference(uri, path, checksum=checksum))
        return self

    @contextmanager
    def new_file(
        self, name: str, mode: str = "w", encoding: str | None = "utf-8"
    ) -> Iterator[IO[Any]]:
        """Write a file straight into the artifact: ``with art.new_file("a.txt") as f:``."""
        path = names.file_path(name)
        if path in self._items:
            raise InvalidArgument(f"artifact {self.name!r} already has a file at {path!r}")
        if mode not in ("w", "wb"):
            raise InvalidArgument(f"new_file mode must be 'w' or 'wb', got {mode!r}")
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="headway-artifact-")
        target = Path(self._scratch.name) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, mode, encoding=None if mode == "wb" else encoding) as f:
            yield f
        self._items[path] = _Staged(source=target)

    # -- used by the logger ----------------------------------------------------------------
    def staged(self) -> dict[str, _Staged]:
        if not self._items:
            raise InvalidArgument(f"artifact {self.name!r} is empty: add files before logging it")
        return dict(self._items)
