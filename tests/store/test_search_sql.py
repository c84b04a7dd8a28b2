"""Run search compiled to SQL, checked against real rows.

``seed_search_runs(engine)`` and the ``FILTER_CASES``/``ORDER_CASES`` tables are plain data
so a PostgreSQL suite can run the same checks by supplying its own ``engine`` fixture.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.orm import Session

from headway.errors import InvalidArgument
from headway.store.sql.models import (
    Base,
    ProjectRow,
    RunKvTagRow,
    RunParamRow,
    RunRow,
    RunSummaryRow,
    RunTagRow,
)
from headway.store.sql.search import build_search, count_matching, prepared_search

DAY0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


@dataclass
class SeedRun:
    id: str
    name: str
    state: str
    day: int  # created at DAY0 + day days
    seconds: float | None  # finished this long after creation; None = still running
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    kv_tags: dict[str, str] = field(default_factory=dict)
    group: str | None = None
    parent_id: str | None = None
    notes: str = ""
    deleted: bool = False
    project: str = "edu"


# Newest first: r5 r4 r3 r2 r1 is the default order of every search below.
SEED_RUNS = [
    SeedRun(
        "r1",
        "baseline-rf",
        "finished",
        0,
        3600,
        config={
            "model": "random_forest",
            "optimizer.lr": 0.001,
            "epochs": 10,
            "use_bn": True,
            "seed": 1,
            "scheduler": "cosine",
        },
        summary={"val_acc": 0.95, "val/auc": 0.85},
        tags=("baseline", "semester-1"),
        kv_tags={"team": "edu", "mlflow.source.type": "LOCAL"},
        group="g1",
        notes="First try on the at-risk cohort",
    ),
    SeedRun(
        "r2",
        "baseline-lr",
        "finished",
        1,
        600,
        config={
            "model": "logreg",
            "optimizer.lr": 0.005,
            "epochs": 20,
            "use_bn": False,
            "seed": 2,
            "scheduler": None,
        },
        summary={"val_acc": 0.85, "val/auc": 0.9},
        tags=("baseline",),
        kv_tags={"team": "research", "mlflow.source.type": "NOTEBOOK"},
        group="g1",
    ),
    SeedRun(
        "r3",
        "tuned-lr",
        "running",
        2,
        None,
        config={"model": "logreg", "optimizer.lr": 0.05, "my-key": "x", "seed": "auto"},
        summary={"val_acc": 0.92},
        tags=("tuned",),
        kv_tags={"mlflow.source.type": "JOB"},
    ),
    SeedRun(
        "r4",
        "knowledge_tracing 100%",
        "failed",
        3,
        30,
        config={"model": "dkt", "epochs": 5, "layers": [64, 32]},
        summary={"status": "diverged"},
        parent_id="r1",
    ),
    SeedRun(
        "r5",
        "essay-scoring",
        "finished",
        4,
        1800,
        config={"model": "random_forest", "optimizer.lr": 0.001},
        summary={"val_acc": 0.95},
        tags=("baseline", "Essay"),
        group="g2",
    ),
    SeedRun(
        "r6",
        "deleted-run",
        "finished",
        5,
        10,
        config={"optimizer.lr": 0.001},
        summary={"val_acc": 0.99},
        tags=("baseline",),
        deleted=True,
    ),
    SeedRun(
        "other",
        "other-project",
        "finished",
        6,
        10,
        config={"optimizer.lr": 0.001},
        summary={"val_acc": 0.99},
        tags=("baseline",),
        project="other",
    ),
]


def _value_columns(value: Any) -> dict[str, Any]:
    """Store a config/summary value the way run_params/run_summary document it."""
    if isinstance(value, bool):
        return {"value_num": 1.0 if value else 0.0, "value_str": None}
    if isinstance(value, (int, float)):
        return {"value_num": float(value), "value_str": None}
    if isinstance(value, str):
        return {"value_num": None, "value_str": value}
    return {"value_num": None, "value_str": json.dumps(value)}


def seed_search_runs(engine: Engine) -> int:
    """Create the tables and the runs above; return the id of the "edu" project."""
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        projects = {}
        for name in ("edu", "other"):
            project = ProjectRow(name=name, created_at=DAY0, last_activity=DAY0)
            session.add(project)
            session.flush()
            projects[name] = project.id
        for run in SEED_RUNS:
            created = DAY0 + timedelta(days=run.day)
            if run.seconds is None:  # a live run: its last heartbeat marks its duration
                finished, seen = None, created + timedelta(seconds=120)
            else:
                finished = seen = created + timedelta(seconds=run.seconds)
            session.add(
                RunRow(
                    id=run.id,
                    project_id=projects[run.project],
                    name=run.name,
                    state=run.state,
                    created_at=created,
                    updated_at=seen,
                    heartbeat_at=seen,
                    finished_at=finished,
                    deleted_at=created if run.deleted else None,
                    group_name=run.group,
                    parent_id=run.parent_id,
                    notes=run.notes,
                    config={},
                    run_metadata={},
                )
            )
        session.flush()
        params = [
            {"run_id": run.id, "key": key, **_value_columns(value)}
            for run in SEED_RUNS
            for key, value in run.config.items()
        ]
        summary = [
            {"run_id": run.id, "key": key, **_value_columns(value), "count": 1}
            for run in SEED_RUNS
            for key, value in run.summary.items()
        ]
        tags = [{"run_id": run.id, "tag": tag} for run in SEED_RUNS for tag in run.tags]
        session.execute(insert(RunParamRow), params)
        session.execute(insert(RunSummaryRow), summary)
        session.execute(insert(RunTagRow), tags)
        kv = [
            {"run_id": run.id, "key": key, "value": value}
            for run in SEED_RUNS
            for key, value in run.kv_tags.items()
        ]
        session.execute(insert(RunKvTagRow), kv)
        return projects["edu"]


def search(
    engine: Engine,
    project_id: int,
    expr: str = "",
    order: Sequence[str] = (),
    include_deleted: bool = False,
) -> list[str]:
    with engine.connect() as conn:
        stmt = build_search(project_id, expr, tuple(order), include_deleted)
        return list(conn.scalars(stmt))


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def project_id(engine: Engine) -> int:
    return seed_search_runs(engine)


FILTER_CASES: list[tuple[str, list[str]]] = [
    ("", ["r5", "r4", "r3", "r2", "r1"]),
    # key -> value tags: tag.<key>, keys with dots, like, in, exists, null
    ('tag.team = "edu"', ["r1"]),
    ('tag.team != "edu"', ["r2"]),
    ('tag.mlflow.source.type = "JOB"', ["r3"]),
    ('tag.`mlflow.source.type` in ["LOCAL", "JOB"]', ["r3", "r1"]),
    ('tag.team like "r%"', ["r2"]),
    ("tag.team exists", ["r2", "r1"]),
    ("tag.team not exists", ["r5", "r4", "r3"]),
    ("tag.team = null", ["r5", "r4", "r3"]),
    ('not (tag.team = "edu")', ["r5", "r4", "r3", "r2"]),
    (
        'config.optimizer.lr < 0.01 and summary.val_acc >= 0.9 and tags contains "baseline"',
        ["r5", "r1"],
    ),
    ('summary.val/auc >= 0.8 and config.model = "random_forest"', ["r1"]),
    # config strings, numbers, bools, nulls
    ('config.model = "random_forest"', ["r5", "r1"]),
    ('config.model == "random_forest"', ["r5", "r1"]),
    ('config.model != "random_forest"', ["r4", "r3", "r2"]),
    ('not config.model = "logreg"', ["r5", "r4", "r1"]),
    ('config.model in ["dkt", "logreg"]', ["r4", "r3", "r2"]),
    ('config.model not in ["dkt", "logreg"]', ["r5", "r1"]),
    ("config.epochs in [10, 20]", ["r2", "r1"]),
    ("config.epochs not in [10]", ["r4", "r2"]),
    ("config.epochs >= 10", ["r2", "r1"]),
    ("config.use_bn = true", ["r1"]),
    ("config.use_bn = false", ["r2"]),
    ('config.seed in [1, "auto"]', ["r3", "r1"]),
    ('config.seed < "b"', ["r3"]),
    ('config.`my-key` = "x"', ["r3"]),
    ('config.layers = "[64, 32]"', ["r4"]),
    ('config.layers contains "64"', ["r4"]),
    ("config.optimizer.lr exists", ["r5", "r3", "r2", "r1"]),
    ("config.optimizer.lr not exists", ["r4"]),
    ("config.scheduler exists", ["r2", "r1"]),
    ("config.scheduler = null", ["r5", "r4", "r3", "r2"]),
    ("config.scheduler != null", ["r1"]),
    # a mismatched type matches nothing rather than failing
    ("config.model > 5", []),
    ('config.epochs = "10"', []),
    # summary
    ("summary.val_acc > 0.9", ["r5", "r3", "r1"]),
    ('summary.status = "diverged"', ["r4"]),
    ('summary.status like "DIV%"', ["r4"]),
    ("summary.val_acc not exists", ["r4"]),
    # boolean structure and precedence
    ('summary.val_acc > 0.9 or tags contains "tuned"', ["r5", "r3", "r1"]),
    (
        '(summary.val_acc > 0.9 or config.model = "dkt") and not tags contains "baseline"',
        ["r4", "r3"],
    ),
    ('config.model = "dkt" or config.model = "logreg" and summary.val_acc > 0.9', ["r4", "r3"]),
    ('(config.model = "dkt" or config.model = "logreg") and summary.val_acc > 0.9', ["r3"]),
    ('config.model = "dkt" OR NOT tags EXISTS', ["r4"]),
    ("not (config.epochs > 5)", ["r5", "r4", "r3"]),
    # attributes
    ('name like "baseline%"', ["r2", "r1"]),
    ('name like "BASELINE%"', ["r2", "r1"]),
    ('name not like "baseline%"', ["r5", "r4", "r3"]),
    ('name contains "-L"', ["r3", "r2"]),
    ('name contains "%"', ["r4"]),
    ('name contains "_"', ["r4"]),
    ('name like "tuned_%"', ["r3"]),
    ('name like "tuned\\_%"', []),
    ('name like "%100\\%"', ["r4"]),
    ('name = "tuned-lr"', ["r3"]),
    ('state = "running"', ["r3"]),
    ('state in ["failed", "running"]', ["r4", "r3"]),
    ('state != "finished"', ["r4", "r3"]),
    ('created_at > "2026-01-03"', ["r5", "r4", "r3"]),
    ('created_at < "2026-01-02T12:00:00+02:00"', ["r1"]),
    ('created_at <= "2026-01-02T12:00:00+02:00"', ["r2", "r1"]),
    ("finished_at exists", ["r5", "r4", "r2", "r1"]),
    ("finished_at = null", ["r3"]),
    ('group = "g1"', ["r2", "r1"]),
    ('group != "g1"', ["r5"]),
    ('group not in ["g1"]', ["r5"]),
    ('not group = "g1"', ["r5", "r4", "r3"]),
    ("group = null", ["r4", "r3"]),
    ('parent_id = "r1"', ["r4"]),
    ('notes contains "AT-RISK"', ["r1"]),
    ("notes exists", ["r1"]),
    ('id in ["r1", "r3", "r6", "other"]', ["r3", "r1"]),
    ("duration > 1000", ["r5", "r1"]),
    ("duration < 100", ["r4"]),
    # a live run lasts until its last heartbeat (120 s here)
    ("duration > 119 and duration < 121", ["r3"]),
    # tags are a set
    ('tags contains "baseline"', ["r5", "r2", "r1"]),
    ('tags = "baseline"', ["r5", "r2", "r1"]),
    ('tags contains "base"', []),
    ('tags != "baseline"', ["r4", "r3"]),
    ('tags not contains "baseline"', ["r4", "r3"]),
    ('tags in ["tuned", "Essay"]', ["r5", "r3"]),
    ('tags not in ["baseline"]', ["r4", "r3"]),
    ('tags like "sem%"', ["r1"]),
    ('tags not like "sem%"', ["r5", "r4", "r3", "r2"]),
    ("tags exists", ["r5", "r3", "r2", "r1"]),
    ("tags not exists", ["r4"]),
]


@pytest.mark.parametrize(("expr", "expected"), FILTER_CASES)
def test_filter(engine: Engine, project_id: int, expr: str, expected: list[str]) -> None:
    assert search(engine, project_id, expr) == expected


ORDER_CASES: list[tuple[list[str], list[str]]] = [
    # ties on val_acc (r1, r5) fall back to newest first; r4 has no val_acc and sorts last
    (["-summary.val_acc"], ["r5", "r1", "r3", "r2", "r4"]),
    (["summary.val_acc"], ["r2", "r3", "r5", "r1", "r4"]),
    (["-summary.val_acc", "name"], ["r1", "r5", "r3", "r2", "r4"]),
    (["-summary.val_acc", "-name"], ["r5", "r1", "r3", "r2", "r4"]),
    (["config.optimizer.lr"], ["r5", "r1", "r2", "r3", "r4"]),
    (["-config.optimizer.lr"], ["r3", "r2", "r5", "r1", "r4"]),
    (["config.optimizer.lr", "-summary.val_acc", "+name"], ["r1", "r5", "r2", "r3", "r4"]),
    # numbers before strings, missing keys last, in both directions
    (["config.seed"], ["r1", "r2", "r3", "r5", "r4"]),
    (["-config.seed"], ["r2", "r1", "r3", "r5", "r4"]),
    (["group"], ["r2", "r1", "r5", "r4", "r3"]),
    (["-group"], ["r5", "r2", "r1", "r4", "r3"]),
    (["-duration"], ["r1", "r5", "r2", "r3", "r4"]),
    (["created_at"], ["r1", "r2", "r3", "r4", "r5"]),
    (["state", "name"], ["r4", "r2", "r1", "r5", "r3"]),
    (["-config.`my-key`"], ["r3", "r5", "r4", "r2", "r1"]),
    (["summary.missing"], ["r5", "r4", "r3", "r2", "r1"]),
    (["tag.mlflow.source.type"], ["r3", "r1", "r2", "r5", "r4"]),
    (["-tag.team"], ["r2", "r1", "r5", "r4", "r3"]),
]


@pytest.mark.parametrize(("order", "expected"), ORDER_CASES)
def test_order(engine: Engine, project_id: int, order: list[str], expected: list[str]) -> None:
    assert search(engine, project_id, order=order) == expected


def test_filter_and_order_together(engine: Engine, project_id: int) -> None:
    result = search(engine, project_id, 'tags contains "baseline"', ["-summary.val/auc"])
    assert result == ["r2", "r1", "r5"]


def test_deleted_runs_only_on_request(engine: Engine, project_id: int) -> None:
    expr = 'config.optimizer.lr < 0.01 and tags contains "baseline"'
    assert search(engine, project_id, expr) == ["r5", "r2", "r1"]
    assert search(engine, project_id, expr, include_deleted=True) == ["r6", "r5", "r2", "r1"]


def test_limit_offset_and_count(engine: Engine, project_id: int) -> None:
    stmt = build_search(project_id, "summary.val_acc exists", ("-summary.val_acc",), False)
    with engine.connect() as conn:
        assert list(conn.scalars(stmt.limit(2).offset(1))) == ["r1", "r3"]
        assert conn.scalar(count_matching(stmt)) == 4
        everything = build_search(project_id, "", ("config.seed",), True)
        assert conn.scalar(count_matching(everything)) == 6


@pytest.mark.parametrize(
    ("expr", "order", "fragment"),
    [
        ("config.lr <", (), "at position 12"),
        ('state = "runing"', (), "unknown state"),
        ("", ("-tags",), "cannot sort by tags"),
        ("", ("bogus",), "unknown field 'bogus'"),
    ],
)
def test_bad_input_raises_before_any_query(
    expr: str, order: tuple[str, ...], fragment: str
) -> None:
    with pytest.raises(InvalidArgument, match=fragment):
        build_search(1, expr, tuple(order), False)


def test_prepared_page_matches_the_core_query(engine: Engine, project_id: int) -> None:
    expr, order = 'config.optimizer.lr < 0.01 and tags contains "baseline"', ("-summary.val/auc",)
    page_query, count_query = prepared_search(engine.dialect, project_id, expr, order, False)
    expected = search(engine, project_id, expr, list(order))
    with Session(engine) as session:
        page = page_query.all(session, page_limit=2, page_offset=1)
        assert [row[0] for row in page] == expected[1:3]
        assert {row[1] for row in page} == {len(expected)}  # the window count: every match
        assert page_query.all(session, page_limit=2, page_offset=10) == []
        assert count_query.all(session) == [(len(expected),)]


def test_config_filter_is_answered_from_the_index(engine: Engine, project_id: int) -> None:
    page_query, _ = prepared_search(engine.dialect, project_id, "config.seed < 3", (), False)
    with engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + page_query.sql, page_query.params({})
            )
        )
    assert "COVERING INDEX ix_run_params_key_num" in plan, plan
