"""MLflow's search grammar, checked against the MLflow 3.17.2 client's own parsers.

The oracle for each grammar is what MLflow's SQL store accepts: its ``Search*Utils``
parser followed by the store's own comparator and value checks (called directly: building
SQLAlchemy expressions needs no database).
"""

from __future__ import annotations

import base64
import math
import types
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from headway.entities.filter_expr import (
    And,
    Compare,
    Exists,
    FieldRef,
    In,
    MatchAll,
    Not,
    Or,
    OrderTerm,
    parse_order,
)
from headway.errors import InvalidArgument
from headway.server.mlflow.search_syntax import (
    Clause,
    Grammar,
    Kind,
    OrderKey,
    decode_page_token,
    encode_page_token,
    full_order,
    matches,
    order_to_headway,
    parse_filter,
    parse_logged_model_order,
    parse_order_by,
    sort_items,
    to_headway,
)
from headway.store.sql.models import (
    Base,
    ProjectRow,
    RunKvTagRow,
    RunParamRow,
    RunRow,
    RunSummaryRow,
)
from headway.store.sql.search import build_search, compile_filter

mlflow_search = pytest.importorskip("mlflow.utils.search_utils")
from mlflow.store.model_registry.sqlalchemy_store import (  # noqa: E402
    SqlAlchemyStore as RegistryStore,
)
from mlflow.store.tracking.sqlalchemy_store import (  # noqa: E402
    _get_search_experiments_filter_clauses,
    _get_sqlalchemy_filter_clauses,
)

_TYPES = {"metric": "metric", "parameter": "param", "tag": "tag", "attribute": "attribute"}
_TYPES |= {"dataset": "dataset"}
_NUMERIC = {
    "runs": {"start_time", "end_time", "created", "Created"},
    "experiments": {"creation_time", "last_update_time"},
    "registered_models": set(),
    "model_versions": {"version_number"},
    "logged_models": {"creation_timestamp", "creation_time", "last_updated_timestamp"}
    | {"last_updated_time"},
}
_LOGGED_MODEL_ALIASES = {
    "creation_time": "creation_timestamp",
    "last_updated_time": "last_updated_timestamp",
}


def _registry_stub() -> Any:
    return types.SimpleNamespace(
        _get_workspace_clauses=lambda _model: [],
        _is_querying_prompt=RegistryStore._is_querying_prompt,
        _update_query_to_exclude_prompts=lambda query, *_args: query,
    )


def _check_logged_model(parsed: list[dict[str, Any]]) -> None:
    utils = mlflow_search.SearchLoggedModelsUtils
    for clause in parsed:
        type_, key, comparator = clause["type"], clause["key"], clause["comparator"].upper()
        if type_ == "dataset":  # the logged-model store has no dataset entity
            raise ValueError("dataset")
        _ = (
            utils.is_metric(type_, comparator)
            or utils.is_param(type_, comparator)
            or utils.is_tag(type_, comparator)
            or utils.is_numeric_attribute(type_, key, comparator)
            or utils.is_string_attribute(type_, key, comparator)
        )


def _mlflow(grammar: Grammar, text: str) -> list[tuple[str, str, str, Any]]:
    """MLflow's parse of ``text``, normalised to Headway's clause shape; raises if refused."""
    if grammar == "runs":
        parsed = mlflow_search.SearchUtils.parse_search_filter(text)
        _get_sqlalchemy_filter_clauses(parsed, Session(), "sqlite")
    elif grammar == "experiments":
        parsed = mlflow_search.SearchExperimentsUtils.parse_search_filter(text)
        _get_search_experiments_filter_clauses(parsed, "sqlite")
    elif grammar == "registered_models":
        parsed = mlflow_search.SearchModelUtils.parse_search_filter(text)
        RegistryStore._get_search_registered_model_filter_query(
            _registry_stub(), Session(), parsed, "sqlite"
        )
    elif grammar == "model_versions":
        parsed = mlflow_search.SearchModelVersionUtils.parse_search_filter(text)
        RegistryStore._get_search_model_versions_filter_clauses(_registry_stub(), parsed, "sqlite")
    else:
        parsed = mlflow_search.SearchLoggedModelsUtils.parse_search_filter(text)
        _check_logged_model(parsed)
    return [_normalise(grammar, clause) for clause in parsed]


def _normalise(grammar: Grammar, clause: dict[str, Any]) -> tuple[str, str, str, Any]:
    kind, key, value = _TYPES[clause["type"]], clause["key"], clause["value"]
    if kind == "metric" or (kind == "attribute" and key in _NUMERIC[grammar]):
        value = float(value)
    if grammar == "experiments" and key == "experiment_id":
        value = tuple(str(int(v)) for v in value) if isinstance(value, tuple) else str(int(value))
    if kind == "attribute":
        key = mlflow_search.SearchUtils.translate_key_alias(key)
        if grammar == "logged_models":
            key = _LOGGED_MODEL_ALIASES.get(key, key)
    return kind, key, clause["comparator"].upper(), value


def _ours(grammar: Grammar, text: str) -> list[tuple[str, str, str, Any]]:
    return [(c.kind, c.key, c.comparator, c.value) for c in parse_filter(text, grammar)]


CORPUS: list[tuple[Grammar, str]] = [
    # runs: accepted
    ("runs", "metrics.a > 0 and params.x = '1' and tags.u LIKE 'v%' and status = 'FINISHED'"),
    ("runs", "run_name = 'r1'"),
    ("runs", "metrics.a >= -1.5 AND metric.b != 2 AnD metrics.c < 1e3 and metrics.d <= .5"),
    ("runs", "metrics.`my metric` = 3"),
    ("runs", "params.\"lr rate\" = 'x'"),
    ("runs", 'params.a = "double"'),
    ("runs", "parameter.a != 'x' and parameters.b ILIKE '%Y%' and param.c like 'z_'"),
    ("runs", "tags.mlflow.source.type = 'LOCAL'"),
    ("runs", "tag.`mlflow.user` = 'root'"),
    ("runs", "tags.a IS NULL and params.b is not null"),
    ("runs", "run_id IN ('a', 'b') and attributes.run_id NOT IN (\"c\",)"),
    ("runs", "attr.user_id = 'x' and run.artifact_uri LIKE '%/artifacts'"),
    ("runs", "`Run Name` = 'x' and created > 1700000000000 and end_time <= 1"),
    ("runs", "attribute.start_time != 5 and Created >= 2"),
    ("runs", "datasets.name = 'train' and dataset.digest IN ('a', 'b')"),
    ("runs", "datasets.context LIKE 'tr%'"),
    ("runs", "metrics.a > 1 and"),
    ("runs", "and metrics.a > 1 and and metrics.b < 2"),
    ("runs", "tags.a = ''"),
    ("runs", "tags.a = 'it''s'"),
    ("runs", "run_id in ('a' 'b')"),
    ("runs", "   "),
    # runs: refused
    ("runs", "metrics.a > 1 or params.b = 'x'"),
    ("runs", "(metrics.a > 1)"),
    ("runs", "metrics.a"),
    ("runs", "metrics.a >"),
    ("runs", "metrics.a == 1"),
    ("runs", "metrics.a = '1'"),
    ("runs", "metrics.a IS NULL"),
    ("runs", "params.a = x"),
    ("runs", "params.a = 1"),
    ("runs", "params.a > 'x'"),
    ("runs", "PARAMS.a = 'x'"),
    ("runs", "foo.a = 'x'"),
    ("runs", "foo = 'x'"),
    ("runs", "lifecycle_stage = 'active'"),
    ("runs", "status IN ('FINISHED')"),
    ("runs", "status IS NULL"),
    ("runs", "start_time > '1'"),
    ("runs", "start_time LIKE 1"),
    ("runs", "run_id IN ()"),
    ("runs", "run_id IN (1, 2)"),
    ("runs", "run_id IN 'a'"),
    ("runs", "datasets.foo = 'x'"),
    ("runs", "tags.a not like 'x'"),
    ("runs", "tags.a RLIKE 'x'"),
    ("runs", "metrics.a > 1x"),
    ("runs", "metrics.a - b > 1"),
    ("runs", "tags.a = 'x' && tags.b = 'y'"),
    ("runs", "metrics.a > 1; metrics.b > 2"),
    # experiments
    ("experiments", "name = 'x' and tags.team LIKE 'e%'"),
    ("experiments", "name ILIKE '%X%' and tag.a != 'b'"),
    ("experiments", "experiment_id IN ('1', '02') and attribute.experiment_id != '3'"),
    ("experiments", "creation_time > 1700000000000 and last_update_time <= 5"),
    ("experiments", "tags.a IS NULL and tags.b IS NOT NULL"),
    ("experiments", "creation_time > 1.5"),
    ("experiments", "experiment_id = 'abc'"),
    ("experiments", "experiment_id > '1'"),
    ("experiments", "name IN ('a')"),
    ("experiments", "name IS NULL"),
    ("experiments", "metrics.a > 1"),
    ("experiments", "attributes.name = 'x'"),
    ("experiments", "lifecycle_stage = 'active'"),
    # registered models
    ("registered_models", "name = 'iris' and tag.`mlflow.prompt.is_prompt` != 'true'"),
    ("registered_models", "tags.`mlflow.prompt.is_prompt` != 'true'"),
    ("registered_models", "name IN ('a', 'b') and tags.k LIKE 'v%'"),
    ("registered_models", "name ILIKE 'IR%' and name NOT IN ('x')"),
    ("registered_models", "name > 'a'"),
    ("registered_models", "name = 1"),
    ("registered_models", "description = 'x'"),
    ("registered_models", "params.a = 'x'"),
    ("registered_models", "creation_timestamp > 1"),
    # model versions
    ("model_versions", "name = 'iris' and version_number > 2"),
    ("model_versions", "version_number = '3' and run_id IN ('r1', 'r2')"),
    ("model_versions", "source_path LIKE 'models:/%' and tags.vt != '1'"),
    ("model_versions", "name NOT IN ('a') and tag.x ILIKE 'Y'"),
    ("model_versions", "version_number > 1.5"),
    ("model_versions", "version_number = 'x'"),
    ("model_versions", "source_path IN ('a')"),
    ("model_versions", "name = 1"),
    ("model_versions", "current_stage = 'None'"),
    # logged models
    ("logged_models", "name = 'model'"),
    ("logged_models", "metrics.acc > 0.9 and params.C = '1.0' and tags.t LIKE 'x%'"),
    ("logged_models", "model_type IN ('a', 'b') and status != 'READY'"),
    ("logged_models", "creation_time > 1 and last_updated_timestamp <= 2"),
    ("logged_models", "source_run_id = 'abc' and attributes.model_id NOT IN ('m')"),
    ("logged_models", "params.a IS NULL"),
    ("logged_models", "metrics.a LIKE 1"),
    ("logged_models", "creation_time LIKE 1"),
    ("logged_models", "datasets.name = 'x'"),
    ("logged_models", "experiment_id = '1'"),
]


@pytest.mark.parametrize(("grammar", "text"), CORPUS)
def test_parse_filter_agrees_with_mlflow(grammar: Grammar, text: str) -> None:
    try:
        expected = _mlflow(grammar, text)
    except Exception:
        with pytest.raises(InvalidArgument):
            _ours(grammar, text)
        return
    assert _ours(grammar, text) == expected


@pytest.mark.parametrize(
    ("grammar", "text", "message"),
    [
        ("runs", "metrics.a >", "Invalid clause(s) in filter string: 'metrics.a', '>'"),
        ("runs", "a = 'b' or c = 'd'", "Invalid clause(s) in filter string: 'or'"),
        ("runs", "foo = 'x'", "Invalid attribute key 'foo' specified. Valid keys are"),
        (
            "runs",
            "status IN ('A', 'B')",
            "Only ['run_id'] attributes support comparison with a list of quoted string values.",
        ),
        ("runs", "params.a > 'x'", "Invalid comparator '>' not one of"),
        ("runs", "metrics.a = 'x'", "Expected numeric value type for metric. Found 'x'"),
        ("experiments", "experiment_id = 'x'", "Invalid experiment ID 'x'."),
    ],
)
def test_error_messages_follow_mlflow(grammar: Grammar, text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_filter(text, grammar)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("grammar", "text"),
    [
        # MLflow's parser takes a list after '=' and leaves the SQL to fail at query time.
        ("runs", "run_id = ('a', 'b')"),
        # The registry stores crash (500) on IS NULL; a 400 is the honest answer.
        ("registered_models", "tags.a IS NULL"),
    ],
)
def test_refuses_what_mlflow_only_fails_on_later(grammar: Grammar, text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_filter(text, grammar)


def test_clause_shape() -> None:
    clauses = parse_filter("created >= 10 and `run name` LIKE 'a%' and run_id in ('x')", "runs")
    assert clauses == [
        Clause("attribute", "start_time", ">=", 10.0),
        Clause("attribute", "run_name", "LIKE", "a%"),
        Clause("attribute", "run_id", "IN", ("x",)),
    ]
    assert parse_filter(None, "runs") == [] and parse_filter("", "experiments") == []


# --- order_by -----------------------------------------------------------------------------


def test_parse_order_by_runs() -> None:
    keys = parse_order_by(
        ["metrics.a DESC", "attributes.start_time ASC", "params.`lr rate`", "tags.t desc"], "runs"
    )
    assert keys == [
        OrderKey("metric", "a", False),
        OrderKey("attribute", "start_time", True),
        OrderKey("param", "lr rate", True),
        OrderKey("tag", "t", False),
    ]
    expected = [mlflow_search.SearchUtils.parse_order_by_for_search_runs(i) for i in ["created"]]
    assert expected == [("attribute", "created", True)]
    assert parse_order_by(["created"], "runs") == [OrderKey("attribute", "start_time")]


def _mlflow_order(grammar: Grammar, item: str) -> tuple[str, str, bool]:
    """MLflow's SQL-store reading of one order_by item; raises if refused."""
    if grammar == "runs":
        type_, key, ascending = mlflow_search.SearchUtils.parse_order_by_for_search_runs(item)
        key = mlflow_search.SearchUtils.translate_key_alias(key)
    elif grammar == "experiments":
        utils = mlflow_search.SearchExperimentsUtils
        type_, key, ascending = utils.parse_order_by_for_search_experiments(item)
    elif grammar == "registered_models":
        utils = mlflow_search.SearchUtils  # the SQL store uses the base class's parser
        key, ascending = utils.parse_order_by_for_search_registered_models(item)
        type_, key = "attribute", {"timestamp": "last_updated_timestamp"}.get(key, key)
    else:
        utils = mlflow_search.SearchModelVersionUtils
        type_, key, ascending = utils.parse_order_by_for_search_model_versions(item)
        if key not in utils.VALID_ORDER_BY_ATTRIBUTE_KEYS:
            raise ValueError(key)
    if type_ == "dataset" or (grammar != "runs" and type_ != "attribute"):
        raise ValueError(type_)
    return _TYPES[type_], key, ascending


@pytest.mark.parametrize(
    ("grammar", "item"),
    [
        ("runs", "metrics.a DESC"),
        ("runs", "metric.`a b` asc"),
        ("runs", 'params."lr rate"'),
        ("runs", "tags.mlflow.user DESC"),
        ("runs", "created DESC"),
        ("runs", "attributes.status"),
        ("runs", "run.run_id ASC"),
        ("runs", "artifact_uri"),
        ("runs", "datasets.name"),
        ("runs", "metrics.a SIDEWAYS"),
        ("runs", "metrics.a DESC x"),
        ("runs", "foo"),
        ("experiments", "name DESC"),
        ("experiments", "attribute.experiment_id"),
        ("experiments", "last_update_time asc"),
        ("experiments", "tags.a"),
        ("experiments", "status"),
        ("registered_models", "timestamp DESC"),
        ("registered_models", "last_updated_timestamp"),
        ("registered_models", "name ASC"),
        ("registered_models", "tags.a"),
        ("model_versions", "version_number DESC"),
        ("model_versions", "creation_timestamp"),
        ("model_versions", "run_id"),
    ],
)
def test_parse_order_by_agrees_with_mlflow(grammar: Grammar, item: str) -> None:
    try:
        expected = _mlflow_order(grammar, item)
    except Exception:
        with pytest.raises(InvalidArgument):
            parse_order_by([item], grammar)
        return
    [key] = parse_order_by([item], grammar)
    assert (key.kind, key.key, key.ascending) == expected


def test_order_by_accepts_what_only_mlflow_file_store_does() -> None:
    # MLflow's SQL store refuses these, its file store (SearchModelUtils) takes them.
    assert parse_order_by(["creation_timestamp DESC", "attribute.name"], "registered_models") == [
        OrderKey("attribute", "creation_timestamp", False),
        OrderKey("attribute", "name"),
    ]


@pytest.mark.parametrize(
    ("grammar", "items", "message"),
    [
        ("runs", ["metrics.a SIDEWAYS"], "Invalid ordering key in order_by clause"),
        ("runs", ["metrics.a DESC x"], "Invalid order_by clause 'metrics.a DESC x'"),
        ("runs", ["metrics.a", "metrics.a DESC"], "`order_by` contains duplicate fields"),
        ("runs", ["foo"], "Invalid attribute key 'foo'"),
        ("runs", ["datasets.name"], "Invalid order_by entity: dataset"),
        ("experiments", ["tags.a"], "Invalid order_by entity: tag"),
        ("registered_models", ["timestamp", "last_updated_timestamp"], "`order_by` contains"),
        ("model_versions", ["run_id"], "Invalid attribute key 'run_id'"),
    ],
)
def test_parse_order_by_errors(grammar: Grammar, items: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_order_by(items, grammar)
    assert caught.value.message.startswith(message)


def test_order_keys_of_the_small_collections() -> None:
    assert parse_order_by(["timestamp DESC"], "registered_models") == [
        OrderKey("attribute", "last_updated_timestamp", False)
    ]
    assert parse_order_by(["version_number"], "model_versions") == [
        OrderKey("attribute", "version_number")
    ]
    assert parse_logged_model_order(
        [{"field_name": "metrics.acc", "ascending": False, "dataset_name": "d"}]
    ) == [OrderKey("metric", "acc", False, "d")]
    assert parse_logged_model_order([{"field_name": "creation_time"}]) == [
        OrderKey("attribute", "creation_timestamp")
    ]
    with pytest.raises(InvalidArgument, match=r"only `metrics\.<name>` is allowed"):
        parse_logged_model_order([{"field_name": "params.a"}])
    with pytest.raises(InvalidArgument, match="Invalid order by field name: bogus"):
        parse_logged_model_order([{"field_name": "bogus"}])


def test_full_order_appends_mlflow_tie_breakers() -> None:
    assert full_order("experiments", []) == [
        OrderKey("attribute", "creation_time", False),
        OrderKey("attribute", "experiment_id", True),
    ]
    assert full_order("runs", parse_order_by(["metrics.a"], "runs")) == [
        OrderKey("metric", "a"),
        OrderKey("attribute", "start_time", False),
        OrderKey("attribute", "run_id"),
    ]
    assert full_order("registered_models", [OrderKey("attribute", "name", False)]) == [
        OrderKey("attribute", "name", False)
    ]


# --- page tokens --------------------------------------------------------------------------


def test_page_token_round_trip_and_mlflow_shape() -> None:
    assert encode_page_token(2) == "eyJvZmZzZXQiOiAyfQ=="
    assert decode_page_token(encode_page_token(1234)) == 1234
    assert decode_page_token(None) == 0 and decode_page_token("") == 0
    token = mlflow_search.SearchUtils.create_page_token(7).decode()
    assert decode_page_token(token) == 7


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not base64!", "Invalid page token, could not base64-decode"),
        (base64.b64encode(b"nope").decode(), "Invalid page token, decoded value="),
        (base64.b64encode(b'{"offset": -1}').decode(), "Invalid page token, parsed value="),
        (base64.b64encode(b'{"x": 1}').decode(), "Invalid page token, parsed value="),
        (base64.b64encode(b"[1]").decode(), "Invalid page token, parsed value="),
        (base64.b64encode(b'{"offset": true}').decode(), "Invalid page token, parsed value="),
    ],
)
def test_garbage_page_tokens(token: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        decode_page_token(token)
    assert caught.value.message.startswith(message)


# --- evaluation ---------------------------------------------------------------------------


def _object(**values: object) -> Any:
    def value_of(kind: Kind, key: str) -> object:
        return values.get(f"{kind}:{key}")

    return value_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tags.k LIKE 'Va%'", True),
        ("tags.k LIKE 'va%'", False),  # LIKE is case-sensitive
        ("tags.k ILIKE 'va%'", True),
        ("tags.k LIKE 'Valu_'", True),
        ("tags.k LIKE 'V_'", False),
        ("tags.k LIKE '%lue'", True),
        ("tags.k = 'Value'", True),
        ("tags.k != 'Value'", False),
        ("tags.missing != 'x'", False),  # a comparison on a missing tag is false
        ("tags.missing = 'x'", False),
        ("tags.missing LIKE '%'", False),
        ("name IN ('a', 'm1')", True),
        ("name NOT IN ('a', 'm1')", False),
        ("name NOT IN ('a')", True),
        ("name = 'M1'", False),
        ("name LIKE 'm\\%'", False),  # a backslash is literal, as in MLflow's SQLite store
    ],
)
def test_matches_text(text: str, expected: bool) -> None:
    model = _object(**{"tag:k": "Value", "attribute:name": "m1"})
    assert matches(parse_filter(text, "registered_models"), model) is expected


def test_matches_numbers_and_nulls() -> None:
    experiment = _object(
        **{"attribute:creation_time": 1000, "attribute:experiment_id": "7", "tag:t": "x"}
    )

    def check(text: str) -> bool:
        return matches(parse_filter(text, "experiments"), experiment)

    assert check("creation_time > 999 and creation_time <= 1000")
    assert not check("creation_time != 1000")
    assert check("experiment_id = '007'") and check("experiment_id IN ('1', '7')")
    assert check("tags.t IS NOT NULL and tags.u IS NULL")
    assert not check("tags.t IS NULL")
    version = _object(**{"attribute:version_number": 3})
    assert matches(parse_filter("version_number = '3'", "model_versions"), version)
    assert not matches(parse_filter("version_number > 3", "model_versions"), version)
    logged = _object(**{"metric:acc": math.nan})
    assert matches(parse_filter("metrics.acc != 1", "logged_models"), logged)  # as SQL's NaN
    assert not matches(parse_filter("metrics.acc > 0", "logged_models"), logged)


@pytest.mark.parametrize(
    ("tags", "text", "expected"),
    [
        ({}, "tags.`mlflow.prompt.is_prompt` != 'true'", True),
        ({}, "tags.`mlflow.prompt.is_prompt` = 'false'", True),
        ({}, "tags.`mlflow.prompt.is_prompt` = 'true'", False),
        ({"mlflow.prompt.is_prompt": "true"}, "tags.`mlflow.prompt.is_prompt` != 'true'", False),
        ({"mlflow.prompt.is_prompt": "true"}, "tags.`mlflow.prompt.is_prompt` = 'true'", True),
        ({}, "name = 'm' and tag.`mlflow.prompt.is_prompt` != 'true'", True),
        ({}, "tags.other != 'true'", False),
    ],
)
def test_prompt_marker_special_case(tags: dict[str, str], text: str, expected: bool) -> None:
    def value_of(kind: Kind, key: str) -> object:
        return "m" if (kind, key) == ("attribute", "name") else tags.get(key)

    assert matches(parse_filter(text, "registered_models"), value_of) is expected


def test_dataset_clauses_match_any_input() -> None:
    run = _object(**{"dataset:name": ["eval", "train"]})
    assert matches(parse_filter("datasets.name = 'train'", "runs"), run)
    assert not matches(parse_filter("datasets.name IN ('test')", "runs"), run)


def test_sort_items_missing_last_both_ways() -> None:
    rows = [{"acc": 0.5, "id": "a"}, {"id": "b"}, {"acc": 0.9, "id": "c"}, {"acc": math.nan}]
    rows[3]["id"] = "d"

    def value_of(row: dict[str, Any], kind: Kind, key: str) -> object:
        return row.get("acc" if kind == "metric" else "id")

    def order(item: str) -> list[str]:
        keys = full_order("logged_models", parse_order_by([item, "model_id"], "logged_models"))
        return [row["id"] for row in sort_items(rows, keys, value_of)]

    assert order("metrics.acc ASC") == ["a", "c", "d", "b"]
    assert order("metrics.acc DESC") == ["c", "a", "d", "b"]


# --- runs in Headway's filter AST ---------------------------------------------------------


def _headway(text: str) -> tuple[Any, list[Clause]]:
    return to_headway(parse_filter(text, "runs"))


def test_metric_param_and_attribute_translation() -> None:
    expr, leftover = _headway("metrics.acc > 0.9 and params.lr = '0.1' and run_name != 'x'")
    assert leftover == []
    assert expr == And(
        (
            Compare(FieldRef("summary", "acc"), ">", 0.9),
            Or(
                (
                    Compare(FieldRef("config", "lr"), "=", "0.1"),
                    Compare(FieldRef("config", "lr"), "=", 0.1),
                )
            ),
            Compare(FieldRef("attribute", "name"), "!=", "x"),
        )
    )
    compile_filter(expr)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.opt = 'adam'", Compare(FieldRef("config", "opt"), "=", "adam")),
        ("params.n = '0.10'", Compare(FieldRef("config", "n"), "=", "0.10")),  # not str(0.1)
        (
            "params.n != '3'",
            And(
                (
                    Exists(FieldRef("config", "n")),
                    Not(
                        Or(
                            (
                                Compare(FieldRef("config", "n"), "=", "3"),
                                Compare(FieldRef("config", "n"), "=", 3),
                            )
                        )
                    ),
                )
            ),
        ),
        (
            "params.opt != 'adam'",
            And(
                (
                    Exists(FieldRef("config", "opt")),
                    Not(Compare(FieldRef("config", "opt"), "=", "adam")),
                )
            ),
        ),
        (
            "params.flag = 'True'",
            Or(
                (
                    Compare(FieldRef("config", "flag"), "=", "True"),
                    Compare(FieldRef("config", "flag"), "=", True),
                )
            ),
        ),
        (
            "params.e = '1e-05'",
            Or(
                (
                    Compare(FieldRef("config", "e"), "=", "1e-05"),
                    Compare(FieldRef("config", "e"), "=", 1e-05),
                )
            ),
        ),
        ("params.e = '-0'", Compare(FieldRef("config", "e"), "=", "-0")),
        ("params.n IS NULL", Exists(FieldRef("config", "n"), negated=True)),
        ("params.n IS NOT NULL", Exists(FieldRef("config", "n"), negated=False)),
        ("params.n ILIKE 'a\\b%'", Compare(FieldRef("config", "n"), "like", "a\\\\b%")),
        ("run_id IN ('a', 'b')", In(FieldRef("attribute", "id"), ("a", "b"))),
        ("run_id NOT IN ('a')", In(FieldRef("attribute", "id"), ("a",), negated=True)),
        ("status = 'FINISHED'", Compare(FieldRef("attribute", "state"), "=", "finished")),
        # A run set to SCHEDULED is stored as running, so the name still finds it.
        ("status = 'SCHEDULED'", Compare(FieldRef("attribute", "state"), "=", "running")),
        ("status = 'FAILED'", In(FieldRef("attribute", "state"), ("failed", "crashed"))),
        (
            "status != 'RUNNING'",
            In(
                FieldRef("attribute", "state"),
                ("finished", "failed", "crashed", "killed", "pruned"),
            ),
        ),
        ("status LIKE 'F%'", In(FieldRef("attribute", "state"), ("finished", "failed", "crashed"))),
        ("status = 'nope'", Not(MatchAll())),
        ("status != 'nope'", MatchAll()),
    ],
)
def test_translation_compiles(text: str, expected: Any) -> None:
    expr, leftover = _headway(text)
    assert expr == expected
    assert leftover == []
    compile_filter(expr)


def test_times_match_the_reported_milliseconds() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    millis = round(at.timestamp() * 1000)
    low = datetime(2026, 1, 2, 3, 4, 5, 5500, tzinfo=UTC)
    high = datetime(2026, 1, 2, 3, 4, 5, 6500, tzinfo=UTC)
    created = FieldRef("attribute", "created_at")
    expr, _ = _headway(f"start_time = {millis}")
    assert expr == And((Compare(created, ">=", low), Compare(created, "<", high)))
    assert _headway(f"created > {millis}")[0] == Compare(created, ">=", high)
    assert _headway(f"created < {millis}")[0] == Compare(created, "<", low)
    expr, _ = _headway(f"end_time != {millis}")
    finished = FieldRef("attribute", "finished_at")
    assert expr == Or((Compare(finished, "<", low), Compare(finished, ">=", high)))
    compile_filter(expr)
    with pytest.raises(InvalidArgument, match="out of range"):
        _headway("start_time > 1e30")


def test_tags_use_the_kv_scope() -> None:
    expr, leftover = _headway("tags.team = 'a' and user_id = 'root' and tags.t IS NULL")
    assert expr == And(
        (
            Compare(FieldRef("kv", "team"), "=", "a"),
            Compare(FieldRef("kv", "mlflow.user"), "=", "root"),
            Exists(FieldRef("kv", "t"), negated=True),
        )
    )
    assert leftover == []
    compile_filter(expr)


def test_leftovers_for_the_caller() -> None:
    text = "datasets.name = 'd' and artifact_uri LIKE '%x' and tags.t LIKE 'A%' and metrics.m < 1"
    expr, leftover = _headway(text)
    assert expr == And(
        (Compare(FieldRef("kv", "t"), "like", "A%"), Compare(FieldRef("summary", "m"), "<", 1.0))
    )
    assert [c.key for c in leftover] == ["name", "artifact_uri", "t"]
    assert to_headway([]) == (MatchAll(), [])


def test_order_to_headway() -> None:
    keys = parse_order_by(
        ["metrics.acc DESC", "params.lr", "tags.`my tag`", "start_time DESC", "user_id"], "runs"
    )
    strings = order_to_headway(keys)
    assert strings == (
        "-summary.acc",
        "config.lr",
        "tag.`my tag`",
        "-created_at",
        "tag.mlflow.user",
    )
    # Headway's own order parser reads them back to the fields meant.
    assert parse_order(strings) == [
        OrderTerm(FieldRef("summary", "acc"), True),
        OrderTerm(FieldRef("config", "lr"), False),
        OrderTerm(FieldRef("kv", "my tag"), False),
        OrderTerm(FieldRef("attribute", "created_at"), True),
        OrderTerm(FieldRef("kv", "mlflow.user"), False),
    ]
    more = parse_order_by(["run_name", "status", "end_time", "run_id", "metrics.`a\\b,c`"], "runs")
    strings = order_to_headway(more)
    assert strings == ("name", "state", "finished_at", "id", "summary.`a\\\\b,c`")
    assert parse_order(strings)[-1].field == FieldRef("summary", "a\\b,c")


# --- runs: the translation against real rows ----------------------------------------------

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
#: id, name, state, created, finished, config, summary, key -> value tags
SEMANTIC_RUNS: list[tuple[str, str, str, datetime, Any, dict[str, Any], dict[str, float], Any]] = [
    ("a", "Alpha", "finished", T0, T0 + timedelta(hours=1),
     {"opt": "adam", "lr": 0.1, "flag": True}, {"acc": 0.9},
     {"team": "Edu", "mlflow.user": "root"}),
    ("b", "beta", "crashed", T0 + timedelta(days=1, microseconds=400), T0 + timedelta(days=2),
     {"opt": 3, "lr": "0.1"}, {"acc": 0.5}, {"team": "edu"}),
    ("c", "gamma", "running", T0 + timedelta(days=2), None, {"opt": "Adam", "flag": False}, {}, {}),
    ("d", "delta", "killed", T0 + timedelta(days=3), T0 + timedelta(days=3), {"lr": 0.10000001},
     {"acc": 0.7}, {}),
]  # fmt: skip
_MLFLOW_STATUS = {"finished": "FINISHED", "crashed": "FAILED", "running": "RUNNING"}
_MLFLOW_STATUS |= {"killed": "KILLED"}


def _millis(when: datetime | None) -> int | None:
    return None if when is None else round(when.timestamp() * 1000)


def _mlflow_view(run: tuple[Any, ...]) -> Any:
    """How the MLflow API shows a seeded run, as ``value_of`` for ``matches``."""
    run_id, name, state, created, finished, config, summary, kv = run
    attributes = {"run_id": run_id, "run_name": name, "status": _MLFLOW_STATUS[state]}
    attributes |= {"user_id": kv.get("mlflow.user", ""), "start_time": _millis(created)}
    attributes |= {"end_time": _millis(finished), "artifact_uri": f"mlflow-artifacts:/1/{run_id}"}

    def value_of(kind: Kind, key: str) -> object:
        if kind == "param":
            return None if key not in config else str(config[key])
        if kind == "metric":
            return summary.get(key)
        if kind == "tag":
            return kv.get(key)
        return attributes[key]

    return value_of


def _value_columns(value: Any) -> dict[str, Any]:
    if isinstance(value, (bool, int, float)):
        return {"value_num": float(value), "value_str": None}
    return {"value_num": None, "value_str": value}


@pytest.fixture(scope="module")
def seeded_engine() -> Any:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        project = ProjectRow(name="p", created_at=T0, last_activity=T0)
        session.add(project)
        session.flush()
        project_id = project.id
        for run_id, name, state, created, finished, config, summary, kv in SEMANTIC_RUNS:
            session.add(
                RunRow(id=run_id, project_id=project_id, name=name, state=state,
                       created_at=created, updated_at=created, finished_at=finished,
                       notes="", config={}, run_metadata={})
            )  # fmt: skip
            session.flush()
            for key, value in config.items():
                session.add(RunParamRow(run_id=run_id, key=key, **_value_columns(value)))
            for key, number in summary.items():
                session.add(RunSummaryRow(run_id=run_id, key=key, value_num=number, count=1))
            for key, text in kv.items():
                session.add(RunKvTagRow(run_id=run_id, key=key, value=text))
    yield engine, project_id
    engine.dispose()


SEMANTIC_FILTERS = [
    "params.opt = 'adam'",
    "params.opt != 'adam'",
    "params.opt = '3'",
    "params.lr = '0.1'",
    "params.lr != '0.1'",
    "params.flag = 'True'",
    "params.flag != 'True'",
    "params.opt LIKE 'a%'",
    "params.opt ILIKE 'a%'",
    "params.opt IS NULL",
    "params.flag IS NOT NULL",
    "tags.team = 'edu'",
    "tags.team != 'edu'",
    "tags.team LIKE 'E%'",
    "tags.team ILIKE 'E%'",
    "tags.team IS NULL",
    "user_id = 'root'",
    "status = 'FAILED'",
    "status != 'RUNNING'",
    "status LIKE '%ED'",
    "status LIKE 'SCHED%'",
    "metrics.acc > 0.6",
    "metrics.acc != 0.9",
    f"start_time = {_millis(T0 + timedelta(days=1, microseconds=400))}",
    f"created > {_millis(T0)}",
    f"end_time <= {_millis(T0 + timedelta(days=2))}",
    f"end_time != {_millis(T0 + timedelta(days=2))}",
    "run_name LIKE 'a%'",
    "run_name ILIKE 'a%'",
    "run_id IN ('a', 'c') and metrics.acc >= 0.5",
    "attributes.run_id NOT IN ('a')",
    "artifact_uri LIKE '%/b'",
]


@pytest.mark.parametrize("text", SEMANTIC_FILTERS)
def test_translation_finds_what_mlflow_would(seeded_engine: Any, text: str) -> None:
    engine, project_id = seeded_engine
    clauses = parse_filter(text, "runs")
    expr, leftover = to_headway(clauses)
    with engine.connect() as conn:
        found = set(conn.scalars(build_search(project_id, expr, (), False)))
    views = {run[0]: _mlflow_view(run) for run in SEMANTIC_RUNS}
    found = {run_id for run_id in found if matches(leftover, views[run_id])}  # the caller's part
    expected = {run_id for run_id, view in views.items() if matches(clauses, view)}
    assert found == expected
