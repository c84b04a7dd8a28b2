"""The model registry: registered models, their versions, aliases and history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    description: str
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    version_count: int
    latest_version: int | None
    #: alias -> version number
    aliases: dict[str, int] = field(default_factory=dict)
    #: alias -> role required to move it
    protected: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelVersion:
    model: str
    version: int
    #: The artifact version holding the model files, as ``project/name:vN``.
    project: str
    artifact: str
    artifact_version: int
    created_at: datetime
    created_by: str
    run_id: str | None = None
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def artifact_ref(self) -> str:
        return f"{self.project}/{self.artifact}:v{self.artifact_version}"


@dataclass(frozen=True)
class RegistryEvent:
    """One immutable entry of a registered model's history."""

    id: int
    model: str
    at: datetime
    actor: str
    #: model_created, version_created, alias_set, alias_removed, tag_set, tag_removed,
    #: description_changed, alias_protected, alias_unprotected, model_renamed,
    #: version_deleted
    action: str
    version: int | None = None
    alias: str | None = None
    previous_version: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Automation:
    id: int
    model: str | None
    name: str
    #: which event actions trigger it: version_created, alias_set, tag_set, …
    events: tuple[str, ...]
    url: str
    enabled: bool
    created_at: datetime
    has_secret: bool


@dataclass(frozen=True)
class Delivery:
    """One attempt to call an automation's webhook, with the answer it got."""

    id: int
    automation_id: int
    event_id: int
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    response: str
    error: str | None
    duration_ms: float
