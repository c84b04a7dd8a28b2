"""MLflow's ``Default`` experiment appears when MLflow's API first needs it, so a store
that no MLflow client ever talks to has no empty ``Default`` project."""

from __future__ import annotations

import httpx


def test_default_is_made_on_first_use(client: httpx.Client) -> None:
    assert client.get("/api/v1/projects").json()["projects"] == []
    got = client.get("/api/2.0/mlflow/experiments/get", params={"experiment_id": "0"})
    assert got.status_code == 200
    assert got.json()["experiment"]["name"] == "Default"
    names = [p["name"] for p in client.get("/api/v1/projects").json()["projects"]]
    assert names == ["Default"]


def test_a_run_without_an_experiment_goes_to_default(client: httpx.Client) -> None:
    made = client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"})
    assert made.status_code == 200
    run_id = made.json()["run"]["info"]["run_id"]
    assert client.get(f"/api/v1/runs/{run_id}").json()["project"] == "Default"
