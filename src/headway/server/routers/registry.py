"""The model registry: models, versions, aliases (promote/rollback), history, automations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from headway.artifacts.names import version_selector
from headway.server.deps import Registry
from headway.server.schemas.common import error_responses
from headway.server.schemas.registry import (
    AliasAtOut,
    AliasIn,
    AutomationIn,
    AutomationList,
    AutomationOut,
    AutomationPatchIn,
    ComparedVersionOut,
    CompareIn,
    CompareOut,
    DeliveryList,
    DeliveryOut,
    LinkIn,
    ModelIn,
    ModelPatchIn,
    ModelVersionList,
    ModelVersionOut,
    ProtectIn,
    RegisteredModelList,
    RegisteredModelOut,
    RegistryEventList,
    RegistryEventOut,
    RenameIn,
    RoleIn,
)

router = APIRouter(prefix="/registry", tags=["registry"])
compare_router = APIRouter(tags=["registry"])
_ERRORS = error_responses(400, 404)


@router.get("/models", summary="List registered models (optionally by name substring)")
def list_models(registry: Registry, q: str | None = None) -> RegisteredModelList:
    return RegisteredModelList(
        models=[RegisteredModelOut.from_entity(m) for m in registry.list_models(q)]
    )


@router.post(
    "/models",
    status_code=status.HTTP_201_CREATED,
    summary="Create a registered model",
    responses=error_responses(400, 409),
)
def create_model(body: ModelIn, registry: Registry) -> RegisteredModelOut:
    model = registry.create_model(
        body.name, description=body.description, tags=body.tags, exist_ok=body.exist_ok
    )
    return RegisteredModelOut.from_entity(model)


@router.get("/models/{name}", summary="Get a registered model", responses=_ERRORS)
def get_model(name: str, registry: Registry) -> RegisteredModelOut:
    return RegisteredModelOut.from_entity(registry.get_model(name))


@router.patch(
    "/models/{name}", summary="Edit the model card (description) and tags", responses=_ERRORS
)
def update_model(name: str, body: ModelPatchIn, registry: Registry) -> RegisteredModelOut:
    model = registry.update_model(
        name, description=body.description, set_tags=body.set_tags, remove_tags=body.remove_tags
    )
    return RegisteredModelOut.from_entity(model)


@router.post(
    "/models/{name}/rename",
    summary="Rename a model (versions, aliases, automations and history stay with it)",
    responses=error_responses(400, 404, 409),
)
def rename_model(name: str, body: RenameIn, registry: Registry) -> RegisteredModelOut:
    return RegisteredModelOut.from_entity(registry.rename_model(name, body.new_name))


@router.delete(
    "/models/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a model with its versions, aliases, automations and history",
    responses=error_responses(400, 403, 404),
)
def delete_model(name: str, registry: Registry, role: str | None = None) -> Response:
    registry.delete_model(name, role=role)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/models/{name}/versions", summary="List a model's versions", responses=_ERRORS)
def list_model_versions(name: str, registry: Registry) -> ModelVersionList:
    return ModelVersionList(
        versions=[ModelVersionOut.from_entity(v) for v in registry.list_versions(name)]
    )


@router.post(
    "/models/{name}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="Link a model artifact version as a new registered version",
    responses=error_responses(400, 403, 404),
)
def link_version(name: str, body: LinkIn, registry: Registry) -> ModelVersionOut:
    linked = registry.link(
        name,
        project=body.project,
        artifact=body.artifact,
        selector=version_selector(body.selector),
        run_id=body.run_id,
        aliases=body.aliases,
        description=body.description,
        tags=body.tags,
        role=body.role,
    )
    return ModelVersionOut.from_entity(linked)


@router.get(
    "/models/{name}/versions/{selector}",
    summary="Get a model version by number, 'latest' or alias",
    responses=_ERRORS,
)
def get_model_version(name: str, selector: str, registry: Registry) -> ModelVersionOut:
    chosen = version_selector(selector)
    return ModelVersionOut.from_entity(registry.get_version(name, chosen))


@router.patch(
    "/models/{name}/versions/{version}",
    summary="Edit a model version's description and tags",
    responses=_ERRORS,
)
def update_model_version(
    name: str, version: int, body: ModelPatchIn, registry: Registry
) -> ModelVersionOut:
    updated = registry.update_version(
        name,
        version,
        description=body.description,
        set_tags=body.set_tags,
        remove_tags=body.remove_tags,
    )
    return ModelVersionOut.from_entity(updated)


@router.delete(
    "/models/{name}/versions/{version}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a version and the aliases pointing at it (its history stays)",
    responses=error_responses(400, 403, 404),
)
def delete_model_version(
    name: str, version: int, registry: Registry, role: str | None = None
) -> Response:
    registry.delete_version(name, version, role=role)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/models/{name}/aliases/{alias}",
    summary="Point an alias at a version (promotion)",
    responses=error_responses(400, 403, 404),
)
def set_alias(name: str, alias: str, body: AliasIn, registry: Registry) -> ModelVersionOut:
    return ModelVersionOut.from_entity(
        registry.set_alias(name, alias, body.version, role=body.role)
    )


@router.post(
    "/models/{name}/aliases/{alias}/rollback",
    summary="Move an alias back to where it pointed before its last move",
    responses=error_responses(400, 403, 404, 409),
)
def rollback_alias(name: str, alias: str, body: RoleIn, registry: Registry) -> ModelVersionOut:
    return ModelVersionOut.from_entity(registry.rollback(name, alias, role=body.role))


@router.delete(
    "/models/{name}/aliases/{alias}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an alias",
    responses=error_responses(400, 403, 404),
)
def remove_alias(name: str, alias: str, registry: Registry, role: str | None = None) -> Response:
    registry.remove_alias(name, alias, role=role)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/models/{name}/protected/{alias}",
    summary="Require a role to move an alias (null role lifts it)",
    responses=_ERRORS,
)
def protect_alias(name: str, alias: str, body: ProtectIn, registry: Registry) -> RegisteredModelOut:
    return RegisteredModelOut.from_entity(registry.protect(name, alias, body.role))


@router.get(
    "/models/{name}/history",
    summary="The model's event history, newest first",
    responses=_ERRORS,
)
def history(
    name: str,
    registry: Registry,
    alias: str | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> RegistryEventList:
    events = registry.history(name, alias=alias, until=until, limit=limit)
    return RegistryEventList(events=[RegistryEventOut.from_entity(e) for e in events])


@router.get(
    "/models/{name}/aliases/{alias}/at",
    summary="The version an alias pointed to at a moment ('what was in production then')",
    responses=_ERRORS,
)
def alias_at(name: str, alias: str, time: datetime, registry: Registry) -> AliasAtOut:
    found = registry.alias_at(name, alias, time)
    return AliasAtOut(version=None if found is None else ModelVersionOut.from_entity(found))


@router.get("/automations", summary="List automations (webhooks on registry events)")
def list_automations(registry: Registry, model: str | None = None) -> AutomationList:
    return AutomationList(
        automations=[AutomationOut.from_entity(a) for a in registry.list_automations(model)]
    )


@router.post(
    "/automations",
    status_code=status.HTTP_201_CREATED,
    summary="Create an automation: call a signed webhook on chosen events",
    responses=_ERRORS,
)
def create_automation(body: AutomationIn, registry: Registry) -> AutomationOut:
    created = registry.create_automation(
        model=body.model, name=body.name, events=body.events, url=body.url, secret=body.secret
    )
    return AutomationOut.from_entity(created)


@router.patch(
    "/automations/{automation_id}", summary="Enable or disable an automation", responses=_ERRORS
)
def update_automation(
    automation_id: int, body: AutomationPatchIn, registry: Registry
) -> AutomationOut:
    return AutomationOut.from_entity(registry.set_automation_enabled(automation_id, body.enabled))


@router.delete(
    "/automations/{automation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an automation",
    responses=_ERRORS,
)
def delete_automation(automation_id: int, registry: Registry) -> Response:
    registry.delete_automation(automation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/automations/{automation_id}/deliveries",
    summary="Every delivery attempt of an automation and the answer it got",
    responses=_ERRORS,
)
def deliveries(automation_id: int, registry: Registry) -> DeliveryList:
    return DeliveryList(
        deliveries=[DeliveryOut.from_entity(d) for d in registry.deliveries(automation_id)]
    )


@compare_router.post(
    "/compare",
    summary="Artifact or registered-model versions side by side: metrics, metadata, data used",
    responses=_ERRORS,
)
def compare(body: CompareIn, registry: Registry) -> CompareOut:
    rows = registry.compare(artifacts=body.artifacts, models=body.models)
    return CompareOut(versions=[ComparedVersionOut.from_entity(r) for r in rows])
