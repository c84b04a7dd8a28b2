"""Logged models and the model registry of an MLflow import (``importers/mlflow.py``
imports the runs and calls these).

A logged model becomes a version of the artifact named like it (type ``model``, metadata
``mlflow_model_id``), an output of its source run; a registered model version links the
artifact version holding its files and keeps MLflow's source in the tag
``headway.mlflow.source`` (and the logged model in ``headway.mlflow.model_id``), which is
how a second import knows it is there. The names are the ones Headway's MLflow API uses
(``server/mlflow/``), so both make the same objects.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from headway.artifacts.names import ALIAS, ARTIFACT_NAME
from headway.backend.base import BaseBackend
from headway.entities.artifacts import ArtifactVersion
from headway.entities.registry import ModelVersion
from headway.errors import (
    HeadwayError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    StorageError,
    Unavailable,
)
from headway.importers.common import ImportOptions, ImportReport, ProgressHook, require

if TYPE_CHECKING:
    from headway.importers.mlflow import MlflowImporter

EXTRA = "import-mlflow"
MODEL_TYPE = "model"
SOURCE_TAG = "headway.mlflow.source"
MODEL_ID_TAG = "headway.mlflow.model_id"
#: Deprecated registry stages, kept as the alias of the same name (as the MLflow API does).
_STAGES = ("Staging", "Production", "Archived")
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
#: Errors of the target or the installation: the import stops (as the driver does).
_FATAL = (StorageError, Unavailable, PermissionDenied)


def mlflow_module(module: str) -> ModuleType:
    """A module of the mlflow package, or MissingDependency naming the extra."""
    return require(module, EXTRA, why="Importing from MLflow")


def artifact_name(name: str) -> str:
    """The Headway artifact holding a logged model's files: its name when valid."""
    return name if ARTIFACT_NAME.match(name) else "model"


def commit_folder(
    backend: BaseBackend,
    project: str,
    root: Path,
    *,
    name: str,
    type: str,
    run_id: str | None,
    metadata: dict[str, Any] | None = None,
) -> tuple[ArtifactVersion | None, int]:
    """Commit the files at ``root`` (a folder or one file) as a version of ``name``;
    identical content returns the existing version. (None, 0) when there are none."""
    from headway.sdk.artifacts.builder import Artifact
    from headway.sdk.artifacts.logger import log_artifact

    artifact = Artifact(name, type, metadata=metadata)
    if root.is_file():
        artifact.add_file(root)
    elif any(p.is_file() for p in root.rglob("*")):
        artifact.add_dir(root)
    else:
        return None, 0
    backend.ensure_project(project)
    version, _created = log_artifact(backend, project, artifact, run_id=run_id)
    return version, len(artifact.staged())


@dataclass
class _Note:
    """What happened to one logged model: its version and a report line, or why it was
    skipped."""

    line: str = ""
    skipped: tuple[str, str] | None = None
    version: ArtifactVersion | None = None


class ModelImport:
    """Logged models without an imported run, and the model registry."""

    def __init__(
        self,
        importer: MlflowImporter,
        backend: BaseBackend,
        options: ImportOptions,
        report: ImportReport,
        progress: ProgressHook | None,
    ) -> None:
        self.importer = importer
        self.client = importer.client
        self.backend = backend
        self.options = options
        self.report = report
        self.progress = progress or (lambda n, label: None)
        self.run_exists: dict[str, bool] = {}

    # -- logged models ----------------------------------------------------------------------
    def other_models(self) -> None:
        """Logged models no imported run brought (no source run, or a deleted one)."""
        lines: list[str] = []
        for lm in self.importer.unowned_models:
            self.progress(1, f"model {lm.name}")
            project = self.importer.project_of(lm.experiment_id, self.options)
            try:
                note = import_logged_model(
                    self.importer, self.backend, project, lm, self._headway_run(lm.source_run_id)
                )
            except (HeadwayError, OSError, _mlflow_error()) as exc:
                if isinstance(exc, _FATAL):
                    raise
                self.report.errors.append(f"logged model {lm.model_id}: {_message(exc)}")
                continue
            if note.skipped:
                self.report.skipped[note.skipped] += 1
            else:
                lines.append(f"  {note.line}")
        if lines:
            self.report.sections.append(
                f"{len(lines)} logged model{'s' if len(lines) != 1 else ''} without an "
                "imported run:"
            )
            self.report.sections.extend(lines)

    def _headway_run(self, run_id: str | None) -> str | None:
        """``run_id`` when that run is in Headway (so lineage can name it), else None."""
        if not run_id:
            return None
        if run_id not in self.run_exists:
            try:
                self.backend.get_run(run_id)
                self.run_exists[run_id] = True
            except (NotFound, InvalidArgument):
                self.run_exists[run_id] = False
        return run_id if self.run_exists[run_id] else None

    # -- the registry ------------------------------------------------------------------------
    def registry(self) -> None:
        counts: Counter[str] = Counter()
        for rm, versions in self.importer.registered:
            try:
                self._model(rm, versions, counts)
            except (HeadwayError, OSError, _mlflow_error()) as exc:
                if isinstance(exc, _FATAL):
                    raise
                self.report.errors.append(f"registered model {rm.name}: {_message(exc)}")
        if self.importer.registered:
            c = counts
            linked = f"versions: {c['linked']} linked, {c['already linked']} already linked"
            if c["same files"]:
                linked += f", {c['same files']} with the files of another"
            self.report.sections.append(
                f"registered models: {c['created']} created, {c['existing']} already there; "
                f"{linked}; aliases: {c['set']} set, {c['unchanged']} unchanged"
            )

    def _model(self, rm: Any, versions: list[Any], counts: Counter[str]) -> None:
        registry = self.backend.registry
        name = rm.name
        if not _MODEL_NAME.match(name):
            self.report.skipped[
                ("registered model", "its name is not valid in Headway (letters, digits, . _ -)")
            ] += 1
            self.progress(len(versions), name)
            return
        try:
            registry.get_model(name)
            counts["existing"] += 1
        except NotFound:
            registry.create_model(name, description=rm.description or "", tags=dict(rm.tags or {}))
            counts["created"] += 1
        by_source = {
            mv.tags[SOURCE_TAG]: mv.version
            for mv in registry.list_versions(name)
            if SOURCE_TAG in mv.tags
        }
        numbers: dict[int, int] = {}  # MLflow version -> Headway version
        for mv in versions:
            self.progress(1, f"{name} v{mv.version}")
            if mv.source in by_source:
                numbers[int(mv.version)] = by_source[mv.source]
                counts["already linked"] += 1
                continue
            if str(mv.status).upper() != "READY":
                self.report.skipped[("model version", "not READY in MLflow")] += 1
                continue
            try:
                linked = self._link(name, mv)
            except (HeadwayError, OSError, _mlflow_error()) as exc:
                if isinstance(exc, _FATAL):
                    raise
                self.report.errors.append(f"{name} version {mv.version}: {_message(exc)}")
                continue
            by_source[mv.source] = numbers[int(mv.version)] = linked.version
            # Identical files are one Headway version, as through the MLflow API.
            counts["linked" if linked.tags.get(SOURCE_TAG) == mv.source else "same files"] += 1
        self._aliases(rm, versions, numbers, counts)

    def _link(self, name: str, mv: Any) -> ModelVersion:
        model_id = getattr(mv, "model_id", None) or _model_id_of(mv.source)
        run_id = self._headway_run(mv.run_id)
        tags = {k: val for k, val in (mv.tags or {}).items() if k not in (SOURCE_TAG, MODEL_ID_TAG)}
        tags[SOURCE_TAG] = mv.source
        if model_id:
            lm = self.client.get_logged_model(model_id)
            project = self.importer.project_of(lm.experiment_id, self.options)
            note = import_logged_model(
                self.importer, self.backend, project, lm, self._headway_run(lm.source_run_id)
            )
            if note.version is None:
                why = note.skipped[1] if note.skipped else "not imported"
                raise InvalidArgument(f"logged model {model_id}: {why}")
            version = note.version
            tags[MODEL_ID_TAG] = model_id
            run_id = run_id or self._headway_run(lm.source_run_id)
        else:
            version = self._snapshot(name, mv)
        return self.backend.registry.link(
            name,
            project=version.project,
            artifact=version.name,
            selector=version.version,
            run_id=run_id,
            description=mv.description or "",
            tags=tags,
        )

    def _snapshot(self, name: str, mv: Any) -> ArtifactVersion:
        """The files of a version whose source is not a logged model (``runs:/<run>/<path>``,
        an artifact URI) as a ``model`` artifact version, named after the path's last part."""
        source_run = None
        if mv.source.startswith("runs:/"):
            source_run, _, sub = mv.source[len("runs:/") :].partition("/")
            label = sub
        else:
            label = urllib.parse.urlsplit(mv.source).path
        run_id = source_run or mv.run_id
        project = self.options.project or self.importer.default_project
        if run_id:
            with contextlib.suppress(_mlflow_error()):  # a deleted run: the default project
                experiment_id = self.client.get_run(run_id).info.experiment_id
                project = self.importer.project_of(experiment_id, self.options)
        artifacts = mlflow_module("mlflow.artifacts")
        with tempfile.TemporaryDirectory(prefix="headway-mlflow-") as tmp:
            if source_run is not None:
                root = self.client.download_artifacts(source_run, label, tmp)
            else:
                root = artifacts.download_artifacts(
                    artifact_uri=f"models:/{name}/{mv.version}",
                    dst_path=tmp,
                    tracking_uri=self.importer.uri,
                    registry_uri=self.importer.uri,
                )
            version, _count = commit_folder(
                self.backend,
                project,
                Path(root),
                name=artifact_name(label.rstrip("/").rsplit("/", 1)[-1] or "model"),
                type=MODEL_TYPE,
                run_id=self._headway_run(run_id),
            )
        if version is None:
            raise InvalidArgument(f"no files found at {mv.source} to register")
        return version

    def _aliases(
        self, rm: Any, versions: list[Any], numbers: dict[int, int], counts: Counter[str]
    ) -> None:
        wanted = {alias: int(number) for alias, number in (rm.aliases or {}).items()}
        for stage in _STAGES:  # the deprecated stages, as aliases unless one is set
            staged = [int(mv.version) for mv in versions if mv.current_stage == stage]
            if staged:
                wanted.setdefault(stage.lower(), max(staged))
        current = self.backend.registry.get_model(rm.name).aliases
        for alias, number in sorted(wanted.items()):
            target = numbers.get(number)
            if target is None:
                self.report.skipped[("alias", "its version was not imported")] += 1
            elif not ALIAS.match(alias):
                self.report.skipped[("alias", "its name is not valid in Headway")] += 1
            elif current.get(alias) == target:
                counts["unchanged"] += 1
            else:
                try:
                    self.backend.registry.set_alias(rm.name, alias, target)
                except (InvalidArgument, PermissionDenied) as exc:
                    self.report.skipped[("alias", exc.message)] += 1
                    continue
                counts["set"] += 1


def import_logged_model(
    importer: MlflowImporter,
    backend: BaseBackend,
    project: str,
    lm: Any,
    run_id: str | None,
) -> _Note:
    """Import a logged model's files as a version of the artifact named like it (or
    find the version an earlier import made, by its ``mlflow_model_id``)."""
    status = str(getattr(lm.status, "name", lm.status)).upper()
    if not status.endswith("READY"):
        return _Note(skipped=("logged model", "not ready in MLflow (its upload did not end)"))
    name = artifact_name(lm.name)
    found = _model_version(backend, project, name, lm.model_id)
    label = f"logged model {lm.name} ({lm.model_id})"
    if found is not None:
        return _Note(
            f"{label} -> {found.project}/{found.qualified_name} (already there)", None, found
        )
    artifacts = mlflow_module("mlflow.artifacts")
    with tempfile.TemporaryDirectory(prefix="headway-mlflow-") as tmp:
        root = artifacts.download_artifacts(
            artifact_uri=lm.artifact_location,
            dst_path=tmp,
            tracking_uri=importer.uri,
            registry_uri=importer.uri,
        )
        version, count = commit_folder(
            backend,
            project,
            Path(root),
            name=name,
            type=MODEL_TYPE,
            run_id=run_id,
            metadata={"mlflow_model_id": lm.model_id, "flavor_source": "mlflow"},
        )
    if version is None:
        return _Note(skipped=("logged model", "it has no files"))
    line = f"{label} -> {version.project}/{version.qualified_name} ({count:,} files)"
    return _Note(line, None, version)


def _model_version(
    backend: BaseBackend, project: str, name: str, model_id: str
) -> ArtifactVersion | None:
    try:
        versions = backend.artifacts.list_versions(project, name)
    except (NotFound, InvalidArgument):
        return None
    return next((av for av in versions if av.metadata.get("mlflow_model_id") == model_id), None)


def _model_id_of(source: str) -> str | None:
    """The logged model id of a ``models:/<model id>`` source (not ``models:/NAME/3``)."""
    if source.startswith("models:/") and "@" not in source and source.count("/") == 1:
        return source[len("models:/") :] or None
    return None


def _mlflow_error() -> type[Exception]:
    exceptions = mlflow_module("mlflow.exceptions")
    error: type[Exception] = exceptions.MlflowException
    return error


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc or repr(exc)).splitlines()[0]
