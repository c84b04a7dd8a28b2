"""Which backend the SDK talks to: the embedded store, or a team server."""

from __future__ import annotations

import atexit
import os
from typing import Any

from headway.backend.base import BaseBackend
from headway.settings import Settings

_local: dict[str, BaseBackend] = {}


def make_settings(dir: str | os.PathLike[str] | None = None, url: str | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if dir is not None:
        overrides["dir"] = os.fspath(dir)
    settings = Settings.from_env(**overrides)
    if url is not None:
        settings = settings.replace(url=url)
    return settings


def backend_for(settings: Settings) -> BaseBackend:
    """An HttpBackend for ``settings.url``, else the embedded store (migrated on first use).

    Embedded backends are shared per database within a process: opening SQLite and
    checking the schema once is enough.
    """
    if settings.url:
        from headway.backend.http import HttpBackend

        return HttpBackend(settings.url, user=settings.user)
    backend = _local.get(settings.db_url)
    if backend is None:
        # Imported here: a client of a server never needs SQLAlchemy or Alembic.
        from headway.backend.local import LocalBackend
        from headway.store.sql.schema import upgrade

        # The embedded store belongs to the user's project folder; creating or upgrading
        # it on first use is what a user of an embedded tool expects.
        upgrade(settings.db_url)
        local = LocalBackend(settings)
        # Webhooks queued by this script's registry changes go out before it exits.
        atexit.register(local.dispatcher.stop)
        backend = _local[settings.db_url] = local
    return backend
