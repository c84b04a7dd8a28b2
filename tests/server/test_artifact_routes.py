"""Artifact routes a browser uses directly: file bytes, previews, errors in the API shape."""

from __future__ import annotations

from pathlib import Path

import httpx

from headway.backend.local import LocalBackend
from headway.testing.artifact_contract import log

API = "/api/v1"


def test_file_bytes_previews_and_errors(
    client: httpx.Client, local_backend: LocalBackend, tmp_path: Path
) -> None:
    log(local_backend, tmp_path, "p", "d", {"notes/a.txt": b"x" * 1000, "b.csv": b"k\n1\n"})
    base = f"{API}/projects/p/artifacts/d/versions/v0/files"
    full = client.get(f"{base}/notes/a.txt")
    assert full.status_code == 200 and full.content == b"x" * 1000
    assert full.headers["content-type"] == "application/octet-stream"
    assert full.headers["x-content-type-options"] == "nosniff"
    preview = client.get(f"{base}/notes/a.txt", params={"max_bytes": 10})
    assert preview.content == b"x" * 10 and preview.headers["x-headway-size"] == "1000"
    listed = client.get(base, params={"prefix": "notes/"}).json()["files"]
    assert [f["path"] for f in listed] == ["notes/a.txt"]
    missing = client.get(f"{base}/nope.txt")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    escape = client.get(f"{base}/notes/%2E%2E/%2E%2E/secret")
    assert escape.status_code == 400 and "path" in escape.json()["error"]["message"]
    selector = client.get(f"{API}/projects/p/artifacts/d/versions/latest").json()
    assert selector["version"] == 0 and selector["aliases"] == ["latest"]
    bad = client.patch(f"{API}/projects/p/artifacts/d/versions/v0", json={"add_aliases": ["v9"]})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_argument"
    typo = client.patch(f"{API}/projects/p/artifacts/d/versions/v0", json={"alias": ["x"]})
    assert typo.status_code == 400


def test_the_acting_user_is_recorded_from_the_header(
    client: httpx.Client, local_backend: LocalBackend, tmp_path: Path
) -> None:
    log(local_backend, tmp_path, "p", "d", {"a": b"1"})
    client.patch(
        f"{API}/projects/p/artifacts/d/versions/v0",
        json={"description": "reviewed"},
        headers={"X-Headway-User": "maria"},
    )
    events = client.get(f"{API}/projects/p/artifacts/d/events").json()["events"]
    assert events[-1]["actor"] == "maria" and events[-1]["action"] == "description"
