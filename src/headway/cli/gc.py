"""``headway gc``: reclaim artifact blobs no live version references."""

from __future__ import annotations

from pathlib import Path

import click

from headway.cli.artifacts import _size
from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option


@click.command("gc")
@click.option("--dry-run", is_flag=True, help="Report what would be reclaimed; delete nothing.")
@click.option(
    "--grace",
    default=3600.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Keep unreferenced blobs younger than this many seconds (uploads in flight).",
)
@click.option(
    "--retention",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Keep files of versions deleted less than this many seconds ago.",
)
@dir_option
@db_option
@url_option
def gc(
    dry_run: bool,
    grace: float,
    retention: float,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Delete blobs that no live version uses. Safe while uploads are running: blobs of open
    uploads and young blobs are kept. Deleted versions past --retention can no longer be
    restored afterwards."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    report = backend.artifacts.gc(
        grace_seconds=grace, deleted_retention_seconds=retention, dry_run=dry_run
    )
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {report.blobs_deleted} blobs ({_size(report.bytes_freed)}); "
        f"{report.versions_purged} deleted versions purged; {report.sessions_expired} expired "
        f"uploads dropped; {report.blobs_kept_recent} recent unreferenced blobs kept"
    )
