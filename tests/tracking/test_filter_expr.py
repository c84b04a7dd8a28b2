from __future__ import annotations

from datetime import UTC, datetime

import pytest

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
    OrderTerm,
    parse_filter,
    parse_order,
)
from headway.errors import InvalidArgument

LR = FieldRef("config", "optimizer.lr")
ACC = FieldRef("summary", "val_acc")
TAGS = FieldRef("tags")


def attr(name: str) -> FieldRef:
    return FieldRef("attribute", name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", MatchAll()),
        ("   \n\t ", MatchAll()),
        (
            'config.optimizer.lr < 0.01 and summary.val_acc >= 0.9 and tags contains "baseline"',
            And(
                (
                    Compare(LR, "<", 0.01),
                    Compare(ACC, ">=", 0.9),
                    Compare(TAGS, "contains", "baseline"),
                )
            ),
        ),
        (
            'summary.val/auc >= 0.8 and config.model = "random_forest"',
            And(
                (
                    Compare(FieldRef("summary", "val/auc"), ">=", 0.8),
                    Compare(FieldRef("config", "model"), "=", "random_forest"),
                )
            ),
        ),
        # Dots after the prefix belong to the key.
        ("summary.a.b > 1", Compare(FieldRef("summary", "a.b"), ">", 1)),
        ("config.x == 1", Compare(FieldRef("config", "x"), "=", 1)),
        ("config.x != 1", Compare(FieldRef("config", "x"), "!=", 1)),
        ("config.x<=-2", Compare(FieldRef("config", "x"), "<=", -2)),
        ("config.x > +2.5", Compare(FieldRef("config", "x"), ">", 2.5)),
        ("config.x = 1e-3", Compare(FieldRef("config", "x"), "=", 0.001)),
        ("config.x = -1.5E+2", Compare(FieldRef("config", "x"), "=", -150.0)),
        ("config.x = .5", Compare(FieldRef("config", "x"), "=", 0.5)),
        ("config.x = true", Compare(FieldRef("config", "x"), "=", True)),
        ("config.x = FALSE", Compare(FieldRef("config", "x"), "=", False)),
        ("config.x = null", Compare(FieldRef("config", "x"), "=", None)),
        ("config.x = 'it\\'s'", Compare(FieldRef("config", "x"), "=", "it's")),
        ('config.x = "a\\"b\\\\c\\n\\u00e9"', Compare(FieldRef("config", "x"), "=", 'a"b\\c\né')),
        ("config.`my-key` = 1", Compare(FieldRef("config", "my-key"), "=", 1)),
        ("config.a.`b c`.d = 1", Compare(FieldRef("config", "a.b c.d"), "=", 1)),
        # A backtick segment is never a keyword, so a key may be called "and".
        ("config.`and` exists", Exists(FieldRef("config", "and"))),
        ("config.lr exists", Exists(FieldRef("config", "lr"))),
        ("config.lr not exists", Exists(FieldRef("config", "lr"), negated=True)),
        ("config.x in [1, 'a', true]", In(FieldRef("config", "x"), (1, "a", True))),
        ("config.x in [1, 2,]", In(FieldRef("config", "x"), (1, 2))),
        ("config.x in []", In(FieldRef("config", "x"), ())),
        ("config.x not in [1]", In(FieldRef("config", "x"), (1,), negated=True)),
        ('name like "base%"', Compare(attr("name"), "like", "base%")),
        # \% and \_ keep their backslash so like can match them literally.
        ('name like "a\\_b\\%"', Compare(attr("name"), "like", "a\\_b\\%")),
        ('name not like "x%"', Compare(attr("name"), "not like", "x%")),
        ('notes contains "semester"', Compare(attr("notes"), "contains", "semester")),
        ('tags not contains "x"', Compare(TAGS, "not contains", "x")),
        ('state = "RUNNING"', Compare(attr("state"), "=", "running")),
        ('group = "g1"', Compare(attr("group"), "=", "g1")),
        ("parent_id = null", Compare(attr("parent_id"), "=", None)),
        ("duration > 60", Compare(attr("duration"), ">", 60)),
        (
            'created_at > "2026-01-01"',
            Compare(attr("created_at"), ">", datetime(2026, 1, 1, tzinfo=UTC)),
        ),
        (
            'updated_at <= "2026-01-01T12:00:00+02:00"',
            Compare(attr("updated_at"), "<=", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ),
        (
            'finished_at < "2026-01-01T12:00:00Z"',
            Compare(attr("finished_at"), "<", datetime(2026, 1, 1, 12, tzinfo=UTC)),
        ),
        ("created_at > 0", Compare(attr("created_at"), ">", datetime(1970, 1, 1, tzinfo=UTC))),
        ('id in ["a", "b"]', In(attr("id"), ("a", "b"))),
        ('State = "failed"', Compare(attr("state"), "=", "failed")),
        ("Config.x = 1", Compare(FieldRef("config", "x"), "=", 1)),
    ],
)
def test_parses(text: str, expected: Expr) -> None:
    assert parse_filter(text) == expected


A = Compare(FieldRef("config", "a"), "=", 1)
B = Compare(FieldRef("config", "b"), "=", 2)
C = Compare(FieldRef("config", "c"), "=", 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("config.a = 1 or config.b = 2 and config.c = 3", Or((A, And((B, C))))),
        ("(config.a = 1 or config.b = 2) and config.c = 3", And((Or((A, B)), C))),
        ("not config.a = 1 and config.b = 2", And((Not(A), B))),
        ("not (config.a = 1 and config.b = 2)", Not(And((A, B)))),
        ("NOT NOT config.a = 1", Not(Not(A))),
        ("config.a = 1 AND config.b = 2 Or config.c = 3", Or((And((A, B)), C))),
        ("((config.a = 1))", A),
        ("config.a = 1 and config.b = 2 and config.c = 3", And((A, B, C))),
    ],
)
def test_precedence(text: str, expected: Expr) -> None:
    assert parse_filter(text) == expected


def test_positions_are_recorded() -> None:
    tree = parse_filter('config.a = 1 and  tags contains "x"')
    assert isinstance(tree, And)
    assert [node.position for node in tree.operands] == [1, 19]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ('config.a = 1 and (name = "x" or )', 33, "unexpected ')'"),
        ("(config.lr < 0.1 and name = )", 29, "expected a value after '='"),
        ("config.lr <", 12, "unexpected end of expression"),
        ("config.lr", 10, "expected an operator"),
        ("config.lr 3", 11, "expected an operator"),
        ("and config.x = 1", 1, "expected a field"),
        ("config.x = 1 and", 17, "expected a field"),
        ("config.x = 1 or or config.y = 2", 17, "unexpected 'or'"),
        ("config.x = 1 config.y = 2", 14, "expected 'and', 'or' or end"),
        ("(config.x = 1", 14, "')' to close the '(' at position 1"),
        ("config.x = 1)", 13, "no matching '('"),
        ("()", 2, "expected a field"),
        ('name = "abc', 8, "unterminated string"),
        ("name = 'abc", 8, "add the closing '"),
        ("config.`abc = 1", 8, "unterminated key"),
        ("config.`` = 1", 8, "empty"),
        ("config.x = 1.2.3", 12, "bad number '1.2.3'"),
        ("config.x = 1e", 12, "bad number '1e'"),
        ("config.x = 3abc", 12, "bad number '3abc'"),
        ("config.x = --1", 12, "unexpected character '-'"),
        ("config.my-key = 1", 10, "backticks: config.`my-key`"),
        ("config.x ! 1", 10, "'!='"),
        ("config.x = 1 & config.y = 2", 14, "unexpected character '&'"),
        ("name = 'a\\q'", 10, "unknown escape"),
        ("name = 'a\\u12'", 10, "\\u escape"),
        ("name = 'a\\", 10, "unfinished escape"),
        ("foo.bar = 1", 1, "unknown field prefix 'foo'"),
        ("metrics.acc > 1", 1, "did you mean summary.acc"),
        ("params.lr > 1", 1, "did you mean config.lr"),
        ("stat = 'x'", 1, "did you mean 'state'"),
        ("x = 1", 1, "unknown field 'x'"),
        ("config = 1", 1, "config needs a key"),
        ("summary > 1", 1, "summary needs a key"),
        ("config. = 1", 7, "expected a key after '.'"),
        ("tags.x = 'a'", 1, "unknown field prefix 'tags'"),
        ("state = running", 9, 'put text in quotes: "running"'),
        ("state = 'runing'", 9, 'unknown state "runing"'),
        ("name = 3", 8, "name is text"),
        ("duration > '1'", 12, "number of seconds"),
        ("duration like 'a'", 15, "number of seconds"),
        ("created_at > 'yesterday'", 14, 'cannot use "yesterday"'),
        ("created_at contains '2026'", 21, "only works on text"),
        ("created_at = true", 14, "is a time"),
        ("tags < 'a'", 8, "tags cannot be compared with '<'"),
        ("tags contains 3", 15, "needs a quoted string"),
        ("tags = 3", 8, "tags are text"),
        ("tags = null", 8, "tags compared with null"),
        ("config.x < null", 12, "null after '<'"),
        ("config.x like 3", 15, "needs a quoted string"),
        ("config.x in [null]", 14, "null is not allowed in a list"),
        ("config.x in 1", 13, "'[' to start a list"),
        ("config.x in [1 2]", 16, "',' or ']'"),
        ("config.x in [1,", 16, "expected a value or ']'"),
        ("config.x not 3", 14, "'in', 'exists', 'like' or 'contains' after 'not'"),
        ("config.x = config.y", 12, "expected a value"),
        ("config.x =", 11, "end of expression"),
        ("not", 4, "expected a field"),
    ],
)
def test_errors_name_the_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_filter(text)
    message = info.value.message
    assert message.startswith("filter: ")
    assert f"at position {position}" in message
    assert fragment in message
    assert info.value.details["position"] == position


def test_error_lists_valid_fields() -> None:
    with pytest.raises(
        InvalidArgument, match=r"config\.<key>, summary\.<key>, tag\.<key>, tags, id"
    ):
        parse_filter("bogus.key = 1")


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], []),
        (["-summary.val_acc"], [OrderTerm(ACC, True)]),
        (["config.optimizer.lr"], [OrderTerm(LR, False)]),
        (["+created_at"], [OrderTerm(attr("created_at"), False)]),
        ([" -name ", ""], [OrderTerm(attr("name"), True)]),
        (["summary.val/acc"], [OrderTerm(FieldRef("summary", "val/acc"), False)]),
        (["-config.`my-key`"], [OrderTerm(FieldRef("config", "my-key"), True)]),
        (
            ["-summary.val_acc, config.optimizer.lr,+name", " , "],
            [OrderTerm(ACC, True), OrderTerm(LR, False), OrderTerm(attr("name"), False)],
        ),
        (["config.`a,b`"], [OrderTerm(FieldRef("config", "a,b"), False)]),
        (
            ["-summary.val_acc", "config.optimizer.lr", "duration"],
            [OrderTerm(ACC, True), OrderTerm(LR, False), OrderTerm(attr("duration"), False)],
        ),
    ],
)
def test_parse_order(items: list[str], expected: list[OrderTerm]) -> None:
    assert parse_order(items) == expected


def test_order_terms_unpack_as_pairs() -> None:
    [(field, descending)] = parse_order(["-summary.val_acc"])
    assert (field, descending) == (ACC, True)


@pytest.mark.parametrize(
    ("items", "item", "position", "fragment"),
    [
        (["-tags"], 0, 2, "cannot sort by tags"),
        (["name", "bogus.x"], 1, 1, "unknown field prefix 'bogus'"),
        (["-summary.a b"], 0, 12, "one field per term"),
        (["name, -tags"], 0, 8, "cannot sort by tags"),
        (["name", "created_at,, x y"], 1, 16, "one field per term"),
        (["-"], 0, 2, "expected a field"),
        (["-and"], 0, 2, "expected a field"),
        (["config.`x"], 0, 8, "unterminated key"),
        (["stat"], 0, 1, "did you mean 'state'"),
    ],
)
def test_order_errors(items: list[str], item: int, position: int, fragment: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_order(items)
    assert info.value.message.startswith(f"order item {item + 1} ")
    assert f"at position {position}" in info.value.message
    assert fragment in info.value.message
    assert info.value.details == {"position": position, "item": item}


def test_deep_nesting_is_refused_not_a_crash() -> None:
    assert parse_filter("(" * 50 + "config.a = 1" + ")" * 50) == A
    with pytest.raises(InvalidArgument, match="nested too deeply"):
        parse_filter("(" * 5000 + "config.a = 1" + ")" * 5000)
    with pytest.raises(InvalidArgument, match="nested too deeply"):
        parse_filter("not " * 5000 + "config.a = 1")
