"""MLflow's search grammar: filters, ``order_by`` items and page tokens, as MLflow 3.17.2.

MLflow parses filters with ``sqlparse`` plus per-entity rules spread over
``mlflow/utils/search_utils.py`` and its SQL stores; this is one small hand-written parser
with the same accepted language (``research/mlflow/SPEC.md`` §3.6): comparisons joined by
``AND`` only, ``<type>.<key>`` split at the first dot, keys quoted with backticks or double
quotes, no prefix meaning an attribute. Each grammar (runs, experiments, registered models,
model versions, logged models) has its own attributes and comparators (``_RULES``).

Runs are searched in SQL through Headway's own filter AST (``to_headway``); the small
collections are filtered in Python (``matches``, ``sort_items``).
"""

from __future__ import annotations

import ast
import base64
import binascii
import functools
import json
import math
import operator
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar, cast

from headway.entities.filter_expr import And, Compare, Exists, Expr, FieldRef, In, MatchAll, Not, Or
from headway.errors import InvalidArgument

Grammar = Literal["runs", "experiments", "registered_models", "model_versions", "logged_models"]
Kind = Literal["metric", "param", "tag", "attribute", "dataset"]
Value = float | str | tuple[str, ...] | None
#: ``value_of(kind, key)``: the searched object's value, ``None`` when it has none; a list
#: or tuple means several values (dataset inputs), any of which may match.
ValueOf = Callable[[Kind, str], object]
_T = TypeVar("_T")

IS_PROMPT_TAG = "mlflow.prompt.is_prompt"


@dataclass(frozen=True)
class Clause:
    """One comparison of a filter; ``key`` is canonical (``created`` → ``start_time``)."""

    kind: Kind
    key: str
    comparator: str  # upper case: =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN, IS [NOT] NULL
    value: Value  # float for numeric comparisons, tuple for IN lists, None for IS [NOT] NULL


@dataclass(frozen=True)
class OrderKey:
    kind: Kind
    key: str
    ascending: bool = True
    dataset_name: str | None = None  # logged-model metric orderings only
    dataset_digest: str | None = None


# --- per-grammar rules --------------------------------------------------------------------

_NUM = frozenset({"=", "!=", "<", "<=", ">", ">="})
_TEXT = frozenset({"=", "!=", "LIKE", "ILIKE"})
_LISTS = frozenset({"IN", "NOT IN"})
_NULLS = frozenset({"IS NULL", "IS NOT NULL"})
_RUN_PREFIXES: dict[str, Kind] = {
    **dict.fromkeys(("metric", "metrics"), "metric"),
    **dict.fromkeys(("parameter", "parameters", "param", "params"), "param"),
    **dict.fromkeys(("tag", "tags"), "tag"),
    **dict.fromkeys(("attribute", "attributes", "attr", "run"), "attribute"),
    **dict.fromkeys(("dataset", "datasets"), "dataset"),
}
_REGISTRY_PREFIXES: dict[str, Kind] = {"attribute": "attribute", "tag": "tag", "tags": "tag"}
_DATASET_KEYS = frozenset({"name", "digest", "context"})


@dataclass(frozen=True)
class _Rules:
    prefixes: Mapping[str, Kind]
    kinds: Mapping[Kind, frozenset[str]]  # comparators per non-attribute kind
    text_attrs: Mapping[str, frozenset[str]]  # comparators per text attribute
    numeric_attrs: frozenset[str]
    list_attrs: frozenset[str]
    aliases: Mapping[str, str]
    order_attrs: frozenset[str]
    order_kinds: frozenset[Kind] = frozenset()
    int_only: bool = False  # SQL stores refuse 1.5 for integer columns
    quoted_numbers: bool = False  # model versions accept version_number = '3'


def _attrs(names: Iterable[str], comparators: frozenset[str]) -> dict[str, frozenset[str]]:
    return dict.fromkeys(names, comparators)


_LM_TEXT = ("name", "model_id", "model_type", "status", "source_run_id")
_RULES: dict[Grammar, _Rules] = {
    "runs": _Rules(
        _RUN_PREFIXES,
        {"metric": _NUM, "param": _TEXT | _NULLS, "tag": _TEXT | _NULLS, "dataset": _TEXT | _LISTS},
        _attrs(("run_id", "run_name", "status", "user_id", "artifact_uri"), _TEXT | _LISTS),
        frozenset({"start_time", "end_time"}),
        frozenset({"run_id"}),
        {"created": "start_time", "Created": "start_time"}
        | dict.fromkeys(("run name", "Run name", "Run Name"), "run_name"),
        frozenset({"run_id", "run_name", "status", "user_id", "artifact_uri"})
        | frozenset({"start_time", "end_time"}),
        frozenset({"metric", "param", "tag"}),
    ),
    "experiments": _Rules(
        _REGISTRY_PREFIXES,
        {"tag": _TEXT | _NULLS},
        {"name": _TEXT, "experiment_id": frozenset({"=", "!="}) | _LISTS},
        frozenset({"creation_time", "last_update_time"}),
        frozenset({"experiment_id"}),
        {},
        frozenset({"name", "experiment_id", "creation_time", "last_update_time"}),
        int_only=True,
    ),
    "registered_models": _Rules(
        _REGISTRY_PREFIXES,
        {"tag": _TEXT},
        {"name": _TEXT | _LISTS},
        frozenset(),
        frozenset({"name"}),
        {"timestamp": "last_updated_timestamp"},
        frozenset({"name", "last_updated_timestamp", "creation_timestamp"}),
    ),
    "model_versions": _Rules(
        _REGISTRY_PREFIXES,
        {"tag": _TEXT},
        _attrs(("name", "run_id", "source_path"), _TEXT | _LISTS),
        frozenset({"version_number"}),
        frozenset({"name", "run_id"}),
        {},
        frozenset({"name", "version_number", "creation_timestamp", "last_updated_timestamp"}),
        int_only=True,
        quoted_numbers=True,
    ),
    "logged_models": _Rules(
        {k: v for k, v in _RUN_PREFIXES.items() if v != "dataset"},
        {"metric": _NUM, "param": _TEXT, "tag": _TEXT},
        _attrs(_LM_TEXT, _TEXT | _LISTS),
        frozenset({"creation_timestamp", "last_updated_timestamp"}),
        frozenset(_LM_TEXT),
        {"creation_time": "creation_timestamp", "last_updated_time": "last_updated_timestamp"},
        frozenset(_LM_TEXT) | frozenset({"creation_timestamp", "last_updated_timestamp"}),
        frozenset({"metric"}),
    ),
}


# --- tokens -------------------------------------------------------------------------------

# The token shapes are sqlparse's (quotes doubled or backslash-escaped inside strings,
# numbers glued to letters are not numbers), so the same strings split the same way.
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<number>-?(?:\d+(?:\.\d+)?e-?\d+|\d+\.\d*|\.\d+|\d+)(?![\w.]))
    |(?P<string>'(?:''|\\'|[^'])*')
    |(?P<symbol>"(?:""|\\"|[^"])*")
    |(?P<name>`(?:``|[^`])*`)
    |(?P<word>\w[$#\w]*)
    |(?P<op>[<>=~!]+)
    |(?P<punct>[(),])
    |(?P<other>.)""",
    re.X | re.I | re.S,
)
_PART = re.compile(r"""\w[$#\w]*|`(?:``|[^`])*`|"(?:""|\\"|[^"])*"|'(?:''|\\'|[^'])*'""")
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE", "RLIKE"})


@dataclass(frozen=True)
class _Tok:
    kind: str  # a _TOKEN group name, or "ident" for dotted names
    text: str
    parts: tuple[str, ...] = ()

    @property
    def word(self) -> str | None:
        """The upper-cased keyword this token spells, if any."""
        upper = self.text.upper()
        return upper if self.kind == "word" and upper in _KEYWORDS else None


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(text):
        match = _TOKEN.match(text, i)
        assert match is not None  # the "other" branch matches any character
        kind, i = cast(str, match.lastgroup), match.end()
        if kind == "ws":
            continue
        parts = [match.group()]
        # A dotted name (params.`lr rate`, tags.mlflow.user) is one token; no spaces inside.
        while kind in ("word", "name", "symbol", "ident") and text.startswith(".", i):
            part = _PART.match(text, i + 1)
            if part is None:
                break
            parts.append(part.group())
            kind, i = "ident", part.end()
        out.append(_Tok(kind, ".".join(parts), tuple(parts)))
    return out


def _unquote(text: str) -> str:
    """Strip one pair of matching quotes or backticks, as MLflow does (no unescaping)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    return text


# --- filters ------------------------------------------------------------------------------


def parse_filter(text: str | None, grammar: Grammar) -> list[Clause]:
    """Parse an MLflow ``filter`` string; ``None`` or ``""`` gives ``[]``.

    Raises:
        InvalidArgument: with MLflow's message for the first problem found.
    """
    if not text:
        return []
    if not text.strip():  # sqlparse finds no statement in blank text
        raise InvalidArgument(f"Invalid filter '{text}'. Could not be parsed.")
    rules = _RULES[grammar]
    return [_finish(_clause(raw, rules), grammar) for raw in _comparisons(_tokens(text))]


@dataclass(frozen=True)
class _Raw:
    """One comparison as written: the name, the comparator and the value's tokens."""

    head: _Tok
    comparator: str
    value: tuple[_Tok, ...]  # none for IS [NOT] NULL, one token, or a list's inside
    is_list: bool = False


def _comparisons(tokens: Sequence[_Tok]) -> list[_Raw]:
    """Group tokens into comparisons first, as MLflow does, naming every token that fits none."""
    found: list[_Raw] = []
    invalid: list[_Tok] = []
    i = 0
    while i < len(tokens):
        if tokens[i].word == "AND":  # MLflow skips every AND, even a leading or doubled one
            i += 1
            continue
        raw, end = _comparison(tokens, i)
        if raw is None:
            invalid.extend(tokens[i:end])
        else:
            found.append(raw)
        i = end
    if invalid:
        listed = ", ".join(f"'{tok.text}'" for tok in invalid)
        raise InvalidArgument(f"Invalid clause(s) in filter string: {listed}")
    return found


def _comparison(tokens: Sequence[_Tok], start: int) -> tuple[_Raw | None, int]:
    """The comparison at ``start`` (``None`` if there is none) and where the next begins."""

    def at(j: int) -> _Tok:
        return tokens[j] if j < len(tokens) else _Tok("end", "")

    head = at(start)
    if head.kind not in ("ident", "word", "name", "symbol") or head.word is not None:
        return None, start + 1
    comparator, size = _comparator(at(start + 1), at(start + 2), at(start + 3))
    if comparator is None:
        return None, start + 1
    j = start + size
    if comparator in _NULLS:
        return _Raw(head, comparator, ()), j
    if at(j).text == "(":
        close = next((k for k in range(j, len(tokens)) if tokens[k].text == ")"), None)
        if close is None:
            return None, len(tokens)
        return _Raw(head, comparator, tuple(tokens[j + 1 : close]), is_list=True), close + 1
    if at(j).kind == "end" or comparator in _LISTS:
        return None, min(j + 1, len(tokens))
    return _Raw(head, comparator, (at(j),)), j + 1


def _clause(raw: _Raw, rules: _Rules) -> Clause:
    # MLflow's order of checks: the name, IS NULL's kind, the value, then the comparator.
    kind, key = _identifier(raw.head, rules, {*rules.text_attrs, *rules.numeric_attrs})
    comparator = raw.comparator
    value: Value = None
    if raw.is_list:
        value = _string_list(raw.value)
        if kind != "dataset" and (kind != "attribute" or key not in rules.list_attrs):
            names = sorted(rules.list_attrs)
            raise InvalidArgument(
                f"Only {names} attributes support comparison with a list of quoted string values."
            )
        if comparator not in _LISTS:
            raise InvalidArgument(f"A list of values needs IN or NOT IN, not '{comparator}'")
    elif raw.value:
        value = _scalar(rules, kind, key, raw.value[0])
    _check_comparator(rules, kind, key, comparator)
    return Clause(kind, key, comparator, value)


def _identifier(tok: _Tok, rules: _Rules, attributes: Collection[str]) -> tuple[Kind, str]:
    kind: Kind = "attribute"
    key = tok.text
    if len(tok.parts) > 1:
        prefix = _unquote(tok.parts[0])
        if prefix not in rules.prefixes:
            valid = sorted(set(rules.prefixes))
            raise InvalidArgument(f"Invalid entity type '{prefix}'. Valid values are {valid}")
        kind, key = rules.prefixes[prefix], ".".join(tok.parts[1:])
    key = _unquote(key)
    if kind == "attribute":
        if rules.aliases.get(key, key) not in attributes:
            valid = sorted({*attributes, *rules.aliases})
            raise InvalidArgument(
                f"Invalid attribute key '{key}' specified. Valid keys are {valid}"
            )
        key = rules.aliases.get(key, key)
    elif kind == "dataset" and key not in _DATASET_KEYS:
        valid = sorted(_DATASET_KEYS)
        raise InvalidArgument(f"Invalid dataset key '{key}' specified. Valid keys are {valid}")
    return kind, key


def _comparator(first: _Tok, second: _Tok, third: _Tok) -> tuple[str | None, int]:
    """The comparator starting at ``first`` and how many tokens the clause has so far."""
    if first.kind == "op":
        return first.text, 2
    word, nxt, last = first.word, second.word, third.word
    if word in ("LIKE", "ILIKE", "RLIKE", "IN"):
        return word, 2
    if word == "NOT" and nxt in ("IN", "LIKE", "ILIKE", "RLIKE"):
        return f"NOT {nxt}", 3
    if word == "IS" and nxt == "NULL":
        return "IS NULL", 3
    if word == "IS" and nxt == "NOT" and last == "NULL":
        return "IS NOT NULL", 4
    return None, 0


def _check_comparator(rules: _Rules, kind: Kind, key: str, comparator: str) -> None:
    if kind == "attribute":
        allowed = rules.text_attrs.get(key, _NUM)
    else:
        allowed = rules.kinds.get(kind, frozenset())
        if not allowed:
            raise InvalidArgument(f"Invalid search expression type '{kind}'")
    if comparator in allowed:
        return
    if comparator in _NULLS:
        nullable = sorted(k for k, ops in rules.kinds.items() if "IS NULL" in ops)
        raise InvalidArgument(
            f"IS NULL / IS NOT NULL is only supported for {nullable}, not for {kind} '{key}'"
        )
    raise InvalidArgument(f"Invalid comparator '{comparator}' not one of {sorted(allowed)}")


def _string_list(tokens: Sequence[_Tok]) -> tuple[str, ...]:
    """The strings inside ``( )``, read with Python literal rules as MLflow does."""
    values: list[str] = []
    current: list[str] = []
    for tok in tokens:
        if tok.kind in ("string", "symbol"):
            try:  # adjacent literals concatenate, escapes decode: ast.literal_eval semantics
                current.append(str(ast.literal_eval(tok.text)))
            except (SyntaxError, ValueError) as exc:
                raise _ill_formed() from exc
        elif tok.text == "," and current:
            values.append("".join(current))
            current = []
        elif tok.kind == "number":
            raise InvalidArgument(
                "While parsing a list in the query, expected string value, punctuation, "
                f"or whitespace, but got different type in list: {tok.text}"
            )
        else:
            raise _ill_formed()
    if current:
        values.append("".join(current))
    if not values:
        raise InvalidArgument(
            "While parsing a list in the query, expected a non-empty list of string values, "
            "but got empty list"
        )
    return tuple(values)


def _ill_formed() -> InvalidArgument:
    return InvalidArgument(
        "While parsing a list in the query, expected a non-empty list of string values, "
        "but got ill-formed list."
    )


def _scalar(rules: _Rules, kind: Kind, key: str, tok: _Tok) -> float | str:
    numeric = kind == "metric" or (kind == "attribute" and key in rules.numeric_attrs)
    if numeric:
        text = tok.text
        if tok.kind != "number":
            if not (rules.quoted_numbers and tok.kind in ("string", "symbol")):
                what = "metric" if kind == "metric" else f"numeric attribute: {key}"
                raise InvalidArgument(f"Expected numeric value type for {what}. Found {text}")
            text = _unquote(text)
        if kind == "attribute" and rules.int_only and not re.fullmatch(r"-?\d+", text):
            raise InvalidArgument(f"Invalid value for numeric attribute '{key}': {text!r}")
        return float(text)
    if tok.kind in ("string", "symbol"):
        return _unquote(tok.text)
    if tok.kind in ("word", "name", "ident"):
        raise InvalidArgument(
            "Parameter value is either not quoted or unidentified quote types used for "
            f"string value {tok.text}. Use either single or double quotes."
        )
    noun = {"param": "parameter"}.get(kind, kind)
    raise InvalidArgument(
        f"Expected a quoted string value for {noun} (e.g. 'my-value'). Got value {tok.text}"
    )


def _finish(clause: Clause, grammar: Grammar) -> Clause:
    """Grammar-specific value checks MLflow's SQL stores make after parsing."""
    if grammar == "experiments" and clause.key == "experiment_id":
        # Experiment ids are integers in MLflow: '01' finds experiment 1, 'abc' is refused.
        values = clause.value if isinstance(clause.value, tuple) else (str(clause.value),)
        ids = tuple(_experiment_id(v) for v in values)
        value: Value = ids if isinstance(clause.value, tuple) else ids[0]
        return Clause(clause.kind, clause.key, clause.comparator, value)
    return clause


def _experiment_id(text: str) -> str:
    try:
        return str(int(text))
    except ValueError:
        raise InvalidArgument(
            f"Invalid experiment ID '{text}'. Experiment ID must be a valid integer."
        ) from None


# --- order_by -----------------------------------------------------------------------------


def parse_order_by(items: Sequence[str] | None, grammar: Grammar) -> list[OrderKey]:
    """Parse ``order_by`` items such as ``"metrics.acc DESC"`` (default ``ASC``).

    For logged models this takes ``"<field_name> [ASC|DESC]"``; the wire's dict form goes
    through ``parse_logged_model_order``.
    """
    rules = _RULES[grammar]
    keys: list[OrderKey] = []
    for item in items or ():
        tokens = _tokens(item)
        if (
            not tokens
            or len(tokens) > 2
            or tokens[0].kind not in ("ident", "word", "name", "symbol")
        ):
            raise InvalidArgument(f"Invalid order_by clause '{item}'. Could not be parsed.")
        ascending = True
        if len(tokens) == 2:
            direction = tokens[1].text.upper()
            if tokens[1].kind != "word" or direction not in ("ASC", "DESC"):
                raise InvalidArgument(f"Invalid ordering key in order_by clause '{item}'.")
            ascending = direction == "ASC"
        kind, key = _order_field(tokens[0], rules)
        keys.append(OrderKey(kind, key, ascending))
    _check_duplicates(keys, items)
    return keys


def _order_field(tok: _Tok, rules: _Rules) -> tuple[Kind, str]:
    kind, key = _identifier(tok, rules, rules.order_attrs)
    if kind != "attribute" and kind not in rules.order_kinds:
        raise InvalidArgument(f"Invalid order_by entity: {kind}")
    return kind, key


def _check_duplicates(keys: Sequence[OrderKey], items: object) -> None:
    seen = {(k.kind, k.key) for k in keys}
    if len(seen) != len(keys):
        raise InvalidArgument(f"`order_by` contains duplicate fields: {items}")


def parse_logged_model_order(items: Sequence[Mapping[str, Any]] | None) -> list[OrderKey]:
    """Parse logged-model ``order_by`` dicts: ``{field_name, ascending?, dataset_name?, …}``."""
    keys: list[OrderKey] = []
    for item in items or ():
        field = item.get("field_name")
        if not isinstance(field, str):
            raise InvalidArgument("`field_name` in the `order_by` clause must be specified.")
        ascending = item.get("ascending", True)
        if not isinstance(ascending, bool):
            raise InvalidArgument(
                "Value of `ascending` in the `order_by` clause must be a boolean, got "
                f"{type(ascending)} for field {field}."
            )
        name, digest = item.get("dataset_name") or None, item.get("dataset_digest") or None
        if digest and not name:
            raise InvalidArgument(
                "`dataset_digest` can only be specified if `dataset_name` is also specified."
            )
        if "." in field and field.split(".", 1)[0] != "metrics":
            entity = field.split(".", 1)[0]
            raise InvalidArgument(
                f"Invalid order by field name: {entity}, only `metrics.<name>` is allowed."
            )
        tok = _Tok("ident", field, tuple(field.split(".", 1)))
        try:
            kind, key = _order_field(tok, _RULES["logged_models"])
        except InvalidArgument:
            raise InvalidArgument(f"Invalid order by field name: {field}.") from None
        keys.append(OrderKey(kind, key, ascending, name, digest))
    return keys


# MLflow's SQL stores: the order used without order_by, and the keys appended to any order.
_DEFAULT_ORDER: dict[Grammar, tuple[str, ...]] = {
    "experiments": ("creation_time DESC", "experiment_id ASC"),
    "model_versions": ("last_updated_timestamp DESC", "name ASC", "version_number DESC"),
}
_TIE_BREAKERS: dict[Grammar, tuple[str, ...]] = {
    "runs": ("start_time DESC", "run_id ASC"),
    "experiments": ("experiment_id DESC",),
    "registered_models": ("name ASC",),
    "model_versions": ("name ASC", "version_number DESC"),
    "logged_models": ("creation_timestamp DESC", "model_id ASC"),
}


def full_order(grammar: Grammar, order: Sequence[OrderKey]) -> list[OrderKey]:
    """``order`` (or MLflow's default when empty) plus MLflow's tie-breakers not yet in it."""
    keys = list(order) or parse_order_by(_DEFAULT_ORDER.get(grammar, ()), grammar)
    seen = {(k.kind, k.key) for k in keys}
    tail = parse_order_by(_TIE_BREAKERS[grammar], grammar)
    return keys + [k for k in tail if (k.kind, k.key) not in seen]


# --- page tokens --------------------------------------------------------------------------


def encode_page_token(offset: int) -> str:
    """MLflow's token shape: base64 of ``{"offset": N}`` (``eyJvZmZzZXQiOiAyfQ==`` for 2)."""
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str | None) -> int:
    """The offset in a page token; ``0`` for ``None`` or ``""``.

    Raises:
        InvalidArgument: for a token that is not base64, not JSON, or has no valid offset.
    """
    if not token:
        return 0
    try:
        decoded = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgument("Invalid page token, could not base64-decode") from None
    try:
        parsed = json.loads(decoded)
    except ValueError:
        raise InvalidArgument(f"Invalid page token, decoded value={decoded!r}") from None
    offset = parsed.get("offset") if isinstance(parsed, dict) else None
    if isinstance(offset, str) and offset.isdigit():
        offset = int(offset)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidArgument(f"Invalid page token, parsed value={parsed}")
    return offset


# --- evaluation in Python -----------------------------------------------------------------

_ORDERING = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le}
_ORDERING |= {">": operator.gt, ">=": operator.ge}


def matches(clauses: Iterable[Clause], value_of: ValueOf) -> bool:
    """Whether an object passes every clause, with MLflow's SQL-store semantics.

    A comparison on a missing value is false (``!=`` included, as MLflow joins on the key),
    except ``IS NULL`` and the registry's prompt marker: a model without the
    ``mlflow.prompt.is_prompt`` tag matches ``!= 'true'`` and ``= 'false'``, because the
    client appends ``tags.`mlflow.prompt.is_prompt` != 'true'`` to every model search.
    """
    return all(_holds(clause, value_of(clause.kind, clause.key)) for clause in clauses)


def _holds(clause: Clause, lhs: object) -> bool:
    comparator, value = clause.comparator, clause.value
    if comparator in _NULLS:
        return (lhs is None) == (comparator == "IS NULL")
    if lhs is None:
        if clause.kind == "tag" and clause.key == IS_PROMPT_TAG and isinstance(value, str):
            return (comparator, value.lower()) in (("!=", "true"), ("=", "false"))
        return False
    if isinstance(lhs, (list, tuple)):
        return any(_test(item, comparator, value) for item in lhs if item is not None)
    return _test(lhs, comparator, value)


def _test(lhs: object, comparator: str, value: Value) -> bool:
    if isinstance(value, tuple):
        return (str(lhs) in value) == (comparator == "IN")
    if isinstance(value, float):
        try:
            number = float(cast(Any, lhs))
        except (TypeError, ValueError):
            return False
        return bool(_ORDERING[comparator](number, value))
    text = str(lhs)
    if comparator in ("LIKE", "ILIKE"):
        return _like_regex(str(value), comparator == "ILIKE").fullmatch(text) is not None
    return bool(_ORDERING[comparator](text, str(value)))


@functools.lru_cache(maxsize=256)
def _like_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # SQL LIKE without an escape character: % and _ are wildcards, everything else literal.
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.S | (re.I if ignore_case else 0))


def sort_items(
    items: Iterable[_T], order: Sequence[OrderKey], value_of: Callable[[_T, Kind, str], object]
) -> list[_T]:
    """Sort objects by ``order``: real values, then NaN, then missing, in either direction.

    Pass ``full_order(grammar, order)`` to get MLflow's default order and tie-breakers.
    """
    result = list(items)
    for key in reversed(order):  # stable sorts, last key first, as MLflow's file store
        result.sort(key=functools.partial(_rank, key, value_of), reverse=not key.ascending)
    return result


def _rank(key: OrderKey, value_of: Callable[[_T, Kind, str], object], item: _T) -> tuple[int, Any]:
    value = value_of(item, key.kind, key.key)
    # Ranks are flipped for descending keys, whose sort is reversed, to keep NaN and missing last.
    if value is None:
        return (2, 0) if key.ascending else (0, 0)
    if isinstance(value, float) and math.isnan(value):
        return (1, 0)
    return (0, value) if key.ascending else (2, value)


# --- runs: translation to Headway's filter AST --------------------------------------------

_MATCH_NONE: Expr = Not(MatchAll())
#: Headway run states and the MLflow statuses each answers to (SCHEDULED runs are stored
#: as running; crashed runs are reported as FAILED).
_STATUSES: dict[str, tuple[str, ...]] = {
    "running": ("RUNNING", "SCHEDULED"),
    "finished": ("FINISHED",),
    "failed": ("FAILED",),
    "crashed": ("FAILED",),
    "killed": ("KILLED",),
    "pruned": ("KILLED",),
}
_RUN_ATTRIBUTES = {"run_id": "id", "run_name": "name", "status": "state"}
_RUN_TIMES = {"start_time": "created_at", "end_time": "finished_at"}
_NUMBER_TEXT = re.compile(r"-?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+)", re.I)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_headway(clauses: Sequence[Clause]) -> tuple[Expr, list[Clause]]:
    """Translate run clauses into Headway's filter AST, plus the clauses left to the caller.

    Left over: dataset clauses and ``artifact_uri`` (not run columns; the expression ignores
    them), and case-sensitive ``LIKE`` on text: Headway's ``like`` ignores case, so it is
    translated (as a superset) *and* returned for the caller to re-check in Python, with
    ``matches``, on the page it returns. ``ILIKE`` needs no re-check.

    Params are strings in MLflow while Headway config values may be numbers or bools, so
    ``=`` and ``!=`` on a param also test the value the string spells (``'0.1'`` → 0.1,
    ``'True'`` → true) when the string is how Python prints that value; ``!=`` is "has the
    key and is not equal", as MLflow joins on the key. ``start_time``/``end_time`` are
    matched as the milliseconds Headway reports, ``round(seconds * 1000)``.
    """
    parts: list[Expr] = []
    leftover: list[Clause] = []
    for clause in clauses:
        expr, recheck = _run_clause(clause)
        if expr is not None:
            parts.append(expr)
        if recheck:
            leftover.append(clause)
    return _all_of(parts), leftover


def _all_of(parts: Sequence[Expr]) -> Expr:
    kept = [p for p in parts if not isinstance(p, MatchAll)]
    return MatchAll() if not kept else kept[0] if len(kept) == 1 else And(tuple(kept))


def _run_clause(clause: Clause) -> tuple[Expr | None, bool]:
    kind, key = clause.kind, clause.key
    if kind == "dataset" or (kind == "attribute" and key == "artifact_uri"):
        return None, True
    if kind == "metric":
        op = cast(Any, clause.comparator)
        return Compare(FieldRef("summary", key), op, cast(float, clause.value)), False
    if kind == "attribute" and key == "status":
        return _status(clause), False
    if kind == "attribute" and key in _RUN_TIMES:
        return _time(FieldRef("attribute", _RUN_TIMES[key]), clause), False
    if kind == "param":
        field = FieldRef("config", key)
    elif kind == "tag":
        field = FieldRef("kv", key)
    elif key == "user_id":
        field = FieldRef("kv", "mlflow.user")
    else:
        field = FieldRef("attribute", _RUN_ATTRIBUTES[key])
    return _text(field, clause, numeric=kind == "param"), clause.comparator == "LIKE"


def _text(field: FieldRef, clause: Clause, *, numeric: bool) -> Expr:
    comparator, value = clause.comparator, clause.value
    if comparator in _NULLS:
        return Exists(field, negated=comparator == "IS NULL")
    if isinstance(value, tuple):
        return In(field, value, negated=comparator == "NOT IN")
    text = str(value)
    if comparator in ("LIKE", "ILIKE"):
        # MLflow's LIKE has no escape character; Headway's uses \, so a \ must be literal.
        return Compare(field, "like", text.replace("\\", "\\\\"))
    if not numeric:
        return Compare(field, cast(Any, comparator), text)
    # A param is the text of a config value, which Headway may hold as a number or a bool.
    equal: Expr = Compare(field, "=", text)
    typed = _python_value(text)
    if typed is not None:
        equal = Or((equal, Compare(field, "=", typed)))
    return equal if comparator == "=" else And((Exists(field), Not(equal)))


def _python_value(text: str) -> bool | int | float | None:
    """The value ``text`` spells if it is exactly how Python prints it (``str(0.1)``)."""
    if text in ("True", "False"):
        return text == "True"
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    number: int | float = int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    return number if str(number) == text and math.isfinite(number) else None


def _status(clause: Clause) -> Expr:
    # Evaluate the clause on each state's MLflow names, so LIKE/IN/!= all reduce to a set.
    # SCHEDULED finds running runs by name only: a pattern tests the status clients see.
    positive = {"!=": "=", "NOT IN": "IN"}.get(clause.comparator, clause.comparator)
    probe = Clause("attribute", "status", positive, clause.value)
    exact = positive in ("=", "IN")
    hits = {
        state
        for state, names in _STATUSES.items()
        if any(_holds(probe, name) for name in (names if exact else names[:1]))
    }
    if positive != clause.comparator:
        hits = set(_STATUSES) - hits
    states = tuple(s for s in _STATUSES if s in hits)
    field = FieldRef("attribute", "state")
    if len(states) == len(_STATUSES):
        return MatchAll()
    if not states:
        return _MATCH_NONE
    return Compare(field, "=", states[0]) if len(states) == 1 else In(field, states)


def _time(field: FieldRef, clause: Clause) -> Expr:
    millis = cast(float, clause.value)
    # round(t * 1000) == M  <=>  M - 0.5 <= t * 1000 < M + 0.5
    low, high = _instant(millis - 0.5), _instant(millis + 0.5)
    comparator = clause.comparator
    if comparator == "=":
        return And((Compare(field, ">=", low), Compare(field, "<", high)))
    if comparator == "!=":
        return Or((Compare(field, "<", low), Compare(field, ">=", high)))
    bound = high if comparator in (">", "<=") else low
    op: Any = {">": ">=", ">=": ">=", "<": "<", "<=": "<"}[comparator]
    return Compare(field, op, bound)


def _instant(millis: float) -> datetime:
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        raise InvalidArgument(f"Timestamp {millis:.0f} ms is out of range") from None


_ORDER_ATTRIBUTES = {
    "run_id": "id",
    "run_name": "name",
    "status": "state",
    "start_time": "created_at",
    "end_time": "finished_at",
    # Artifact URIs are <experiment>/<run id>/artifacts, so within an experiment this order
    # is the run id's.
    "artifact_uri": "id",
}
_PLAIN_KEY = re.compile(r"[\w/]+(?:\.[\w/]+)*")


def order_to_headway(order: Sequence[OrderKey]) -> tuple[str, ...]:
    """Headway order strings (``filter_expr.parse_order``) for run ``order_by`` keys."""
    out: list[str] = []
    for key in order:
        if key.kind == "attribute" and key.key == "user_id":
            field = "tag." + _order_key("mlflow.user")
        elif key.kind == "attribute":
            field = _ORDER_ATTRIBUTES[key.key]
        else:
            prefix = {"metric": "summary", "param": "config", "tag": "tag"}[key.kind]
            field = f"{prefix}.{_order_key(key.key)}"
        out.append(field if key.ascending else "-" + field)
    return tuple(out)


def _order_key(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return key
    return "`" + key.replace("\\", "\\\\").replace("`", "\\`") + "`"
