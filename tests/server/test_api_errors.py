"""The HTTP error contract: one stable shape, the right status, and never a 500 for bad input."""

from __future__ import annotations

import gzip
import math
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from headway.backend import codec
from headway.backend.local import LocalBackend
from headway.entities import LogBatch, Run, Series
from headway.server import app as server_app
from headway.server.app import create_app
from headway.settings import Settings

API = "/api/v1"
BATCH = {"Content-Type": codec.BATCH_MEDIA_TYPE}


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the pinned error shape and return its ``error`` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    error: dict[str, Any] = body["error"]
    return error


@pytest.fixture
def run_id(client: httpx.Client) -> str:
    response = client.post(f"{API}/runs", json={"project": "p", "config": {"lr": 0.1}})
    assert response.status_code == 201, response.text
    run: str = response.json()["id"]
    return run


def a_batch(points: int = 3, seq: int = 0) -> LogBatch:
    steps = np.arange(points, dtype=np.int64)
    series = Series("loss", steps, np.full(points, 1.7e9), np.linspace(1, 0, points))
    return LogBatch(seq=seq, metrics={"loss": series}, time=1.7e9)


# -- the shape, pinned ---------------------------------------------------------------------


def test_missing_run_is_404_not_found(client: httpx.Client) -> None:
    response = client.get(f"{API}/runs/nope")
    assert response.json() == {
        "error": {"code": "not_found", "message": "run 'nope' does not exist", "details": {}}
    }
    error_of(response, 404, "not_found")
    error_of(
        client.post(f"{API}/runs/nope/log", content=codec.encode_batch(a_batch()), headers=BATCH),
        404,
        "not_found",
    )
    error_of(client.get(f"{API}/projects/nope"), 404, "not_found")


def test_bad_filter_is_400_naming_the_position(client: httpx.Client, run_id: str) -> None:
    response = client.post(f"{API}/projects/p/runs/search", json={"filter": "config.lr < and"})
    error = error_of(response, 400, "invalid_argument")
    assert "position 13" in error["message"]
    assert error["details"]["position"] == 13


def test_domain_conflicts_are_409(client: httpx.Client, run_id: str) -> None:
    duplicate = client.post(f"{API}/runs", json={"project": "p", "id": run_id})
    error_of(duplicate, 409, "already_exists")
    change = client.patch(f"{API}/runs/{run_id}/config", json={"values": {"lr": 0.2}})
    assert "lr" in error_of(change, 409, "conflict")["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/runs", {"project": 5}, "body field 'project'"),
        ("POST", "/runs", {"project": "p", "colour": "red"}, "body field 'colour'"),
        ("POST", "/runs", None, "request body"),
        ("POST", "/history", {"run_ids": "abc", "keys": []}, "body field 'run_ids'"),
        ("POST", "/history/envelope", {"run_ids": [], "keys": [], "buckets": "x"}, "'buckets'"),
        ("POST", "/runs/x/finish", {"state": "done"}, "body field 'state'"),
        ("GET", "/runs/x/console?limit=abc", None, "query parameter 'limit'"),
    ],
)
def test_request_validation_is_400_naming_the_field(
    client: httpx.Client, method: str, path: str, body: object, field: str
) -> None:
    error = error_of(client.request(method, API + path, json=body), 400, "invalid_argument")
    assert field in error["message"]
    assert error["details"]["errors"][0]["field"] in error["message"]


def test_invalid_json_is_400(client: httpx.Client) -> None:
    response = client.post(
        f"{API}/runs", content=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert "not valid JSON" in error_of(response, 400, "invalid_argument")["message"]


def test_unknown_route_and_method(client: httpx.Client) -> None:
    assert "/api/v1/nothing" in error_of(client.get(f"{API}/nothing"), 404, "not_found")["message"]
    response = client.delete(f"{API}/projects")
    error_of(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


# -- batches ---------------------------------------------------------------------------------


def test_binary_json_and_gzip_batches_are_accepted(client: httpx.Client, run_id: str) -> None:
    url = f"{API}/runs/{run_id}/log"
    assert client.post(url, content=codec.encode_batch(a_batch(seq=0)), headers=BATCH).json() == {
        "applied": True
    }
    json_body = codec.encode_batch_json(a_batch(seq=1))
    assert client.post(url, content=json_body, headers={"Content-Type": "application/json"}).json()[
        "applied"
    ]
    packed = gzip.compress(codec.encode_batch(a_batch(seq=2)))
    response = client.post(url, content=packed, headers={**BATCH, "Content-Encoding": "gzip"})
    assert response.json() == {"applied": True}
    again = client.post(url, content=packed, headers={**BATCH, "Content-Encoding": "gzip"})
    assert again.json() == {"applied": False}


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"garbage!", codec.BATCH_MEDIA_TYPE, "truncated"),
        (b"NOPE" + bytes(20), codec.BATCH_MEDIA_TYPE, "HWBT"),
        (codec.encode_batch(a_batch())[:-5], codec.BATCH_MEDIA_TYPE, "truncated"),
        (codec.encode_batch(a_batch()) + b"x", codec.BATCH_MEDIA_TYPE, "unexpected bytes"),
        (b"{", "application/json", "not valid JSON"),
        (
            b'{"seq": 0, "metrics": {"l": {"steps": [1.5], "times": [1], "values": [1]}}}',
            "application/json",
            "integer",
        ),
        (b'{"seq": 0}', "text/csv", "Content-Type"),
    ],
)
def test_malformed_batches_are_400(
    client: httpx.Client, run_id: str, body: bytes, content_type: str, message: str
) -> None:
    response = client.post(
        f"{API}/runs/{run_id}/log", content=body, headers={"Content-Type": content_type}
    )
    assert message in error_of(response, 400, "invalid_argument")["message"]


def test_domain_rules_still_apply_to_decoded_batches(client: httpx.Client, run_id: str) -> None:
    bad = LogBatch(
        seq=0, metrics={"loss": Series("loss", *[np.array(x) for x in ([-1], [1.0], [1.0])])}
    )
    response = client.post(
        f"{API}/runs/{run_id}/log", content=codec.encode_batch(bad), headers=BATCH
    )
    assert "steps" in error_of(response, 400, "invalid_argument")["message"]


# -- limits -----------------------------------------------------------------------------------


def assert_too_large(response: httpx.Response, limit: int) -> None:
    error = error_of(response, 413, "payload_too_large")
    assert str(limit) in error["message"]
    assert error["details"] == {"limit": limit}


def test_oversized_body_is_413_naming_the_limit(
    client: httpx.Client, run_id: str, max_request_bytes: int
) -> None:
    body = codec.encode_batch(a_batch(max_request_bytes // 24 + 10))
    response = client.post(f"{API}/runs/{run_id}/log", content=body, headers=BATCH)
    assert_too_large(response, max_request_bytes)


def test_oversized_chunked_body_is_413(
    client: httpx.Client, run_id: str, max_request_bytes: int
) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count
        for _ in range(40):
            yield bytes(64 * 1024)

    response = client.post(f"{API}/runs/{run_id}/log", content=chunks(), headers=BATCH)
    assert_too_large(response, max_request_bytes)


def test_gzip_bomb_is_413_without_inflating_it(
    client: httpx.Client, run_id: str, max_request_bytes: int
) -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=6)  # 64 MiB of zeros
    assert len(bomb) < max_request_bytes
    tracemalloc.start()  # the server runs in this process, so its allocations count
    try:
        response = client.post(
            f"{API}/runs/{run_id}/log",
            content=bomb,
            headers={**BATCH, "Content-Encoding": "gzip"},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_too_large(response, max_request_bytes)
    assert peak < 8 * max_request_bytes


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"not gzip at all", "not valid gzip"), (gzip.compress(b"{}" * 1000)[:-12], "truncated")],
)
def test_broken_gzip_is_400(client: httpx.Client, body: bytes, message: str) -> None:
    response = client.post(
        f"{API}/runs",
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert message in error_of(response, 400, "invalid_argument")["message"]


def test_unknown_content_encoding_is_400(client: httpx.Client) -> None:
    response = client.post(f"{API}/runs", content=b"x", headers={"Content-Encoding": "br"})
    assert "Content-Encoding" in error_of(response, 400, "invalid_argument")["message"]


def test_gzip_works_for_plain_json_endpoints(client: httpx.Client) -> None:
    body = gzip.compress(b'{"project": "zipped"}')
    response = client.post(
        f"{API}/runs",
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 201 and response.json()["project"] == "zipped"


# -- no 500s ------------------------------------------------------------------------------------

JUNK: list[tuple[bytes, str]] = [
    (b"", "application/json"),
    (b"null", "application/json"),
    (b"[]", "application/json"),
    (b'{"values": {"a": NaN}}', "application/json"),
    (b"\xff\xfe\x00", "application/json"),
    (b'{"run_ids": [1e999], "keys": [null], "buckets": 1e400}', "application/json"),
    (b"\x00" * 64, "application/octet-stream"),
    (b"HWBT\x01\x00\x00\x00\xff\xff\xff\xff", codec.BATCH_MEDIA_TYPE),
]
ROUTES = [
    ("POST", "/projects"),
    ("POST", "/runs"),
    ("PATCH", "/runs/{run}"),
    ("POST", "/runs/{run}/finish"),
    ("POST", "/runs/{run}/log"),
    ("PATCH", "/runs/{run}/config"),
    ("PATCH", "/runs/{run}/summary"),
    ("PUT", "/runs/{run}/files/../x"),
    ("POST", "/history"),
    ("POST", "/history/envelope"),
    ("POST", "/projects/p/runs/search"),
]


def test_junk_never_causes_a_500(client: httpx.Client, run_id: str) -> None:
    for method, route in ROUTES:
        for body, content_type in JUNK:
            response = client.request(
                method,
                API + route.format(run=run_id),
                content=body,
                headers={"Content-Type": content_type},
            )
            assert response.status_code < 500, (method, route, body, response.text)
            if response.status_code >= 400:
                error_of(response, response.status_code, response.json()["error"]["code"])


class ExplodingBackend(LocalBackend):
    def get_run(self, run_id: str) -> Run:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")


def test_unexpected_errors_are_500_internal_without_details(
    serve: Callable[[FastAPI], str], settings: Settings
) -> None:
    backend = ExplodingBackend(settings, migrate=True)
    try:
        response = httpx.get(serve(create_app(settings, backend)) + f"{API}/runs/any")
    finally:
        backend.close()
    error = error_of(response, 500, "internal")
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "server log" in error["message"]


# -- the rest of the surface ---------------------------------------------------------------------


def test_health_and_docs(client: httpx.Client, max_request_bytes: int) -> None:
    health = client.get(f"{API}/health").json()
    assert health["status"] == "ok"
    assert health["schema_version"]
    assert health["max_request_bytes"] == max_request_bytes
    # The web UI answers / and its own client-side routes; API paths never fall back to it.
    for path in ("/", "/projects/dropout", "/runs/abc123"):
        page = client.get(path)
        assert page.status_code == 200 and '<div id="app">' in page.text, path
    missing = client.get(f"{API}/no-such-thing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    operations = [op for item in spec["paths"].values() for op in item.values()]
    assert all(op.get("summary") and op.get("tags") for op in operations)
    log = spec["paths"]["/api/v1/runs/{run_id}/log"]["post"]
    assert set(log["requestBody"]["content"]) == {codec.BATCH_MEDIA_TYPE, "application/json"}


def test_non_finite_values_travel_as_strings(client: httpx.Client, run_id: str) -> None:
    batch = LogBatch(
        seq=0,
        metrics={
            "loss": Series(
                "loss", np.array([0, 1]), np.full(2, 1.7e9), np.array([math.inf, math.nan])
            )
        },
    )
    client.post(f"{API}/runs/{run_id}/log", content=codec.encode_batch(batch), headers=BATCH)
    run = client.get(f"{API}/runs/{run_id}").json()
    assert run["metrics"]["loss"]["max"] == "Infinity"
    history = client.post(f"{API}/history", json={"run_ids": [run_id], "keys": ["loss"]}).json()
    assert history["runs"][run_id]["loss"]["values"] == ["Infinity", "NaN"]
    summary = client.patch(f"{API}/runs/{run_id}/summary", json={"values": {"best": "-Infinity"}})
    assert summary.json()["summary"]["best"] == "-Infinity"


def test_built_ui_is_served_with_the_api_first(
    serve: Callable[[FastAPI], str],
    settings: Settings,
    local_backend: LocalBackend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "index.html").write_text("<html>headway ui</html>")
    (tmp_path / "app.js").write_text("console.log(1)")
    monkeypatch.setattr(server_app, "STATIC_DIR", tmp_path)
    base = serve(server_app.create_app(settings, local_backend))
    assert "headway ui" in httpx.get(base + "/").text
    assert httpx.get(base + "/app.js").text == "console.log(1)"
    # Client-side routes of the UI get index.html; unknown API paths stay JSON errors.
    assert "headway ui" in httpx.get(base + "/runs/abc123").text
    error_of(httpx.get(base + f"{API}/nothing"), 404, "not_found")
    assert httpx.get(base + f"{API}/health").json()["status"] == "ok"


def test_every_route_is_documented(client: httpx.Client) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "server.md").read_text()
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        route = path.removeprefix(API)
        for method in item:
            assert f"`{method.upper()} {route}`" in docs, f"{method.upper()} {route}"


def test_ingest_stats_count_batches_and_latency(client: httpx.Client, run_id: str) -> None:
    before = client.get(f"{API}/stats/ingest").json()
    batch = LogBatch(
        seq=0,
        metrics={"loss": Series("loss", np.arange(10), np.full(10, 1.7e9), np.ones(10))},
    )
    client.post(f"{API}/runs/{run_id}/log", content=codec.encode_batch(batch), headers=BATCH)
    after = client.get(f"{API}/stats/ingest").json()
    assert after["batches"] == before["batches"] + 1
    assert after["points"] == before["points"] + 10
    assert after["p99_ms"] is not None and after["p99_ms"] >= after["p50_ms"] > 0
