"""What a live run does with artifacts: log outputs, use inputs, link models.

Logging is synchronous (it returns the version), and a storage or network failure is a
warning, never an exception in the training script; using an artifact raises, because
the script cannot go on without its input.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headway.artifacts import names
from headway.entities.alerts import Alert
from headway.entities.registry import ModelVersion
from headway.errors import InvalidArgument, NotFound, StorageError, Unavailable
from headway.sdk.artifacts.builder import Artifact
from headway.sdk.artifacts.logger import log_artifact
from headway.sdk.artifacts.spool import spool_artifact
from headway.sdk.artifacts.version import ArtifactVersion
from headway.tracking import validation as v

if TYPE_CHECKING:
    from headway.backend.base import BaseBackend

log = logging.getLogger("headway")
#: Seconds to wait for the run itself to reach the backend before committing to it.
_FLUSH_TIMEOUT = 60.0
#: ``run.alert`` levels, W&B's names included.
_LEVELS = {
    "info": "info",
    "warn": "warning",
    "warning": "warning",
    "error": "critical",
    "critical": "critical",
}


def as_artifact(
    artifact_or_path: Artifact | str | os.PathLike[str],
    *,
    name: str | None,
    type: str | None,
    description: str | None,
    metadata: Mapping[str, Any] | None,
) -> Artifact:
    if isinstance(artifact_or_path, Artifact):
        if name is not None or type is not None:
            raise InvalidArgument("name= and type= only apply when logging a path")
        return artifact_or_path
    path = Path(artifact_or_path)
    if not path.exists():
        raise InvalidArgument(f"cannot log {str(path)!r} as an artifact: it does not exist")
    art = Artifact(
        name or path.name.replace(" ", "-"),
        type or "unspecified",
        description=description,
        metadata=metadata,
    )
    return art.add_dir(path) if path.is_dir() else art.add_file(path)


class ArtifactRunMixin:
    id: str
    project: str
    mode: str
    _cache_dir: Path

    def _backend_for_artifacts(self) -> BaseBackend | None:
        """The backend, once the run exists there; None (with a warning) otherwise."""
        writer = getattr(self, "_writer", None)
        if self.mode == "disabled" or writer is None:
            return None
        if writer.backend is None:
            return None
        if not writer.flush(_FLUSH_TIMEOUT):
            log.warning(
                "headway: run %s has not reached the store yet; artifact not logged", self.id
            )
            return None
        backend: BaseBackend = writer.backend
        return backend

    def log_artifact(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: Sequence[str] = (),
        tags: Sequence[str] = (),
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> ArtifactVersion | None:
        """Commit the artifact as a new version ``name:vN`` produced by this run.

        Identical content returns the existing version (no new version, no new bytes).
        Returns None, with a warning, when the store cannot be reached.
        """
        art = as_artifact(
            artifact_or_path, name=name, type=type, description=description, metadata=metadata
        )
        clean_aliases = names.aliases(list(aliases))
        clean_tags = v.tags(list(tags))
        backend = self._backend_for_artifacts()
        if backend is None:
            self._spool(art, clean_aliases, clean_tags)
            return None
        try:
            version, _created = log_artifact(
                backend, self.project, art, run_id=self.id, aliases=clean_aliases, tags=clean_tags
            )
        except (Unavailable, StorageError) as exc:
            log.warning("headway: artifact %r could not be uploaded now: %s", art.name, exc)
            self._spool(art, clean_aliases, clean_tags)
            return None
        return ArtifactVersion(backend, version, self._cache_dir)

    def _spool(self, art: Artifact, aliases: Sequence[str], tags: Sequence[str]) -> None:
        spool_dir: Path | None = getattr(self, "spool_dir", None)
        if self.mode == "disabled" or spool_dir is None:
            return
        try:
            folder = spool_artifact(spool_dir, art, aliases=aliases, tags=tags)
        except OSError as exc:
            log.warning("headway: artifact %r could not be kept for later: %s", art.name, exc)
            return
        log.warning(
            "headway: artifact %r is kept in %s; `headway sync` uploads it with the run",
            art.name,
            folder,
        )

    def use_artifact(self, ref: str | ArtifactVersion, type: str | None = None) -> ArtifactVersion:
        """Record that this run uses a version (``"name:v3"``, ``"name:latest"``,
        ``"name:<alias>"``, optionally ``"project/..."``) and return it."""
        selector: int | str
        if isinstance(ref, ArtifactVersion):
            project, name, selector = ref.project, ref.name, ref.version
        else:
            sel = names.parse_selector(ref, default_project=self.project)
            project, name, selector = sel.project or self.project, sel.name, sel.version
        backend = self._backend_for_artifacts()
        if backend is None:
            raise Unavailable(f"cannot use artifact {ref!r}: the store is not reachable")
        used = backend.artifacts.use(self.id, project, name, selector)
        if type is not None and used.type != type:
            raise InvalidArgument(f"{used.qualified_name} has type {used.type!r}, not {type!r}")
        return ArtifactVersion(backend, used, self._cache_dir)

    def alert(self, title: str, text: str = "", level: str = "warning") -> Alert | None:
        """Raise an alert from training code: it opens in the project's alerts inbox and
        goes to the project's alert channels (docs/alerts.md).

        ``level`` is ``info``, ``warning`` (``warn``) or ``critical`` (``error``), W&B's
        names included. Raising the same title again while its alert is open only updates
        the text. Never raises for a store or network failure (the training goes on);
        returns None then, or for a disabled run.
        """
        severity = _LEVELS.get(str(level).lower())
        if severity is None:
            raise InvalidArgument(f"unknown alert level {level!r}: use info, warning or critical")
        backend = self._backend_for_artifacts()
        if backend is None:
            return None
        try:
            return backend.alerts.raise_alert(
                self.project, title=title, text=text, severity=severity, run_id=self.id
            )
        except (InvalidArgument, NotFound):
            raise
        except Exception as exc:
            log.warning("headway: alert %r was not raised: %s", title, exc)
            return None

    def link_model(
        self,
        artifact_or_path: ArtifactVersion | Artifact | str | os.PathLike[str],
        registered_name: str,
        aliases: Sequence[str] = (),
        description: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion | None:
        """Register a model artifact version as a new version of ``registered_name``
        (logging it first if given an ``Artifact`` or a path)."""
        if isinstance(artifact_or_path, ArtifactVersion):
            version: ArtifactVersion | None = artifact_or_path
        else:
            if isinstance(artifact_or_path, Artifact) and artifact_or_path.type != "model":
                raise InvalidArgument(
                    f"link_model needs an artifact of type 'model', not {artifact_or_path.type!r}"
                )
            name = None if isinstance(artifact_or_path, Artifact) else registered_name
            version = self.log_artifact(
                artifact_or_path,
                name=name,
                type=None if isinstance(artifact_or_path, Artifact) else "model",
            )
        if version is None:
            return None
        backend = self._backend_for_artifacts()
        if backend is None:
            return None
        try:
            return backend.registry.link(
                registered_name,
                project=version.project,
                artifact=version.name,
                selector=version.version,
                run_id=self.id,
                aliases=list(aliases),
                description=description,
                tags=dict(tags or {}),
            )
        except (Unavailable, StorageError) as exc:
            log.warning("headway: model %r was not linked: %s", registered_name, exc)
            return None
