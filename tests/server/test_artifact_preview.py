"""Table previews: the first rows of a version's CSV, TSV and Parquet files."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from headway.backend.local import LocalBackend
from headway.testing.artifact_contract import log

BASE = "/api/v1/projects/p/artifacts/d/versions/v0/table"


def _parquet(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def test_csv_tsv_and_parquet_tables(
    client: httpx.Client, local_backend: LocalBackend, tmp_path: Path
) -> None:
    csv = "id,score,when\n" + "".join(f"r{i},{i / 2},2026-03-0{1 + i % 9}\n" for i in range(500))
    frame = pa.table({"id": ["a", "b", None], "x": [1.5, float("nan"), float("inf")]})
    files = {
        "data/scores.csv": csv.encode(),
        "data/scores.tsv": b"a\tb\n1\tx\n",
        "t.parquet": _parquet(frame),
        "notes.txt": b"hello",
    }
    log(local_backend, tmp_path, "p", "d", files)

    first = client.get(f"{BASE}/data/scores.csv", params={"limit": 3}).json()
    assert first["format"] == "csv" and first["total_rows"] == 500
    assert [c["name"] for c in first["columns"]] == ["id", "score", "when"]
    assert first["columns"][1]["type"] == "double"
    assert first["rows"] == [
        ["r0", 0.0, "2026-03-01"],
        ["r1", 0.5, "2026-03-02"],
        ["r2", 1.0, "2026-03-03"],
    ]
    assert len(client.get(f"{BASE}/data/scores.csv").json()["rows"]) == 200

    tsv = client.get(f"{BASE}/data/scores.tsv").json()
    assert tsv["format"] == "tsv" and tsv["rows"] == [[1, "x"]]

    table = client.get(f"{BASE}/t.parquet").json()
    assert table["format"] == "parquet" and table["total_rows"] == 3
    assert table["rows"] == [["a", 1.5], ["b", "NaN"], [None, "Infinity"]]


def test_preview_errors_are_in_the_api_shape(
    client: httpx.Client, local_backend: LocalBackend, tmp_path: Path
) -> None:
    log(local_backend, tmp_path, "p", "d", {"notes.txt": b"hi", "bad.parquet": b"not parquet"})
    not_table = client.get(f"{BASE}/notes.txt")
    assert not_table.status_code == 400 and "not a table" in not_table.json()["error"]["message"]
    broken = client.get(f"{BASE}/bad.parquet")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_argument"
    missing = client.get(f"{BASE}/gone.csv")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    selector = client.get("/api/v1/projects/p/artifacts/d/versions/latest/table/notes.csv")
    assert selector.status_code == 400
    too_many = client.get(f"{BASE}/notes.csv", params={"limit": 10**6})
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "invalid_argument"
