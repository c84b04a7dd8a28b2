"""Frozen domain objects: no SQL, HTTP or pydantic inside."""

from headway.entities.metrics import ConsoleLine, Envelope, LogBatch, Series
from headway.entities.projects import Project
from headway.entities.runs import Run, RunCreate, RunFinish, RunState, RunUpdate
from headway.entities.search import RunPage, SearchQuery

__all__ = [
    "ConsoleLine",
    "Envelope",
    "LogBatch",
    "Project",
    "Run",
    "RunCreate",
    "RunFinish",
    "RunPage",
    "RunState",
    "RunUpdate",
    "SearchQuery",
    "Series",
]
