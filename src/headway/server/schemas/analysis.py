from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from headway.server.schemas.common import StrictModel


class ImportanceIn(StrictModel):
    target: str = Field(description="The metric to explain, e.g. summary.val/auc.")
    filter: str = Field("", description="Runs to use, as in a run search; all when empty.")
    run_ids: list[str] | None = Field(
        None, description="Exactly these runs (within the project) instead of a filter."
    )
    params: list[str] | None = Field(
        None, description="Config keys to rate; default: every scalar config key that varies."
    )


class ParamImportanceOut(BaseModel):
    param: str
    kind: Literal["numeric", "categorical"]
    correlation: float | None = Field(
        description="Pearson correlation (numeric) or correlation ratio (categorical, 0..1)."
    )
    importance: float = Field(description="Share of random-forest impurity importance (sums to 1).")
    runs: int = Field(description="Runs that have a value for this key.")


class ImportanceOut(BaseModel):
    target: str
    runs_used: int
    params: list[ParamImportanceOut]
