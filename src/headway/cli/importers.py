"""``headway import wandb|tensorboard|mlflow``: bring runs from other tools into Headway."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import click

from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option
from headway.importers.base import BaseImporter
from headway.importers.common import MAX_RUN_FILE_BYTES, ImportOptions, progress_bar

FC = TypeVar("FC", bound=Callable[..., object])


def project_option(default: str) -> Callable[[FC], FC]:
    return click.option("--project", "-p", help=f"Target project (default: {default}).")


max_file_option = click.option(
    "--max-file-size",
    "max_file_mb",
    type=click.FloatRange(min=0.001),
    default=MAX_RUN_FILE_BYTES / 2**20,
    show_default=True,
    help="Files larger than this many MiB go into one artifact per run instead of run files.",
)
progress_option = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal).",
)


@click.group("import")
def import_group() -> None:
    """Import runs recorded by W&B, TensorBoard or MLflow.

    Safe to repeat: each source run becomes one Headway run whose id is derived from
    the source, so a second import skips what is already there and an interrupted one
    continues where it stopped.
    """


@import_group.command("wandb")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@project_option("the W&B run's own project, else 'wandb'")
@max_file_option
@progress_option
@dir_option
@db_option
@url_option
def import_wandb(
    paths: tuple[Path, ...],
    project: str | None,
    max_file_mb: float,
    progress: bool | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Import W&B runs: config, summary, full history, system metrics, console output,
    files, name, tags, notes, group and job type.

    PATHS are run folders (wandb/offline-run-*), wandb/ folders holding them, folders
    holding a wandb/ folder, or .wandb files. Needs the wandb package, which reads its
    own files. See docs/importers.md for what maps to what.

    \b
    Examples:
      pip install 'headway[import-wandb]'
      headway import wandb wandb/offline-run-20240501_101500-abc123
      headway import wandb wandb/ --project essay-scoring
      HEADWAY_URL=http://tracking:8080 headway import wandb ~/experiments/wandb
    """
    from headway.importers.wandb import WandbImporter

    _run(WandbImporter(), paths, project, max_file_mb, progress, store_dir, db_url, url)


@import_group.command("tensorboard")
@click.argument(
    "logdirs",
    metavar="LOGDIR...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@project_option("the log folder's name")
@max_file_option
@progress_option
@dir_option
@db_option
@url_option
def import_tensorboard(
    logdirs: tuple[Path, ...],
    project: str | None,
    max_file_mb: float,
    progress: bool | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Import TensorBoard logs: scalars, histograms, images, text and hparams.

    Every folder at or under LOGDIR that directly holds event files
    (events.out.tfevents.*) becomes one run, named by its path below LOGDIR. Needs the
    tensorboard package (TensorFlow is not needed). See docs/importers.md for what maps
    to what.

    \b
    Examples:
      pip install 'headway[import-tensorboard]'
      headway import tensorboard runs/
      headway import tensorboard logs/ --project knowledge-tracing
      headway import tensorboard logs/ --url http://tracking:8080
    """
    from headway.importers.tensorboard import TensorBoardImporter

    _run(TensorBoardImporter(), logdirs, project, max_file_mb, progress, store_dir, db_url, url)


@import_group.command("mlflow")
@click.argument("source")
@click.option(
    "--project",
    "-p",
    help="Put every run in this project (default: one project per experiment, named like it).",
)
@progress_option
@dir_option
@db_option
@url_option
def import_mlflow(
    source: str,
    project: str | None,
    progress: bool | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Import an MLflow store: experiments, runs (params, tags, every metric point),
    artifacts, logged models and the model registry (versions, aliases).

    SOURCE is a tracking URI (http://host:5000, sqlite:///mlflow.db, postgresql://...),
    an mlruns/ folder (MLflow's file store) or an mlflow.db file. It is read with the
    mlflow package's own client; runs keep their MLflow ids, so importing again skips
    what is already there. See docs/importers.md for what maps to what.

    \b
    Examples:
      pip install 'headway[import-mlflow]'
      headway import mlflow mlruns/
      headway import mlflow mlflow.db --project legacy
      headway import mlflow http://mlflow.internal:5000 --url http://tracking:8080
    """
    from headway.importers.mlflow import MlflowImporter

    importer = MlflowImporter(source)
    sources = importer.discover()  # a bad source fails before the store opens
    backend = open_backend(build_settings(store_dir, db_url, url))
    with progress_bar(importer.total_size, enabled=progress) as hook:
        report = importer.import_all(
            backend, sources, ImportOptions(project=project), progress=hook
        )
    click.echo(report.text())
    if report.failed:
        sys.exit(1)


def _run(
    importer: BaseImporter,
    paths: Sequence[Path],
    project: str | None,
    max_file_mb: float,
    progress: bool | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    # Discovery first: a wrong path or a missing package fails before the store opens.
    sources = importer.discover(paths)
    backend = open_backend(build_settings(store_dir, db_url, url))
    options = ImportOptions(project=project, max_file_bytes=int(max_file_mb * 2**20))
    with progress_bar(sum(s.size for s in sources), enabled=progress) as hook:
        report = importer.import_runs(backend, sources, options, progress=hook)
    click.echo(report.text())
    if report.failed:
        sys.exit(1)
