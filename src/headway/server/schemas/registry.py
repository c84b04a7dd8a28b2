"""Wire shapes of the model registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from headway.backend.codec import to_wire
from headway.entities.artifacts import ComparedVersion
from headway.entities.registry import (
    Automation,
    Delivery,
    ModelVersion,
    RegisteredModel,
    RegistryEvent,
)
from headway.server.schemas.artifacts import ArtifactVersionOut
from headway.server.schemas.common import StrictModel


class RegisteredModelOut(BaseModel):
    name: str
    description: str = Field(description="The model card, in markdown.")
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    version_count: int
    latest_version: int | None
    aliases: dict[str, int]
    protected: dict[str, str] = Field(description="alias -> role required to move it.")

    @classmethod
    def from_entity(cls, m: RegisteredModel) -> RegisteredModelOut:
        return cls(**{f: getattr(m, f) for f in cls.model_fields})


class RegisteredModelList(BaseModel):
    models: list[RegisteredModelOut]


class ModelVersionOut(BaseModel):
    model: str
    version: int
    project: str
    artifact: str
    artifact_version: int
    created_at: datetime
    created_by: str
    run_id: str | None
    description: str
    tags: dict[str, str]
    aliases: list[str]

    @classmethod
    def from_entity(cls, m: ModelVersion) -> ModelVersionOut:
        return cls(
            model=m.model,
            version=m.version,
            project=m.project,
            artifact=m.artifact,
            artifact_version=m.artifact_version,
            created_at=m.created_at,
            created_by=m.created_by,
            run_id=m.run_id,
            description=m.description,
            tags=m.tags,
            aliases=list(m.aliases),
        )


class ModelVersionList(BaseModel):
    versions: list[ModelVersionOut]


class ModelIn(StrictModel):
    name: str
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    exist_ok: bool = False


class RenameIn(StrictModel):
    new_name: str = Field(description="The model's new name (rules of a new model's name).")


class ModelPatchIn(StrictModel):
    description: str | None = None
    set_tags: dict[str, str] = Field(default_factory=dict)
    remove_tags: list[str] = Field(default_factory=list)


class LinkIn(StrictModel):
    project: str
    artifact: str
    selector: str = Field(default="latest", description="'v3', 'latest' or an alias.")
    run_id: str | None = None
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    role: str | None = None


class AliasIn(StrictModel):
    version: int
    role: str | None = Field(default=None, description="Role to act as for protected aliases.")


class RoleIn(StrictModel):
    role: str | None = None


class ProtectIn(StrictModel):
    role: str | None = Field(description="Role required to move the alias; null lifts it.")


class RegistryEventOut(BaseModel):
    id: int
    model: str
    at: datetime
    actor: str
    action: str
    version: int | None
    alias: str | None
    previous_version: int | None
    details: dict[str, Any]

    @classmethod
    def from_entity(cls, e: RegistryEvent) -> RegistryEventOut:
        return cls(
            id=e.id,
            model=e.model,
            at=e.at,
            actor=e.actor,
            action=e.action,
            version=e.version,
            alias=e.alias,
            previous_version=e.previous_version,
            details=to_wire(e.details),
        )


class RegistryEventList(BaseModel):
    events: list[RegistryEventOut]


class AliasAtOut(BaseModel):
    version: ModelVersionOut | None


class AutomationIn(StrictModel):
    model: str | None = None
    name: str
    events: list[str]
    url: str
    secret: str | None = None


class AutomationPatchIn(StrictModel):
    enabled: bool


class AutomationOut(BaseModel):
    id: int
    model: str | None
    name: str
    events: list[str]
    url: str
    enabled: bool
    created_at: datetime
    has_secret: bool

    @classmethod
    def from_entity(cls, a: Automation) -> AutomationOut:
        return cls(
            id=a.id,
            model=a.model,
            name=a.name,
            events=list(a.events),
            url=a.url,
            enabled=a.enabled,
            created_at=a.created_at,
            has_secret=a.has_secret,
        )


class AutomationList(BaseModel):
    automations: list[AutomationOut]


class DeliveryOut(BaseModel):
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

    @classmethod
    def from_entity(cls, d: Delivery) -> DeliveryOut:
        return cls(**{f: getattr(d, f) for f in cls.model_fields})


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


class CompareIn(StrictModel):
    artifacts: list[str] = Field(default_factory=list, description="project/name:v3 or alias.")
    models: list[str] = Field(default_factory=list, description="name:3 or name@alias.")


class ComparedVersionOut(BaseModel):
    version: ArtifactVersionOut
    model_ref: str | None
    run_id: str | None
    run_name: str | None
    config: dict[str, Any]
    summary: dict[str, Any]
    inputs: list[str]

    @classmethod
    def from_entity(cls, c: ComparedVersion) -> ComparedVersionOut:
        return cls(
            version=ArtifactVersionOut.from_entity(c.version),
            model_ref=c.model_ref,
            run_id=c.run_id,
            run_name=c.run_name,
            config=to_wire(c.config),
            summary=to_wire(c.summary),
            inputs=list(c.inputs),
        )


class CompareOut(BaseModel):
    versions: list[ComparedVersionOut]
