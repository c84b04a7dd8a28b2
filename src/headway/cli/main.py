"""``headway``: the command line. One module per command group; each stays thin."""

from __future__ import annotations

import logging
import sys

import click

from headway.cli import (
    alerts,
    artifacts,
    data,
    gc,
    importers,
    models,
    monitors,
    runs,
    serve,
    sweeps,
    sync,
)
from headway.cli.options import close_backends
from headway.errors import HeadwayError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="headway")
def cli() -> None:
    """Headway: track experiments, version artifacts and monitor models.

    Data lives in the nearest .headway folder (or HEADWAY_DIR) unless --db or
    HEADWAY_URL point elsewhere. Start with `headway demo`.
    """


cli.add_command(serve.server)
cli.add_command(serve.ui)
cli.add_command(serve.demo)
cli.add_command(sync.sync)
cli.add_command(runs.runs)
cli.add_command(data.db)
cli.add_command(data.export)
cli.add_command(artifacts.artifact)
cli.add_command(models.model)
cli.add_command(gc.gc)
cli.add_command(importers.import_group)
cli.add_command(monitors.monitor)
cli.add_command(monitors.worker)
cli.add_command(alerts.alert)
cli.add_command(sweeps.sweep)
cli.add_command(sweeps.agent)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except HeadwayError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    finally:
        close_backends()
