"""Pieces shared by several resources: the error shape and columnar number lists."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: JSON has no NaN or infinity; such values travel as these strings.
NonFinite = Literal["NaN", "Infinity", "-Infinity"]
WireFloat = float | NonFinite


class StrictModel(BaseModel):
    """Input models reject unknown fields, so a typo is an error rather than a no-op."""

    model_config = ConfigDict(extra="forbid")


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable error code, e.g. not_found or invalid_argument.")
    message: str = Field(description="What was wrong and what to do about it.")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """The shape of every error response."""

    error: ErrorInfo


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the error shape for ``statuses``."""
    return {status: {"model": ErrorBody} for status in statuses}
