"""Compile a run-search filter and sort terms into one SQLAlchemy Core query.

The expression language lives in ``tracking/filter_expr.py`` (parsing and type checks);
this module only maps its AST onto the indexed ``run_params``, ``run_summary`` and
``run_tags`` tables, so filtering and sorting thousands of runs is a single query on both
SQLite and PostgreSQL.

Each config/summary/tags predicate is a correlated ``EXISTS`` rather than a join: it cannot
multiply rows, and ``not (...)`` around it is a plain two-valued negation. Each config or
summary sort key is one aliased outer join on the table's primary key ``(run_id, key)``,
which also cannot multiply rows.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any, NoReturn

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from headway.entities.filter_expr import (
    And,
    Compare,
    Exists,
    Expr,
    FieldRef,
    In,
    MatchAll,
    Not,
    Or,
    parse_filter,
    parse_order,
)
from headway.errors import InvalidArgument
from headway.store.sql.models import (
    RunKvTagRow,
    RunParamRow,
    RunRow,
    RunSummaryRow,
    RunTagRow,
)
from headway.store.sql.raw import Prepared

__all__ = ["build_search", "compile_filter", "count_matching", "order_clauses", "prepared_search"]

KeyedRow = type[RunParamRow] | type[RunSummaryRow]

_COLUMNS: dict[str, Any] = {
    "id": RunRow.id,
    "name": RunRow.name,
    "state": RunRow.state,
    "group": RunRow.group_name,
    "job_type": RunRow.job_type,
    "parent_id": RunRow.parent_id,
    "notes": RunRow.notes,
    "created_at": RunRow.created_at,
    "updated_at": RunRow.updated_at,
    "finished_at": RunRow.finished_at,
}
_OPERATORS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NULLABLE = frozenset({"group", "job_type", "parent_id", "finished_at"})


class _EpochSeconds(FunctionElement[float]):
    """Seconds since 1970 of a timestamp.

    SQL has no portable spelling for this, so it is the one dialect-specific construct here,
    isolated behind SQLAlchemy's compiler hook. Only ``duration`` needs it.
    """

    type = Float()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(_EpochSeconds)
def _epoch_default(element: _EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(_EpochSeconds, "sqlite")
def _epoch_sqlite(element: _EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores timestamps as UTC text; julianday() reads that format directly.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


def _duration() -> ColumnElement[float]:
    # Same rule as ``Run.duration_seconds``: a live run's end is its last sign of life.
    end = func.coalesce(RunRow.finished_at, RunRow.heartbeat_at, RunRow.updated_at)
    return _EpochSeconds(end) - _EpochSeconds(RunRow.created_at)


def _attribute(name: str) -> ColumnElement[Any]:
    if name == "duration":
        return _duration()
    return _COLUMNS[name]  # type: ignore[no-any-return]


def _reject(field: FieldRef, what: str, position: int) -> NoReturn:
    raise InvalidArgument(
        f"filter: {field} cannot {what} at position {position}",
        details={"position": position},
    )


def _pattern(column: SQLColumnExpression[Any], op: str, value: str) -> ColumnElement[bool]:
    """``contains``/``like`` test, case-insensitive on every database.

    SQLite's LIKE ignores ASCII case and PostgreSQL's does not; lowering both sides gives
    one behaviour without ILIKE, which SQLite lacks.
    """
    lowered = func.lower(column)
    if op in ("contains", "not contains"):
        test = lowered.contains(value.lower(), autoescape=True)
    else:
        test = lowered.like(value.lower(), escape="\\")
    return not_(test) if op.startswith("not ") else test


def _compare(column: SQLColumnExpression[Any], op: str, value: Any) -> ColumnElement[bool]:
    if op in ("contains", "not contains", "like", "not like"):
        return _pattern(column, op, value)
    return _OPERATORS[op](column, value)  # type: ignore[no-any-return]


# --- attributes ---------------------------------------------------------------------------


def _attribute_has_value(name: str) -> ColumnElement[bool]:
    column = _attribute(name)
    if name == "notes":
        return column != ""  # the column is NOT NULL; empty text is how "no notes" is stored
    return column.is_not(None) if name in _NULLABLE else true()


def _attribute_compare(node: Compare) -> ColumnElement[bool]:
    name = node.field.key
    if node.value is None:
        has = _attribute_has_value(name)
        return not_(has) if node.op == "=" else has
    test = _compare(_attribute(name), node.op, node.value)
    # Guarding on IS NOT NULL keeps the result two-valued, so ``not (group = "a")`` also
    # matches runs without a group, as it does for config keys.
    return and_(_attribute(name).is_not(None), test) if name in _NULLABLE else test


def _attribute_in(node: In) -> ColumnElement[bool]:
    column = _attribute(node.field.key)
    values = list(node.values)
    if node.negated:
        return and_(column.is_not(None), column.not_in(values))
    return and_(column.is_not(None), column.in_(values))


# --- config and summary -------------------------------------------------------------------


def _keyed_row(field: FieldRef) -> KeyedRow:
    return RunParamRow if field.scope == "config" else RunSummaryRow


def _keyed_exists(row: KeyedRow, key: str, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    # An uncorrelated IN lets the database range-scan the (key, value) index once,
    # instead of probing every run of the project (about 2x faster on SQLite).
    return RunRow.id.in_(select(row.run_id).where(row.key == key, *conditions))


def _keyed_has_value(row: KeyedRow) -> ColumnElement[bool]:
    # JSON null is stored as the text "null" (see RunParamRow.value_str).
    return or_(
        row.value_num.is_not(None), and_(row.value_str.is_not(None), row.value_str != "null")
    )


def _keyed_value_test(row: KeyedRow, node: Compare) -> ColumnElement[bool]:
    value = node.value
    if isinstance(value, bool):  # before int: bools are stored as 0/1 in value_num
        return _compare(row.value_num, node.op, 1.0 if value else 0.0)
    if isinstance(value, (int, float)):
        if node.op not in ("=", "!=", "<", "<=", ">", ">="):
            _reject(node.field, f"use '{node.op}' with a number", node.position)
        return _compare(row.value_num, node.op, float(value))
    if isinstance(value, str):
        return and_(row.value_str.is_not(None), _compare(row.value_str, node.op, value))
    _reject(node.field, f"be compared with {type(value).__name__}", node.position)


def _keyed_compare(node: Compare) -> ColumnElement[bool]:
    row, key = _keyed_row(node.field), node.field.key
    if node.value is None:
        has = _keyed_exists(row, key, _keyed_has_value(row))
        return not_(has) if node.op == "=" else has
    return _keyed_exists(row, key, _keyed_value_test(row, node))


def _split_values(node: In) -> tuple[list[float], list[str]]:
    numbers: list[float] = []
    texts: list[str] = []
    for value in node.values:
        if isinstance(value, (bool, int, float)):
            numbers.append(float(value))
        elif isinstance(value, str):
            texts.append(value)
        else:
            _reject(node.field, f"be compared with {type(value).__name__}", node.position)
    return numbers, texts


def _keyed_in(node: In) -> ColumnElement[bool]:
    row, key = _keyed_row(node.field), node.field.key
    numbers, texts = _split_values(node)
    if node.negated:
        test = or_(
            and_(row.value_num.is_not(None), row.value_num.not_in(numbers)),
            and_(row.value_str.is_not(None), row.value_str.not_in(texts)),
        )
    else:
        test = or_(row.value_num.in_(numbers), row.value_str.in_(texts))
    return _keyed_exists(row, key, test)


# --- tags ---------------------------------------------------------------------------------


def _tag_exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    subquery = select(literal(1)).where(RunTagRow.run_id == RunRow.id, *conditions)
    return subquery.correlate(RunRow).exists()


def _tags_compare(node: Compare) -> ColumnElement[bool]:
    # Tags are a set: every operator asks "has a tag that ..."; negated ones ask "has none".
    value = node.value
    if not isinstance(value, str):
        _reject(node.field, "be compared with a non-string", node.position)
    if node.op in ("=", "contains", "!=", "not contains"):
        found = _tag_exists(RunTagRow.tag == value)
    elif node.op in ("like", "not like"):
        found = _tag_exists(_pattern(RunTagRow.tag, "like", value))
    else:
        _reject(node.field, f"use '{node.op}'", node.position)
    return not_(found) if node.op in ("!=", "not contains", "not like") else found


# --- key -> value tags --------------------------------------------------------------------


def _kv_exists(key: str, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return RunRow.id.in_(select(RunKvTagRow.run_id).where(RunKvTagRow.key == key, *conditions))


def _kv_compare(node: Compare) -> ColumnElement[bool]:
    key = node.field.key
    if node.value is None:
        has = _kv_exists(key)
        return not_(has) if node.op == "=" else has
    if not isinstance(node.value, str):
        _reject(node.field, "be compared with a non-string", node.position)
    return _kv_exists(key, _compare(RunKvTagRow.value, node.op, node.value))


def _kv_in(node: In) -> ColumnElement[bool]:
    values = [str(v) for v in node.values]
    test = RunKvTagRow.value.not_in(values) if node.negated else RunKvTagRow.value.in_(values)
    return _kv_exists(node.field.key, test)


# --- the tree -----------------------------------------------------------------------------


def compile_filter(tree: Expr) -> ColumnElement[bool]:
    """Turn a parsed filter into a boolean SQL expression over ``runs``.

    Raises:
        InvalidArgument: for a value the column cannot hold (the parser catches these
            first; this guards trees built by hand).
    """
    match tree:
        case MatchAll():
            return true()
        case And(operands):
            return and_(*(compile_filter(op) for op in operands))
        case Or(operands):
            return or_(*(compile_filter(op) for op in operands))
        case Not(operand):
            return not_(compile_filter(operand))
        case Exists(field, negated):
            if field.scope == "tags":
                found = _tag_exists()
            elif field.scope == "kv":
                found = _kv_exists(field.key)
            elif field.scope == "attribute":
                found = _attribute_has_value(field.key)
            else:
                found = _keyed_exists(_keyed_row(field), field.key)
            return not_(found) if negated else found
        case In(field, values, negated):
            if field.scope == "tags":
                found = _tag_exists(RunTagRow.tag.in_(list(values)))
                return not_(found) if negated else found
            if field.scope == "attribute":
                return _attribute_in(tree)
            if field.scope == "kv":
                return _kv_in(tree)
            return _keyed_in(tree)
        case Compare(field):
            if field.scope == "tags":
                return _tags_compare(tree)
            if field.scope == "attribute":
                return _attribute_compare(tree)
            if field.scope == "kv":
                return _kv_compare(tree)
            return _keyed_compare(tree)
    raise InvalidArgument(f"filter: cannot compile {type(tree).__name__}")


def _nulls_last(column: SQLColumnExpression[Any], descending: bool) -> list[ColumnElement[Any]]:
    # A CASE flag rather than NULLS LAST: SQLite before 3.30 lacks it, and the flag sorts
    # the same way on every database for both directions.
    flag = case((column.is_(None), 1), else_=0)
    return [flag, column.desc() if descending else column.asc()]


def order_clauses(
    stmt: Select[Any], order: Sequence[str]
) -> tuple[Select[Any], list[ColumnElement[Any]]]:
    """Add outer joins for config/summary sort keys; return the statement and sort terms.

    A key's numbers sort before its strings; runs without the key sort last either way.
    """
    clauses: list[ColumnElement[Any]] = []
    for term in parse_order(order):
        field = term.field
        if field.scope == "attribute":
            column = _attribute(field.key)
            if field.key in _NULLABLE:
                clauses += _nulls_last(column, term.descending)
            else:
                clauses.append(column.desc() if term.descending else column.asc())
            continue
        if field.scope == "kv":
            kv = aliased(RunKvTagRow)
            stmt = stmt.outerjoin(kv, and_(kv.run_id == RunRow.id, kv.key == field.key))
            clauses += _nulls_last(kv.value, term.descending)
            continue
        row = aliased(_keyed_row(field))
        stmt = stmt.outerjoin(row, and_(row.run_id == RunRow.id, row.key == field.key))
        missing = and_(row.value_num.is_(None), row.value_str.is_(None))
        clauses.append(case((missing, 1), else_=0))
        clauses += _nulls_last(row.value_num, term.descending)
        clauses += _nulls_last(row.value_str, term.descending)
    return stmt, clauses


@functools.lru_cache(maxsize=512)
def build_search(
    project_id: int | tuple[int, ...],
    expr: str | Expr,
    order: tuple[str, ...],
    include_deleted: bool,
) -> Select[str]:
    """Select the ids of a project's runs matching ``expr``, sorted by ``order``.

    ``expr`` is filter text or an already parsed tree (MLflow's search builds one);
    ``project_id`` may name several projects (an MLflow search over several experiments).

    Ties (and an empty ``order``) fall back to newest first, then id, so pages are stable.
    The caller adds ``.limit()``/``.offset()``. Built statements are cached: a UI paging
    or refreshing the same view does not parse and build it again.

    Raises:
        InvalidArgument: the filter or an order item does not parse; the message and
            ``details["position"]`` give the 1-based column.
    """
    condition = compile_filter(parse_filter(expr) if isinstance(expr, str) else expr)
    ids = project_id if isinstance(project_id, tuple) else (project_id,)
    in_projects = RunRow.project_id == ids[0] if len(ids) == 1 else RunRow.project_id.in_(ids)
    stmt: Select[Any] = select(RunRow.id).where(in_projects, condition)
    if not include_deleted:
        stmt = stmt.where(RunRow.deleted_at.is_(None))
    stmt, clauses = order_clauses(stmt, order)
    return stmt.order_by(*clauses, RunRow.created_at.desc(), RunRow.id.asc())


def count_matching(stmt: Select[Any]) -> Select[int]:
    """Count the rows ``stmt`` (from :func:`build_search`) would return, ignoring its order."""
    return select(func.count()).select_from(stmt.order_by(None).subquery())


@functools.lru_cache(maxsize=256)
def prepared_search(
    dialect: Dialect,
    project_id: int | tuple[int, ...],
    expr: str | Expr,
    order: tuple[str, ...],
    include_deleted: bool,
) -> tuple[Prepared, Prepared]:
    """The page query — ids plus a window count of all matches, with ``page_limit`` and
    ``page_offset`` parameters — and the count query for a page past the end."""
    ids_query = build_search(project_id, expr, order, include_deleted)
    page = (
        ids_query.add_columns(func.count().over().label("total"))
        .limit(bindparam("page_limit", 50, type_=Integer))
        .offset(bindparam("page_offset", 0, type_=Integer))
    )
    return Prepared.of(page, dialect), Prepared.of(count_matching(ids_query), dialect)
