"""``headway db`` and ``headway export``."""

from __future__ import annotations

from pathlib import Path

import click

from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option


@click.group()
def db() -> None:
    """Manage the metadata database schema."""


@db.command("upgrade")
@dir_option
@db_option
@click.option("--revision", default="head", show_default=True, help="Target schema revision.")
def db_upgrade(store_dir: Path | None, db_url: str | None, revision: str) -> None:
    """Create or migrate the database schema to the latest revision."""
    from headway.store.sql.schema import upgrade

    settings = build_settings(store_dir, db_url)
    reached = upgrade(settings.db_url, revision)
    click.echo(f"database at {_safe(settings.db_url)} is at schema {reached}")


@click.command()
@click.argument("project")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write runs.parquet and history.parquet into (default: ./export-PROJECT).",
)
@dir_option
@db_option
@url_option
def export(
    project: str, out_dir: Path | None, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Export a project's runs and full metric histories to Parquet."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    dest = out_dir or Path(f"export-{project}")
    for path in backend.export_project(project, dest):
        click.echo(str(path))


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
