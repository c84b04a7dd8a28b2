"""Deleting an MLflow experiment deletes all its runs, however many, and restoring it
brings back exactly those."""

from __future__ import annotations

import httpx

from headway.backend.local import LocalBackend
from headway.entities import RunCreate, SearchQuery

API = "/api/2.0/mlflow"


def test_delete_and_restore_take_every_run(
    client: httpx.Client, local_backend: LocalBackend
) -> None:
    made = client.post(f"{API}/experiments/create", json={"name": "many runs"}).json()
    exp_id = made["experiment_id"]
    project = client.get(f"{API}/experiments/get", params={"experiment_id": exp_id})
    assert project.status_code == 200
    name = "many-runs"
    for _ in range(1_050):  # more than two pages of the store's run iterator
        local_backend.create_run(RunCreate(project=name))
    earlier = local_backend.create_run(RunCreate(project=name))
    local_backend.delete_run(earlier.id)  # deleted before: stays deleted after a restore
    assert (
        client.post(f"{API}/experiments/delete", json={"experiment_id": exp_id}).status_code == 200
    )
    assert local_backend.search_runs(SearchQuery(project=name)).total == 0
    assert (
        client.post(f"{API}/experiments/restore", json={"experiment_id": exp_id}).status_code == 200
    )
    assert local_backend.search_runs(SearchQuery(project=name)).total == 1_050
    assert local_backend.get_run(earlier.id).deleted_at is not None
