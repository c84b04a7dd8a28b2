from __future__ import annotations

from dataclasses import dataclass

from headway.entities.runs import Run


@dataclass(frozen=True)
class SearchQuery:
    """A search over one project's runs.

    ``filter`` uses the expression language (docs/search.md), e.g.
    ``config.optimizer.lr < 0.01 and summary.val_acc >= 0.9 and tags contains "baseline"``.
    ``order`` items are column names, prefixed with ``-`` for descending:
    ``["-summary.val_acc", "created_at"]``. ``columns`` limits which config/summary keys
    come back (``None`` = all).
    """

    project: str
    filter: str = ""
    order: tuple[str, ...] = ()
    limit: int = 100
    cursor: str | None = None
    columns: tuple[str, ...] | None = None
    include_deleted: bool = False


@dataclass(frozen=True)
class RunPage:
    runs: tuple[Run, ...]
    #: Pass back as ``SearchQuery.cursor`` for the next page; ``None`` on the last page.
    next_cursor: str | None
    total: int
