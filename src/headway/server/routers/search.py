from __future__ import annotations

from fastapi import APIRouter

from headway.server.deps import Backend
from headway.server.schemas.common import error_responses
from headway.server.schemas.search import SearchIn, SearchOut

router = APIRouter(tags=["search"])


@router.post(
    "/projects/{name}/runs/search",
    summary="Filter, sort and page a project's runs",
    description="A malformed filter is a 400 whose message names the position of the error.",
    responses=error_responses(400, 404),
)
def search_runs(name: str, body: SearchIn, backend: Backend) -> SearchOut:
    return SearchOut.from_entity(backend.search_runs(body.to_entity(name)))
