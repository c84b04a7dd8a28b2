"""``headway runs ls|show|delete|restore``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option
from headway.entities import Run, SearchQuery


@click.group()
def runs() -> None:
    """List, inspect, delete and restore runs."""


@runs.command("ls")
@click.argument("project")
@click.option(
    "--filter",
    "-f",
    "expr",
    default="",
    help="Filter, e.g. 'summary.val_auc >= 0.8 and tags contains \"baseline\"'.",
)
@click.option("--order", "-o", multiple=True, help="Sort key, '-' for descending (repeatable).")
@click.option("--limit", "-n", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@dir_option
@db_option
@url_option
def runs_ls(
    project: str,
    expr: str,
    order: tuple[str, ...],
    limit: int,
    as_json: bool,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """List a project's runs, filtered and sorted."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    page = backend.search_runs(SearchQuery(project=project, filter=expr, order=order, limit=limit))
    if as_json:
        for run in page.runs:
            click.echo(json.dumps(_as_dict(run), default=str))
        return
    click.echo(f"{'ID':<10} {'NAME':<28} {'STATE':<9} {'CREATED':<20} SUMMARY")
    for run in page.runs:
        shown = ", ".join(f"{k}={_short(v)}" for k, v in list(run.summary.items())[:4])
        created = run.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{run.id:<10} {run.name[:28]:<28} {run.state.value:<9} {created:<20} {shown}")
    click.echo(f"{len(page.runs)} of {page.total} runs")


@runs.command("show")
@click.argument("run_id")
@dir_option
@db_option
@url_option
def runs_show(run_id: str, store_dir: Path | None, db_url: str | None, url: str | None) -> None:
    """Show one run: attributes, config, summary and metric keys, as JSON."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    run = backend.get_run(run_id)
    payload = _as_dict(run)
    payload["metric_keys"] = backend.metric_keys(run_id)
    click.echo(json.dumps(payload, indent=2, default=str))


@runs.command("delete")
@click.argument("run_ids", nargs=-1, required=True)
@dir_option
@db_option
@url_option
def runs_delete(
    run_ids: tuple[str, ...], store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Delete runs (they can be brought back with `headway runs restore`)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    for run_id in run_ids:
        backend.delete_run(run_id)
        click.echo(f"deleted {run_id}")


@runs.command("restore")
@click.argument("run_ids", nargs=-1, required=True)
@dir_option
@db_option
@url_option
def runs_restore(
    run_ids: tuple[str, ...], store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Restore deleted runs."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    for run_id in run_ids:
        backend.restore_run(run_id)
        click.echo(f"restored {run_id}")


def _as_dict(run: Run) -> dict[str, object]:
    return {
        "id": run.id,
        "project": run.project,
        "name": run.name,
        "state": run.state.value,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "tags": list(run.tags),
        "group": run.group,
        "job_type": run.job_type,
        "notes": run.notes,
        "config": run.config,
        "summary": run.summary,
        "metadata": run.metadata,
        "error": run.error,
    }


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)[:20]
