from __future__ import annotations

from fastapi import APIRouter

from headway.server.deps import Backend
from headway.server.schemas.common import error_responses
from headway.server.schemas.projects import ProjectIn, ProjectList, ProjectOut

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", summary="List projects, most recently active first")
def list_projects(backend: Backend) -> ProjectList:
    return ProjectList(projects=[ProjectOut.from_entity(p) for p in backend.list_projects()])


@router.get("/{name}", summary="Get a project", responses=error_responses(404))
def get_project(name: str, backend: Backend) -> ProjectOut:
    return ProjectOut.from_entity(backend.get_project(name))


@router.post("", summary="Get or create a project", responses=error_responses(400))
def ensure_project(body: ProjectIn, backend: Backend) -> ProjectOut:
    return ProjectOut.from_entity(backend.ensure_project(body.name))
