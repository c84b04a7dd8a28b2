"""Errors in MLflow's shape and codes, so the client raises what MLflow users expect and
never retries a client mistake (it retries 5xx answers for minutes)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from mlflow.exceptions import RestException
from mlflow.tracking import MlflowClient

API = "/api/2.0/mlflow"


@pytest.fixture
def http(headway_server: object) -> httpx.Client:
    return httpx.Client(base_url=headway_server.url, timeout=30)  # type: ignore[attr-defined]


def _run(http: httpx.Client) -> str:
    exp = http.post(f"{API}/experiments/create", json={"name": f"err-{uuid.uuid4().hex[:8]}"})
    run = http.post(f"{API}/runs/create", json={"experiment_id": exp.json()["experiment_id"]})
    return str(run.json()["run"]["info"]["run_id"])


@pytest.mark.mlflow_group("errors")
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "message"),
    [
        ("GET", "experiments/get-by-name?experiment_name=nope-x", None, 404,
         "RESOURCE_DOES_NOT_EXIST", "Could not find experiment with name 'nope-x'"),
        ("GET", "experiments/get?experiment_id=abc", None, 400, "INVALID_PARAMETER_VALUE", "abc"),
        ("POST", "experiments/create", {}, 400, "INVALID_PARAMETER_VALUE", "'name'"),
        ("GET", "runs/get?run_id=nope", None, 404, "RESOURCE_DOES_NOT_EXIST",
         "Run with id=nope not found"),
        ("GET", "registered-models/get?name=nosuch", None, 404, "RESOURCE_DOES_NOT_EXIST",
         "Registered Model with name=nosuch not found"),
        ("POST", "runs/search", {"experiment_ids": ["0"], "page_token": "garbage!"}, 400,
         "INVALID_PARAMETER_VALUE", "page token"),
        ("POST", "runs/search", {"experiment_ids": ["0"], "max_results": 50001}, 400,
         "INVALID_PARAMETER_VALUE", "max_results"),
        ("POST", "runs/search", {"experiment_ids": ["0"], "order_by": ["metrics.a SIDEWAYS"]},
         400, "INVALID_PARAMETER_VALUE", "SIDEWAYS"),
        ("POST", "no/such/endpoint", {}, 404, "ENDPOINT_NOT_FOUND", "no/such/endpoint"),
    ],
)  # fmt: skip
def test_error_shapes(
    http: httpx.Client,
    method: str,
    path: str,
    body: object,
    status: int,
    code: str,
    message: str,
) -> None:
    answer = http.request(method, f"{API}/{path}", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error_code"] == code
    assert message in answer.json()["message"]


@pytest.mark.mlflow_group("errors")
def test_bad_values_name_the_field(http: httpx.Client) -> None:
    run_id = _run(http)
    missing = http.post(f"{API}/runs/log-metric", json={"run_id": run_id, "key": "m", "value": 1})
    assert missing.status_code == 400
    assert "Missing value for required parameter 'timestamp'" in missing.json()["message"]
    not_number = http.post(
        f"{API}/runs/log-batch",
        json={"run_id": run_id, "metrics": [{"key": "m", "value": "abc", "timestamp": 1}]},
    )
    assert not_number.status_code == 400 and "metrics[0].value" in not_number.json()["message"]
    negative = http.post(
        f"{API}/runs/log-metric",
        json={"run_id": run_id, "key": "m", "value": 1, "timestamp": 1, "step": -1},
    )
    assert negative.status_code == 400 and "2**62" in negative.json()["message"]
    malformed = http.post(
        f"{API}/runs/log-batch", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["error_code"] == "MALFORMED_REQUEST"
    # Nothing of the refused requests was stored.
    got = http.get(f"{API}/runs/get", params={"run_id": run_id}).json()
    assert got["run"]["data"]["metrics"] == []


@pytest.mark.mlflow_group("errors")
def test_path_escapes_are_refused(http: httpx.Client) -> None:
    answer = http.put("/api/2.0/mlflow-artifacts/artifacts/0/a/%2E%2E/%2E%2E/etc/x", content=b"x")
    assert answer.status_code == 400
    assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"


@pytest.mark.mlflow_group("errors")
def test_protected_alias_is_permission_denied(tracking_uri: str, headway_server: object) -> None:
    from sklearn.linear_model import LogisticRegression

    import mlflow
    from headway.backend.http import HttpBackend

    name = f"guarded-{uuid.uuid4().hex[:8]}"
    mlflow.set_experiment(name)
    with mlflow.start_run():
        mlflow.sklearn.log_model(
            LogisticRegression().fit([[0.0], [1.0]], [0, 1]), name="m", registered_model_name=name
        )
    backend = HttpBackend(headway_server.url)  # type: ignore[attr-defined]
    try:
        registry = backend.registry.with_user("admin-user")
        registry.set_alias(name, "production", 1, role="admin")
        registry.protect(name, "production", "approver")
    finally:
        backend.close()
    with pytest.raises(RestException) as err:
        MlflowClient().set_registered_model_alias(name, "production", "1")
    assert err.value.error_code == "PERMISSION_DENIED"
    assert err.value.get_http_status_code() == 403
