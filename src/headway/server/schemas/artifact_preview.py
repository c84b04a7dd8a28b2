"""Wire shape of a table preview: the first rows of a CSV or Parquet file of a version."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class TableColumnOut(BaseModel):
    name: str
    type: str = Field(description="Arrow type name, e.g. int64, double, string.")


class TableOut(BaseModel):
    path: str
    format: Literal["csv", "tsv", "parquet"]
    columns: list[TableColumnOut]
    rows: list[list[Any]] = Field(
        description="Row-major cells; NaN and infinities as strings, dates as ISO text."
    )
    total_rows: int | None = Field(
        description="Rows in the whole file; null when counting would mean reading a "
        "very large CSV to its end."
    )
