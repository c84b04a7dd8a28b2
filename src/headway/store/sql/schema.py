"""Schema versions: Alembic owns them, and nothing migrates as a side effect."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from headway.errors import SchemaOutOfDate
from headway.store.sql.engine import WRITE, make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_schema(engine: Engine) -> None:
    """Raise SchemaOutOfDate, naming the command to run, unless the schema is at head."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    url = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaOutOfDate(
            f"the database at {url} has no Headway schema yet; run: headway db upgrade"
            + (f" --db {url}" if not url.startswith("sqlite") else "")
        )
    scripts = ScriptDirectory.from_config(alembic_config(url))
    known = {rev.revision for rev in scripts.walk_revisions()}
    if current not in known:
        raise SchemaOutOfDate(
            f"the database at {url} is at schema {current}, newer than this Headway "
            f"(head {head}); upgrade Headway"
        )
    raise SchemaOutOfDate(
        f"the database at {url} is at schema {current}, older than {head}; run: headway db upgrade"
    )


def upgrade(url: str, revision: str = "head") -> str:
    """Migrate the database at ``url`` to ``revision``; returns the revision reached."""
    engine = make_engine(url)  # creates the SQLite folder and applies pragmas (WAL)
    try:
        with engine.execution_options(**WRITE).begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return current_revision(engine) or ""
    except CommandError as exc:
        shown = engine.url.render_as_string(hide_password=True)
        raise SchemaOutOfDate(
            f"cannot migrate the database at {shown}: {exc}. It was probably written by "
            "a newer or development version of Headway; upgrade Headway or use another store"
        ) from None
    finally:
        engine.dispose()
