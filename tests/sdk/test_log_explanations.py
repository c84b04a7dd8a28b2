"""``run.log_explanations`` end to end on the embedded store: what a training script does."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier

import headway
from headway.errors import InvalidArgument, StorageError
from headway.sdk.artifacts import run_mixin

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ["attendance_rate", "avg_grade", "lms_logins", "work_hours"]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for flag in ("SYSTEM_METRICS", "CONSOLE", "PACKAGES"):
        monkeypatch.setenv(f"HEADWAY_CAPTURE_{flag}", "false")
    monkeypatch.setenv("HEADWAY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def students() -> tuple[pd.DataFrame, pd.Series]:
    """Attendance decides who drops out; the other columns are noise. Indexed by student."""
    rng = np.random.default_rng(7)
    n = 500
    X = pd.DataFrame(
        {name: rng.normal(size=n) for name in FEATURES},
        index=pd.Index([f"s{i:04d}" for i in range(n)], name="student"),
    )
    y = pd.Series((X["attendance_rate"] + 0.3 * rng.normal(size=n) < 0).astype(int), X.index)
    return X, y


@pytest.fixture(scope="module")
def model(students: tuple[pd.DataFrame, pd.Series]) -> GradientBoostingClassifier:
    X, y = students
    return GradientBoostingClassifier(n_estimators=40, max_depth=2, random_state=0).fit(X, y)


def explain_keys(summary: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in summary.items() if k.startswith("explain/")}


def test_importance_goes_to_the_summary_and_values_to_an_artifact(
    model: GradientBoostingClassifier, students: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    X, _ = students
    with headway.init(project="edu") as run:
        explanation = run.log_explanations(model, X, max_rows=300)
    assert explanation is not None and explanation.method == "shap-tree"
    assert next(iter(explanation.importance)) == "attendance_rate"

    stored = headway.Api().run(run.id).summary
    importance = {k: v for k, v in explain_keys(stored).items() if k != "explain/method"}
    assert stored["explain/method"] == "shap-tree"
    assert sorted(importance) == sorted(f"explain/importance/{f}" for f in FEATURES)
    assert max(importance, key=importance.__getitem__) == "explain/importance/attendance_rate"
    assert importance["explain/importance/avg_grade"] == pytest.approx(
        explanation.importance["avg_grade"]
    )

    version = headway.Api().artifact(f"edu/explanations-{run.id}:latest")
    assert (version.type, version.run_id) == ("explanation", run.id)
    assert version.metadata["method"] == "shap-tree" and version.metadata["rows"] == 300
    assert sorted(e.path for e in version.files()) == ["explanation.json", "values.parquet"]
    files = version.download(tmp_path / "explanation")

    summary = json.loads((files / "explanation.json").read_text())
    assert summary["rows"] == 300 and len(summary["top_rows"]) == 20
    assert list(summary["importance"]) == list(explanation.importance)
    assert summary["top_rows"][0]["row"] in X.index  # students, by their own ids

    values = pd.read_parquet(files / "values.parquet")
    assert values.shape == (300, 2 + len(FEATURES))
    assert list(values.columns) == ["row", "output", *explanation.features]
    assert values["row"].isin(X.index).all() and values["row"].is_unique
    np.testing.assert_allclose(values[list(explanation.features)], explanation.values)
    # SHAP is additive: the contributions add up to each student's output.
    np.testing.assert_allclose(
        explanation.base_value + values[list(explanation.features)].sum(axis=1),
        values["output"],
        atol=1e-6,
    )


def test_module_function_acts_on_the_current_run_with_a_name_and_step(
    model: GradientBoostingClassifier, students: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, _ = students
    with pytest.raises(InvalidArgument, match="no active run"):
        headway.log_explanations(model, X)
    with headway.init(project="edu") as run:
        run.log({"loss": 0.5})
        explanation = headway.log_explanations(model, X, max_rows=100, name="dropout-shap", step=7)
        assert explanation is not None
    version = headway.Api().artifact("edu/dropout-shap:v0")
    assert version.run_id == run.id and version.metadata["step"] == 7
    # With a step, the importances are also points of history at that step.
    history = headway.Api().run(run.id).history(["explain/importance/attendance_rate"])
    assert history["step"].tolist() == [7]
    assert history["explain/importance/attendance_rate"].iloc[0] == pytest.approx(
        explanation.importance["attendance_rate"]
    )


def test_a_later_call_replaces_the_importance_keys(
    model: GradientBoostingClassifier, students: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = students
    small = GradientBoostingClassifier(n_estimators=10, random_state=0)
    small.fit(X[["attendance_rate", "avg_grade"]], y)
    with headway.init(project="edu") as run:
        run.log_explanations(model, X, max_rows=50)
        run.log_explanations(small, X, max_rows=50)
    stored = explain_keys(headway.Api().run(run.id).summary)
    assert sorted(stored) == [
        "explain/importance/attendance_rate",
        "explain/importance/avg_grade",
        "explain/method",
    ]
    versions = headway.Api().artifact_versions("edu", f"explanations-{run.id}")
    assert sorted(v.version for v in versions) == [0, 1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"X": np.zeros((3, 4))}, "X must be a pandas DataFrame, got ndarray"),
        ({"X": "drop work_hours"}, r"X has no column\(s\) \['work_hours'\]"),
        ({"max_rows": 0}, "max_rows must be >= 1, got 0"),
        ({"method": "lime"}, "method must be one of"),
        ({"y": [0, 1]}, "y has shape"),
        ({"name": "my explanations"}, "invalid artifact name 'my explanations'"),
        ({"step": -1}, "step must be between 0"),
    ],
)
def test_bad_input_raises_invalid_argument_and_records_nothing(
    model: GradientBoostingClassifier,
    students: tuple[pd.DataFrame, pd.Series],
    change: dict[str, object],
    message: str,
) -> None:
    X, _ = students
    args: dict[str, object] = {"X": X, **change}
    if isinstance(args["X"], str):
        args["X"] = X.drop(columns="work_hours")
    with headway.init(project="edu") as run, pytest.raises(InvalidArgument, match=message):
        run.log_explanations(model, **args)  # type: ignore[arg-type]
    assert explain_keys(headway.Api().run(run.id).summary) == {}
    assert headway.Api().artifacts("edu") == []


def test_a_feature_named_like_a_values_column_is_refused(
    students: tuple[pd.DataFrame, pd.Series],
) -> None:
    X, y = students
    renamed = X.rename(columns={"avg_grade": "output"})
    fitted = GradientBoostingClassifier(n_estimators=5).fit(renamed, y)
    with headway.init(project="edu") as run, pytest.raises(InvalidArgument, match="'output'"):
        run.log_explanations(fitted, renamed, max_rows=20)


def test_permutation_fallback_when_asked(
    model: GradientBoostingClassifier, students: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    X, y = students
    with headway.init(project="edu") as run:
        explanation = run.log_explanations(model, X, y=y, method="permutation", max_rows=200)
    assert explanation is not None and explanation.method == "permutation"
    assert next(iter(explanation.importance)) == "attendance_rate"
    stored = headway.Api().run(run.id).summary
    assert stored["explain/method"] == "permutation"
    assert stored["explain/importance/attendance_rate"] == pytest.approx(
        explanation.importance["attendance_rate"]
    )
    files = headway.Api().artifact(f"edu/explanations-{run.id}:v0").download(tmp_path / "out")
    assert json.loads((files / "explanation.json").read_text())["method"] == "permutation"
    assert pd.read_parquet(files / "values.parquet").shape == (200, 2 + len(FEATURES))


@pytest.mark.parametrize(
    "failure",
    [StorageError("the blob store is full"), ConnectionResetError("connection reset by peer")],
    ids=["storage-error", "unexpected-error"],
)
def test_a_store_failure_is_a_warning_and_the_training_goes_on(
    model: GradientBoostingClassifier,
    students: tuple[pd.DataFrame, pd.Series],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
) -> None:
    X, _ = students

    def broken(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(run_mixin, "log_artifact", broken)
    caplog.set_level(logging.WARNING, logger="headway")
    with headway.init(project="edu") as run:
        assert run.log_explanations(model, X, max_rows=50) is None
        run.log({"after": 1.0})  # the script carries on
    assert f"the explanations of run {run.id}" in caplog.text
    assert headway.Api().run(run.id).state == "finished"


def test_offline_runs_keep_the_explanations_for_sync_and_disabled_runs_store_nothing(
    model: GradientBoostingClassifier, students: tuple[pd.DataFrame, pd.Series]
) -> None:
    from click.testing import CliRunner

    from headway.cli.main import cli

    X, _ = students
    with headway.init(project="edu", mode="offline") as run:
        explanation = run.log_explanations(model, X, max_rows=50)
    assert explanation is not None and explanation.method == "shap-tree"
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 0, result.output
    assert explain_keys(headway.Api().run(run.id).summary)["explain/method"] == "shap-tree"
    assert headway.Api().artifact(f"edu/explanations-{run.id}:v0").run_id == run.id

    with headway.init(project="quiet", mode="disabled") as disabled:
        assert disabled.log_explanations(model, X, max_rows=50) is not None
        with pytest.raises(InvalidArgument, match="max_rows"):
            disabled.log_explanations(model, X, max_rows=0)
    assert [p.name for p in headway.Api().projects()] == ["edu"]


def test_the_docs_example_runs() -> None:
    text = (ROOT / "docs" / "sdk.md").read_text()
    section = text.split("## Explaining a training run", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/sdk.md", "exec"), namespace)
    run = namespace["run"]
    summary = headway.Api().run(run.id).summary  # type: ignore[attr-defined]
    assert summary["explain/method"].startswith("shap")
