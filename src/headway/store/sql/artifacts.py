"""Artifact versions, files, aliases and audit events: rows in, frozen entities out.

Version numbers are allocated under a lock on the artifact's row (``FOR UPDATE`` on
PostgreSQL; SQLite's single writer), so concurrent commits of one name get distinct,
consecutive numbers, and a commit is one transaction: no half-written version is ever
visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from headway.entities.artifacts import (
    ArtifactCommit,
    ArtifactEvent,
    ArtifactPatch,
    ArtifactSummary,
    ArtifactVersion,
    ManifestEntry,
)
from headway.errors import AlreadyExists, Conflict, NotFound
from headway.store.sql import runs as run_rows
from headway.store.sql.engine import Database
from headway.store.sql.models import ProjectRow
from headway.store.sql.models_artifacts import (
    ArtifactAliasRow,
    ArtifactEventRow,
    ArtifactFileRow,
    ArtifactRow,
    ArtifactUsageRow,
    ArtifactVersionRow,
    UploadSessionRow,
)

utc = run_rows.utc
_FILE_BATCH = 2000


def _aware(value: datetime | None) -> datetime:
    out = utc(value)
    assert out is not None
    return out


class ArtifactRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- commit ---------------------------------------------------------------------------
    def commit(
        self,
        commit: ArtifactCommit,
        digest: str,
        *,
        session_id: str | None,
        actor: str,
        now: datetime,
    ) -> tuple[ArtifactVersion, bool]:
        """Create version N+1, or return the live version with the same digest.

        Returns (version, created). Raises Conflict if the name exists with another type.
        """

        def work(s: Session) -> tuple[ArtifactVersion, bool]:
            project = run_rows.ensure_project(s, commit.project, now)
            art = self._lock_artifact(s, project.id, commit.name)
            if art is None:
                art = ArtifactRow(
                    project_id=project.id,
                    name=commit.name,
                    type=commit.type,
                    description=commit.description,
                    created_at=now,
                    updated_at=now,
                )
                s.add(art)
                s.flush()
            elif art.type != commit.type:
                raise Conflict(
                    f"artifact {commit.name!r} in project {commit.project!r} has type "
                    f"{art.type!r}, not {commit.type!r}; use another name or the same type"
                )
            same = s.scalar(
                select(ArtifactVersionRow)
                .where(
                    ArtifactVersionRow.artifact_id == art.id,
                    ArtifactVersionRow.digest == digest,
                    ArtifactVersionRow.deleted_at.is_(None),
                )
                .order_by(ArtifactVersionRow.version)
                .limit(1)
            )
            created = same is None
            if same is None:
                number = s.scalar(
                    select(func.coalesce(func.max(ArtifactVersionRow.version), -1)).where(
                        ArtifactVersionRow.artifact_id == art.id
                    )
                )
                same = ArtifactVersionRow(
                    artifact_id=art.id,
                    version=int(number if number is not None else -1) + 1,
                    digest=digest,
                    size=sum(e.size for e in commit.entries),
                    file_count=len(commit.entries),
                    description=commit.description,
                    version_metadata=dict(commit.metadata),
                    tags=sorted(set(commit.tags)),
                    run_id=commit.run_id,
                    created_at=now,
                    created_by=actor,
                )
                s.add(same)
                s.flush()
                self._insert_files(s, same.id, commit.entries)
                self._event(s, art.id, same.version, actor, now, "created", {"digest": digest})
            elif commit.tags and set(commit.tags) - set(same.tags):
                old = list(same.tags)
                same.tags = sorted(set(same.tags) | set(commit.tags))
                self._event(
                    s, art.id, same.version, actor, now, "tags", {"old": old, "new": same.tags}
                )
            for alias in commit.aliases:
                self._set_alias(s, art, same, alias, actor, now)
            if commit.run_id is not None:
                self._use(s, commit.run_id, same.id, "output", now)
            art.updated_at = now
            if session_id is not None:
                s.execute(delete(UploadSessionRow).where(UploadSessionRow.id == session_id))
            return self._entity(s, art, same, project.name), created

        try:
            return self.db.retry_write(work)  # type: ignore[no-any-return]
        except AlreadyExists:
            # Another writer created the artifact (or project) between our read and insert;
            # now it exists, and the next attempt takes its row lock like everyone else.
            return self.db.retry_write(work)  # type: ignore[no-any-return]

    def _lock_artifact(self, s: Session, project_id: int, name: str) -> ArtifactRow | None:
        stmt = select(ArtifactRow).where(
            ArtifactRow.project_id == project_id, ArtifactRow.name == name
        )
        if self.db.dialect == "postgresql":
            stmt = stmt.with_for_update()
        return s.scalar(stmt)

    def _insert_files(self, s: Session, version_id: int, entries: Sequence[ManifestEntry]) -> None:
        rows = [
            {
                "version_id": version_id,
                "path": e.path,
                "size": e.size,
                "digest": e.digest,
                "ref": e.ref,
                "etag": e.etag,
            }
            for e in entries
        ]
        for i in range(0, len(rows), _FILE_BATCH):
            s.execute(insert(ArtifactFileRow), rows[i : i + _FILE_BATCH])

    def _set_alias(
        self,
        s: Session,
        art: ArtifactRow,
        version: ArtifactVersionRow,
        alias: str,
        actor: str,
        now: datetime,
    ) -> None:
        row = s.get(ArtifactAliasRow, (art.id, alias))
        if row is not None and row.version_id == version.id:
            return
        previous = None
        if row is None:
            s.add(ArtifactAliasRow(artifact_id=art.id, alias=alias, version_id=version.id))
        else:
            old = s.get(ArtifactVersionRow, row.version_id)
            previous = old.version if old is not None else None
            row.version_id = version.id
        self._event(
            s, art.id, version.version, actor, now, "alias_set", {"alias": alias, "from": previous}
        )

    def _event(
        self,
        s: Session,
        artifact_id: int,
        version: int | None,
        actor: str,
        now: datetime,
        action: str,
        details: dict[str, Any],
    ) -> None:
        s.add(
            ArtifactEventRow(
                artifact_id=artifact_id,
                version=version,
                at=now,
                actor=actor,
                action=action,
                details=details,
            )
        )

    def _use(self, s: Session, run_id: str, version_id: int, direction: str, now: datetime) -> None:
        run_rows.get_run_row(s, run_id)
        if s.get(ArtifactUsageRow, (run_id, version_id, direction)) is None:
            s.add(
                ArtifactUsageRow(run_id=run_id, version_id=version_id, direction=direction, at=now)
            )

    # -- reads ----------------------------------------------------------------------------
    def _find_artifact(self, s: Session, project: str, name: str) -> tuple[ProjectRow, ArtifactRow]:
        project_row = run_rows.find_project(s, project)
        art = s.scalar(
            select(ArtifactRow).where(
                ArtifactRow.project_id == project_row.id, ArtifactRow.name == name
            )
        )
        if art is None:
            raise NotFound(f"project {project!r} has no artifact named {name!r}")
        return project_row, art

    def _find_version(
        self, s: Session, art: ArtifactRow, selector: int | str, *, include_deleted: bool = False
    ) -> ArtifactVersionRow:
        live = ArtifactVersionRow.deleted_at.is_(None)
        base = select(ArtifactVersionRow).where(ArtifactVersionRow.artifact_id == art.id)
        if isinstance(selector, int):
            stmt = base.where(ArtifactVersionRow.version == selector)
            if not include_deleted:
                stmt = stmt.where(live)
            row = s.scalar(stmt)
            what = f"version v{selector}"
        elif selector == "latest":
            row = s.scalar(base.where(live).order_by(ArtifactVersionRow.version.desc()).limit(1))
            what = "live version"
        else:
            alias = s.get(ArtifactAliasRow, (art.id, selector))
            row = s.get(ArtifactVersionRow, alias.version_id) if alias is not None else None
            if row is not None and row.deleted_at is not None and not include_deleted:
                row = None
            what = f"alias {selector!r}"
        if row is None:
            raise NotFound(f"artifact {art.name!r} has no {what}")
        return row

    def get_version(
        self, project: str, name: str, selector: int | str, *, include_deleted: bool = False
    ) -> ArtifactVersion:
        with self.db.read() as s:
            project_row, art = self._find_artifact(s, project, name)
            row = self._find_version(s, art, selector, include_deleted=include_deleted)
            return self._entity(s, art, row, project_row.name)

    def version_id(self, project: str, name: str, version: int) -> int:
        with self.db.read() as s:
            _project, art = self._find_artifact(s, project, name)
            return self._find_version(s, art, version, include_deleted=True).id

    def versions_by_ids(self, ids: Sequence[int]) -> dict[int, ArtifactVersion]:
        if not ids:
            return {}
        with self.db.read() as s:
            rows = list(s.scalars(select(ArtifactVersionRow).where(ArtifactVersionRow.id.in_(ids))))
            arts = {
                a.id: a
                for a in s.scalars(
                    select(ArtifactRow).where(ArtifactRow.id.in_({r.artifact_id for r in rows}))
                )
            }
            projects = {
                p.id: p.name
                for p in s.scalars(
                    select(ProjectRow).where(
                        ProjectRow.id.in_({a.project_id for a in arts.values()})
                    )
                )
            }
            return {
                r.id: self._entity(
                    s, arts[r.artifact_id], r, projects[arts[r.artifact_id].project_id]
                )
                for r in rows
            }

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
        with self.db.read() as s:
            _project, art = self._find_artifact(s, project, name)
            row = self._find_version(s, art, version, include_deleted=True)
            stmt = (
                select(ArtifactFileRow)
                .where(ArtifactFileRow.version_id == row.id)
                .order_by(ArtifactFileRow.path)
            )
            if prefix:
                stmt = stmt.where(ArtifactFileRow.path.startswith(prefix, autoescape=True))
            if offset:
                stmt = stmt.offset(offset)
            if limit is not None:
                stmt = stmt.limit(limit)
            return [
                ManifestEntry(f.path, int(f.size), f.digest, f.ref, f.etag) for f in s.scalars(stmt)
            ]

    def list_artifacts(self, project: str, type: str | None = None) -> list[ArtifactSummary]:
        with self.db.read() as s:
            project_row = run_rows.find_project(s, project)
            stmt = select(ArtifactRow).where(ArtifactRow.project_id == project_row.id)
            if type is not None:
                stmt = stmt.where(ArtifactRow.type == type)
            arts = list(s.scalars(stmt.order_by(ArtifactRow.updated_at.desc())))
            ids = [a.id for a in arts]
            stats = {
                aid: (int(count), latest)
                for aid, count, latest in s.execute(
                    select(
                        ArtifactVersionRow.artifact_id,
                        func.count(),
                        func.max(ArtifactVersionRow.version),
                    )
                    .where(
                        ArtifactVersionRow.artifact_id.in_(ids),
                        ArtifactVersionRow.deleted_at.is_(None),
                    )
                    .group_by(ArtifactVersionRow.artifact_id)
                )
            }
            aliases: dict[int, dict[str, int]] = {}
            for aid, alias, number in s.execute(
                select(
                    ArtifactAliasRow.artifact_id, ArtifactAliasRow.alias, ArtifactVersionRow.version
                )
                .join(ArtifactVersionRow, ArtifactVersionRow.id == ArtifactAliasRow.version_id)
                .where(
                    ArtifactAliasRow.artifact_id.in_(ids), ArtifactVersionRow.deleted_at.is_(None)
                )
            ):
                aliases.setdefault(aid, {})[alias] = int(number)
            return [
                ArtifactSummary(
                    project=project,
                    name=a.name,
                    type=a.type,
                    description=a.description,
                    version_count=stats.get(a.id, (0, None))[0],
                    latest_version=stats.get(a.id, (0, None))[1],
                    created_at=_aware(a.created_at),
                    updated_at=_aware(a.updated_at),
                    aliases=aliases.get(a.id, {}),
                )
                for a in arts
            ]

    def list_versions(
        self, project: str, name: str, *, include_deleted: bool = False
    ) -> list[ArtifactVersion]:
        with self.db.read() as s:
            project_row, art = self._find_artifact(s, project, name)
            stmt = select(ArtifactVersionRow).where(ArtifactVersionRow.artifact_id == art.id)
            if not include_deleted:
                stmt = stmt.where(ArtifactVersionRow.deleted_at.is_(None))
            rows = list(s.scalars(stmt.order_by(ArtifactVersionRow.version.desc())))
            return self._entities(s, art, rows, project_row.name)

    def events(self, project: str, name: str) -> list[ArtifactEvent]:
        with self.db.read() as s:
            _project, art = self._find_artifact(s, project, name)
            rows = s.scalars(
                select(ArtifactEventRow)
                .where(ArtifactEventRow.artifact_id == art.id)
                .order_by(ArtifactEventRow.id)
            )
            return [
                ArtifactEvent(_aware(r.at), r.actor, r.action, r.version, dict(r.details or {}))
                for r in rows
            ]

    # -- edits ----------------------------------------------------------------------------
    def update(
        self,
        project: str,
        name: str,
        version: int,
        patch: ArtifactPatch,
        *,
        actor: str,
        now: datetime,
    ) -> ArtifactVersion:
        def work(s: Session) -> ArtifactVersion:
            project_row, art = self._find_artifact(s, project, name)
            row = self._find_version(s, art, version)
            if patch.description is not None and patch.description != row.description:
                self._event(
                    s,
                    art.id,
                    row.version,
                    actor,
                    now,
                    "description",
                    {"old": row.description, "new": patch.description},
                )
                row.description = patch.description
            if patch.metadata is not None and patch.metadata != row.version_metadata:
                self._event(
                    s,
                    art.id,
                    row.version,
                    actor,
                    now,
                    "metadata",
                    {"old": row.version_metadata, "new": patch.metadata},
                )
                row.version_metadata = dict(patch.metadata)
            if patch.tags is not None and sorted(set(patch.tags)) != list(row.tags):
                new = sorted(set(patch.tags))
                self._event(
                    s, art.id, row.version, actor, now, "tags", {"old": row.tags, "new": new}
                )
                row.tags = new
            for alias in patch.add_aliases:
                self._set_alias(s, art, row, alias, actor, now)
            for alias in patch.remove_aliases:
                existing = s.get(ArtifactAliasRow, (art.id, alias))
                if existing is None or existing.version_id != row.id:
                    raise NotFound(f"{name}:v{version} has no alias {alias!r}")
                s.delete(existing)
                self._event(s, art.id, row.version, actor, now, "alias_removed", {"alias": alias})
            art.updated_at = now
            s.flush()
            return self._entity(s, art, row, project_row.name)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def set_deleted(
        self, project: str, name: str, version: int, deleted: bool, *, actor: str, now: datetime
    ) -> ArtifactVersion:
        def work(s: Session) -> ArtifactVersion:
            project_row, art = self._find_artifact(s, project, name)
            row = self._find_version(s, art, version, include_deleted=True)
            if deleted and row.deleted_at is None:
                row.deleted_at = now
                self._event(s, art.id, row.version, actor, now, "deleted", {})
            elif not deleted and row.deleted_at is not None:
                if row.purged_at is not None:
                    raise Conflict(
                        f"{name}:v{version} was deleted and its files reclaimed by gc; "
                        "it cannot be restored"
                    )
                row.deleted_at = None
                self._event(s, art.id, row.version, actor, now, "restored", {})
            art.updated_at = now
            return self._entity(s, art, row, project_row.name)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def use(self, run_id: str, version_id: int, now: datetime) -> None:
        self.db.retry_write(lambda s: self._use(s, run_id, version_id, "input", now))

    # -- entities ---------------------------------------------------------------------------
    def _entity(
        self, s: Session, art: ArtifactRow, row: ArtifactVersionRow, project: str
    ) -> ArtifactVersion:
        return self._entities(s, art, [row], project)[0]

    def _entities(
        self, s: Session, art: ArtifactRow, rows: Sequence[ArtifactVersionRow], project: str
    ) -> list[ArtifactVersion]:
        aliases: dict[int, list[str]] = {}
        for alias, vid in s.execute(
            select(ArtifactAliasRow.alias, ArtifactAliasRow.version_id).where(
                ArtifactAliasRow.artifact_id == art.id
            )
        ):
            aliases.setdefault(vid, []).append(alias)
        latest = s.scalar(
            select(func.max(ArtifactVersionRow.version)).where(
                ArtifactVersionRow.artifact_id == art.id, ArtifactVersionRow.deleted_at.is_(None)
            )
        )
        out = []
        for r in rows:
            names = sorted(aliases.get(r.id, []))
            if latest is not None and r.version == latest:
                names = ["latest", *names]
            out.append(
                ArtifactVersion(
                    project=project,
                    name=art.name,
                    type=art.type,
                    version=r.version,
                    digest=r.digest,
                    size=int(r.size),
                    file_count=int(r.file_count),
                    created_at=_aware(r.created_at),
                    created_by=r.created_by,
                    description=r.description,
                    metadata=dict(r.version_metadata or {}),
                    tags=tuple(r.tags or ()),
                    aliases=tuple(names),
                    run_id=r.run_id,
                    deleted_at=utc(r.deleted_at),
                )
            )
        return out
