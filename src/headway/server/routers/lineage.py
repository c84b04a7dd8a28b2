"""A run's artifacts: what it used and produced, recording use, and its lineage graph."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from headway.artifacts.names import version_selector
from headway.entities.artifacts import Direction
from headway.server.deps import Artifacts
from headway.server.schemas.artifacts import (
    ArtifactVersionOut,
    LineageOut,
    RunArtifactsOut,
    UseIn,
)
from headway.server.schemas.common import error_responses

router = APIRouter(prefix="/runs/{run_id}", tags=["lineage"])


@router.get(
    "/artifacts", summary="A run's input and output artifacts", responses=error_responses(404)
)
def run_artifacts(run_id: str, artifacts: Artifacts) -> RunArtifactsOut:
    found = artifacts.run_artifacts(run_id)
    return RunArtifactsOut(
        inputs=[ArtifactVersionOut.from_entity(a) for a in found["inputs"]],
        outputs=[ArtifactVersionOut.from_entity(a) for a in found["outputs"]],
    )


@router.post(
    "/artifacts/use",
    summary="Record that the run used an artifact version (input lineage)",
    responses=error_responses(400, 404),
)
def use_artifact(run_id: str, body: UseIn, artifacts: Artifacts) -> ArtifactVersionOut:
    used = artifacts.use(run_id, body.project, body.name, version_selector(body.selector))
    return ArtifactVersionOut.from_entity(used)


@router.get(
    "/lineage", summary="The lineage graph around a run", responses=error_responses(400, 404)
)
def run_lineage(
    run_id: str,
    artifacts: Artifacts,
    direction: Direction = Direction.BOTH,
    depth: Annotated[int, Query(ge=1, le=20)] = 2,
) -> LineageOut:
    return LineageOut.from_entity(
        artifacts.lineage(run_id=run_id, direction=direction, depth=depth)
    )
