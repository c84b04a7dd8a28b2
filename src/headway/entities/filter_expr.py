"""The run-search filter language: tokenizer, recursive-descent parser and a frozen AST.

Pure Python, no SQL: ``store/sql/search.py`` compiles the AST. Types are checked here
(``duration > "x"``, ``state = "runing"``, a bad ISO date) so a bad expression fails with a
position before any query runs. The language is documented in ``docs/search.md``.

Comparisons are true only for runs that have a value for the field, so ``!=``, ``not in``,
``not like`` and ``not contains`` negate the test of the value, while ``not (...)`` negates
the whole predicate (and so also matches runs without the field).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal, NamedTuple, NoReturn

from headway.errors import InvalidArgument

Scope = Literal["config", "summary", "tags", "kv", "attribute"]
AttributeKind = Literal["text", "datetime", "number"]
CompareOp = Literal["=", "!=", "<", "<=", ">", ">=", "contains", "not contains", "like", "not like"]
Scalar = str | int | float | bool | datetime | None

#: Run attributes a filter may name, and how their values compare.
ATTRIBUTES: dict[str, AttributeKind] = {
    **dict.fromkeys(("id", "name", "state", "group", "job_type", "parent_id", "notes"), "text"),
    **dict.fromkeys(("created_at", "updated_at", "finished_at"), "datetime"),
    "duration": "number",
}
#: Kept in step with ``entities.runs.RunState``; a typo there should fail loudly here.
RUN_STATES = ("running", "finished", "failed", "killed", "crashed", "pruned")
KEYED_PREFIXES = ("config", "summary")
_ORDERING_OPS = frozenset({"<", "<=", ">", ">="})
_KEYWORDS = frozenset(
    {"and", "or", "not", "in", "contains", "exists", "like", "true", "false", "null"}
)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "`": "`", "n": "\n", "t": "\t", "r": "\r"}


@dataclasses.dataclass(frozen=True)
class FieldRef:
    """What a predicate or sort term looks at.

    ``key`` is the flattened config key or summary key, the key of a key -> value tag
    (``tag.team``, scope ``kv``), the attribute name, or ``""`` for ``tags``.
    """

    scope: Scope
    key: str = ""

    def __str__(self) -> str:
        if self.scope == "tags":
            return "tags"
        if self.scope == "attribute":
            return self.key
        if self.scope == "kv":
            return f"tag.{self.key}"
        return f"{self.scope}.{self.key}"

    @property
    def kind(self) -> AttributeKind | None:
        """The attribute's value kind; ``None`` for config, summary and tags."""
        return ATTRIBUTES[self.key] if self.scope == "attribute" else None


# ``position`` (1-based column of the field) is excluded from equality so tests and callers
# can compare trees without counting characters; it is only for error messages.
@dataclasses.dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: CompareOp
    value: Scalar
    position: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass(frozen=True)
class In:
    field: FieldRef
    values: tuple[Scalar, ...]
    negated: bool = False
    position: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass(frozen=True)
class Exists:
    field: FieldRef
    negated: bool = False
    position: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass(frozen=True)
class Not:
    operand: Expr


@dataclasses.dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclasses.dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


@dataclasses.dataclass(frozen=True)
class MatchAll:
    """The empty expression."""


Expr = Compare | In | Exists | Not | And | Or | MatchAll


class OrderTerm(NamedTuple):
    field: FieldRef
    descending: bool


# --- tokens -------------------------------------------------------------------------------

TokenType = Literal["field", "number", "string", "op", "(", ")", "[", "]", ",", "end"]


@dataclasses.dataclass(frozen=True)
class _Token:
    type: TokenType
    text: str  # source text, for messages
    pos: int  # 1-based column
    value: Scalar = None
    segments: tuple[str, ...] = ()  # for fields
    quoted: bool = False  # a field with any backtick segment is never a keyword

    def describe(self) -> str:
        if self.type in ("string", "number"):
            return f"{self.type} {self.text}"
        return "end of expression" if self.type == "end" else f"'{self.text}'"


def _fail(context: str, what: str, pos: int, tail: str = "") -> NoReturn:
    """Raise the one error shape: ``<context>: <what> at position <pos><tail>``."""
    raise InvalidArgument(f"{context}: {what} at position {pos}{tail}", details={"position": pos})


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_/"


class _Lexer:
    def __init__(self, text: str, context: str) -> None:
        self.text = text
        self.context = context
        self.i = 0

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        while True:
            tok = self._next()
            out.append(tok)
            if tok.type == "end":
                return out

    def _next(self) -> _Token:
        text = self.text
        while self.i < len(text) and text[self.i].isspace():
            self.i += 1
        start = self.i
        pos = start + 1
        if start >= len(text):
            return _Token("end", "", pos)
        ch = text[start]
        for op in ("==", "!=", "<=", ">=", "=", "<", ">"):
            if text.startswith(op, start):
                self.i += len(op)
                return _Token("op", op, pos, value="=" if op == "==" else op)
        if ch in "()[],":
            self.i += 1
            return _Token(ch, ch, pos)  # type: ignore[arg-type]
        if ch in "\"'":
            value, length = self._quoted(ch)
            return _Token("string", text[start : start + length], pos, value=value)
        if ch.isdigit() or (ch in "+-." and _NUMBER.match(text, start)):
            return self._number()
        if ch.isalpha() or ch in "_`":
            return self._field()
        hint = ""
        if ch == "-" and start > 0 and _is_word_char(text[start - 1]):
            # Suggest the user's own key, quoted: config.class-weight -> config.`class-weight`.
            left, right = start, start
            while left > 0 and (_is_word_char(text[left - 1]) or text[left - 1] == "."):
                left -= 1
            while right < len(text) and (_is_word_char(text[right]) or text[right] == "-"):
                right += 1
            head, _, last = text[left:start].rpartition(".")
            quoted = f"{head}.`{last}{text[start:right]}`" if head else f"`{text[left:right]}`"
            hint = f" (a key with odd characters needs backticks: {quoted})"
        elif ch == "!":
            hint = " (did you mean '!='?)"
        _fail(self.context, f"unexpected character '{ch}'", pos, hint)

    def _quoted(self, quote: str) -> tuple[str, int]:
        """Read a quoted string or backtick key at ``self.i``; returns it and its length."""
        text, start = self.text, self.i
        chars: list[str] = []
        i = start + 1
        while i < len(text):
            ch = text[i]
            if ch == quote:
                self.i = i + 1
                return "".join(chars), i + 1 - start
            if ch == "\\":
                i, decoded = self._escape(i, like_escapes=quote != "`")
                chars.append(decoded)
                continue
            chars.append(ch)
            i += 1
        what = "key" if quote == "`" else "string"
        _fail(
            self.context, f"unterminated {what} starting", start + 1, f"; add the closing {quote}"
        )

    def _escape(self, i: int, *, like_escapes: bool) -> tuple[int, str]:
        """Decode the escape at ``text[i] == '\\'``; returns the next index and the text."""
        text = self.text
        if i + 1 >= len(text):
            _fail(self.context, "unfinished escape", i + 1)
        ch = text[i + 1]
        if ch in _ESCAPES:
            return i + 2, _ESCAPES[ch]
        if like_escapes and ch in "%_":
            # Kept with its backslash so a ``like`` pattern can match a literal % or _.
            return i + 2, "\\" + ch
        if ch == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                return i + 6, chr(int(digits, 16))
            _fail(self.context, "bad \\u escape", i + 1, "; use \\uXXXX")
        tail = "; use \\\\, \\\", \\', \\n, \\t, \\%, \\_ or \\uXXXX"
        _fail(self.context, f"unknown escape '\\{ch}'", i + 1, tail)

    def _number(self) -> _Token:
        text, start = self.text, self.i
        match = _NUMBER.match(text, start)
        end = match.end() if match else start
        # Glued letters or dots (``1e``, ``1.2.3``, ``3abc``) are a typo, not two tokens.
        if not match or (end < len(text) and (_is_word_char(text[end]) or text[end] == ".")):
            stop = end
            while stop < len(text) and (_is_word_char(text[stop]) or text[stop] in ".+-"):
                stop += 1
            _fail(self.context, f"bad number '{text[start:stop]}'", start + 1)
        raw = text[start:end]
        self.i = end
        value: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        return _Token("number", raw, start + 1, value=value)

    def _field(self) -> _Token:
        text, start = self.text, self.i
        segments: list[str] = []
        quoted = False
        while True:
            if self.i < len(text) and text[self.i] == "`":
                key_pos = self.i + 1
                key, _ = self._quoted("`")
                if not key:
                    _fail(self.context, "empty `` key", key_pos)
                segments.append(key)
                quoted = True
            else:
                seg_start = self.i
                while self.i < len(text) and _is_word_char(text[self.i]):
                    self.i += 1
                segments.append(text[seg_start : self.i])
            if self.i < len(text) and text[self.i] == ".":
                nxt = text[self.i + 1 : self.i + 2]
                if nxt and (_is_word_char(nxt) or nxt == "`"):
                    self.i += 1
                    continue
                _fail(self.context, "expected a key after '.'", self.i + 1)
            break
        return _Token(
            "field", text[start : self.i], start + 1, segments=tuple(segments), quoted=quoted
        )


def _keyword(tok: _Token) -> str | None:
    if tok.type != "field" or tok.quoted or len(tok.segments) != 1:
        return None
    return word if (word := tok.segments[0].lower()) in _KEYWORDS else None


# --- fields -------------------------------------------------------------------------------

_PREFIX_HINTS = {
    "params": "config",
    "param": "config",
    "metrics": "summary",
    "metric": "summary",
    "tags": "tag",
}
#: ``tag.<key>`` names a key -> value tag; ``tags`` alone is the run's list of labels.
KV_PREFIX = "tag"


_VALID_FIELDS = (
    " (fields are config.<key>, summary.<key>, tag.<key>, tags, " + ", ".join(ATTRIBUTES) + ")"
)


def _resolve_field(tok: _Token, context: str) -> FieldRef:
    head, rest = tok.segments[0], tok.segments[1:]
    lowered = head.lower()
    if lowered in KEYED_PREFIXES:
        if not rest:
            _fail(context, f"{head} needs a key", tok.pos, f", e.g. {lowered}.lr")
        return FieldRef(lowered, ".".join(rest))  # type: ignore[arg-type]
    if not rest and lowered == "tags":
        return FieldRef("tags")
    if lowered == KV_PREFIX:
        if not rest:
            _fail(context, "tag needs a key", tok.pos, ", e.g. tag.team (or 'tags' for labels)")
        return FieldRef("kv", ".".join(rest))
    if not rest and lowered in ATTRIBUTES:
        return FieldRef("attribute", lowered)
    if rest:
        hint = _PREFIX_HINTS.get(lowered)
        suggestion = f"; did you mean {hint}.{'.'.join(rest)}?" if hint else ""
        _fail(context, f"unknown field prefix '{head}'", tok.pos, suggestion + _VALID_FIELDS)
    close = difflib.get_close_matches(lowered, [*ATTRIBUTES, "tags"], n=1)
    suggestion = f"; did you mean '{close[0]}'?" if close else ""
    _fail(context, f"unknown field '{head}'", tok.pos, suggestion + _VALID_FIELDS)


# --- values -------------------------------------------------------------------------------


def _check_value(field: FieldRef, op: str, value: Scalar, pos: int, context: str) -> Scalar:
    """Validate ``value`` (at ``pos``) for ``field`` and ``op``; return it as compiled."""

    def bad(what: str, tail: str = "") -> NoReturn:
        _fail(context, what, pos, tail)

    pattern_op = op in ("contains", "not contains", "like", "not like")
    if value is None:
        if op not in ("=", "!="):
            bad(f"null after '{op}'", "; null only works with = and != (or use 'exists')")
        if field.scope == "tags":
            bad("tags compared with null", "; use 'tags exists' or 'tags not exists'")
        return None
    if pattern_op and not isinstance(value, str):
        bad(f"'{op}' needs a quoted string")
    kind = field.kind
    if field.scope == "kv" and not isinstance(value, str):
        bad(f"{field} is text", f'; put the value in quotes: {field} = "{value}"')
    if field.scope == "tags":
        if op in _ORDERING_OPS:
            bad(f"tags cannot be compared with '{op}'", "; use contains, =, !=, in or like")
        if not isinstance(value, str):
            bad("tags are text", "; put the tag in quotes")
        return value
    if kind == "number":
        if pattern_op or isinstance(value, (str, bool)):
            bad(f"{field} is a number of seconds", f"; compare it with a number: {field} > 60")
        return value
    if kind == "datetime":
        example = '; use an ISO date like "2026-01-01" or "2026-01-01T12:00:00Z"'
        if pattern_op:
            bad(f"{field} is a time and '{op}' only works on text", example)
        if isinstance(value, bool):
            bad(f"{field} is a time", example)
        if isinstance(value, (int, float)):
            try:
                return datetime.fromtimestamp(value, UTC)  # seconds since the epoch
            except (OverflowError, OSError, ValueError):
                bad(f"{value} is out of range for {field}", example)
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value.strip())
            except ValueError:
                bad(f'{field} cannot use "{value}"', example)
            # Naive times are UTC: runs are stored in UTC and a filter means one instant.
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        return value
    if kind == "text":
        if not isinstance(value, str):
            bad(f"{field} is text", f'; put the value in quotes: {field} = "{value}"')
        if field.key == "state" and not pattern_op:
            if value.lower() not in RUN_STATES:
                bad(f'unknown state "{value}"', f"; states are {', '.join(RUN_STATES)}")
            return value.lower()
        return value
    return value  # config and summary take any scalar


# --- parser -------------------------------------------------------------------------------

_MAX_DEPTH = 64
_COMPARATORS = "=, !=, <, <=, >, >=, contains, in, not in, like, exists, not exists"


class _Parser:
    def __init__(self, text: str, context: str) -> None:
        self.context = context
        self.tokens = _Lexer(text, context).tokens()
        self.k = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.k]

    def advance(self) -> _Token:
        tok = self.tokens[self.k]
        if tok.type != "end":
            self.k += 1
        return tok

    def unexpected(self, expected: str, hint: str = "") -> NoReturn:
        tok = self.tok
        _fail(self.context, f"unexpected {tok.describe()}", tok.pos, f"; expected {expected}{hint}")

    def at(self, type_: TokenType) -> bool:
        # A method, not ``self.tok.type ==``, so mypy does not narrow across advance().
        return self.tok.type == type_

    def at_keyword(self, *words: str) -> bool:
        return _keyword(self.tok) in words

    def parse(self) -> Expr:
        if self.at("end"):
            return MatchAll()
        expr = self.or_expr()
        if not self.at("end"):
            expected = "'and', 'or' or end of expression"
            if self.at(")"):
                expected = "'and', 'or' or end of expression (this ')' has no matching '(')"
            self.unexpected(expected)
        return expr

    def or_expr(self) -> Expr:
        operands = [self.and_expr()]
        while self.at_keyword("or"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Expr:
        operands = [self.not_expr()]
        while self.at_keyword("and"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Expr:
        if not (self.at_keyword("not") or self.at("(")):
            return self.predicate()
        # Filters arrive over HTTP; a bound keeps a hostile one from exhausting the stack.
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            _fail(self.context, "expression nested too deeply", self.tok.pos)
        if self.at_keyword("not"):
            self.advance()
            inner: Expr = Not(self.not_expr())
        else:
            opening = self.advance()
            inner = self.or_expr()
            if not self.at(")"):
                self.unexpected(f"')' to close the '(' at position {opening.pos}")
            self.advance()
        self.depth -= 1
        return inner

    def predicate(self) -> Expr:
        tok = self.tok
        if tok.type != "field" or _keyword(tok) is not None:
            self.unexpected("a field (config.<key>, summary.<key>, tags, name, …) or '('")
        self.advance()
        field = _resolve_field(tok, self.context)
        pos = tok.pos
        op_tok = self.tok
        word = _keyword(op_tok)
        negated = False
        if word == "not":
            self.advance()
            negated = True
            word = _keyword(self.tok)
            if word not in ("in", "exists", "like", "contains"):
                self.unexpected("'in', 'exists', 'like' or 'contains' after 'not'")
        if word == "exists":
            self.advance()
            return Exists(field, negated, pos)
        if word == "in":
            self.advance()
            values = self.value_list(field)
            return In(field, values, negated, pos)
        if op_tok.type == "op" or word in ("contains", "like"):
            self.advance()
            op = op_tok.value if op_tok.type == "op" else f"not {word}" if negated else word
            value_pos = self.tok.pos
            value = self.value(f"a value after '{op_tok.text}'")
            value = _check_value(field, str(op), value, value_pos, self.context)
            return Compare(field, op, value, pos)  # type: ignore[arg-type]
        self.unexpected(f"an operator after {field} ({_COMPARATORS})")

    def value(self, expected: str) -> Scalar:
        tok = self.tok
        if tok.type in ("number", "string"):
            self.advance()
            return tok.value
        word = _keyword(tok)
        if word in ("true", "false", "null"):
            self.advance()
            return {"true": True, "false": False, "null": None}[word]
        hint = ""
        if tok.type == "field" and word is None:
            hint = f'; put text in quotes: "{tok.text}"'
        self.unexpected(expected, hint)

    def value_list(self, field: FieldRef) -> tuple[Scalar, ...]:
        if not self.at("["):
            self.unexpected("'[' to start a list after 'in', e.g. in [\"a\", \"b\"]")
        self.advance()
        values: list[Scalar] = []
        while not self.at("]"):
            value_pos = self.tok.pos
            value = self.value("a value or ']'")
            if value is None:
                _fail(self.context, "null is not allowed in a list", value_pos, "; use 'exists'")
            values.append(_check_value(field, "=", value, value_pos, self.context))
            if self.at(","):
                self.advance()
            elif not self.at("]"):
                self.unexpected("',' or ']'")
        self.advance()
        return tuple(values)


def parse_filter(expr: str) -> Expr:
    """Parse a filter expression; empty or blank text gives ``MatchAll()``.

    Raises:
        InvalidArgument: with the 1-based position in the message and in
            ``details["position"]``.
    """
    return _Parser(expr, "filter").parse()


def _split_commas(item: str) -> list[tuple[int, str]]:
    """Split an order item on commas outside backticks, keeping each piece's offset."""
    pieces: list[tuple[int, str]] = []
    start, quoted, i = 0, False, 0
    while i < len(item):
        ch = item[i]
        if quoted and ch == "\\":
            i += 1  # an escaped character inside backticks, possibly a backtick
        elif ch == "`":
            quoted = not quoted
        elif ch == "," and not quoted:
            pieces.append((start, item[start:i]))
            start = i + 1
        i += 1
    pieces.append((start, item[start:]))
    return pieces


def parse_order(items: Sequence[str]) -> list[OrderTerm]:
    """Parse sort terms such as ``"-summary.val_acc"``, ``"config.lr"``, ``"+created_at"``.

    A leading ``-`` sorts descending. An item may hold several comma-separated terms
    (``"-summary.val_acc, config.lr"``, as typed in a URL or search box); blank ones are
    skipped.

    Raises:
        InvalidArgument: naming the item; ``details`` holds its 0-based ``item`` index and
            the 1-based ``position`` inside it.
    """
    terms: list[OrderTerm] = []
    for index, item in enumerate(items):
        context = f"order item {index + 1} ({item!r})"
        for offset, piece in _split_commas(item):
            stripped = piece.lstrip()
            if not stripped:
                continue
            # Pad and blank out the sign rather than slicing, so positions match the item.
            sign_at = offset + len(piece) - len(stripped)
            text = " " * offset + piece
            if stripped[0] in "+-":
                text = text[:sign_at] + " " + text[sign_at + 1 :]
            try:
                terms.append(OrderTerm(_order_field(text, context), stripped[0] == "-"))
            except InvalidArgument as exc:
                exc.details["item"] = index
                raise
    return terms


def _order_field(text: str, context: str) -> FieldRef:
    tokens = _Lexer(text, context).tokens()
    head = tokens[0]
    if head.type != "field" or _keyword(head) is not None:
        _fail(context, "expected a field", head.pos)
    after = tokens[1]
    if after.type != "end":
        _fail(context, f"unexpected {after.describe()}", after.pos, "; expected one field per term")
    field = _resolve_field(head, context)
    if field.scope == "tags":
        _fail(context, "cannot sort by tags", head.pos)
    return field
