"""MLflow's REST routes on ``headway server``: ``/api/2.0/mlflow/...``, the
``/api/2.0/mlflow-artifacts/...`` proxy and ``/api/3.0/mlflow/server-info``.

Handlers are plain functions of (Mlflow, Fields, user) returning the JSON object MLflow's
client parses; this module turns requests into ``Fields`` and every failure into MLflow's
error shape (``errors.py``). The routes are not part of Headway's own OpenAPI document:
their contract is MLflow's (``docs/mlflow.md``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from headway.server.mlflow import experiments, files, logged_models, multipart, registry, runs
from headway.server.mlflow.context import Mlflow
from headway.server.mlflow.errors import MlflowError, error_response
from headway.server.mlflow.wire import Fields

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts"
USER_HEADER = "X-Headway-User"

Handler = Callable[[Mlflow, Fields, str], dict[str, Any]]
RawHandler = Callable[[Mlflow, Request, str], Awaitable[Response]]


def request_user(request: Request) -> str:
    """Who acts, for registry history: Headway's header, else the Basic-auth user name."""
    raw = request.headers.get(USER_HEADER, "").strip()
    if raw and raw.isprintable():
        return raw[:256]
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            user = base64.b64decode(auth[6:]).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user and user.isprintable():
            return user[:256]
    return "mlflow"


async def read_fields(request: Request) -> Fields:
    if request.method == "GET":
        data: dict[str, Any] = {}
        for key, value in request.query_params.multi_items():
            data.setdefault(key, []).append(value)
        return Fields({k: v if len(v) > 1 else v[0] for k, v in data.items()}, from_query=True)
    body = await request.body()
    parsed: Any = {}
    if body.strip():
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            raise MlflowError("MALFORMED_REQUEST", f"Malformed request body: {exc}", 400) from None
    if not isinstance(parsed, dict):
        raise MlflowError("MALFORMED_REQUEST", "The request body must be a JSON object", 400)
    for key, value in request.query_params.items():
        parsed.setdefault(key, value)
    return Fields(parsed, from_query=False)


def _json(m: Mlflow, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            fields = await read_fields(request)
            result = await run_in_threadpool(handler, m, fields, request_user(request))
            return JSONResponse(result)
        except Exception as exc:
            return error_response(exc)

    return endpoint


def _path_json(
    m: Mlflow, handler: Callable[..., dict[str, Any]], *names: str
) -> Callable[[Request], Awaitable[Response]]:
    """A handler that also takes path parameters (logged models by id)."""

    async def endpoint(request: Request) -> Response:
        try:
            fields = await read_fields(request)
            args = [request.path_params[n] for n in names]
            result = await run_in_threadpool(handler, m, *args, fields, request_user(request))
            return JSONResponse(result)
        except Exception as exc:
            return error_response(exc)

    return endpoint


def _raw(m: Mlflow, handler: RawHandler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(m, request, request_user(request))
        except Exception as exc:
            return error_response(exc)

    return endpoint


async def _unknown(request: Request) -> Response:
    return JSONResponse(
        {
            "error_code": "ENDPOINT_NOT_FOUND",
            "message": f"Headway does not implement {request.method} {request.url.path}",
        },
        404,
    )


def mlflow_routes(m: Mlflow) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for module in (experiments, runs, registry):
        for method, path, handler in module.ROUTES:
            routes.append(Route(f"{API}/{path}", _json(m, handler), methods=[method]))
    lm = logged_models
    routes += [
        Route(f"{API}/logged-models", _json(m, lm.create), methods=["POST"]),
        Route(f"{API}/logged-models/search", _json(m, lm.search_models), methods=["POST"]),
        Route(
            f"{API}/logged-models/{{model_id}}", _path_json(m, lm.get, "model_id"), methods=["GET"]
        ),
        Route(
            f"{API}/logged-models/{{model_id}}",
            _path_json(m, lm.finalize, "model_id"),
            methods=["PATCH"],
        ),
        Route(
            f"{API}/logged-models/{{model_id}}",
            _path_json(m, lm.delete, "model_id"),
            methods=["DELETE"],
        ),
        Route(
            f"{API}/logged-models/{{model_id}}/tags",
            _path_json(m, lm.set_tags, "model_id"),
            methods=["PATCH"],
        ),
        Route(
            f"{API}/logged-models/{{model_id}}/tags/{{key:path}}",
            _path_json(m, lm.delete_tag, "model_id", "key"),
            methods=["DELETE"],
        ),
        Route(
            f"{API}/logged-models/{{model_id}}/params",
            _path_json(m, lm.log_params, "model_id"),
            methods=["POST"],
        ),
        Route(f"{ARTIFACTS}/artifacts", _raw(m, files.listing), methods=["GET"]),
        Route(f"{ARTIFACTS}/artifacts/{{path:path}}", _raw(m, files.get), methods=["GET"]),
        Route(f"{ARTIFACTS}/artifacts/{{path:path}}", _raw(m, files.put), methods=["PUT"]),
        Route(f"{ARTIFACTS}/artifacts/{{path:path}}", _raw(m, files.delete), methods=["DELETE"]),
        Route(
            f"{ARTIFACTS}/mpu/part/{{upload_id}}/{{number}}",
            _raw(m, multipart.put_part),
            methods=["PUT"],
        ),
        Route(f"{ARTIFACTS}/mpu/create/{{path:path}}", _raw(m, multipart.create), methods=["POST"]),
        Route(
            f"{ARTIFACTS}/mpu/complete/{{path:path}}", _raw(m, multipart.complete), methods=["POST"]
        ),
        Route(f"{ARTIFACTS}/mpu/abort/{{path:path}}", _raw(m, multipart.abort), methods=["POST"]),
        Route("/api/3.0/mlflow/server-info", _raw(m, files.server_info), methods=["GET"]),
        Route(
            f"{API}/{{rest:path}}",
            _unknown,
            methods=["GET", "POST", "PATCH", "DELETE", "PUT"],
        ),
    ]
    return routes
