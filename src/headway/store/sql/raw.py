"""Core statements compiled once per dialect and run on the DBAPI cursor.

For the hottest reads — a page of search results, which a UI asks for on every keystroke
in the filter bar — SQLAlchemy's per-execution work (walking the statement for a cache key,
wrapping and processing every result row) cost twice as much as SQLite answering the query.
A :class:`Prepared` statement pays compilation once; each execution is one driver call.
Values come back as the driver gives them, so readers use :func:`as_datetime` and
:func:`as_json`, which accept both SQLite's text and PostgreSQL's decoded values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class Prepared:
    sql: str
    #: Parameter names in placeholder order for positional drivers (SQLite), else None.
    names: tuple[str, ...] | None
    defaults: Mapping[str, Any]
    #: Bind processors of the parameters that have one (datetimes on SQLite).
    processors: Mapping[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, stmt: ClauseElement, dialect: Dialect) -> Prepared:
        """Compile ``stmt``; every bind parameter needs a default value (any placeholder)."""
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        assert isinstance(compiled, SQLCompiler)
        processors: dict[str, Callable[[Any], Any]] = {}
        for bind, name in compiled.bind_names.items():
            # The dialect's implementation: psycopg wraps JSON values, the generic type does not.
            proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                processors[name] = proc
        positional = compiled.positional and compiled.positiontup is not None
        return cls(
            sql=str(compiled),
            names=tuple(compiled.positiontup or ()) if positional else None,
            defaults=compiled.construct_params() or {},
            processors=processors,
        )

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        merged = {**self.defaults, **values} if values else dict(self.defaults)
        for name, proc in self.processors.items():
            merged[name] = proc(merged[name])
        if self.names is None:
            return merged
        return tuple(merged[name] for name in self.names)

    def all(self, session: Session, **values: Any) -> list[tuple[Any, ...]]:
        """Every row, as plain tuples, in the session's transaction."""
        cursor = cursor_of(session)
        try:
            return self.rows(cursor, values)
        finally:
            cursor.close()

    def rows(self, cursor: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor.execute(self.sql, self.params(values))
        return list(cursor.fetchall())

    def run(self, cursor: Any, values: Mapping[str, Any]) -> None:
        cursor.execute(self.sql, self.params(values))

    def run_many(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            cursor.executemany(self.sql, [self.params(row) for row in rows])


def cursor_of(session: Session) -> Any:
    """A DBAPI cursor on the session's connection, inside its transaction."""
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def with_binds(table: Table, columns: Iterable[str], prefix: str = "") -> dict[str, Any]:
    """``{column: bindparam}`` for an INSERT or UPDATE of ``columns`` through :class:`Prepared`.

    Every parameter gets a placeholder default so that the statement compiles without
    values; ``prefix`` keeps UPDATE parameters from clashing with the SET column names.
    """
    return {name: bindparam(prefix + name, None, type_=table.c[name].type) for name in columns}


def padded_size(n: int) -> int:
    """``n`` rounded up to a power of two: IN lists padded to it keep few statements cached."""
    return 1 << max(n - 1, 0).bit_length()


def padded(values: Sequence[Any], size: int) -> list[Any]:
    """``values`` repeated at the end up to ``size`` (duplicates in IN lists are harmless)."""
    return [*values, *([values[-1]] * (size - len(values)))]


def as_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from SQLite's stored text or PostgreSQL's datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def as_json(value: Any) -> Any:
    """An object-valued JSON column: SQLite hands back text, psycopg the decoded object."""
    return json.loads(value) if isinstance(value, str | bytes) else value
