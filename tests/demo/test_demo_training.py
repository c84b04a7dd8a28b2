"""`headway demo` end to end: every variant becomes a run a newcomer can inspect."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import headway
from headway.demo import make_students, run_demo
from headway.demo.training import VARIANTS, _auc, evaluate, prepare

PROJECT = "student-dropout"
#: The variants; data preparation and the spring retrain are runs of their own.
TRAINING = 'group = "semester-2026-fall"'


def test_every_variant_is_one_run(demo: tuple[Path, list[str]]) -> None:
    store, run_ids = demo
    assert len(run_ids) == len(VARIANTS)
    assert len(set(run_ids)) == len(run_ids)
    runs = headway.Api(dir=store).runs(PROJECT, TRAINING)
    assert len(runs) == len(VARIANTS)
    assert {r.id for r in runs} == set(run_ids)
    assert {r.name for r in runs} == {v.name for v in VARIANTS}


def test_runs_record_their_config(demo: tuple[Path, list[str]]) -> None:
    store, _ = demo
    for run in headway.Api(dir=store).runs(PROJECT, TRAINING):
        variant = next(v for v in VARIANTS if v.name == run.name)
        assert run.config["model_type"] == variant.model_type
        assert run.config["seed"] == 7
        assert run.config["n_features"] > 0


def test_runs_have_a_validation_learning_curve(demo: tuple[Path, list[str]]) -> None:
    store, run_ids = demo
    api = headway.Api(dir=store)
    for run_id in run_ids:
        history = api.run(run_id).history(["val/auc"])
        curve = history["val/auc"].dropna()
        assert len(curve) >= 5, run_id
        assert curve.between(0.0, 1.0).all()
        assert history["step"].is_monotonic_increasing


def test_runs_report_test_metrics_overall_and_per_group(demo: tuple[Path, list[str]]) -> None:
    store, _ = demo
    for run in headway.Api(dir=store).runs(PROJECT, TRAINING):
        summary = run.summary
        assert 0.6 <= float(summary["test/auc"]) <= 1.0, run.name
        for key in (
            "test/accuracy",
            "test/f1",
            "test/recall",
            "test/recall/first_language=English",
            "test/flag_rate/disability=declared",
            "fairness/recall_gap/first_language",
            "fairness/demographic_parity_gap/disability",
            "fairness/demographic_parity_gap/first_language",
        ):
            assert 0.0 <= float(summary[key]) <= 1.0, (run.name, key)


def test_progress_line_per_variant_unless_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_demo(n_students=300, dir=tmp_path, variants=VARIANTS[:2], monitor=False, sweep=False)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert VARIANTS[0].name in lines[0]
    assert "test AUC" in lines[0]


def test_perfect_scores_give_full_recall_and_no_recall_gap() -> None:
    data = prepare(make_students(800))
    metrics = evaluate(data, data.y_test.astype(np.float64), threshold=0.5)
    assert metrics["test/auc"] == 1.0
    assert metrics["test/recall"] == 1.0
    assert metrics["test/recall/first_language=Spanish"] == 1.0
    assert metrics["fairness/recall_gap/first_language"] == 0.0
    assert metrics["test/n/first_language=English"] + metrics[
        "test/n/first_language=Spanish"
    ] + metrics["test/n/first_language=Other"] == len(data.y_test)


def test_flagging_everyone_has_no_parity_gap_but_poor_accuracy() -> None:
    data = prepare(make_students(800))
    metrics = evaluate(data, np.ones(len(data.y_test)), threshold=0.5)
    assert metrics["fairness/demographic_parity_gap/disability"] == 0.0
    assert metrics["test/flag_rate"] == 1.0
    assert metrics["test/accuracy"] == pytest.approx(data.y_test.mean())
    assert "test/auc" not in metrics or metrics["test/auc"] == 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_matches_scikit_learn_including_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 500)
    p = rng.integers(0, 20, 500) / 20  # coarse scores, so many ties
    assert _auc(y, p) == pytest.approx(roc_auc_score(y, p))
    assert _auc(np.zeros(5, dtype=np.int64), p[:5]) is None


def test_data_and_models_carry_their_lineage(demo: tuple[Path, list[str]]) -> None:
    store, run_ids = demo
    api = headway.Api(dir=store)
    raw = api.artifact(f"{PROJECT}/student_data:v0")
    cleaned = api.artifact(f"{PROJECT}/student_data_cleaned:v1")
    assert "training" in cleaned.aliases and raw.metadata["rows"] > cleaned.metadata["rows"]
    assert {"DATA_CARD.md", "schema.json", "students.parquet"} == {e.path for e in cleaned.files()}
    up = cleaned.lineage("upstream", depth=1)
    assert f"{PROJECT}/student_data:v0" in {n.id for n in up.nodes}
    down = cleaned.lineage("downstream", depth=1)
    assert set(run_ids) <= {n.id for n in down.nodes}
    production = api.model_version("dropout-risk@production")
    assert production.type == "model" and {"model.pkl", "model.json"} <= {
        e.path for e in production.files()
    }
    origin = production.lineage("upstream", depth=2)
    assert {f"{PROJECT}/student_data_cleaned:v1", f"{PROJECT}/student_data:v0"} <= {
        n.id for n in origin.nodes
    }


def test_the_registry_shows_a_promotion_and_a_rollback(demo: tuple[Path, list[str]]) -> None:
    store, _ = demo
    registry = headway.Api(dir=store).registry
    model = registry.get_model("dropout-risk")
    assert model.aliases["production"] == model.aliases["champion"] == 1
    assert model.protected == {"production": "approver"} and "Dropout risk" in model.description
    events = registry.history("dropout-risk", alias="production")
    moves = [e for e in events if e.action == "alias_set"]
    assert [(e.version, e.details.get("rollback", False)) for e in moves] == [
        (1, True),
        (2, False),
        (1, False),
    ]
