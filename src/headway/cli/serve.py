"""``headway server``, ``headway ui`` and ``headway demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from headway.backend.local import LocalBackend
from headway.cli.options import build_settings, db_option, dir_option
from headway.settings import Settings

if TYPE_CHECKING:
    from headway.demo.alerts import WebhookReceiver

host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
)
port_option = click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)


def _open_store(settings: Settings) -> LocalBackend:
    """Open the store for serving: an empty database gets the schema; an outdated one is
    refused with the command that upgrades it (migrations never run by surprise)."""
    from headway.store.sql.engine import make_engine
    from headway.store.sql.schema import current_revision, upgrade

    engine = make_engine(settings.db_url)
    try:
        empty = current_revision(engine) is None and not _has_tables(engine)
    finally:
        engine.dispose()
    if empty:
        upgrade(settings.db_url)
        click.echo("created a new Headway database")
    return LocalBackend(settings)


def _has_tables(engine: object) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(engine).get_table_names())


@click.command()
@host_option
@port_option
@dir_option
@db_option
@click.option("--artifacts", "artifacts_url", help="Blob store: a folder or s3://bucket/prefix.")
def server(
    host: str, port: int, store_dir: Path | None, db_url: str | None, artifacts_url: str | None
) -> None:
    """Run the team server: the REST API (OpenAPI at /docs) and the web UI."""
    from headway.server.runner import serve

    settings = build_settings(store_dir, db_url, artifacts_url=artifacts_url)
    serve(settings, _open_store(settings), host, port)


@click.command()
@host_option
@port_option
@dir_option
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
def ui(host: str, port: int, store_dir: Path | None, no_browser: bool) -> None:
    """Serve the local store's web UI and open it in the browser."""
    from headway.server.runner import serve

    settings = build_settings(store_dir)
    serve(settings, _open_store(settings), host, port, open_browser=not no_browser)


@click.command()
@click.option(
    "--students",
    default=6000,
    show_default=True,
    type=click.IntRange(200, 1_000_000),
    help="Synthetic students to generate.",
)
@click.option("--seed", default=7, show_default=True, help="Random seed of the dataset.")
@click.option("--project", default="student-dropout", show_default=True)
@click.option("--serve/--no-serve", "then_serve", default=False, help="Serve the UI afterwards.")
@click.option(
    "--monitor/--no-monitor",
    "with_monitor",
    default=True,
    show_default=True,
    help="Monitor the production model on eight weeks of a new semester.",
)
@host_option
@port_option
@dir_option
def demo(
    students: int,
    seed: int,
    project: str,
    then_serve: bool,
    with_monitor: bool,
    host: str,
    port: int,
    store_dir: Path | None,
) -> None:
    """Fill the local store with the education demo: at-risk student prediction.

    Generates a synthetic student dataset, trains several model variants with tracked
    configs, learning curves, and metrics per student group, registers the best, monitors
    it in production on a new semester with injected changes, then prints where to look.
    """
    from headway.demo.alerts import WebhookReceiver, disconnect_channel, webhook_log

    settings = build_settings(store_dir)
    _open_store(settings).close()
    # Ours rather than the demo's: it must outlive run_demo while --serve serves the UI, so
    # that acknowledging or resolving an alert there lands in its log too.
    receiver = WebhookReceiver(webhook_log(settings.dir)) if with_monitor else None
    try:
        _demo(settings, students, seed, project, then_serve, host, port, receiver)
    finally:
        if receiver is not None:
            disconnect_channel(project, receiver, dir=settings.dir)


def _demo(
    settings: Settings,
    students: int,
    seed: int,
    project: str,
    then_serve: bool,
    host: str,
    port: int,
    receiver: WebhookReceiver | None,
) -> None:
    from headway.demo import run_demo
    from headway.demo.monitoring import MONITOR

    click.echo(f"Headway demo: training dropout-risk models on {students} synthetic students…")
    run_ids = run_demo(
        project=project,
        n_students=students,
        seed=seed,
        dir=settings.dir,
        monitor=receiver is not None,
        receiver=receiver,
    )
    click.echo(f"\n{len(run_ids)} runs tracked in project {project!r} (store: {settings.dir}).")
    click.echo(f"  List them:      headway runs ls {project} -o -summary.test/auc")
    click.echo(f"  Inspect one:    headway runs show {run_ids[0]}")
    click.echo(
        f"  Fairness gaps:  headway runs ls {project} "
        "-f 'summary.fairness/recall_gap/first_language < 0.1'"
    )
    click.echo(f"  Data and models: headway artifact ls {project}")
    click.echo("  Registry:       headway model history dropout-risk")
    click.echo(f"  Its sweep:      headway sweep list {project} (/projects/{project}/sweeps)")
    if receiver is not None:
        click.echo(f"  Monitor:        headway monitor show {project} {MONITOR}")
        click.echo(f"  Its alerts:     headway monitor results {project} {MONITOR} --alerts")
        click.echo(f"  Monitor page:   /projects/{project}/monitors/{MONITOR} in the web UI")
        click.echo(f"  Alerts:         headway alert ls {project} (/projects/{project}/alerts)")
    if then_serve:
        from headway.server.runner import serve

        if receiver is not None:
            click.echo(
                f"  Webhook log:    {receiver.log_path} (acknowledge or resolve an alert in "
                "the UI and it is logged there)"
            )
        serve(settings, LocalBackend(settings), host, port)
    else:
        click.echo("  Browse them:    headway ui")
