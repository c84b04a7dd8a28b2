"""Errors in MLflow's shape, ``{"error_code", "message"}``, with MLflow's status codes.

The client decides what to do by ``error_code`` (``get_experiment_by_name`` returns None on
RESOURCE_DOES_NOT_EXIST; ``set_experiment`` and model registration treat
RESOURCE_ALREADY_EXISTS as "already there"), and it retries 5xx answers seven times, so a
client mistake must never come back as a 5xx.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse

from headway.errors import (
    AlreadyExists,
    Conflict,
    HeadwayError,
    InvalidArgument,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)

logger = logging.getLogger(__name__)


class MlflowError(Exception):
    """An answer with an explicit MLflow error code."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def does_not_exist(message: str) -> MlflowError:
    return MlflowError("RESOURCE_DOES_NOT_EXIST", message, 404)


def invalid(message: str) -> MlflowError:
    return MlflowError("INVALID_PARAMETER_VALUE", message, 400)


def already_exists(message: str) -> MlflowError:
    return MlflowError("RESOURCE_ALREADY_EXISTS", message, 400)


def _translate(exc: Exception) -> MlflowError:
    if isinstance(exc, MlflowError):
        return exc
    if isinstance(exc, NotFound):
        return does_not_exist(exc.message)
    if isinstance(exc, AlreadyExists):
        return already_exists(exc.message)
    if isinstance(exc, (InvalidArgument, Conflict, PayloadTooLarge)):
        return invalid(exc.message)
    if isinstance(exc, PermissionDenied):
        return MlflowError("PERMISSION_DENIED", exc.message, 403)
    if isinstance(exc, HeadwayError) and exc.http_status < 500:
        return invalid(exc.message)
    if isinstance(exc, HeadwayError):
        return MlflowError("TEMPORARILY_UNAVAILABLE", exc.message, exc.http_status)
    logger.exception("MLflow API request failed")
    return MlflowError("INTERNAL_ERROR", f"internal error: {type(exc).__name__}", 500)


def error_response(exc: Exception) -> JSONResponse:
    error = _translate(exc)
    return JSONResponse({"error_code": error.code, "message": error.message}, error.status)
