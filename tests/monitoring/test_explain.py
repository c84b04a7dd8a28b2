"""Explanations: SHAP (tree and model-agnostic) and the permutation fallback.

The data: students whose dropout depends on ``gpa`` and on ``course`` (one-hot encoded in
the pipelines), and not on the four other columns.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from headway.errors import InvalidArgument
from headway.monitoring.explain import Explanation, explain, explain_row, importance_drift

NUMERIC = ["gpa", "age", "credits", "logins"]
CATEGORICAL = ["course", "region"]
FEATURES = [*NUMERIC, *CATEGORICAL]
INFORMATIVE = {"gpa", "course"}
COURSE_EFFECT = {"Math": -2.0, "Art": 2.0, "Biology": 0.0, "History": 0.0}


def students(n: int, seed: int, gpa_spread: float = 0.5) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "gpa": rng.normal(3.0, gpa_spread, n),
            "age": rng.normal(21.0, 2.0, n),
            "credits": rng.integers(10, 20, n),
            "logins": rng.poisson(5, n).astype(float),
            "course": rng.choice(list(COURSE_EFFECT), n),
            "region": rng.choice(["North", "South", "East"], n),
        },
        index=pd.RangeIndex(1000, 1000 + n, name="student_id"),
    )
    logit = -3.0 * (frame["gpa"] - 3.0) / 0.5 + frame["course"].map(COURSE_EFFECT)
    dropped = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return frame, dropped.to_numpy()


def pipeline(model: BaseEstimator) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return Pipeline([("encode", encode), ("model", model)])


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    return students(2000, seed=0)


@pytest.fixture(scope="module")
def boosting(data: tuple[pd.DataFrame, np.ndarray]) -> Pipeline:
    X, y = data
    return pipeline(GradientBoostingClassifier(n_estimators=60, random_state=0)).fit(X, y)


@pytest.fixture
def shap() -> Any:
    return pytest.importorskip("shap")


def top_two(explanation: Explanation) -> set[str]:
    return set(list(explanation.importance)[:2])


def test_shap_ranks_the_informative_raw_columns_first(
    shap: Any, boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    e = explain(boosting, X)
    assert e.method == "shap-tree"
    assert e.output_space == "log_odds"
    assert e.features == tuple(FEATURES)  # raw columns, not one per course
    assert e.values.shape == (len(X), len(FEATURES))
    assert top_two(e) == INFORMATIVE
    assert list(e.importance.values()) == sorted(e.importance.values(), reverse=True)
    assert e.importance["gpa"] == pytest.approx(np.abs(e.values[:, 0]).mean())


@pytest.mark.parametrize("with_outcomes", [False, True])
def test_the_fallback_ranks_the_informative_columns_first(
    boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray], with_outcomes: bool
) -> None:
    X, y = data
    e = explain(boosting, X, method="permutation", y=y if with_outcomes else None)
    assert e.method == "permutation"
    assert not e.additive
    assert e.output_space == "probability"
    assert top_two(e) == INFORMATIVE


@pytest.mark.parametrize(
    ("model", "space"),
    [
        (GradientBoostingClassifier(n_estimators=40, random_state=0), "log_odds"),
        (HistGradientBoostingClassifier(max_iter=40, random_state=0), "log_odds"),
        (RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0), "probability"),
        (GradientBoostingRegressor(n_estimators=40, random_state=0), "prediction"),
    ],
    ids=["gradient-boosting", "hist-gradient-boosting", "random-forest", "regressor"],
)
def test_tree_shap_adds_up_to_the_model_output(
    shap: Any, data: tuple[pd.DataFrame, np.ndarray], model: BaseEstimator, space: str
) -> None:
    X, y = data
    fitted = pipeline(model).fit(X, y)
    e = explain(fitted, X, max_rows=500)
    if space == "log_odds":
        expected = fitted.decision_function(e.data)
    elif space == "probability":
        expected = fitted.predict_proba(e.data)[:, 1]
    else:
        expected = fitted.predict(e.data)
    assert e.method == "shap-tree"
    assert e.output_space == space
    np.testing.assert_allclose(e.outputs, expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(e.base_value + e.values.sum(axis=1), expected, rtol=0, atol=1e-6)


def test_a_raw_column_gets_the_sum_of_its_encoded_columns(
    shap: Any, boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    e = explain(boosting, X, max_rows=300)
    encoded = boosting[:-1].transform(e.data)
    direct = shap.TreeExplainer(boosting[-1]).shap_values(encoded)
    names = list(boosting[:-1].get_feature_names_out())
    courses = [i for i, n in enumerate(names) if n.startswith("cat__course_")]
    assert len(courses) == len(COURSE_EFFECT)
    np.testing.assert_allclose(e.values[:, FEATURES.index("course")], direct[:, courses].sum(1))
    np.testing.assert_allclose(e.values[:, 0], direct[:, names.index("num__gpa")])


def test_columns_the_model_was_fitted_with_but_drops_may_be_absent(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = data
    # As the demo does: the encoder is fitted on the whole table, ids and label included.
    table = X.reset_index().assign(dropped_out=y)
    model = pipeline(GradientBoostingClassifier(n_estimators=20, random_state=0))
    model.fit(table, y)
    assert "student_id" in model.feature_names_in_
    e = explain(model, X, max_rows=200)
    assert e.features == tuple(FEATURES)
    assert top_two(e) == INFORMATIVE


def additive_score(frame: pd.DataFrame) -> np.ndarray:
    """2·a + [c == "x"]: its Shapley values against a background are known exactly."""
    return np.asarray(2.0 * frame["a"] + (frame["c"] == "x"), dtype=np.float64)


@pytest.fixture(scope="module")
def mixed() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)

    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "a": rng.normal(0.0, 1.0, n),
                "c": pd.Categorical(rng.choice(["x", "y", "z"], n, p=[0.3, 0.5, 0.2])),
                "unused": rng.normal(0.0, 1.0, n),
            }
        )

    return frame(60), frame(40)


def test_model_agnostic_shap_is_exact_for_an_additive_function(
    shap: Any, mixed: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    X, background = mixed
    seen: list[pd.Series] = []

    def score(frame: pd.DataFrame) -> np.ndarray:
        seen.append(frame.dtypes)
        return additive_score(frame)

    e = explain(score, X, background=background)
    assert e.method == "shap-permutation"
    assert e.output_space == "prediction"
    # The function sees frames like X: the category column stays a category.
    assert all(isinstance(dtypes["c"], pd.CategoricalDtype) for dtypes in seen)
    is_x = (background["c"] == "x").mean()
    np.testing.assert_allclose(e.values[:, 0], 2.0 * (X["a"] - background["a"].mean()))
    np.testing.assert_allclose(e.values[:, 1], (X["c"] == "x") - is_x, atol=1e-12)
    np.testing.assert_allclose(e.values[:, 2], 0.0, atol=1e-12)
    assert e.base_value == pytest.approx(additive_score(background).mean())
    np.testing.assert_allclose(e.base_value + e.values.sum(axis=1), e.outputs, atol=1e-9)
    again = explain(score, X, background=background)
    np.testing.assert_array_equal(again.values, e.values)


def test_model_agnostic_shap_on_a_pipeline_ranks_and_adds_up(
    shap: Any, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = data
    neighbours = pipeline(KNeighborsClassifier(n_neighbors=25)).fit(X, y)
    e = explain(neighbours, X, max_rows=40)
    assert e.method == "shap-permutation"
    assert e.output_space == "probability"
    assert top_two(e) == INFORMATIVE
    expected = neighbours.predict_proba(e.data)[:, 1]
    np.testing.assert_allclose(e.base_value + e.values.sum(axis=1), expected, atol=1e-6)


def test_a_linear_pipeline_gets_exact_shap_values_without_shap(
    monkeypatch: pytest.MonkeyPatch, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = data
    linear = pipeline(LogisticRegression(max_iter=500)).fit(X, y)
    background = X.iloc[:100]
    with_shap = explain(linear, X, background=background, max_rows=300)
    monkeypatch.setitem(sys.modules, "shap", None)  # closed form: no shap needed
    e = explain(linear, X, background=background, max_rows=300)
    np.testing.assert_array_equal(e.values, with_shap.values)
    assert e.method == "shap-linear"
    assert e.output_space == "log_odds"
    assert top_two(e) == INFORMATIVE
    np.testing.assert_allclose(
        e.base_value + e.values.sum(axis=1), linear.decision_function(e.data), atol=1e-9
    )
    # The reference: coef * (x - background mean), encoded columns summed per raw column.
    encoded = linear[:-1].transform(e.data)
    centred = (encoded - linear[:-1].transform(background).mean(axis=0)) * linear[-1].coef_[0]
    np.testing.assert_allclose(e.values[:, e.features.index("gpa")], centred[:, 0], atol=1e-12)
    course = [i for i, n in enumerate(linear[:-1].get_feature_names_out()) if "course" in n]
    np.testing.assert_allclose(
        e.values[:, e.features.index("course")], centred[:, course].sum(axis=1), atol=1e-12
    )


def test_a_linear_regressor_is_explained_in_its_own_units(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, _ = data
    target = 2.0 * X["gpa"] - 0.5 * X["credits"]
    model = LinearRegression().fit(X[NUMERIC], target)
    e = explain(model, X[NUMERIC], max_rows=50)
    assert (e.method, e.output_space) == ("shap-linear", "prediction")
    np.testing.assert_allclose(e.base_value + e.values.sum(axis=1), model.predict(e.data))
    np.testing.assert_allclose(e.values[:, e.features.index("age")], 0.0, atol=1e-9)


def test_native_categorical_boosting_is_explained_model_agnostically(
    shap: Any, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = data
    typed = X.astype({"course": "category", "region": "category"})
    model = HistGradientBoostingClassifier(
        max_iter=30, categorical_features="from_dtype", random_state=0
    ).fit(typed, y)
    e = explain(model, typed, max_rows=8)
    assert e.method == "shap-permutation"
    np.testing.assert_allclose(
        e.base_value + e.values.sum(axis=1), model.predict_proba(e.data)[:, 1], atol=1e-6
    )


def test_the_fallback_computes_occlusion_effects_and_permutation_importance(
    mixed: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    X, background = mixed
    e = explain(additive_score, X, background=background, method="permutation")
    mode_is_x = background["c"].mode().iloc[0] == "x"
    np.testing.assert_allclose(e.values[:, 0], 2.0 * (X["a"] - background["a"].median()))
    np.testing.assert_allclose(e.values[:, 1], (X["c"] == "x").astype(float) - mode_is_x)
    np.testing.assert_array_equal(e.values[:, 2], 0.0)
    assert e.base_value == pytest.approx(additive_score(background).mean())
    # Without outcomes: mean |f(X) - f(X with the column shuffled)|.
    assert e.importance["unused"] == 0.0
    assert e.importance["a"] > e.importance["c"] > 0.0
    assert list(e.importance) == ["a", "c", "unused"]


def test_auto_falls_back_when_shap_is_missing(
    monkeypatch: pytest.MonkeyPatch, boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    monkeypatch.setitem(sys.modules, "shap", None)  # makes `import shap` fail
    e = explain(boosting, X, max_rows=500)
    assert e.method == "permutation"
    assert top_two(e) == INFORMATIVE
    with pytest.raises(InvalidArgument, match=r"headway\[explain\]"):
        explain(boosting, X, method="shap")


@pytest.mark.parametrize("method", ["shap", "permutation"])
def test_importance_drift_names_the_feature_that_gained_weight(
    boosting: Pipeline, method: str
) -> None:
    if method == "shap":
        pytest.importorskip("shap")
    reference = explain(boosting, students(1500, seed=10)[0], method=method)  # type: ignore[arg-type]
    same = explain(boosting, students(1500, seed=11)[0], method=method)  # type: ignore[arg-type]
    wider = explain(
        boosting,
        students(1500, seed=12, gpa_spread=1.5)[0],
        method=method,  # type: ignore[arg-type]
    )
    drifted = importance_drift(reference.importance, wider.importance)
    stable = importance_drift(reference.importance, same.importance)
    by_name = {f.feature: f for f in drifted.features}
    assert max(drifted.features, key=lambda f: f.change).feature == "gpa"
    assert by_name["gpa"].change > 0 > by_name["course"].change
    assert drifted.total_variation > 0.05
    assert drifted.total_variation > 2 * stable.total_variation


def test_importance_drift_shares_ranks_and_total_variation() -> None:
    shift = importance_drift({"a": 3.0, "b": 1.0, "d": -0.2}, {"a": 1.0, "b": 1.0, "c": 2.0})
    assert shift.total_variation == pytest.approx(0.5)
    assert [f.feature for f in shift.features] == ["a", "c", "b", "d"]
    a, c, b, d = shift.features
    assert (a.reference_share, a.current_share, a.change) == pytest.approx((0.75, 0.25, -0.5))
    assert (a.reference_rank, a.current_rank, a.rank_change) == (1, 2, -1)
    assert (c.reference_share, c.current_share, c.rank_change) == (0.0, 0.5, 2)
    assert b.change == pytest.approx(0.0)
    assert d.reference_share == 0.0  # a negative (noise) importance counts as none
    assert json.loads(json.dumps(shift.to_dict()))["total_variation"] == pytest.approx(0.5)
    assert importance_drift({"a": 1.0}, {"a": 5.0}).total_variation == 0.0


@pytest.mark.parametrize(
    ("reference", "current", "message"),
    [
        ({}, {"a": 1.0}, "reference importance is empty"),
        ({"a": 1.0}, {"a": 0.0, "b": -1.0}, "current importance sums to 0"),
        ({"a": float("nan")}, {"a": 1.0}, "not finite"),
    ],
)
def test_importance_drift_refuses_profiles_it_cannot_compare(
    reference: dict[str, float], current: dict[str, float], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        importance_drift(reference, current)


@pytest.mark.parametrize("method", ["shap", "permutation"])
def test_max_rows_draws_the_same_seeded_sample(
    boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray], method: str
) -> None:
    if method == "shap":
        pytest.importorskip("shap")
    X, _ = data
    first = explain(boosting, X, max_rows=100, seed=3, method=method)  # type: ignore[arg-type]
    second = explain(boosting, X, max_rows=100, seed=3, method=method)  # type: ignore[arg-type]
    other = explain(boosting, X, max_rows=100, seed=4, method=method)  # type: ignore[arg-type]
    assert first.rows == len(first.data) == 100
    assert first.data.index.is_monotonic_increasing
    assert set(first.data.index) <= set(X.index)
    assert first.data.index.equals(second.data.index)
    np.testing.assert_array_equal(first.values, second.values)
    assert first.importance == second.importance
    assert not first.data.index.equals(other.data.index)


def test_explain_row_says_why_a_student_was_flagged(
    boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    e = explain(boosting, X, max_rows=400)  # SHAP when installed, else the fallback
    flagged = e.data.index[int(np.argmax(e.outputs))]
    why = explain_row(e, flagged, top=3)
    assert why.row == flagged
    assert why.output == pytest.approx(e.outputs.max())
    sizes = [abs(c.contribution) for c in why.contributions]
    assert len(sizes) == 3 and sizes == sorted(sizes, reverse=True)
    assert {c.feature for c in why.contributions[:2]} == INFORMATIVE
    for c in why.contributions:
        assert c.value == X.loc[flagged, c.feature]
    everything = explain_row(e, flagged, top=len(e.features))
    if e.additive:
        total = why.base_value + sum(c.contribution for c in everything.contributions)
        assert total == pytest.approx(why.output, abs=1e-6)
    missing = next(i for i in X.index if i not in e.data.index)
    with pytest.raises(InvalidArgument, match="not among the 400 explained rows"):
        explain_row(e, missing)


def test_explain_row_refuses_an_ambiguous_label(
    boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    twice = pd.concat([X.iloc[:5], X.iloc[:5]])
    e = explain(boosting, twice, method="permutation")
    with pytest.raises(InvalidArgument, match="appears 2 times"):
        explain_row(e, X.index[0])


def test_to_dict_is_json_safe_and_lists_the_highest_scores(
    boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    e = explain(boosting, X, max_rows=300)
    summary = json.loads(json.dumps(e.to_dict(top_rows=4, top_features=2), allow_nan=False))
    assert summary["method"] == e.method
    assert summary["rows"] == 300
    assert list(summary["importance"]) == list(e.importance)
    outputs = [r["output"] for r in summary["top_rows"]]
    assert outputs == sorted(e.outputs.tolist(), reverse=True)[:4]
    first = summary["top_rows"][0]
    assert isinstance(first["row"], int) and len(first["contributions"]) == 2
    assert {"feature", "value", "contribution"} == set(first["contributions"][0])


def test_to_dict_turns_missing_and_time_values_into_json() -> None:
    X = pd.DataFrame(
        {
            "a": [1.0, np.nan, 3.0],
            "when": pd.DatetimeIndex(["2026-01-05", "2026-01-06", pd.NaT]),
        },
        index=["s1", "s2", "s3"],
    )
    e = explain(lambda f: f["a"].fillna(0.0).to_numpy(), X, method="permutation")
    rows = json.loads(json.dumps(e.to_dict(top_features=2), allow_nan=False))["top_rows"]
    values = {r["row"]: {c["feature"]: c["value"] for c in r["contributions"]} for r in rows}
    assert values["s1"] == {"a": 1.0, "when": "2026-01-05T00:00:00"}
    assert values["s2"]["a"] is None
    assert values["s3"]["when"] is None


class NoPredict:
    feature_names_in_ = np.array(FEATURES, dtype=object)


def three_outputs(frame: pd.DataFrame) -> np.ndarray:
    return np.zeros((len(frame), 3))


def multiclass(data: tuple[pd.DataFrame, np.ndarray]) -> Pipeline:
    X, y = data
    return pipeline(LogisticRegression()).fit(X, y + (X["gpa"] > 3.5).to_numpy())


BadCall = Callable[[Pipeline, pd.DataFrame, tuple[pd.DataFrame, np.ndarray]], object]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m, X, d: explain(m, X.iloc[:0]), "X is empty"),
        (lambda m, X, d: explain(m, X.to_numpy()), "X must be a pandas DataFrame"),
        (lambda m, X, d: explain(m, X.drop(columns="gpa")), r"no column\(s\) \['gpa'\]"),
        (lambda m, X, d: explain(NoPredict(), X), "no predict_proba or predict"),
        (lambda m, X, d: explain(three_outputs, X), "one number per row"),
        (lambda m, X, d: explain(m, X, max_rows=0), "max_rows must be >= 1"),
        (lambda m, X, d: explain(m, X, method="magic"), "method must be one of"),  # type: ignore[arg-type]
        (lambda m, X, d: explain(m, X, y=np.zeros(3)), "y has shape"),
        (
            lambda m, X, d: explain(m, X, background=X.drop(columns="course")),
            r"background has no column\(s\) \['course'\]",
        ),
        (lambda m, X, d: explain(multiclass(d), X), "has 3 classes"),
        (lambda m, X, d: explain(m, X, features=["gpa", "gpa"]), "more than once"),
    ],
    ids=[
        "empty",
        "not-a-frame",
        "missing-column",
        "no-predict",
        "wrong-shape",
        "max-rows",
        "method",
        "y-length",
        "background-column",
        "multiclass",
        "duplicate-feature",
    ],
)
def test_bad_input_names_the_problem(
    boosting: Pipeline, data: tuple[pd.DataFrame, np.ndarray], call: BadCall, message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        call(boosting, data[0], data)


def gpa_per_credit(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(frame["gpa"] / frame["credits"], dtype=np.float64).reshape(-1, 1)


def test_an_encoded_column_of_two_raw_columns_is_shared_between_them(
    shap: Any, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = data
    # The derived column has no output name: only probing the raw columns can place it.
    encode = ColumnTransformer(
        [
            ("ratio", FunctionTransformer(gpa_per_credit), ["gpa", "credits"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["course"]),
        ]
    )
    model = Pipeline([("encode", encode), ("model", GradientBoostingClassifier(n_estimators=30))])
    model.fit(X[["gpa", "credits", "course"]], y)
    e = explain(model, X, max_rows=200)
    assert e.features == ("gpa", "credits", "course")
    direct = shap.TreeExplainer(model[-1]).shap_values(model[:-1].transform(e.data))
    np.testing.assert_allclose(e.values[:, 0], direct[:, 0] / 2)
    np.testing.assert_allclose(e.values[:, 1], direct[:, 0] / 2)
    np.testing.assert_allclose(e.values[:, 2], direct[:, 1:].sum(axis=1))
    np.testing.assert_allclose(
        e.base_value + e.values.sum(axis=1), model.decision_function(e.data), atol=1e-6
    )
