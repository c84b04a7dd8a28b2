"""The model registry's rows: models, versions, aliases, the event history, automations.

Every change writes a ``registry_events`` row in the same transaction, and, for each
automation listening to that action, a ``delivery_jobs`` row (an outbox): an event is
never recorded without its deliveries being queued, nor delivered without being recorded.
Deleting a version keeps its events; deleting a model deletes it with its history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from headway.entities.registry import (
    Automation,
    Delivery,
    ModelVersion,
    RegisteredModel,
    RegistryEvent,
)
from headway.errors import AlreadyExists, NotFound
from headway.store.sql import runs as run_rows
from headway.store.sql.engine import Database
from headway.store.sql.models import ProjectRow
from headway.store.sql.models_artifacts import ArtifactRow, ArtifactVersionRow
from headway.store.sql.models_registry import (
    AutomationRow,
    DeliveryJobRow,
    DeliveryRow,
    ModelAliasRow,
    ModelVersionRow,
    ProtectedAliasRow,
    RegisteredModelRow,
    RegistryEventRow,
)

utc = run_rows.utc
#: Checks that the caller may move a protected alias: (alias, required role) -> raises.
RoleCheck = Callable[[str, str], None]


def _aware(value: datetime | None) -> datetime:
    out = utc(value)
    assert out is not None
    return out


class RegistryRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- helpers --------------------------------------------------------------------------
    def _model(self, s: Session, name: str, *, lock: bool = False) -> RegisteredModelRow:
        stmt = select(RegisteredModelRow).where(RegisteredModelRow.name == name)
        if lock and self.db.dialect == "postgresql":
            stmt = stmt.with_for_update()
        row = s.scalar(stmt)
        if row is None:
            raise NotFound(f"no registered model named {name!r}")
        return row

    def _version(
        self, s: Session, model: RegisteredModelRow, selector: int | str
    ) -> ModelVersionRow:
        if isinstance(selector, int):
            row = s.scalar(
                select(ModelVersionRow).where(
                    ModelVersionRow.model_id == model.id, ModelVersionRow.version == selector
                )
            )
            what = f"version {selector}"
        elif selector == "latest":
            row = s.scalar(
                select(ModelVersionRow)
                .where(ModelVersionRow.model_id == model.id)
                .order_by(ModelVersionRow.version.desc())
                .limit(1)
            )
            what = "version yet"
        else:
            alias = s.get(ModelAliasRow, (model.id, selector))
            row = s.get(ModelVersionRow, alias.version_id) if alias is not None else None
            what = f"alias {selector!r}"
        if row is None:
            raise NotFound(f"registered model {model.name!r} has no {what}")
        return row

    def _event(
        self,
        s: Session,
        model: RegisteredModelRow,
        action: str,
        actor: str,
        now: datetime,
        *,
        version: int | None = None,
        alias: str | None = None,
        previous: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        event = RegistryEventRow(
            model_id=model.id,
            at=now,
            actor=actor,
            action=action,
            version=version,
            alias=alias,
            previous_version=previous,
            details=details or {},
        )
        s.add(event)
        s.flush()
        listeners = s.scalars(
            select(AutomationRow).where(
                or_(AutomationRow.model_id == model.id, AutomationRow.model_id.is_(None)),
                AutomationRow.enabled == 1,
            )
        )
        for automation in listeners:
            if action in automation.events:
                s.add(
                    DeliveryJobRow(
                        automation_id=automation.id,
                        event_id=event.id,
                        state="pending",
                        attempts=0,
                        next_at=now,
                    )
                )
        model.updated_at = now

    # -- models ---------------------------------------------------------------------------
    def create_model(
        self,
        name: str,
        description: str,
        tags: dict[str, str],
        *,
        actor: str,
        now: datetime,
        exist_ok: bool,
    ) -> RegisteredModel:
        def work(s: Session) -> RegisteredModel:
            existing = s.scalar(select(RegisteredModelRow).where(RegisteredModelRow.name == name))
            if existing is not None:
                if not exist_ok:
                    raise AlreadyExists(f"a registered model named {name!r} already exists")
                return self._model_entity(s, existing)
            row = RegisteredModelRow(
                name=name, description=description, tags=tags, created_at=now, updated_at=now
            )
            s.add(row)
            s.flush()
            self._event(s, row, "model_created", actor, now, details={"description": description})
            return self._model_entity(s, row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def get_model(self, name: str) -> RegisteredModel:
        with self.db.read() as s:
            return self._model_entity(s, self._model(s, name))

    def list_models(self, query: str | None = None) -> list[RegisteredModel]:
        with self.db.read() as s:
            stmt = select(RegisteredModelRow).order_by(RegisteredModelRow.updated_at.desc())
            if query:
                stmt = stmt.where(RegisteredModelRow.name.contains(query, autoescape=True))
            return [self._model_entity(s, r) for r in s.scalars(stmt)]

    def update_model(
        self,
        name: str,
        *,
        description: str | None,
        set_tags: dict[str, str],
        remove_tags: Sequence[str],
        actor: str,
        now: datetime,
    ) -> RegisteredModel:
        def work(s: Session) -> RegisteredModel:
            row = self._model(s, name, lock=True)
            if description is not None and description != row.description:
                self._event(
                    s,
                    row,
                    "description_changed",
                    actor,
                    now,
                    details={"old": row.description, "new": description},
                )
                row.description = description
            tags = dict(row.tags or {})
            for key, value in set_tags.items():
                if tags.get(key) != value:
                    self._event(
                        s,
                        row,
                        "tag_set",
                        actor,
                        now,
                        details={"key": key, "value": value, "old": tags.get(key)},
                    )
                    tags[key] = value
            for key in remove_tags:
                if key in tags:
                    self._event(s, row, "tag_removed", actor, now, details={"key": key})
                    del tags[key]
            row.tags = tags
            return self._model_entity(s, row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def rename_model(
        self, name: str, new_name: str, *, actor: str, now: datetime
    ) -> RegisteredModel:
        """Change the name only: the row (and so versions, aliases, history) is kept."""

        def work(s: Session) -> RegisteredModel:
            row = self._model(s, name, lock=True)
            if new_name == name:
                return self._model_entity(s, row)
            taken = s.scalar(
                select(RegisteredModelRow.id).where(RegisteredModelRow.name == new_name)
            )
            if taken is not None:
                raise AlreadyExists(
                    f"cannot rename {name!r}: a registered model named {new_name!r} already exists",
                    details={"name": new_name},
                )
            row.name = new_name
            self._event(s, row, "model_renamed", actor, now, details={"old": name, "new": new_name})
            s.flush()
            return self._model_entity(s, row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def delete_model(self, name: str, *, check_role: RoleCheck) -> None:
        """Delete the model and everything that belongs to it, its history included.

        Raises what ``check_role`` raises for any of its protection rules.
        """

        def work(s: Session) -> None:
            model = self._model(s, name, lock=True)
            for rule in s.scalars(
                select(ProtectedAliasRow)
                .where(ProtectedAliasRow.model_id == model.id)
                .order_by(ProtectedAliasRow.alias)
            ):
                check_role(rule.alias, rule.role)
            # The schema cascades these too; deleting them here keeps the order explicit.
            events = select(RegistryEventRow.id).where(RegistryEventRow.model_id == model.id)
            automations = select(AutomationRow.id).where(AutomationRow.model_id == model.id)
            its_jobs = or_(
                DeliveryJobRow.event_id.in_(events), DeliveryJobRow.automation_id.in_(automations)
            )
            for stmt in (
                delete(DeliveryRow).where(
                    DeliveryRow.job_id.in_(select(DeliveryJobRow.id).where(its_jobs))
                ),
                delete(DeliveryJobRow).where(its_jobs),
                delete(RegistryEventRow).where(RegistryEventRow.model_id == model.id),
                delete(AutomationRow).where(AutomationRow.model_id == model.id),
                delete(ModelAliasRow).where(ModelAliasRow.model_id == model.id),
                delete(ProtectedAliasRow).where(ProtectedAliasRow.model_id == model.id),
                delete(ModelVersionRow).where(ModelVersionRow.model_id == model.id),
                delete(RegisteredModelRow).where(RegisteredModelRow.id == model.id),
            ):
                s.execute(stmt.execution_options(synchronize_session=False))

        self.db.retry_write(work)

    # -- versions -------------------------------------------------------------------------
    def create_version(
        self,
        name: str,
        artifact_version_id: int,
        *,
        run_id: str | None,
        description: str,
        tags: dict[str, str],
        actor: str,
        now: datetime,
    ) -> tuple[ModelVersion, int]:
        """Returns the new version and the model's row id."""

        def work(s: Session) -> tuple[ModelVersion, int]:
            model = self._model(s, name, lock=True)
            row = ModelVersionRow(
                model_id=model.id,
                version=self._last_number(s, model) + 1,
                artifact_version_id=artifact_version_id,
                run_id=run_id,
                description=description,
                tags=tags,
                created_at=now,
                created_by=actor,
            )
            s.add(row)
            s.flush()
            art = self._artifact_of(s, artifact_version_id)
            self._event(
                s,
                model,
                "version_created",
                actor,
                now,
                version=row.version,
                details={"artifact": art, "run_id": run_id},
            )
            return self._version_entities(s, model, [row])[0], model.id

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def _last_number(self, s: Session, model: RegisteredModelRow) -> int:
        """The highest version number the model ever had, deleted versions included.

        A deleted version leaves its ``version_created`` and ``version_deleted`` events in
        the history, so the history remembers numbers the versions table has forgotten.
        """
        live = s.scalar(
            select(func.max(ModelVersionRow.version)).where(ModelVersionRow.model_id == model.id)
        )
        seen = s.scalar(
            select(func.max(RegistryEventRow.version)).where(
                RegistryEventRow.model_id == model.id,
                RegistryEventRow.action.in_(("version_created", "version_deleted")),
            )
        )
        return max(int(live or 0), int(seen or 0))

    def _artifact_of(self, s: Session, artifact_version_id: int) -> str:
        found = s.execute(
            select(ProjectRow.name, ArtifactRow.name, ArtifactVersionRow.version)
            .join(ArtifactRow, ArtifactRow.id == ArtifactVersionRow.artifact_id)
            .join(ProjectRow, ProjectRow.id == ArtifactRow.project_id)
            .where(ArtifactVersionRow.id == artifact_version_id)
        ).one()
        return f"{found[0]}/{found[1]}:v{found[2]}"

    def models_linking(self, artifact_version_id: int) -> list[str]:
        """Names of registered models with a version made of this artifact version."""
        with self.db.read() as s:
            return sorted(
                set(
                    s.scalars(
                        select(RegisteredModelRow.name)
                        .join(ModelVersionRow, ModelVersionRow.model_id == RegisteredModelRow.id)
                        .where(ModelVersionRow.artifact_version_id == artifact_version_id)
                    )
                )
            )

    def get_version(self, name: str, selector: int | str) -> ModelVersion:
        with self.db.read() as s:
            model = self._model(s, name)
            return self._version_entities(s, model, [self._version(s, model, selector)])[0]

    def list_versions(self, name: str) -> list[ModelVersion]:
        with self.db.read() as s:
            model = self._model(s, name)
            rows = list(
                s.scalars(
                    select(ModelVersionRow)
                    .where(ModelVersionRow.model_id == model.id)
                    .order_by(ModelVersionRow.version.desc())
                )
            )
            return self._version_entities(s, model, rows)

    def artifact_version_id(self, name: str, version: int) -> int:
        with self.db.read() as s:
            model = self._model(s, name)
            return self._version(s, model, version).artifact_version_id

    def update_version(
        self,
        name: str,
        version: int,
        *,
        description: str | None,
        set_tags: dict[str, str],
        remove_tags: Sequence[str],
        actor: str,
        now: datetime,
    ) -> ModelVersion:
        def work(s: Session) -> ModelVersion:
            model = self._model(s, name, lock=True)
            row = self._version(s, model, version)
            if description is not None and description != row.description:
                self._event(
                    s,
                    model,
                    "description_changed",
                    actor,
                    now,
                    version=version,
                    details={"old": row.description, "new": description},
                )
                row.description = description
            tags = dict(row.tags or {})
            for key, value in set_tags.items():
                if tags.get(key) != value:
                    self._event(
                        s,
                        model,
                        "tag_set",
                        actor,
                        now,
                        version=version,
                        details={"key": key, "value": value, "old": tags.get(key)},
                    )
                    tags[key] = value
            for key in remove_tags:
                if key in tags:
                    self._event(
                        s, model, "tag_removed", actor, now, version=version, details={"key": key}
                    )
                    del tags[key]
            row.tags = tags
            return self._version_entities(s, model, [row])[0]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def delete_version(
        self, name: str, version: int, *, actor: str, now: datetime, check_role: RoleCheck
    ) -> None:
        """Delete one version; its aliases go with it (each an ``alias_removed`` event) and
        a ``version_deleted`` event keeps it in the history. Raises what ``check_role``
        raises when a protected alias points at it."""

        def work(s: Session) -> None:
            model = self._model(s, name, lock=True)
            row = self._version(s, model, version)
            aliases = list(
                s.scalars(
                    select(ModelAliasRow)
                    .where(ModelAliasRow.model_id == model.id, ModelAliasRow.version_id == row.id)
                    .order_by(ModelAliasRow.alias)
                )
            )
            for alias in aliases:
                self._check_protected(s, model, alias.alias, check_role)
            for alias in aliases:
                s.delete(alias)
                self._event(
                    s,
                    model,
                    "alias_removed",
                    actor,
                    now,
                    alias=alias.alias,
                    previous=version,
                    details={"version_deleted": True},
                )
            self._event(
                s,
                model,
                "version_deleted",
                actor,
                now,
                version=version,
                details={
                    "artifact": self._artifact_of(s, row.artifact_version_id),
                    "run_id": row.run_id,
                    "aliases": [a.alias for a in aliases],
                },
            )
            s.delete(row)

        self.db.retry_write(work)

    # -- aliases --------------------------------------------------------------------------
    def set_alias(
        self,
        name: str,
        alias: str,
        version: int,
        *,
        actor: str,
        now: datetime,
        check_role: RoleCheck,
        details: dict[str, Any] | None = None,
    ) -> ModelVersion:
        def work(s: Session) -> ModelVersion:
            model = self._model(s, name, lock=True)
            target = self._version(s, model, version)
            self._check_protected(s, model, alias, check_role)
            row = s.get(ModelAliasRow, (model.id, alias))
            previous = None
            if row is None:
                s.add(ModelAliasRow(model_id=model.id, alias=alias, version_id=target.id))
            elif row.version_id != target.id:
                old = s.get(ModelVersionRow, row.version_id)
                previous = old.version if old is not None else None
                row.version_id = target.id
            else:
                return self._version_entities(s, model, [target])[0]
            s.flush()
            self._event(
                s,
                model,
                "alias_set",
                actor,
                now,
                version=version,
                alias=alias,
                previous=previous,
                details=details,
            )
            return self._version_entities(s, model, [target])[0]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def remove_alias(
        self, name: str, alias: str, *, actor: str, now: datetime, check_role: RoleCheck
    ) -> None:
        def work(s: Session) -> None:
            model = self._model(s, name, lock=True)
            row = s.get(ModelAliasRow, (model.id, alias))
            if row is None:
                raise NotFound(f"registered model {name!r} has no alias {alias!r}")
            self._check_protected(s, model, alias, check_role)
            old = s.get(ModelVersionRow, row.version_id)
            s.delete(row)
            self._event(
                s,
                model,
                "alias_removed",
                actor,
                now,
                alias=alias,
                previous=old.version if old is not None else None,
            )

        self.db.retry_write(work)

    def _check_protected(
        self, s: Session, model: RegisteredModelRow, alias: str, check_role: RoleCheck
    ) -> None:
        rule = s.get(ProtectedAliasRow, (model.id, alias))
        if rule is not None:
            check_role(alias, rule.role)

    def protect(
        self, name: str, alias: str, role: str | None, *, actor: str, now: datetime
    ) -> RegisteredModel:
        def work(s: Session) -> RegisteredModel:
            model = self._model(s, name, lock=True)
            rule = s.get(ProtectedAliasRow, (model.id, alias))
            if role is None:
                if rule is not None:
                    s.delete(rule)
                    self._event(s, model, "alias_unprotected", actor, now, alias=alias)
            elif rule is None or rule.role != role:
                if rule is None:
                    s.add(ProtectedAliasRow(model_id=model.id, alias=alias, role=role))
                else:
                    rule.role = role
                self._event(
                    s, model, "alias_protected", actor, now, alias=alias, details={"role": role}
                )
            s.flush()
            return self._model_entity(s, model)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    # -- history --------------------------------------------------------------------------
    def history(
        self,
        name: str,
        *,
        alias: str | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[RegistryEvent]:
        with self.db.read() as s:
            model = self._model(s, name)
            stmt = select(RegistryEventRow).where(RegistryEventRow.model_id == model.id)
            if alias is not None:
                stmt = stmt.where(RegistryEventRow.alias == alias)
            if until is not None:
                stmt = stmt.where(RegistryEventRow.at <= until)
            rows = s.scalars(stmt.order_by(RegistryEventRow.id.desc()).limit(limit))
            return [self._event_entity(r, model.name) for r in rows]

    def alias_at(self, name: str, alias: str, when: datetime) -> int | None:
        """The version ``alias`` pointed to at ``when`` (None if it was unset)."""
        with self.db.read() as s:
            model = self._model(s, name)
            last = s.scalar(
                select(RegistryEventRow)
                .where(
                    RegistryEventRow.model_id == model.id,
                    RegistryEventRow.alias == alias,
                    RegistryEventRow.action.in_(("alias_set", "alias_removed")),
                    RegistryEventRow.at <= when,
                )
                .order_by(RegistryEventRow.at.desc(), RegistryEventRow.id.desc())
                .limit(1)
            )
            if last is None or last.action == "alias_removed":
                return None
            return last.version

    def events_by_ids(self, ids: Sequence[int]) -> dict[int, RegistryEvent]:
        with self.db.read() as s:
            rows = list(s.scalars(select(RegistryEventRow).where(RegistryEventRow.id.in_(ids))))
            names = {
                m.id: m.name
                for m in s.scalars(
                    select(RegisteredModelRow).where(
                        RegisteredModelRow.id.in_({r.model_id for r in rows})
                    )
                )
            }
            return {r.id: self._event_entity(r, names[r.model_id]) for r in rows}

    # -- automations ----------------------------------------------------------------------
    def create_automation(
        self,
        model: str | None,
        name: str,
        events: Sequence[str],
        url: str,
        secret: str | None,
        now: datetime,
    ) -> Automation:
        def work(s: Session) -> Automation:
            model_id = self._model(s, model).id if model is not None else None
            row = AutomationRow(
                model_id=model_id,
                name=name,
                events=list(events),
                url=url,
                secret=secret,
                enabled=1,
                created_at=now,
            )
            s.add(row)
            s.flush()
            return self._automation_entity(s, row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def list_automations(self, model: str | None = None) -> list[Automation]:
        with self.db.read() as s:
            stmt = select(AutomationRow).order_by(AutomationRow.id)
            if model is not None:
                model_id = self._model(s, model).id
                stmt = stmt.where(
                    or_(AutomationRow.model_id == model_id, AutomationRow.model_id.is_(None))
                )
            return [self._automation_entity(s, r) for r in s.scalars(stmt)]

    def automation_secret(self, automation_id: int) -> tuple[str, str | None]:
        """(url, encrypted secret) of an automation."""
        with self.db.read() as s:
            row = s.get(AutomationRow, automation_id)
            if row is None:
                raise NotFound(f"automation {automation_id} does not exist")
            return row.url, row.secret

    def set_automation_enabled(self, automation_id: int, enabled: bool) -> Automation:
        def work(s: Session) -> Automation:
            row = s.get(AutomationRow, automation_id)
            if row is None:
                raise NotFound(f"automation {automation_id} does not exist")
            row.enabled = int(enabled)
            return self._automation_entity(s, row)

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def delete_automation(self, automation_id: int) -> None:
        def work(s: Session) -> None:
            row = s.get(AutomationRow, automation_id)
            if row is None:
                raise NotFound(f"automation {automation_id} does not exist")
            s.delete(row)

        self.db.retry_write(work)

    def claim_jobs(
        self, now: datetime, lease_until: datetime, limit: int = 16
    ) -> list[tuple[int, int, int, int]]:
        """Take due pending jobs: (job id, automation id, event id, attempts so far)."""

        def work(s: Session) -> list[tuple[int, int, int, int]]:
            stmt = (
                select(DeliveryJobRow)
                .where(
                    DeliveryJobRow.state == "pending",
                    DeliveryJobRow.next_at <= now,
                    or_(DeliveryJobRow.claimed_until.is_(None), DeliveryJobRow.claimed_until < now),
                )
                .order_by(DeliveryJobRow.next_at)
                .limit(limit)
            )
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            jobs = list(s.scalars(stmt))
            for job in jobs:
                job.claimed_until = lease_until
            return [(j.id, j.automation_id, j.event_id, j.attempts) for j in jobs]

        return self.db.retry_write(work)  # type: ignore[no-any-return]

    def next_job_at(self) -> datetime | None:
        with self.db.read() as s:
            return utc(
                s.scalar(
                    select(func.min(DeliveryJobRow.next_at)).where(
                        DeliveryJobRow.state == "pending"
                    )
                )
            )

    def record_delivery(
        self,
        job_id: int,
        *,
        ok: bool,
        status_code: int | None,
        response: str,
        error: str | None,
        duration_ms: float,
        now: datetime,
        retry_at: datetime | None,
    ) -> None:
        """Store one attempt; the job is done (ok), retried at ``retry_at``, or failed."""

        def work(s: Session) -> None:
            job = s.get(DeliveryJobRow, job_id)
            if job is None:
                return
            job.attempts += 1
            s.add(
                DeliveryRow(
                    job_id=job_id,
                    attempt=job.attempts,
                    at=now,
                    ok=int(ok),
                    status_code=status_code,
                    response=response,
                    error=error,
                    duration_ms=duration_ms,
                )
            )
            job.claimed_until = None
            if ok:
                job.state = "delivered"
            elif retry_at is None:
                job.state = "failed"
            else:
                job.next_at = retry_at

        self.db.retry_write(work)

    def pending_jobs(self) -> int:
        with self.db.read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(DeliveryJobRow)
                    .where(DeliveryJobRow.state == "pending")
                )
                or 0
            )

    def deliveries(self, automation_id: int, limit: int = 200) -> list[Delivery]:
        with self.db.read() as s:
            rows = s.execute(
                select(DeliveryRow, DeliveryJobRow.event_id)
                .join(DeliveryJobRow, DeliveryJobRow.id == DeliveryRow.job_id)
                .where(DeliveryJobRow.automation_id == automation_id)
                .order_by(DeliveryRow.id.desc())
                .limit(limit)
            )
            return [
                Delivery(
                    id=d.id,
                    automation_id=automation_id,
                    event_id=event_id,
                    attempt=d.attempt,
                    at=_aware(d.at),
                    ok=bool(d.ok),
                    status_code=d.status_code,
                    response=d.response,
                    error=d.error,
                    duration_ms=float(d.duration_ms),
                )
                for d, event_id in rows
            ]

    # -- entities -------------------------------------------------------------------------
    def _model_entity(self, s: Session, row: RegisteredModelRow) -> RegisteredModel:
        count, latest = s.execute(
            select(func.count(), func.max(ModelVersionRow.version)).where(
                ModelVersionRow.model_id == row.id
            )
        ).one()
        aliases = {
            alias: int(version)
            for alias, version in s.execute(
                select(ModelAliasRow.alias, ModelVersionRow.version)
                .join(ModelVersionRow, ModelVersionRow.id == ModelAliasRow.version_id)
                .where(ModelAliasRow.model_id == row.id)
            )
        }
        protected = {
            r.alias: r.role
            for r in s.scalars(
                select(ProtectedAliasRow).where(ProtectedAliasRow.model_id == row.id)
            )
        }
        return RegisteredModel(
            name=row.name,
            description=row.description,
            tags=dict(row.tags or {}),
            created_at=_aware(row.created_at),
            updated_at=_aware(row.updated_at),
            version_count=int(count),
            latest_version=None if latest is None else int(latest),
            aliases=aliases,
            protected=protected,
        )

    def _version_entities(
        self, s: Session, model: RegisteredModelRow, rows: Sequence[ModelVersionRow]
    ) -> list[ModelVersion]:
        aliases: dict[int, list[str]] = {}
        for alias, vid in s.execute(
            select(ModelAliasRow.alias, ModelAliasRow.version_id).where(
                ModelAliasRow.model_id == model.id
            )
        ):
            aliases.setdefault(vid, []).append(alias)
        arts = {
            vid: (project, name, number)
            for vid, project, name, number in s.execute(
                select(
                    ArtifactVersionRow.id,
                    ProjectRow.name,
                    ArtifactRow.name,
                    ArtifactVersionRow.version,
                )
                .join(ArtifactRow, ArtifactRow.id == ArtifactVersionRow.artifact_id)
                .join(ProjectRow, ProjectRow.id == ArtifactRow.project_id)
                .where(ArtifactVersionRow.id.in_([r.artifact_version_id for r in rows]))
            )
        }
        out = []
        for r in rows:
            project, art, number = arts[r.artifact_version_id]
            out.append(
                ModelVersion(
                    model=model.name,
                    version=r.version,
                    project=project,
                    artifact=art,
                    artifact_version=int(number),
                    created_at=_aware(r.created_at),
                    created_by=r.created_by,
                    run_id=r.run_id,
                    description=r.description,
                    tags=dict(r.tags or {}),
                    aliases=tuple(sorted(aliases.get(r.id, []))),
                )
            )
        return out

    def _event_entity(self, r: RegistryEventRow, model: str) -> RegistryEvent:
        return RegistryEvent(
            id=r.id,
            model=model,
            at=_aware(r.at),
            actor=r.actor,
            action=r.action,
            version=r.version,
            alias=r.alias,
            previous_version=r.previous_version,
            details=dict(r.details or {}),
        )

    def _automation_entity(self, s: Session, row: AutomationRow) -> Automation:
        model = s.get(RegisteredModelRow, row.model_id) if row.model_id is not None else None
        return Automation(
            id=row.id,
            model=model.name if model is not None else None,
            name=row.name,
            events=tuple(row.events),
            url=row.url,
            enabled=bool(row.enabled),
            created_at=_aware(row.created_at),
            has_secret=row.secret is not None,
        )
