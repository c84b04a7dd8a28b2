"""Artifacts and registry in-process: the domain services, with the configured user."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from headway.artifacts.gc import collect_garbage
from headway.artifacts.service import ArtifactService
from headway.backend.artifacts import BaseArtifacts, BaseRegistry, Progress
from headway.entities.artifacts import (
    ArtifactCommit,
    ArtifactEvent,
    ArtifactPatch,
    ArtifactSummary,
    ArtifactVersion,
    ComparedVersion,
    Direction,
    GcReport,
    LineageGraph,
    ManifestEntry,
    UploadPlan,
    VersionDiff,
)
from headway.entities.registry import (
    Automation,
    Delivery,
    ModelVersion,
    RegisteredModel,
    RegistryEvent,
)
from headway.errors import InvalidArgument
from headway.registry.service import RegistryService
from headway.store.blobstore.local import LocalBlobStore


class LocalArtifacts(BaseArtifacts):
    def __init__(self, service: ArtifactService, user: str) -> None:
        self.service = service
        self.user = user
        self.remote_blobs = not isinstance(service.blobs, LocalBlobStore)

    def with_user(self, user: str) -> LocalArtifacts:
        return LocalArtifacts(self.service, user)

    def begin_upload(self, project: str, blobs: Sequence[tuple[str, int]]) -> UploadPlan:
        return self.service.begin_upload(project, blobs, direct=True)

    def begin_remote_upload(self, project: str, blobs: Sequence[tuple[str, int]]) -> UploadPlan:
        return self.service.begin_upload(project, blobs, direct=False)

    def put_part(
        self, session_id: str, digest: str, upload_id: str, number: int, data: bytes
    ) -> str:
        return self.service.put_part(session_id, digest, upload_id, number, [data])

    def complete_blob(self, session_id: str, digest: str, parts: dict[int, str]) -> None:
        self.service.complete_blob(session_id, digest, parts)

    def abort_blob(self, session_id: str, digest: str) -> None:
        self.service.abort_blob(session_id, digest)

    def upload(
        self,
        plan: UploadPlan,
        files: Mapping[str, Path],
        *,
        workers: int = 8,
        progress: Progress | None = None,
    ) -> None:
        def one(digest: str) -> None:
            self.service.put_blob_file(plan.session_id, digest, files[digest])
            if progress is not None:
                progress(Path(files[digest]).stat().st_size)

        digests = [t.digest for t in plan.missing]
        if len(digests) == 1:
            one(digests[0])
            return
        with ThreadPoolExecutor(max(1, min(workers, len(digests) or 1))) as pool:
            list(pool.map(one, digests))

    def commit(
        self, session_id: str | None, commit: ArtifactCommit
    ) -> tuple[ArtifactVersion, bool]:
        return self.service.commit(session_id, commit, actor=self.user)

    def get_version(
        self, project: str, name: str, selector: int | str, *, include_deleted: bool = False
    ) -> ArtifactVersion:
        return self.service.get_version(project, name, selector, include_deleted=include_deleted)

    def list_artifacts(self, project: str, type: str | None = None) -> list[ArtifactSummary]:
        return self.service.list_artifacts(project, type)

    def list_versions(
        self, project: str, name: str, *, include_deleted: bool = False
    ) -> list[ArtifactVersion]:
        return self.service.list_versions(project, name, include_deleted=include_deleted)

    def files(
        self,
        project: str,
        name: str,
        version: int,
        *,
        prefix: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ManifestEntry]:
        return self.service.files(project, name, version, prefix=prefix, limit=limit, offset=offset)

    def events(self, project: str, name: str) -> list[ArtifactEvent]:
        return self.service.events(project, name)

    def update(
        self, project: str, name: str, version: int, patch: ArtifactPatch
    ) -> ArtifactVersion:
        return self.service.update(project, name, version, patch, actor=self.user)

    def delete(self, project: str, name: str, version: int) -> ArtifactVersion:
        return self.service.delete(project, name, version, actor=self.user)

    def restore(self, project: str, name: str, version: int) -> ArtifactVersion:
        return self.service.restore(project, name, version, actor=self.user)

    def use(self, run_id: str, project: str, name: str, selector: int | str) -> ArtifactVersion:
        return self.service.use(run_id, project, name, selector)

    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersion]]:
        return self.service.run_artifacts(run_id)

    def lineage(
        self,
        *,
        project: str | None = None,
        name: str | None = None,
        version: int | None = None,
        run_id: str | None = None,
        direction: Direction = Direction.BOTH,
        depth: int = 2,
    ) -> LineageGraph:
        return self.service.lineage(
            project=project,
            name=name,
            version=version,
            run_id=run_id,
            direction=direction,
            depth=depth,
        )

    def diff(
        self, project: str, name: str, old: int, new: int, *, new_name: str | None = None
    ) -> VersionDiff:
        return self.service.diff(project, name, old, new, new_name=new_name)

    def fetch_blob(self, digest: str, dest: Path) -> None:
        self.service.blobs.get_file(digest, dest)

    def iter_blob(self, digest: str) -> Iterator[bytes]:
        return self.service.blob_chunks(digest)

    def blob_url(self, digest: str) -> str | None:
        return self.service.blob_url(digest)

    def gc(
        self, *, grace_seconds: float = 3600, deleted_retention_seconds: float = 0, dry_run: bool
    ) -> GcReport:
        if grace_seconds < 0 or deleted_retention_seconds < 0:
            raise InvalidArgument("gc grace and retention must not be negative")
        return collect_garbage(
            self.service.store,
            self.service.blobs,
            grace=timedelta(seconds=grace_seconds),
            deleted_retention=timedelta(seconds=deleted_retention_seconds),
            dry_run=dry_run,
        )


class LocalRegistry(BaseRegistry):
    def __init__(self, service: RegistryService, user: str) -> None:
        self.service = service
        self.user = user

    def with_user(self, user: str) -> LocalRegistry:
        return LocalRegistry(self.service, user)

    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        tags: dict[str, str] | None = None,
        exist_ok: bool = False,
    ) -> RegisteredModel:
        return self.service.create_model(
            name, description=description, tags=tags, actor=self.user, exist_ok=exist_ok
        )

    def get_model(self, name: str) -> RegisteredModel:
        return self.service.get_model(name)

    def list_models(self, query: str | None = None) -> list[RegisteredModel]:
        return self.service.list_models(query)

    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> RegisteredModel:
        return self.service.update_model(
            name,
            description=description,
            set_tags=set_tags,
            remove_tags=remove_tags,
            actor=self.user,
        )

    def rename_model(self, name: str, new_name: str) -> RegisteredModel:
        return self.service.rename_model(name, new_name, actor=self.user)

    def delete_model(self, name: str, *, role: str | None = None) -> None:
        self.service.delete_model(name, role=role)

    def link(
        self,
        name: str,
        *,
        project: str,
        artifact: str,
        selector: int | str,
        run_id: str | None = None,
        aliases: Sequence[str] = (),
        description: str = "",
        tags: dict[str, str] | None = None,
        role: str | None = None,
    ) -> ModelVersion:
        return self.service.link(
            name,
            project=project,
            artifact=artifact,
            selector=selector,
            run_id=run_id,
            aliases=aliases,
            description=description,
            tags=tags,
            actor=self.user,
            role=role,
        )

    def get_version(self, name: str, selector: int | str) -> ModelVersion:
        return self.service.get_version(name, selector)

    def list_versions(self, name: str) -> list[ModelVersion]:
        return self.service.list_versions(name)

    def update_version(
        self,
        name: str,
        version: int,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> ModelVersion:
        return self.service.update_version(
            name,
            version,
            description=description,
            set_tags=set_tags,
            remove_tags=remove_tags,
            actor=self.user,
        )

    def delete_version(self, name: str, version: int, *, role: str | None = None) -> None:
        self.service.delete_version(name, version, actor=self.user, role=role)

    def set_alias(
        self, name: str, alias: str, version: int, *, role: str | None = None
    ) -> ModelVersion:
        return self.service.set_alias(name, alias, version, actor=self.user, role=role)

    def rollback(self, name: str, alias: str, *, role: str | None = None) -> ModelVersion:
        return self.service.rollback(name, alias, actor=self.user, role=role)

    def remove_alias(self, name: str, alias: str, *, role: str | None = None) -> None:
        self.service.remove_alias(name, alias, actor=self.user, role=role)

    def protect(self, name: str, alias: str, role: str | None) -> RegisteredModel:
        return self.service.protect(name, alias, role, actor=self.user)

    def history(
        self,
        name: str,
        *,
        alias: str | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[RegistryEvent]:
        return self.service.history(name, alias=alias, until=until, limit=limit)

    def alias_at(self, name: str, alias: str, when: datetime) -> ModelVersion | None:
        return self.service.alias_at(name, alias, when)

    def compare(
        self, *, artifacts: Sequence[str] = (), models: Sequence[str] = ()
    ) -> list[ComparedVersion]:
        return self.service.compare(artifacts=artifacts, models=models)

    def create_automation(
        self,
        *,
        model: str | None,
        name: str,
        events: Sequence[str],
        url: str,
        secret: str | None = None,
    ) -> Automation:
        return self.service.create_automation(
            model=model, name=name, events=events, url=url, secret=secret
        )

    def list_automations(self, model: str | None = None) -> list[Automation]:
        return self.service.list_automations(model)

    def set_automation_enabled(self, automation_id: int, enabled: bool) -> Automation:
        return self.service.set_automation_enabled(automation_id, enabled)

    def delete_automation(self, automation_id: int) -> None:
        self.service.delete_automation(automation_id)

    def deliveries(self, automation_id: int) -> list[Delivery]:
        return self.service.deliveries(automation_id)
