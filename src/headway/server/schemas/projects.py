from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from headway.entities import Project
from headway.server.schemas.common import StrictModel


class ProjectOut(BaseModel):
    name: str
    created_at: datetime
    run_count: int
    last_activity: datetime | None

    @classmethod
    def from_entity(cls, project: Project) -> ProjectOut:
        return cls(
            name=project.name,
            created_at=project.created_at,
            run_count=project.run_count,
            last_activity=project.last_activity,
        )


class ProjectList(BaseModel):
    projects: list[ProjectOut]


class ProjectIn(StrictModel):
    name: str
