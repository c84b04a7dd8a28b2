"""``headway sync``: upload offline runs and runs whose upload was interrupted."""

from __future__ import annotations

from pathlib import Path

import click

from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--all", "full", is_flag=True, help="Re-send every record, not only unacknowledged ones."
)
@dir_option
@db_option
@url_option
def sync(
    paths: tuple[Path, ...], full: bool, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Upload spooled runs (offline or interrupted) to the store or a server.

    PATHS are run spool folders or folders containing them; default: every spool in the
    store folder. Safe to run twice: records already applied are skipped.
    """
    from headway.sdk.sync import find_spools, pending, sync_spool

    settings = build_settings(store_dir, db_url, url)
    folders = find_spools(paths or (settings.spool_dir,))
    if not folders:
        click.echo("nothing to sync")
        return
    backend = open_backend(settings)
    total = 0
    for folder in folders:
        if not full and pending(folder) == 0:
            continue
        result = sync_spool(backend, folder, full=full)
        total += result.applied
        shipped = f", artifacts {', '.join(result.artifacts)}" if result.artifacts else ""
        click.echo(f"synced run {result.run_id}: {result.applied} records{shipped} from {folder}")
    click.echo(f"done: {total} records applied")
