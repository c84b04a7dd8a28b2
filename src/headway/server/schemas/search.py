from __future__ import annotations

from pydantic import BaseModel, Field

from headway.entities import RunPage, SearchQuery
from headway.server.schemas.common import StrictModel
from headway.server.schemas.runs import RunOut


class SearchIn(StrictModel):
    filter: str = Field(
        "",
        description="Filter expression, e.g. config.lr < 0.01 and summary.val_acc >= 0.9",
    )
    order: list[str] = Field([], description="Columns, '-' prefix for descending.")
    limit: int = 100
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    columns: list[str] | None = Field(None, description="Config/summary keys to return.")
    include_deleted: bool = False

    def to_entity(self, project: str) -> SearchQuery:
        return SearchQuery(
            project=project,
            filter=self.filter,
            order=tuple(self.order),
            limit=self.limit,
            cursor=self.cursor,
            columns=None if self.columns is None else tuple(self.columns),
            include_deleted=self.include_deleted,
        )


class SearchOut(BaseModel):
    runs: list[RunOut]
    next_cursor: str | None
    total: int

    @classmethod
    def from_entity(cls, page: RunPage) -> SearchOut:
        return cls(
            runs=[RunOut.from_entity(run) for run in page.runs],
            next_cursor=page.next_cursor,
            total=page.total,
        )
