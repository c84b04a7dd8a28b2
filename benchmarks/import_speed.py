"""Import speed: points per second of ``headway import wandb``, ``tensorboard`` and ``mlflow``.

    .venv/bin/python benchmarks/import_speed.py [--points 1000000]
        [--only wandb,tensorboard,mlflow]

Generates, once, a W&B offline run, a TensorBoard log and an MLflow SQLite store of about
``--points`` scalar points with the real tools (``wandb.log`` under
``WANDB_MODE=offline``; TensorBoard's ``EventFileWriter``; ``MlflowClient.log_batch``)
and caches them under ``benchmarks/.cache/import_speed/``. Each measurement then imports
the source into a fresh embedded store (SQLite + a local folder, in a temporary
directory) through the same code as the CLI, and prints points per second. It also
times the tool's own reader alone (W&B's ``wandb-core`` printing the records;
TensorBoard's event file loader; MLflow's metric history pages), since that bounds the
import.

Shapes: W&B 20 metrics a row (``wandb.log`` of 20 keys per step); TensorBoard 10 tags a
step, one ``simple_value`` each, as PyTorch's ``SummaryWriter.add_scalar`` writes them;
MLflow one run of 10 metrics, 100 steps of them per ``log_batch`` (its limit is 1000
metrics a call). Generating takes a few minutes the first time (most of it in
``wandb.log`` and MLflow's ``log_batch``).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CACHE = BENCH_DIR / ".cache" / "import_speed"
WANDB_KEYS = 20
TB_TAGS = 10
MLFLOW_KEYS = 10
KINDS = ("wandb", "tensorboard", "mlflow")

WANDB_SCRIPT = textwrap.dedent(
    """
    import math, sys, wandb
    rows, keys = int(sys.argv[1]), int(sys.argv[2])
    run = wandb.init(project="bench", name="import-speed",
                     settings=wandb.Settings(x_disable_stats=True, console="off"))
    for step in range(rows):
        run.log({f"m{k}": math.sin(step * 0.001 + k) for k in range(keys)}, step=step)
    run.finish()
    """
)


MLFLOW_SCRIPT = textwrap.dedent(
    """
    import math, sys, time
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient
    uri, artifacts, steps, keys = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("bench", artifact_location=artifacts)
    run = client.create_run(experiment, run_name="import-speed").info.run_id
    now = int(time.time() * 1000)
    per_call = 1000 // keys
    for start in range(0, steps, per_call):
        client.log_batch(run, metrics=[
            Metric(f"m{k}", math.sin(step * 0.001 + k), now + step * 10, step)
            for step in range(start, min(steps, start + per_call)) for k in range(keys)
        ])
    client.set_terminated(run)
    """
)


def _cache_dir(kind: str, points: int) -> Path:
    folder = CACHE / f"{kind}-{points}"
    CACHE.mkdir(parents=True, exist_ok=True)
    # The cache ignores itself, so generated data never shows up in `git status`.
    (CACHE.parent / ".gitignore").write_text("*\n")
    return folder


def make_wandb(points: int) -> Path:
    folder = _cache_dir("wandb", points)
    if (folder / "done").exists():
        return folder / "wandb"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rows = math.ceil(points / WANDB_KEYS)
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(folder),
        "WANDB_CONFIG_DIR": str(folder / ".config"),
        "WANDB_CACHE_DIR": str(folder / ".cache"),
        "WANDB_DATA_DIR": str(folder / ".data"),
    }
    print(f"generating a W&B offline run: {rows:,} rows x {WANDB_KEYS} metrics …", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", WANDB_SCRIPT, str(rows), str(WANDB_KEYS)],
        cwd=folder,
        env=env,
        check=True,
    )
    print(f"  took {time.perf_counter() - started:.0f} s", flush=True)
    (folder / "done").write_text("")
    return folder / "wandb"


def make_tensorboard(points: int) -> Path:
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder = _cache_dir("tensorboard", points)
    if (folder / "done").exists():
        return folder / "logs"
    shutil.rmtree(folder, ignore_errors=True)
    steps = math.ceil(points / TB_TAGS)
    print(f"generating a TensorBoard log: {steps:,} steps x {TB_TAGS} tags …", flush=True)
    started = time.perf_counter()
    writer = EventFileWriter(str(folder / "logs" / "train"), max_queue_size=1000)
    now = time.time()
    for step in range(steps):
        values = [
            summary_pb2.Summary.Value(tag=f"m{k}", simple_value=math.sin(step * 0.001 + k))
            for k in range(TB_TAGS)
        ]
        writer.add_event(
            event_pb2.Event(
                step=step, wall_time=now + step * 0.01, summary=summary_pb2.Summary(value=values)
            )
        )
    writer.close()
    print(f"  took {time.perf_counter() - started:.0f} s", flush=True)
    (folder / "done").write_text("")
    return folder / "logs"


def make_mlflow(points: int) -> Path:
    folder = _cache_dir("mlflow", points)
    if (folder / "done").exists():
        return folder / "mlflow.db"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    steps = math.ceil(points / MLFLOW_KEYS)
    print(f"generating an MLflow SQLite store: {steps:,} steps x {MLFLOW_KEYS} metrics …")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            MLFLOW_SCRIPT,
            f"sqlite:///{folder / 'mlflow.db'}",
            str(folder / "artifacts"),
            str(steps),
            str(MLFLOW_KEYS),
        ],
        cwd=folder,
        env={**os.environ, "MLFLOW_TRACKING_URI": ""},
        check=True,
    )
    print(f"  took {time.perf_counter() - started:.0f} s", flush=True)
    (folder / "done").write_text("")
    return folder / "mlflow.db"


def reader_only_mlflow(db: Path) -> float:
    """MLflow's reader alone: every metric's history, page by page, as the import reads it."""
    from headway.importers.mlflow import MlflowImporter

    importer = MlflowImporter(str(db))
    sources = importer.discover()
    started = time.perf_counter()
    for source in sources:
        for key in source.extra["run"].data.metrics:
            for _ in importer._history(source.identity, key):
                pass
    return time.perf_counter() - started


def reader_only_wandb(wandb_dir: Path) -> float:
    from headway.importers.wandb import _core_path, _records

    file = next(wandb_dir.glob("*/*.wandb"))
    started = time.perf_counter()
    with _records(_core_path(), file) as records:
        for _ in records:
            pass
    return time.perf_counter() - started


def reader_only_tensorboard(logdir: Path) -> float:
    from tensorboard.backend.event_processing import event_file_loader

    started = time.perf_counter()
    for path in sorted(logdir.rglob("events.out.tfevents.*")):
        for event in event_file_loader.LegacyEventFileLoader(str(path)).Load():
            for _ in event.summary.value:
                pass
    return time.perf_counter() - started


def import_once(kind: str, source: Path) -> tuple[int, float]:
    from headway.backend.local import LocalBackend
    from headway.importers.base import BaseImporter
    from headway.importers.common import ImportReport
    from headway.importers.mlflow import MlflowImporter
    from headway.importers.tensorboard import TensorBoardImporter
    from headway.importers.wandb import WandbImporter
    from headway.settings import Settings

    with tempfile.TemporaryDirectory(prefix="headway-import-bench-") as store:
        backend = LocalBackend(Settings.from_env(env={}, dir=store), migrate=True)
        try:
            started = time.perf_counter()
            report: ImportReport
            if kind == "mlflow":  # as `headway import mlflow SOURCE` does
                mlflow = MlflowImporter(str(source))
                report = mlflow.import_all(backend, mlflow.discover())
            else:
                importer: BaseImporter = (
                    WandbImporter() if kind == "wandb" else TensorBoardImporter()
                )
                report = importer.import_runs(backend, importer.discover([source]))
            elapsed = time.perf_counter() - started
        finally:
            backend.close()
    if report.failed:
        raise SystemExit(report.text())
    return sum(o.points for o in report.outcomes), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 points per source")
    parser.add_argument("--only", default=",".join(KINDS))
    args = parser.parse_args()
    if args.quick:
        args.points = min(args.points, 100_000)
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown source {', '.join(sorted(unknown))}: choose from {KINDS}")
    makers = {"wandb": make_wandb, "tensorboard": make_tensorboard, "mlflow": make_mlflow}
    readers = {
        "wandb": reader_only_wandb,
        "tensorboard": reader_only_tensorboard,
        "mlflow": reader_only_mlflow,
    }
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for kind in kinds:
        source = makers[kind](args.points)
        reader = readers[kind](source)
        points, elapsed = import_once(kind, source)
        print(
            f"{kind:<12} {points:>10,} points  import {elapsed:6.1f} s = "
            f"{points / elapsed:>9,.0f} points/s   (the tool's reader alone: {reader:5.1f} s = "
            f"{points / reader:>9,.0f} points/s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
