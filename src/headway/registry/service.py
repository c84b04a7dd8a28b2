"""The registry service: the rules of registered models, aliases and their history.

Aliases are unique within a model (moving one is a promotion, moving it back a rollback);
protected aliases need a role to move; every change is an event in an append-only
history, and automations listening to an event get a signed webhook call.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from headway.artifacts import names
from headway.artifacts.compare import compare_versions
from headway.artifacts.service import ArtifactService
from headway.delivery import webhook
from headway.delivery.secrets import SecretBox
from headway.entities.artifacts import ComparedVersion
from headway.entities.registry import (
    Automation,
    Delivery,
    ModelVersion,
    RegisteredModel,
    RegistryEvent,
)
from headway.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from headway.store.sql.store import SqlStore
from headway.tracking import validation as v

MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
#: Event actions an automation can listen to.
EVENT_ACTIONS = (
    "model_created",
    "version_created",
    "alias_set",
    "alias_removed",
    "tag_set",
    "tag_removed",
    "description_changed",
    "alias_protected",
    "alias_unprotected",
    "model_renamed",
    "version_deleted",
)
#: The role that may move any alias.
ADMIN = "admin"
MAX_DESCRIPTION = 100_000


def now_utc() -> datetime:
    return datetime.now(UTC)


def model_name(value: object) -> str:
    if not isinstance(value, str) or not MODEL_NAME.match(value):
        raise InvalidArgument(
            f"invalid registered model name {value!r}: use 1-128 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return value


def _tags(values: object) -> dict[str, str]:
    if not isinstance(values, dict):
        raise InvalidArgument(f"tags must be a dict of strings, got {type(values).__name__}")
    out = {}
    for key, value in values.items():
        v.tag(key)
        if not isinstance(value, str) or len(value) > 5000:
            raise InvalidArgument(f"tag {key!r}: the value must be a string of at most 5000 chars")
        out[key] = value
    return out


def _description(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise InvalidArgument(f"description must be a string of at most {MAX_DESCRIPTION} chars")
    return value


class RegistryService:
    def __init__(
        self,
        store: SqlStore,
        artifacts: ArtifactService,
        secrets: SecretBox,
        *,
        max_attempts: int = 6,
        retry_base: float = 2.0,
    ) -> None:
        self.store = store
        self.artifacts = artifacts
        self.secrets = secrets
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        #: Set whenever an event may have queued deliveries; the dispatcher waits on it.
        self.wakeup = threading.Event()
        #: Called after every change (the backend starts its dispatcher on the first one).
        self.on_change: Callable[[], None] | None = None

    def _changed(self) -> None:
        self.wakeup.set()
        if self.on_change is not None:
            self.on_change()

    # -- models ---------------------------------------------------------------------------
    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        tags: dict[str, str] | None = None,
        actor: str,
        exist_ok: bool = False,
    ) -> RegisteredModel:
        model = self.store.registry.create_model(
            model_name(name),
            _description(description),
            _tags(tags or {}),
            actor=actor,
            now=now_utc(),
            exist_ok=exist_ok,
        )
        self._changed()
        return model

    def get_model(self, name: str) -> RegisteredModel:
        return self.store.registry.get_model(model_name(name))

    def list_models(self, query: str | None = None) -> list[RegisteredModel]:
        return self.store.registry.list_models(query)

    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
        actor: str,
    ) -> RegisteredModel:
        model = self.store.registry.update_model(
            model_name(name),
            description=None if description is None else _description(description),
            set_tags=_tags(set_tags or {}),
            remove_tags=[v.tag(t) for t in remove_tags],
            actor=actor,
            now=now_utc(),
        )
        self._changed()
        return model

    def rename_model(self, name: str, new_name: str, *, actor: str) -> RegisteredModel:
        """Give ``name`` a new name; versions, aliases, protections, automations and history
        stay with it (a ``model_renamed`` event records the old and new names). Renaming
        to the same name changes nothing. Raises InvalidArgument (bad name), NotFound,
        AlreadyExists (the new name is taken)."""
        model = self.store.registry.rename_model(
            model_name(name), model_name(new_name), actor=actor, now=now_utc()
        )
        self._changed()
        return model

    def delete_model(self, name: str, *, role: str | None = None) -> None:
        """Delete the model with its versions, aliases, protections, automations and
        history (the artifact versions stay). Raises PermissionDenied when it has a
        protected alias whose role ``role`` does not satisfy, NotFound."""
        self.store.registry.delete_model(
            model_name(name),
            check_role=self._role_check(name, role, "deleting the model"),
        )
        self._changed()

    # -- versions -------------------------------------------------------------------------
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
        actor: str,
        role: str | None = None,
    ) -> ModelVersion:
        """Make an artifact version (of type ``model``) a new version of ``name``.

        Linking a version already linked returns that registered version (aliases still
        move). Raises InvalidArgument if the artifact is not a model.
        """
        model_name(name)
        clean_aliases = names.aliases(list(aliases))
        target = self.artifacts.get_version(project, artifact, selector)
        if target.type != "model":
            raise InvalidArgument(
                f"{target.qualified_name} has type {target.type!r}: only artifacts of type "
                "'model' can be linked to the registry"
            )
        with contextlib.suppress(AlreadyExists):  # created by a concurrent link just now
            self.create_model(name, actor=actor, exist_ok=True)
        avid = self.store.artifacts.version_id(project, artifact, target.version)
        existing = next(
            (
                mv
                for mv in self.store.registry.list_versions(name)
                if mv.project == project
                and mv.artifact == artifact
                and mv.artifact_version == target.version
            ),
            None,
        )
        if existing is None:
            existing, _ = self.store.registry.create_version(
                name,
                avid,
                run_id=run_id if run_id is not None else target.run_id,
                description=_description(description),
                tags=_tags(tags or {}),
                actor=actor,
                now=now_utc(),
            )
        for alias in clean_aliases:
            existing = self.set_alias(name, alias, existing.version, actor=actor, role=role)
        self._changed()
        return existing

    def get_version(self, name: str, selector: int | str) -> ModelVersion:
        return self.store.registry.get_version(model_name(name), selector)

    def list_versions(self, name: str) -> list[ModelVersion]:
        return self.store.registry.list_versions(model_name(name))

    def update_version(
        self,
        name: str,
        version: int,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
        actor: str,
    ) -> ModelVersion:
        out = self.store.registry.update_version(
            model_name(name),
            version,
            description=None if description is None else _description(description),
            set_tags=_tags(set_tags or {}),
            remove_tags=[v.tag(t) for t in remove_tags],
            actor=actor,
            now=now_utc(),
        )
        self._changed()
        return out

    def delete_version(
        self, name: str, version: int, *, actor: str, role: str | None = None
    ) -> None:
        """Delete a version (its artifact version stays). Aliases pointing at it are
        removed; the history keeps a ``version_deleted`` event, and the number is never
        given to another version. Raises PermissionDenied when a protected alias points
        at it and ``role`` does not satisfy it, NotFound."""
        if isinstance(version, bool) or not isinstance(version, int):
            raise InvalidArgument(f"a version number must be an integer, got {version!r}")
        self.store.registry.delete_version(
            model_name(name),
            version,
            actor=actor,
            now=now_utc(),
            check_role=self._role_check(name, role, f"deleting version {version}"),
        )
        self._changed()

    # -- aliases --------------------------------------------------------------------------
    def _role_check(self, name: str, role: str | None, doing: str = "moving it") -> Any:
        def check(alias: str, required: str) -> None:
            if role not in (required, ADMIN):
                raise PermissionDenied(
                    f"alias {alias!r} of {name!r} is protected: {doing} requires role "
                    f"{required!r}" + (f" (you acted as {role!r})" if role else ""),
                    details={"alias": alias, "required_role": required},
                )

        return check

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int,
        *,
        actor: str,
        role: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> ModelVersion:
        """Point ``alias`` at ``version`` (a promotion when it moves). Raises
        PermissionDenied for a protected alias without its role."""
        out = self.store.registry.set_alias(
            model_name(name),
            names.alias(alias),
            version,
            actor=actor,
            now=now_utc(),
            check_role=self._role_check(name, role),
            details=details,
        )
        self._changed()
        return out

    def rollback(
        self, name: str, alias: str, *, actor: str, role: str | None = None
    ) -> ModelVersion:
        """Move ``alias`` back to the version it pointed to before its last move."""
        model_name(name)
        names.alias(alias)
        moves = [
            e for e in self.store.registry.history(name, alias=alias) if e.action == "alias_set"
        ]
        if not moves:
            raise NotFound(f"registered model {name!r} has never had alias {alias!r}")
        last = moves[0]
        if last.previous_version is None:
            raise Conflict(
                f"alias {alias!r} of {name!r} was first set to version {last.version}; "
                "there is no earlier version to roll back to"
            )
        return self.set_alias(
            name,
            alias,
            last.previous_version,
            actor=actor,
            role=role,
            details={"rollback": True, "rolled_back_from": last.version},
        )

    def remove_alias(self, name: str, alias: str, *, actor: str, role: str | None = None) -> None:
        self.store.registry.remove_alias(
            model_name(name),
            names.alias(alias),
            actor=actor,
            now=now_utc(),
            check_role=self._role_check(name, role),
        )
        self._changed()

    def protect(self, name: str, alias: str, role: str | None, *, actor: str) -> RegisteredModel:
        """Require ``role`` to move ``alias`` (None lifts the rule)."""
        if role is not None and not ROLE.match(role):
            raise InvalidArgument(
                f"invalid role {role!r}: lowercase letters, digits, '_' or '-', e.g. 'approver'"
            )
        out = self.store.registry.protect(
            model_name(name), names.alias(alias), role, actor=actor, now=now_utc()
        )
        self._changed()
        return out

    # -- history --------------------------------------------------------------------------
    def history(
        self,
        name: str,
        *,
        alias: str | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[RegistryEvent]:
        if not 1 <= limit <= 10_000:
            raise InvalidArgument(f"limit must be in 1..10000, got {limit}")
        return self.store.registry.history(model_name(name), alias=alias, until=until, limit=limit)

    def alias_at(self, name: str, alias: str, when: datetime) -> ModelVersion | None:
        """What ``alias`` pointed to at ``when`` ("what was in production on 3 March")."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        number = self.store.registry.alias_at(model_name(name), alias, when)
        return None if number is None else self.store.registry.get_version(name, number)

    # -- comparison -----------------------------------------------------------------------
    def compare(
        self, *, artifacts: Sequence[str] = (), models: Sequence[str] = ()
    ) -> list[ComparedVersion]:
        """Artifact versions (``project/name:v3`` or an alias) and registered model
        versions (``name:3``, ``name@production``) side by side, in the order given."""
        items: list[tuple[str, str, int]] = []
        labels: list[str | None] = []
        for ref in artifacts:
            sel = names.parse_selector(ref)
            if sel.project is None:
                raise InvalidArgument(f"{ref!r}: artifact references need 'project/name:vN'")
            found = self.artifacts.get_version(sel.project, sel.name, sel.version)
            items.append((found.project, found.name, found.version))
            labels.append(None)
        for ref in models:
            name, selector = parse_model_ref(ref)
            mv = self.get_version(name, selector)
            items.append((mv.project, mv.artifact, mv.artifact_version))
            labels.append(f"{mv.model}:v{mv.version}")
        return compare_versions(self.store, items, labels)

    # -- automations ----------------------------------------------------------------------
    def create_automation(
        self,
        *,
        model: str | None,
        name: str,
        events: Sequence[str],
        url: str,
        secret: str | None = None,
    ) -> Automation:
        v.tag(name)
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise InvalidArgument(f"invalid webhook URL {url!r}: expected http(s)://host/path")
        unknown = [e for e in events if e not in EVENT_ACTIONS]
        if not events or unknown:
            raise InvalidArgument(
                f"unknown event(s) {unknown or events!r}: choose from {', '.join(EVENT_ACTIONS)}"
            )
        if secret is not None and (not isinstance(secret, str) or len(secret) < 16):
            raise InvalidArgument("a webhook secret must be a string of at least 16 characters")
        return self.store.registry.create_automation(
            None if model is None else model_name(model),
            name,
            list(dict.fromkeys(events)),
            url,
            None if secret is None else self.secrets.encrypt(secret),
            now_utc(),
        )

    def list_automations(self, model: str | None = None) -> list[Automation]:
        return self.store.registry.list_automations(model)

    def set_automation_enabled(self, automation_id: int, enabled: bool) -> Automation:
        return self.store.registry.set_automation_enabled(automation_id, enabled)

    def delete_automation(self, automation_id: int) -> None:
        self.store.registry.delete_automation(automation_id)

    def deliveries(self, automation_id: int) -> list[Delivery]:
        return self.store.registry.deliveries(automation_id)

    def dispatch_due(self) -> int:
        """Deliver every due job once; returns how many attempts were made."""
        now = now_utc()
        jobs = self.store.registry.claim_jobs(now, now + timedelta(minutes=2))
        if not jobs:
            return 0
        events = self.store.registry.events_by_ids(sorted({j[2] for j in jobs}))
        for job_id, automation_id, event_id, attempts in jobs:
            event = events.get(event_id)
            if event is None:  # its model was deleted after the job was claimed
                continue
            try:
                url, secret = self.store.registry.automation_secret(automation_id)
            except NotFound:  # the automation (or its model) was deleted meanwhile
                continue
            body = webhook_payload(event, self._version_of(event))
            attempt = webhook.post(
                url,
                body,
                secret=None if secret is None else self.secrets.decrypt(secret),
                event=event.action,
                delivery_id=f"{job_id}-{attempts + 1}",
            )
            retry_at = None
            if not attempt.ok and attempts + 1 < self.max_attempts:
                retry_at = now_utc() + timedelta(
                    seconds=webhook.backoff(attempts + 1, self.retry_base)
                )
            self.store.registry.record_delivery(
                job_id,
                ok=attempt.ok,
                status_code=attempt.status_code,
                response=attempt.response,
                error=attempt.error,
                duration_ms=attempt.duration_ms,
                now=now_utc(),
                retry_at=retry_at,
            )
        return len(jobs)

    def _version_of(self, event: RegistryEvent) -> ModelVersion | None:
        if event.version is None:
            return None
        try:
            return self.store.registry.get_version(event.model, event.version)
        except NotFound:
            return None


def parse_model_ref(ref: str) -> tuple[str, int | str]:
    """``name@alias``, ``name:3`` / ``name:v3`` or ``name`` (latest)."""
    if not isinstance(ref, str) or not ref:
        raise InvalidArgument(f"invalid model reference {ref!r}: use name@alias or name:3")
    if "@" in ref:
        name, _, alias = ref.partition("@")
        return model_name(name), names.alias(alias)
    if ":" in ref:
        name, _, version = ref.partition(":")
        return model_name(name), names.version_selector(version)
    return model_name(ref), "latest"


def webhook_payload(event: RegistryEvent, version: ModelVersion | None) -> bytes:
    import json

    payload: dict[str, Any] = {
        "event": {
            "id": event.id,
            "action": event.action,
            "at": event.at.isoformat(),
            "actor": event.actor,
            "model": event.model,
            "version": event.version,
            "alias": event.alias,
            "previous_version": event.previous_version,
            "details": event.details,
        },
        "version": None
        if version is None
        else {
            "model": version.model,
            "version": version.version,
            "artifact": version.artifact_ref,
            "run_id": version.run_id,
            "aliases": list(version.aliases),
            "tags": version.tags,
        },
    }
    return json.dumps(payload, sort_keys=True, default=str).encode()
