"""Options shared by several commands, and the one place the CLI builds settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from headway.backend.base import BaseBackend
from headway.settings import Settings

dir_option = click.option(
    "--dir",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Embedded store folder (default: nearest .headway, or HEADWAY_DIR).",
)
db_option = click.option(
    "--db", "db_url", help="Metadata database URL, e.g. postgresql+psycopg://user@host/db."
)
url_option = click.option("--url", help="A Headway server to talk to (default: HEADWAY_URL).")


def build_settings(
    store_dir: Path | None = None, db_url: str | None = None, url: str | None = None, **extra: Any
) -> Settings:
    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if store_dir is not None:
        overrides["dir"] = str(store_dir)
    if db_url:
        overrides["db_url"] = db_url
    settings = Settings.from_env(**overrides)
    return settings.replace(url=url) if url else settings


#: Backends opened by the running command; ``close_backends`` closes them on exit, which
#: also delivers webhooks the command's registry changes queued.
_opened: list[BaseBackend] = []


def open_backend(settings: Settings, *, migrate_sqlite: bool = True) -> BaseBackend:
    """The backend a read/admin command uses: the server when a URL is set, else the
    store (an embedded SQLite store is created on first use, like the SDK does)."""
    backend: BaseBackend
    if settings.url:
        from headway.backend.http import HttpBackend

        backend = HttpBackend(settings.url, user=settings.user)
    else:
        from headway.backend.local import LocalBackend

        migrate = migrate_sqlite and settings.db_url.startswith("sqlite")
        backend = LocalBackend(settings, migrate=migrate)
    _opened.append(backend)
    return backend


def close_backends() -> None:
    while _opened:
        _opened.pop().close()
