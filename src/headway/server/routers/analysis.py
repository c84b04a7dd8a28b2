"""Analyses across a project's runs, computed server-side for the compare view."""

from __future__ import annotations

import json

from fastapi import APIRouter

from headway.entities import SearchQuery
from headway.errors import InvalidArgument
from headway.server.deps import Backend
from headway.server.schemas.analysis import ImportanceIn, ImportanceOut, ParamImportanceOut
from headway.server.schemas.common import error_responses
from headway.tracking.importance import parameter_importance

router = APIRouter(tags=["analysis"])

#: Ids per request; beyond this a filter says it better than a list.
MAX_RUN_IDS = 10_000


@router.post(
    "/projects/{name}/importance",
    summary="Correlation and random-forest importance of config keys for a metric",
    responses=error_responses(400, 404),
)
def importance(name: str, body: ImportanceIn, backend: Backend) -> ImportanceOut:
    run_filter = body.filter
    if body.run_ids is not None:
        if not body.run_ids or len(body.run_ids) > MAX_RUN_IDS:
            raise InvalidArgument(f"run_ids must list 1 to {MAX_RUN_IDS} runs")
        run_filter = (
            "id in [" + ", ".join(json.dumps(r, ensure_ascii=False) for r in body.run_ids) + "]"
        )
    runs = backend.iter_runs(SearchQuery(project=name, filter=run_filter, limit=1000))
    result = parameter_importance(runs, body.target, body.params)
    return ImportanceOut(
        target=result.target,
        runs_used=result.runs_used,
        params=[
            ParamImportanceOut(
                param=p.param,
                kind=p.kind,
                correlation=p.correlation,
                importance=p.importance,
                runs=p.runs,
            )
            for p in result.params
        ],
    )
