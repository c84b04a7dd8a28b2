"""A project with datasets, models and a registered model, for the artifact and registry UI.

:func:`fill_registry_project` writes, through the public SDK only (``headway.init``,
``headway.Artifact``, ``run.log_artifact``, ``run.use_artifact``, ``run.link_model`` and
``headway.Api().registry``), into the embedded store ``HEADWAY_DIR`` names:

* ``student_data:v0`` — a raw CSV of students, logged by a data run;
* ``student_data_cleaned:v0`` and ``:v1`` — two cleanings of it, each by a run that used
  ``student_data:v0`` (so lineage exists); v1 changes the CSV, adds a Parquet copy and a
  folder, so the two versions have a diff;
* three ``dropout-model`` versions from training runs that used the cleaned data and
  logged ``val/accuracy``, ``val/auc`` and ``train/loss``;
* the registered model ``dropout-risk`` (a markdown model card) with those three
  versions: ``production`` was promoted to v2, then to v3, then rolled back to v2;
  ``staging`` points at v3; ``production`` is protected (role ``approver``);
* an automation that posts alias moves to a receiver that answers 200; its deliveries
  are recorded before this returns.

The browser tests run it in a subprocess with ``HEADWAY_DIR`` set.
"""

from __future__ import annotations

import json
import struct
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

import headway

MODEL = "dropout-risk"
SCHOOLS = ("north", "south", "east", "west")
PROTECTED_ROLE = "approver"
MODEL_CARD = """# Dropout risk

Predicts which students are **at risk of dropping out** in the next term, from attendance,
grades and engagement.

## Intended use

- Flag students for an adviser's *early* conversation.
- Never as the only input to a decision about a student.

## Training data

Trained on `student_data_cleaned` (see its lineage). Evaluate with:

```python
api.model_version("dropout-risk@production").download()
```

See [the Headway docs](https://example.org/headway) for the promotion process.
"""


@dataclass(frozen=True)
class RegistryProject:
    project: str
    model: str
    raw_run: str
    clean_runs: list[str]
    train_runs: list[str]
    automation_id: int


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG with a diagonal stripe, written without an imaging library."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            stripe = abs(x - y * width // height) < 3
            rows.extend((255, 255, 255) if stripe else rgb)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def _students(rng: np.random.Generator, n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        attendance = float(np.clip(rng.normal(0.85, 0.1), 0.2, 1.0))
        grade = float(np.clip(rng.normal(12, 3), 0, 20))
        risk = 1 / (1 + np.exp(8 * (attendance - 0.75) + 0.4 * (grade - 10)))
        rows.append(
            {
                "student_id": f"s{i:05d}",
                "school": SCHOOLS[i % len(SCHOOLS)],
                "attendance": round(attendance, 3),
                "mean_grade": round(grade, 2) if i % 37 else "",
                "dropped_out": int(rng.random() < risk),
            }
        )
    return rows


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    columns = list(rows[0])
    lines = [",".join(columns)]
    lines += [",".join(str(r[c]) for c in columns) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def _write_parquet(path: Path, rows: list[dict[str, object]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {c: [r[c] for r in rows] for c in rows[0]}
    pq.write_table(pa.table(columns), path)


def _log_raw(project: str, work: Path, rows: list[dict[str, object]]) -> str:
    with headway.init(project=project, name="import-raw", job_type="data") as run:
        folder = work / "raw"
        folder.mkdir()
        _write_csv(folder / "students.csv", rows)
        (folder / "README.md").write_text("Raw export of the student information system.\n")
        art = headway.Artifact(
            "student_data",
            "dataset",
            description="Raw student records, one row per student.",
            metadata={"rows": len(rows), "source": "sis-export", "schema": list(rows[0])},
        )
        art.add_dir(folder)
        run.log_artifact(art, tags=["raw"])
        return run.id


def _log_cleaned(project: str, work: Path, rows: list[dict[str, object]], revision: int) -> str:
    with headway.init(
        project=project, name=f"clean-v{revision}", job_type="data", config={"revision": revision}
    ) as run:
        run.use_artifact("student_data:v0", type="dataset")
        kept = [r for r in rows if r["mean_grade"] != ""]
        if revision > 0:
            kept = [r for r in kept if float(str(r["attendance"])) > 0.6]
        folder = work / f"clean{revision}"
        (folder / "splits").mkdir(parents=True)
        _write_csv(folder / "students.csv", kept)
        cut = int(len(kept) * 0.8)
        _write_csv(folder / "splits" / "train.csv", kept[:cut])
        _write_csv(folder / "splits" / "val.csv", kept[cut:])
        if revision > 0:
            _write_parquet(folder / "students.parquet", kept)
            (folder / "stats.json").write_text(
                json.dumps({"rows": len(kept), "dropout_rate": _rate(kept)}, indent=None)
            )
        art = headway.Artifact(
            "student_data_cleaned",
            "dataset",
            description="Students with a grade; "
            + ("outliers removed." if revision else "first pass."),
            metadata={"rows": len(kept), "min_attendance": 0.6 if revision else None},
        )
        art.add_dir(folder)
        run.log_artifact(art, aliases=["latest-clean"] if revision else (), tags=["clean"])
        return run.id


def _rate(rows: list[dict[str, object]]) -> float:
    return round(sum(int(str(r["dropped_out"])) for r in rows) / max(1, len(rows)), 4)


def _train(project: str, work: Path, index: int, hidden: int, lr: float) -> str:
    with headway.init(
        project=project,
        name=f"train-h{hidden}",
        job_type="train",
        config={"hidden_size": hidden, "lr": lr, "epochs": 8},
        tags=["dropout"],
    ) as run:
        data = run.use_artifact("student_data_cleaned:v1")
        quality = 0.78 + 0.03 * index
        for epoch in range(8):
            progress = 1 - np.exp(-(epoch + 1) / 3)
            run.log(
                {
                    "train/loss": round(0.7 - 0.4 * progress - 0.02 * index, 4),
                    "val/accuracy": round(0.6 + (quality - 0.6) * progress, 4),
                    "val/auc": round(0.65 + (quality + 0.05 - 0.65) * progress, 4),
                }
            )
        folder = work / f"model{index}"
        (folder / "model").mkdir(parents=True)
        (folder / "plots").mkdir()
        (folder / "model" / "weights.bin").write_bytes(
            np.arange(hidden * 16, dtype="<f4").tobytes()
        )
        (folder / "model" / "config.json").write_text(
            json.dumps({"hidden_size": hidden, "lr": lr, "features": ["attendance", "mean_grade"]})
        )
        (folder / "plots" / "roc.png").write_bytes(_png(96, 64, (47, 111, 223 - 40 * index)))
        (folder / "README.md").write_text(
            f"# dropout model h{hidden}\n\nTrained on {data.qualified_name}.\n"
        )
        art = headway.Artifact(
            "dropout-model",
            "model",
            description=f"GRU classifier, hidden size {hidden}.",
            metadata={"hidden_size": hidden, "lr": lr, "val_accuracy": round(quality, 4)},
        )
        art.add_dir(folder)
        version = run.log_artifact(art)
        assert version is not None, "the model artifact was not logged"
        run.link_model(version, MODEL, description=f"hidden size {hidden}")
        return run.id


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"received": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def fill_registry_project(project: str, *, seed: int = 7) -> RegistryProject:
    """Log the datasets, models and registry history described in this module's docstring."""
    rng = np.random.default_rng(seed)
    rows = _students(rng, 400)
    api = headway.Api()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            raw_run = _log_raw(project, work, rows)
            clean_runs = [_log_cleaned(project, work, rows, r) for r in (0, 1)]
            train_runs = [
                _train(project, work, i, hidden, lr)
                for i, (hidden, lr) in enumerate([(32, 3e-3), (64, 1e-3), (128, 1e-3)])
            ]
        registry = api.registry
        registry.update_model(MODEL, description=MODEL_CARD)
        port = receiver.server_address[1]
        automation = registry.create_automation(
            model=MODEL,
            name="notify-deploy",
            events=["alias_set"],
            url=f"http://127.0.0.1:{port}/hooks/deploy",
        )
        registry.set_alias(MODEL, "production", 2)
        registry.set_alias(MODEL, "staging", 3)
        registry.set_alias(MODEL, "production", 3)
        registry.rollback(MODEL, "production")
        registry.protect(MODEL, "production", PROTECTED_ROLE)
        _wait_for_deliveries(api, automation.id, 4)
    finally:
        receiver.shutdown()
        receiver.server_close()
    return RegistryProject(project, MODEL, raw_run, clean_runs, train_runs, automation.id)


def _wait_for_deliveries(api: headway.Api, automation_id: int, count: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if len(api.registry.deliveries(automation_id)) >= count:
            return
        time.sleep(0.05)
    raise RuntimeError(f"automation {automation_id} did not deliver {count} webhooks in 20 s")
