"""``headway import wandb`` on offline runs written by the real ``wandb`` package.

The runs are made once per module by a script run with ``WANDB_MODE=offline`` in a
temporary folder (no network); it writes down what it logged, and the tests compare
the import against that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from headway.backend.local import LocalBackend
from headway.cli.main import cli
from headway.cli.options import close_backends
from headway.entities import RunState, SearchQuery
from headway.errors import InvalidArgument
from headway.importers.common import ImportOptions, MissingDependency
from headway.importers.wandb import WandbImporter
from headway.settings import Settings

SCRIPT = textwrap.dedent(
    """
    import json, math, os, sys, time
    import numpy as np
    import wandb

    truth = {"loss": [], "val/acc": [], "weights_steps": []}
    run = wandb.init(
        project="essays",
        name="essay-scorer",
        tags=["baseline", "fair"],
        notes="first try",
        group="cv",
        job_type="train",
        config={"lr": 0.001, "model": {"layers": 2, "dropout": 0.1}},
        settings=wandb.Settings(x_stats_sampling_interval=0.1),
    )
    truth["start"] = time.time()
    run.define_metric("val/acc", summary="max")
    for step in range(300):
        row = {"loss": 1.0 / (step + 1), "val/acc": math.sin(step) / 2 + 0.5}
        if step % 100 == 0:
            print(f"epoch {step // 100}")
            print(f"warning {step}", file=sys.stderr)
            row["weights"] = wandb.Histogram(np.arange(10.0))
            row["stage"] = "warmup" if step == 0 else "train"
            truth["weights_steps"].append(step)
        run.log(row, step=step)
        truth["loss"].append([step, row["loss"]])
        truth["val/acc"].append([step, row["val/acc"]])
    run.log({"sample": wandb.Image(np.zeros((8, 8, 3), dtype=np.uint8))}, step=300)
    print("progress 10%\\rprogress 100%")
    run.summary["best_acc"] = 0.93
    run.config.update({"late": "yes"})
    with open("notes.txt", "w") as f:
        f.write("hello from the run")
    run.save("notes.txt", policy="now")
    with open(os.path.join(run.dir, "model.bin"), "wb") as f:
        f.write(bytes(range(256)) * 12)
    time.sleep(0.5)  # a few system metric samples
    run.finish()
    truth["end"] = time.time()

    broken = wandb.init(project="essays", name="broken")
    for step in range(5):
        broken.log({"loss": float(step)})
    broken.finish(exit_code=1)
    json.dump(truth, open("truth.json", "w"))
    """
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with wandb/ holding the two offline runs, and truth.json."""
    root = tmp_path_factory.mktemp("wandb-project")
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_CONFIG_DIR": str(root / ".config"),
        "WANDB_CACHE_DIR": str(root / ".cache"),
        "WANDB_DATA_DIR": str(root / ".data"),
    }
    subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=root, env=env, check=True, capture_output=True
    )
    return root


@pytest.fixture(scope="module")
def truth(workdir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((workdir / "truth.json").read_text())
    return loaded


def _run_folder(workdir: Path, name: str) -> Path:
    for source in WandbImporter().discover([workdir]):
        if source.name == name:
            return source.path
    raise AssertionError(f"no W&B run named {name}")


@pytest.fixture
def imported(workdir: Path, local_backend: LocalBackend) -> dict[str, str]:
    """Run name -> run id after importing the project folder."""
    importer = WandbImporter()
    report = importer.import_runs(local_backend, importer.discover([workdir]))
    assert not report.failed, report.text()
    return {o.source.name: o.run_id for o in report.outcomes}


def test_history_is_imported_point_for_point(
    truth: dict[str, Any], imported: dict[str, str], local_backend: LocalBackend
) -> None:
    run_id = imported["essay-scorer"]
    history = local_backend.get_history(run_id, ["loss", "val/acc"])
    for key in ("loss", "val/acc"):
        got = list(zip(history[key].steps.tolist(), history[key].values.tolist(), strict=True))
        assert got == [tuple(p) for p in truth[key]]
        times = history[key].times
        assert truth["start"] <= times.min() and times.max() <= truth["end"]
    keys = local_backend.metric_keys(run_id)
    assert "stage" not in keys  # text is not a metric
    assert any(k.startswith("system/") for k in keys)
    cpu = local_backend.get_history(run_id, ["system/cpu"])["system/cpu"]
    # One step per sample (the first sample may come before CPU use is known).
    first = int(cpu.steps[0])
    assert len(cpu) >= 2 and cpu.steps.tolist() == list(range(first, first + len(cpu)))


def test_config_summary_and_attributes(
    truth: dict[str, Any], imported: dict[str, str], local_backend: LocalBackend
) -> None:
    run = local_backend.get_run(imported["essay-scorer"])
    assert run.project == "essays"
    assert run.config == {"lr": 0.001, "model": {"layers": 2, "dropout": 0.1}, "late": "yes"}
    assert run.summary["best_acc"] == 0.93
    assert run.summary["loss"] == 1.0 / 300  # derived by Headway from the points
    # define_metric(summary="max") became a metric definition Headway applies itself.
    assert run.summary["val/acc"] == max(v for _, v in truth["val/acc"])
    assert {"pattern": "val/acc", "step_metric": None, "summary": "max", "hidden": False} in (
        run.metadata["metric_defs"]
    )
    assert (run.name, run.tags, run.notes, run.group, run.job_type) == (
        "essay-scorer",
        ("baseline", "fair"),
        "first try",
        "cv",
        "train",
    )
    assert run.state is RunState.FINISHED and run.exit_code == 0
    assert abs(run.created_at.timestamp() - truth["start"]) < 5
    assert run.finished_at is not None and run.finished_at.timestamp() <= truth["end"] + 1
    assert run.metadata["wandb"]["project"] == "essays"
    assert run.metadata["imported_from"]["complete"] is True
    broken = local_backend.get_run(imported["broken"])
    assert broken.state is RunState.FAILED and broken.exit_code == 1
    assert local_backend.get_history(broken.id, ["loss"])["loss"].values.tolist() == [
        0.0,
        1.0,
        2.0,
        3.0,
        4.0,
    ]


def test_console_files_histograms_and_images(
    truth: dict[str, Any], imported: dict[str, str], local_backend: LocalBackend
) -> None:
    run_id = imported["essay-scorer"]
    lines = [(c.stream, c.text) for c in local_backend.get_console(run_id)]
    assert [t for s, t in lines if s == "stdout"] == [
        "epoch 0",
        "epoch 1",
        "epoch 2",
        "progress 100%",  # the line as the terminal left it
    ]
    assert [t for s, t in lines if s == "stderr"] == ["warning 0", "warning 100", "warning 200"]
    files = local_backend.list_files(run_id)
    assert local_backend.get_file(run_id, "notes.txt") == b"hello from the run"
    assert local_backend.get_file(run_id, "model.bin") == bytes(range(256)) * 12
    assert {"requirements.txt", "output.log"} <= set(files)
    images = [f for f in files if f.startswith("media/images/sample_")]
    assert len(images) == 1
    assert local_backend.get_file(run_id, images[0]).startswith(b"\x89PNG")
    stats = local_backend.get_history(run_id, ["weights/min", "weights/max", "weights/mean"])
    assert stats["weights/min"].steps.tolist() == truth["weights_steps"]
    assert set(stats["weights/min"].values.tolist()) == {0.0}
    assert set(stats["weights/max"].values.tolist()) == {9.0}
    assert stats["weights/mean"].values[0] == pytest.approx(4.5, abs=0.1)
    table = local_backend.get_file(run_id, "histograms/weights.csv").decode().splitlines()
    assert table[0] == "step,wall_time,left,right,count"
    assert len(table) == 1 + 64 * len(truth["weights_steps"])  # W&B's 64 bins per step


def test_cli_imports_once_then_skips_everything(workdir: Path, tmp_path: Path) -> None:
    store = ["--dir", str(tmp_path / "store")]
    runner = CliRunner()
    first = runner.invoke(cli, ["import", "wandb", str(workdir / "wandb"), *store])
    close_backends()
    assert first.exit_code == 0, first.output
    report = first.output.splitlines()
    assert report[0].startswith("2 runs imported into essays: ")
    assert "3 values skipped: text values are not metrics" in report
    backend = LocalBackend(Settings.from_env(env={}, dir=str(tmp_path / "store")), migrate=False)
    try:

        def snapshot() -> dict[str, Any]:
            out = {}
            for run in backend.iter_runs(SearchQuery(project="essays")):
                keys = backend.metric_keys(run.id)
                counts = {k: len(s) for k, s in backend.get_history(run.id, keys).items()}
                out[run.id] = (counts, backend.list_files(run.id), len(backend.get_console(run.id)))
            return out

        before = snapshot()
        assert len(before) == 2
        # Every way of naming the same runs finds them already imported.
        folder = _run_folder(workdir, "essay-scorer")
        for paths in ([str(workdir)], [str(folder)], [str(next(folder.glob("*.wandb")))]):
            again = runner.invoke(cli, ["import", "wandb", *paths, *store])
            close_backends()
            assert again.exit_code == 0, again.output
            assert again.output.startswith("0 runs imported\n")
            assert "already imported (skipped)" in again.output
        assert snapshot() == before
    finally:
        backend.close()


def test_large_files_go_to_an_artifact(workdir: Path, local_backend: LocalBackend) -> None:
    importer = WandbImporter()
    sources = importer.discover([_run_folder(workdir, "essay-scorer")])
    report = importer.import_runs(local_backend, sources, ImportOptions(max_file_bytes=2048))
    outcome = report.outcomes[0]
    entries = local_backend.artifacts.files("essays", f"{outcome.run_id}-files", 0)
    assert outcome.artifact == f"{outcome.run_id}-files:v0"
    assert outcome.large_files == len(entries) and all(e.size > 2048 for e in entries)
    assert ("model.bin", 3072) in [(e.path, e.size) for e in entries]
    assert f"{len(entries)} files larger than 2 KiB stored in artifact" in report.text()
    run_files = local_backend.list_files(outcome.run_id)
    assert "model.bin" not in run_files and "notes.txt" in run_files


def test_paths_that_are_not_run_folders_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hi")
    importer = WandbImporter()
    for bad in (tmp_path / "empty", tmp_path / "notes.txt"):
        with pytest.raises(InvalidArgument, match="is not a W&B run folder"):
            importer.discover([bad])
    result = CliRunner().invoke(cli, ["import", "wandb", str(tmp_path / "empty")])
    assert isinstance(result.exception, InvalidArgument)
    assert "expected a run-<id>.wandb file in it" in str(result.exception)


def test_an_unreadable_log_fails_that_run_only(
    workdir: Path, tmp_path: Path, local_backend: LocalBackend
) -> None:
    bad = tmp_path / "wandb" / "offline-run-20240101_000000-broken01"
    bad.mkdir(parents=True)
    (bad / "run-broken01.wandb").write_bytes(b"this is not a W&B transaction log")
    good = _run_folder(workdir, "broken")
    importer = WandbImporter()
    report = importer.import_runs(local_backend, importer.discover([bad, good]))
    assert [o.status for o in report.outcomes] == ["failed", "imported"]
    assert "W&B could not read" in report.text() and "1 run failed:" in report.text()


def test_missing_wandb_names_the_extra(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> None:
    monkeypatch.setitem(sys.modules, "wandb.util", None)
    with pytest.raises(MissingDependency, match=r"pip install 'headway\[import-wandb\]'"):
        WandbImporter().discover([workdir])
