"""POST /projects/{name}/importance over real HTTP."""

from __future__ import annotations

import httpx

from headway.backend.local import LocalBackend
from headway.testing.ui_data import fill_sweep_project

API = "/api/v1"


def test_importance_of_a_filtered_set_and_of_chosen_runs(
    client: httpx.Client, local_backend: LocalBackend
) -> None:
    ids = fill_sweep_project(local_backend, project="kt", runs=120)
    url = f"{API}/projects/kt/importance"

    everything = client.post(url, json={"target": "summary.val/auc"})
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert body["runs_used"] == 120
    assert {p["param"] for p in body["params"]} >= {"config.hidden_size", "config.lr"}

    filtered = client.post(
        url, json={"target": "summary.val/auc", "filter": "config.hidden_size >= 128"}
    )
    assert 0 < filtered.json()["runs_used"] < 120
    # hidden_size varies less once filtered, but still varies
    chosen = client.post(url, json={"target": "summary.val/auc", "run_ids": ids[:10]})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["runs_used"] == 10


def test_bad_requests_name_what_is_wrong(client: httpx.Client, local_backend: LocalBackend) -> None:
    fill_sweep_project(local_backend, project="kt", runs=5)
    url = f"{API}/projects/kt/importance"
    missing = client.post(url, json={"target": "summary.nope"})
    assert missing.status_code == 400
    assert "summary.nope" in missing.json()["error"]["message"]
    empty = client.post(url, json={"target": "summary.val/auc", "run_ids": []})
    assert empty.status_code == 400
    assert "run_ids" in empty.json()["error"]["message"]
    unknown = client.post(f"{API}/projects/nope/importance", json={"target": "summary.val/auc"})
    assert unknown.status_code == 404
