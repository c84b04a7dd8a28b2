"""The one translation of errors into HTTP: ``{"error": {"code", "message", "details"}}``.

Domain errors keep their class's status and code; FastAPI's request validation errors
become 400 invalid_argument naming the field; routing errors keep their status; anything
else is a 500 with code ``internal`` and no traceback in the body (uvicorn logs it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from headway.backend.codec import dumps, to_wire
from headway.errors import HeadwayError, InvalidArgument

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    error = {"code": code, "message": message, "details": details or {}}
    try:
        return dumps({"error": to_wire(error)})
    except HeadwayError:  # details that JSON cannot carry must not hide the message
        return dumps({"error": {"code": code, "message": message, "details": {}}})


def error_response(exc: HeadwayError) -> Response:
    return Response(
        error_body(exc.code, exc.message, exc.details),
        status_code=exc.http_status,
        media_type="application/json",
    )


async def _headway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HeadwayError)
    return error_response(exc)


def _field(loc: Sequence[int | str]) -> str:
    parts = list(loc)
    where = {"body": "body field", "query": "query parameter", "path": "path parameter"}.get(
        str(parts[0]) if parts else "", "field"
    )
    name = ""
    for part in parts[1:]:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return f"{where} {name!r}" if name else "request body"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    items = [
        {
            # A JSON syntax error's "location" is a character offset, not a field.
            "field": "request body" if e.get("type") == "json_invalid" else _field(e["loc"]),
            "message": str(e.get("msg", "")),
            "type": e.get("type"),
        }
        for e in errors
    ]
    if not items:
        return error_response(InvalidArgument("invalid request"))
    first = items[0]
    if first["type"] == "json_invalid":
        reason = (errors[0].get("ctx") or {}).get("error", "")
        message = f"request body is not valid JSON: {reason}".rstrip(": ")
    else:
        message = f"{first['field']}: {first['message']}"
    if len(items) > 1:
        message += f" (and {len(items) - 1} more problem(s), see details.errors)"
    return error_response(InvalidArgument(message, details={"errors": items}))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    code = _HTTP_CODES.get(status, "invalid_argument" if status < 500 else "internal")
    if status == 404:
        message = f"no such endpoint: {request.method} {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    response = Response(
        error_body(code, message), status_code=status, media_type="application/json"
    )
    response.headers.update(exc.headers or {})
    return response


async def _internal_error(request: Request, exc: Exception) -> Response:
    return Response(
        error_body("internal", "internal server error; the server log has the details"),
        status_code=500,
        media_type="application/json",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HeadwayError, _headway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
