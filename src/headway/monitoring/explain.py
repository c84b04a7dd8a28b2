"""Why a model scores what it scores: SHAP values per window, and a fallback without shap.

:func:`explain` explains a model's scores on a sample of rows (at most ``max_rows``, drawn
with ``seed``; the rows keep their index, so a student id as index answers "why was
student 1234 flagged?" through :func:`explain_row`). :attr:`Explanation.method` says how:

``"shap-tree"``
    A scikit-learn tree ensemble (``GradientBoosting*``, ``HistGradientBoosting*``,
    ``RandomForest*``, ``ExtraTrees*``), alone or as the last step of a ``Pipeline``:
    shap's ``TreeExplainer`` with path-dependent perturbation. Exact Shapley values of the
    trees' raw output against the training data the trees remember (their node covers), so
    ``background`` does not enter the values. The output space (:attr:`Explanation.output_space`) is
    ``"log_odds"`` for gradient-boosting classifiers (``decision_function``; the score is
    its sigmoid), ``"probability"`` of the positive class for forest classifiers (the mean
    of the trees' leaf probabilities) and ``"prediction"`` for regressors; in every case
    ``base_value + values.sum(axis=1)`` equals :attr:`Explanation.outputs` up to rounding.
    In a pipeline the trees see encoded columns; each is given back to the raw column(s)
    it is computed from (see :func:`_encoding_map`), so ``course`` is one feature, not one
    per course. A ``HistGradientBoosting*`` model with native categorical features goes
    the model-agnostic way: shap cannot read its categorical splits.
``"shap-linear"``
    A scikit-learn linear model (``LogisticRegression`` of two classes, ``LinearRegression``,
    ``Ridge``, ``Lasso``, ``ElasticNet``, ``SGD*``, ``LinearSVC``…: anything with a
    one-row ``coef_`` and ``intercept_``), alone or as the last step of a ``Pipeline``:
    exact interventional Shapley values, ``coef_j * (x_j - mean_j)`` over the encoded
    columns with ``mean`` taken on at most :data:`BACKGROUND_ROWS` rows of ``background``
    (default: ``X``), summed back to raw columns as for trees. The output space is
    ``"log_odds"`` (``decision_function``) for classifiers and ``"prediction"`` for
    regressors; ``base_value`` is the output at the background's mean. Needs no shap: it
    is what shap's ``LinearExplainer`` computes, in closed form.
``"shap-permutation"``
    Any other model, or a function: shap's ``PermutationExplainer`` on the model's score
    (P(positive class) from ``predict_proba``, else ``predict``, else the function's
    output) with an independent masker over at most :data:`BACKGROUND_ROWS` rows of
    ``background`` (default: ``X``). Shapley values with the background standing in for
    a feature's absence, estimated from :data:`PERMUTATIONS` antithetic permutations per
    row (exact for additive models) and additive by construction; ``base_value`` is the
    mean score over those background rows. Shap compiles this path with numba the first
    time a process uses it (seconds, once).
``"permutation"``
    Without shap (``method="auto"``), or asked for. **Not SHAP**, and not additive:

    - ``importance`` is permutation importance, computed as scikit-learn's
      ``permutation_importance`` does (each column shuffled :data:`PERMUTATION_REPEATS`
      times, the mean change reported): with ``y``, the rise in mean squared error of the
      score against ``y`` (the Brier score for probabilities; it can be slightly negative
      for a column the model ignores); without ``y``, the mean absolute change of the
      score, mean |f(X) - f(X with the column shuffled)|.
    - ``values[i, j]`` is an occlusion effect: f(x_i) - f(x_i with feature j set to the
      background's median, for numbers, or most frequent value, for anything else): how
      much the row's own value moved its score away from a typical one. ``base_value`` is
      the mean score over the background (at most ``max_rows`` rows of it); the values
      generally do not sum to ``outputs - base_value`` (interactions count once per
      feature involved, and the typical row is not the average one).

:func:`importance_drift` compares two windows' importances; :meth:`Explanation.to_dict` is
the JSON-safe summary a monitor result stores.
"""

from __future__ import annotations

import importlib
import math
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any, Final, Literal, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import is_classifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped,unused-ignore]

from headway.errors import InvalidArgument
from headway.monitoring.explain_columns import _Codec, _dense, _encoding_map, _is_number

FloatArray = NDArray[np.float64]
Method = Literal["auto", "shap", "permutation"]
OutputSpace = Literal["log_odds", "probability", "prediction"]
Score = Callable[[pd.DataFrame], FloatArray]

#: Background rows of shap's model-agnostic masker: its cost grows linearly with them, and
#: shap's own default is 100.
BACKGROUND_ROWS: Final = 100
#: Shuffles per column for the fallback's permutation importance.
PERMUTATION_REPEATS: Final = 5
#: Permutations per row for shap's permutation explainer, each evaluated forward and
#: backward (2 x features + 1 model evaluations): shap's ``max_evals="auto"`` budget. Its
#: ``max_evals=500`` default costs 4x more calls for six features, for little precision.
PERMUTATIONS: Final = 10
_PROBE_ROWS: Final = 256
_TREES: Final = (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
)
_LOG_ODDS_TREES: Final = (GradientBoostingClassifier, HistGradientBoostingClassifier)
_METHODS: Final = ("auto", "shap", "permutation")
_GLOBAL_RNG: Final = threading.Lock()


@dataclass(frozen=True, eq=False)
class Explanation:
    """Per-row contributions of each feature to a model's output, and their summary.

    ``values`` has one row per explained row (the rows of ``data``, in order) and one
    column per entry of ``features``; see the module docstring for what a value means
    under each ``method`` and in each ``output_space``. ``outputs`` is the model's output
    for each row in that space. ``importance`` maps every feature to its global importance
    (mean |value| for SHAP, permutation importance for ``"permutation"``), highest first.
    ``features`` are the raw columns, plus, rarely, an encoded column of a pipeline that
    could not be traced to any raw column (kept under its own name so nothing is lost).
    ``seconds`` is the wall time of the whole call.
    """

    method: str
    output_space: OutputSpace
    features: tuple[str, ...]
    base_value: float
    values: FloatArray
    outputs: FloatArray
    importance: dict[str, float]
    data: pd.DataFrame
    rows: int
    seconds: float

    @property
    def additive(self) -> bool:
        """True when ``base_value + values.sum(axis=1) == outputs`` (every SHAP method)."""
        return self.method != "permutation"

    def to_dict(self, *, top_rows: int = 10, top_features: int = 5) -> dict[str, Any]:
        """A JSON-safe summary: importance and the ``top_rows`` highest-scored rows.

        Each listed row has its index label (``row``), its output and its ``top_features``
        largest contributions (:func:`explain_row`). Non-finite numbers become ``None``,
        timestamps ISO strings and other non-JSON values their ``str``.
        """
        if top_rows < 0 or top_features < 1:
            raise InvalidArgument(
                f"top_rows must be >= 0 and top_features >= 1, got {top_rows} and {top_features}"
            )
        order = np.argsort(-np.nan_to_num(self.outputs, nan=-np.inf), kind="stable")
        return {
            "method": self.method,
            "output_space": self.output_space,
            "features": list(self.features),
            "base_value": _json_value(self.base_value),
            "rows": self.rows,
            "seconds": self.seconds,
            "importance": {f: _json_value(v) for f, v in self.importance.items()},
            "top_rows": [_row(self, int(i), top_features).to_dict() for i in order[:top_rows]],
        }


@dataclass(frozen=True)
class Contribution:
    """One feature's value in a row and its contribution to the row's output."""

    feature: str
    value: Any
    contribution: float


@dataclass(frozen=True)
class RowExplanation:
    """The largest contributions to one row's output, by absolute size."""

    row: Hashable
    output: float
    base_value: float
    method: str
    output_space: OutputSpace
    contributions: tuple[Contribution, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (see :meth:`Explanation.to_dict`)."""
        return {
            "row": _json_value(self.row),
            "output": _json_value(self.output),
            "base_value": _json_value(self.base_value),
            "method": self.method,
            "output_space": self.output_space,
            "contributions": [
                {
                    "feature": c.feature,
                    "value": _json_value(c.value),
                    "contribution": _json_value(c.contribution),
                }
                for c in self.contributions
            ],
        }


@dataclass(frozen=True)
class FeatureShift:
    """How one feature's share of the total importance moved between two windows.

    Shares are importances divided by their total (negative importances count as 0).
    Ranks start at 1 for the largest share; ``rank_change`` is positive when the feature
    moved up (``reference_rank - current_rank``).
    """

    feature: str
    reference_share: float
    current_share: float
    change: float
    reference_rank: int
    current_rank: int
    rank_change: int


@dataclass(frozen=True)
class ImportanceShift:
    """The change of a model's importance profile between a reference and a current window.

    ``total_variation`` is the total variation distance between the two share vectors,
    ``0.5 * sum(|current_share - reference_share|)``: 0 when every feature keeps its
    share, 1 when the features that mattered and those that matter now do not overlap. It
    is the share of importance that moved from some features to others. ``features`` is
    sorted by ``|change|``, largest first (ties by name).
    """

    total_variation: float
    features: tuple[FeatureShift, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_variation": self.total_variation,
            "features": [asdict(f) for f in self.features],
        }


def explain(
    model: object,
    X: pd.DataFrame,
    *,
    background: pd.DataFrame | None = None,
    method: Method = "auto",
    max_rows: int = 2000,
    seed: int = 0,
    y: ArrayLike | None = None,
    features: Sequence[str] | None = None,
) -> Explanation:
    """Explain a model's output on (a seeded sample of) ``X``.

    Args:
        model: a fitted scikit-learn-style model or pipeline taking raw columns (its
            score is P(positive class) from ``predict_proba`` — binary classifiers only —
            else ``predict``), or a function from a DataFrame to one number per row.
        X: the rows to explain; its index labels identify rows in the result.
        background: rows standing for "typical" input (for example the reference data),
            for the model-agnostic and fallback methods; default ``X``. For tree models
            it only lends values to probe a pipeline's encoding (see the module docstring).
        method: ``"auto"`` (SHAP when the ``shap`` package imports, else the fallback),
            ``"shap"`` or ``"permutation"`` (the fallback, even with shap installed).
        max_rows: explain at most this many rows of ``X``, drawn without replacement.
        seed: seeds the row sample, the background sample and every shuffle: the same
            inputs and seed give the same explanation.
        y: true outcomes, one per row of ``X``; only the fallback's importance uses them.
        features: the columns to explain; default the model's ``feature_names_in_`` or,
            without one, every column of ``X``. The model (or function) receives only
            these columns.

    Returns:
        An :class:`Explanation`.

    Raises:
        InvalidArgument: ``X`` is not a non-empty DataFrame, a feature is missing from
            ``X`` or ``background``, the model has neither ``predict_proba`` nor
            ``predict`` and is not callable, it is a classifier of more than two classes,
            its output is not one number per row, ``method="shap"`` without shap
            installed, or an argument is out of range.
    """
    started = time.perf_counter()
    columns, absent = _check(model, X, background, method, max_rows, y, features)
    score, output_space = _score(model, columns)
    if absent:
        _runs_without(score, X[list(columns)].iloc[:1], absent)
    rng = np.random.default_rng(seed)
    positions = _positions(len(X), max_rows, rng)
    sample = X.iloc[positions][list(columns)]
    pool = X if background is None else background

    def reference(rows: int) -> pd.DataFrame:
        return pool.iloc[_positions(len(pool), rows, rng)][list(columns)]

    linear = None if method == "permutation" else _linear_parts(model)
    if linear is not None:
        return _linear_shap(*linear, sample, reference(BACKGROUND_ROWS), columns, rng, started)
    shap = None if method == "permutation" else _import_shap()
    if method == "shap" and shap is None:
        raise InvalidArgument(
            "method='shap' needs the shap package: pip install 'headway[explain]' "
            "(or use method='permutation')"
        )
    if shap is None:
        target = None if y is None else np.asarray(y, dtype=np.float64)[positions]
        return _fallback(score, output_space, sample, reference(max_rows), target, rng, started)
    tree = _tree_parts(model)
    if tree is not None:
        return _tree_shap(shap, *tree, sample, reference(_PROBE_ROWS), columns, rng, started)
    return _agnostic_shap(
        shap, score, output_space, sample, reference(BACKGROUND_ROWS), seed, started
    )


def explain_row(explanation: Explanation, row: Hashable, *, top: int = 5) -> RowExplanation:
    """The ``top`` largest contributions (by absolute size) to one explained row's output.

    ``row`` is an index label of the explained rows (``explanation.data.index``), for
    example a student id. Each :class:`Contribution` carries the row's value of the feature.

    Raises:
        InvalidArgument: ``row`` is not among the explained rows (it may have been left
            out of the ``max_rows`` sample: explain that row on its own) or appears more
            than once, or ``top`` < 1.
    """
    if top < 1:
        raise InvalidArgument(f"top must be >= 1, got {top}")
    found = explanation.data.index.get_indexer_for(pd.Index([row]))
    found = found[found >= 0]
    if len(found) == 0:
        raise InvalidArgument(
            f"row {row!r} is not among the {explanation.rows} explained rows (the sample "
            "holds at most max_rows rows of X): explain a frame holding that row"
        )
    if len(found) > 1:
        raise InvalidArgument(
            f"row {row!r} appears {len(found)} times in the explained rows: give X a "
            "unique index to tell them apart"
        )
    return _row(explanation, int(found[0]), top)


def importance_drift(
    reference: Mapping[str, float], current: Mapping[str, float]
) -> ImportanceShift:
    """Compare two importance profiles (for example two windows' ``importance``).

    Each side is normalised to shares of its total, negative importances (permutation
    noise) counting as 0; a feature missing from one side has share 0 there. See
    :class:`ImportanceShift` for the summary number and :class:`FeatureShift` for the rest.

    Raises:
        InvalidArgument: a side is empty, holds a non-finite value or sums to 0.
    """
    ref = _shares("reference", reference)
    cur = _shares("current", current)
    names = sorted(set(ref) | set(cur))
    ref_rank = _ranks({f: ref.get(f, 0.0) for f in names})
    cur_rank = _ranks({f: cur.get(f, 0.0) for f in names})
    shifts = [
        FeatureShift(
            feature=f,
            reference_share=ref.get(f, 0.0),
            current_share=cur.get(f, 0.0),
            change=cur.get(f, 0.0) - ref.get(f, 0.0),
            reference_rank=ref_rank[f],
            current_rank=cur_rank[f],
            rank_change=ref_rank[f] - cur_rank[f],
        )
        for f in names
    ]
    shifts.sort(key=lambda s: (-abs(s.change), s.feature))
    tvd = 0.5 * math.fsum(abs(s.change) for s in shifts)
    return ImportanceShift(total_variation=min(tvd, 1.0), features=tuple(shifts))


# ----------------------------------------------------------------------- input and model


def _check(
    model: object,
    X: object,
    background: object,
    method: str,
    max_rows: int,
    y: ArrayLike | None,
    features: Sequence[str] | None,
) -> tuple[tuple[str, ...], list[str]]:
    """The columns to explain, and the fitted-with columns ``X`` lacks (see _runs_without)."""
    if not isinstance(X, pd.DataFrame):
        raise InvalidArgument(f"X must be a pandas DataFrame, got {type(X).__name__}")
    if len(X) == 0 or X.shape[1] == 0:
        raise InvalidArgument(f"X is empty ({X.shape[0]} rows, {X.shape[1]} columns)")
    if method not in _METHODS:
        raise InvalidArgument(f"method must be one of {list(_METHODS)}, got {method!r}")
    if max_rows < 1:
        raise InvalidArgument(f"max_rows must be >= 1, got {max_rows}")
    absent: list[str] = []
    if features is None:
        known = getattr(model, "feature_names_in_", None)
        features = list(X.columns) if known is None else [str(f) for f in known]
        # A pipeline fitted on a whole frame knows columns it drops (ids, the label).
        absent = [f for f in features if f not in X.columns]
        features = [f for f in features if f in X.columns]
    columns = tuple(features)
    if not columns:
        raise InvalidArgument("no feature to explain: X holds none of the model's columns")
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise InvalidArgument(f"features listed more than once: {dupes}")
    if not all(isinstance(c, str) for c in columns):
        raise InvalidArgument(f"feature names must be strings, got {list(columns)}")
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise InvalidArgument(f"X has no column(s) {missing} that the model reads")
    if background is not None:
        if not isinstance(background, pd.DataFrame) or len(background) == 0:
            raise InvalidArgument("background must be a non-empty pandas DataFrame")
        missing = [c for c in columns if c not in background.columns]
        if missing:
            raise InvalidArgument(f"background has no column(s) {missing}")
    if y is not None:
        try:
            outcomes = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(f"y must be numbers (0/1 for a classifier): {exc}") from exc
        if outcomes.shape != (len(X),):
            raise InvalidArgument(f"y has shape {outcomes.shape}; X has {len(X)} rows")
    return columns, absent


def _runs_without(score: Score, row: pd.DataFrame, absent: list[str]) -> None:
    try:
        score(row)
    except InvalidArgument:
        raise
    except Exception as exc:
        raise InvalidArgument(
            f"X has no column(s) {absent} that the model reads ({type(exc).__name__}: {exc})"
        ) from exc


def _score(model: object, columns: tuple[str, ...]) -> tuple[Score, OutputSpace]:
    """The number explained for a row: P(positive class), a prediction, or f(row)."""
    name = type(model).__name__
    fitted = cast(Any, model)

    def select(frame: pd.DataFrame) -> pd.DataFrame:
        return frame if tuple(frame.columns) == columns else frame[list(columns)]

    if hasattr(model, "predict_proba"):
        classes = getattr(model, "classes_", None)
        if classes is not None and len(classes) != 2:
            raise InvalidArgument(
                f"{name} has {len(classes)} classes; explanations are of one score per row: "
                "pass a function returning the probability of the class to explain"
            )

        def positive(frame: pd.DataFrame) -> FloatArray:
            out = np.asarray(fitted.predict_proba(select(frame)))
            if out.ndim != 2 or out.shape[1] != 2:
                raise InvalidArgument(
                    f"{name}.predict_proba returned shape {out.shape}; expected (rows, 2)"
                )
            return _one_per_row(out[:, 1], len(frame), f"{name}.predict_proba")

        return positive, "probability"
    if hasattr(model, "predict"):

        def predicted(frame: pd.DataFrame) -> FloatArray:
            return _one_per_row(fitted.predict(select(frame)), len(frame), f"{name}.predict")

        return predicted, "prediction"
    if callable(model):

        def called(frame: pd.DataFrame) -> FloatArray:
            return _one_per_row(fitted(select(frame)), len(frame), "the function")

        return called, "prediction"
    raise InvalidArgument(
        f"cannot explain a {name}: it has no predict_proba or predict method and is not a "
        "function of a DataFrame"
    )


def _one_per_row(output: Any, rows: int, source: str) -> FloatArray:
    try:
        out = np.asarray(output, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"{source} must return numbers: {exc}") from exc
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.shape != (rows,):
        raise InvalidArgument(
            f"{source} returned shape {out.shape} for {rows} rows; it must return one "
            "number per row"
        )
    return out


def _positions(n: int, max_rows: int, rng: np.random.Generator) -> NDArray[np.intp]:
    if n <= max_rows:
        return np.arange(n)
    # Sorted, so the sample keeps X's order.
    return np.sort(rng.choice(n, size=max_rows, replace=False))


def _import_shap() -> ModuleType | None:
    # Imported here, not at the top: shap is an optional extra and takes seconds to import.
    try:
        return importlib.import_module("shap")
    except ImportError:
        return None


# ------------------------------------------------------------------------------ methods


def _finish(
    method: str,
    output_space: OutputSpace,
    features: tuple[str, ...],
    base_value: float,
    values: FloatArray,
    outputs: FloatArray,
    sample: pd.DataFrame,
    started: float,
    importance: Mapping[str, float] | None = None,
) -> Explanation:
    if importance is None:
        importance = dict(zip(features, np.abs(values).mean(axis=0).tolist(), strict=True))
    ordered = sorted(importance.items(), key=lambda kv: (-kv[1], kv[0]))
    return Explanation(
        method=method,
        output_space=output_space,
        features=features,
        base_value=float(base_value),
        values=values,
        outputs=outputs,
        importance={f: float(v) for f, v in ordered},
        data=sample,
        rows=len(sample),
        seconds=time.perf_counter() - started,
    )


def _last_step(model: object) -> tuple[Any, Any]:
    """(the steps before the last, or None; the last step) of a pipeline, else (None, model)."""
    if isinstance(model, Pipeline):
        return (model[:-1] if len(model.steps) > 1 else None), model.steps[-1][1]
    return None, model


def _tree_parts(model: object) -> tuple[Any, Any] | None:
    """(preprocessing or None, tree ensemble) when shap's TreeExplainer can take the model."""
    pre, estimator = _last_step(model)
    if not isinstance(estimator, _TREES):
        return None
    categorical = getattr(estimator, "is_categorical_", None)
    if categorical is not None and bool(np.any(categorical)):
        return None
    return pre, estimator


def _tree_shap(
    shap: ModuleType,
    pre: Any,
    estimator: Any,
    sample: pd.DataFrame,
    reference: pd.DataFrame,
    columns: tuple[str, ...],
    rng: np.random.Generator,
    started: float,
) -> Explanation:
    encoded = _dense(sample if pre is None else pre.transform(sample), "the model's input")
    expected_width = getattr(estimator, "n_features_in_", encoded.shape[1])
    if encoded.shape[1] != expected_width:
        raise InvalidArgument(
            f"the model reads {expected_width} columns but was given {encoded.shape[1]}: "
            "explain the columns it was fitted on"
        )
    # Shap's own additivity check predicts every row once more; outputs are computed below
    # and the tests hold base_value + values.sum(axis=1) to them.
    explainer = shap.TreeExplainer(estimator)
    values = np.asarray(explainer.shap_values(encoded, check_additivity=False), np.float64)
    expected = np.ravel(np.asarray(explainer.expected_value, dtype=np.float64))
    if values.ndim == 3:  # one slice per class (forests): the positive class's
        values, base = values[:, :, 1], float(expected[1])
    else:
        base = float(expected[0])
    output_space, outputs = _tree_outputs(estimator, encoded)
    values, features = _to_raw(pre, values, sample, reference, columns, rng)
    return _finish("shap-tree", output_space, features, base, values, outputs, sample, started)


def _to_raw(
    pre: Any,
    values: FloatArray,
    sample: pd.DataFrame,
    reference: pd.DataFrame,
    columns: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[FloatArray, tuple[str, ...]]:
    """Values of a pipeline's encoded columns summed back to the raw columns."""
    if pre is None:
        return values, columns
    probe = pd.concat([sample, reference], ignore_index=True)
    probe = probe.iloc[_positions(len(probe), _PROBE_ROWS, rng)].reset_index(drop=True)
    weights, features = _encoding_map(pre, probe, columns)
    values = values @ weights
    # A column traced to no raw column and never used by the model says nothing.
    kept = [j for j, f in enumerate(features) if f in columns or np.any(values[:, j])]
    return values[:, kept], tuple(features[j] for j in kept)


def _linear_parts(model: object) -> tuple[Any, Any] | None:
    """(preprocessing or None, linear model) when the model is linear in its inputs."""
    pre, estimator = _last_step(model)
    coef = getattr(estimator, "coef_", None)
    intercept = getattr(estimator, "intercept_", None)
    if coef is None or intercept is None or isinstance(estimator, _TREES):
        return None
    if not type(estimator).__module__.startswith(("sklearn.linear_model", "sklearn.svm")):
        return None
    if np.asarray(coef).ndim > 1 and np.asarray(coef).shape[0] != 1:
        return None  # several classes: the score check explains the refusal
    if is_classifier(estimator) and not hasattr(estimator, "decision_function"):
        return None
    return pre, estimator


def _linear_shap(
    pre: Any,
    estimator: Any,
    sample: pd.DataFrame,
    reference: pd.DataFrame,
    columns: tuple[str, ...],
    rng: np.random.Generator,
    started: float,
) -> Explanation:
    if is_classifier(estimator) and len(getattr(estimator, "classes_", ())) != 2:
        raise InvalidArgument(
            f"{type(estimator).__name__} has {len(estimator.classes_)} classes; explanations "
            "are of one score per row: pass a function returning the probability of the "
            "class to explain"
        )
    encode = (lambda f: f) if pre is None else pre.transform
    encoded = _dense(encode(sample), "the model's input")
    mean = _dense(encode(reference), "the model's input").mean(axis=0)
    coef = np.ravel(np.asarray(estimator.coef_, dtype=np.float64))
    if encoded.shape[1] != len(coef):
        raise InvalidArgument(
            f"the model reads {len(coef)} columns but was given {encoded.shape[1]}: "
            "explain the columns it was fitted on"
        )
    values = (encoded - mean) * coef
    base = float(np.ravel(np.asarray(estimator.intercept_, dtype=np.float64))[0] + mean @ coef)
    # The model's own output, without a second pass through its input validation: for a
    # linear model intercept + coef @ x is exactly base + the values' sum (up to rounding).
    outputs = base + values.sum(axis=1)
    space: OutputSpace = "log_odds" if is_classifier(estimator) else "prediction"
    values, features = _to_raw(pre, values, sample, reference, columns, rng)
    return _finish("shap-linear", space, features, base, values, outputs, sample, started)


def _tree_outputs(estimator: Any, encoded: FloatArray) -> tuple[OutputSpace, FloatArray]:
    names = getattr(estimator, "feature_names_in_", None)
    # A model fitted on a DataFrame warns when it is given an array.
    data: Any = encoded if names is None else pd.DataFrame(encoded, columns=list(names))
    rows = len(encoded)
    if isinstance(estimator, _LOG_ODDS_TREES):
        return "log_odds", _one_per_row(estimator.decision_function(data), rows, "trees")
    if is_classifier(estimator):
        return "probability", _one_per_row(estimator.predict_proba(data)[:, 1], rows, "trees")
    return "prediction", _one_per_row(estimator.predict(data), rows, "trees")


def _agnostic_shap(
    shap: ModuleType,
    score: Score,
    output_space: OutputSpace,
    sample: pd.DataFrame,
    background: pd.DataFrame,
    seed: int,
    started: float,
) -> Explanation:
    codec = _Codec(pd.concat([sample, background], ignore_index=True))
    features = tuple(str(c) for c in sample.columns)
    evals = PERMUTATIONS * (2 * len(features) + 1)
    # Shap's permutation explainer seeds and draws from NumPy's global generator: the lock
    # keeps concurrent explanations reproducible, and the caller's state is put back. It
    # calls the model on small batches, thousands of times: one OpenMP thread, because a
    # parallel region per call (HistGradientBoosting's predict) ran 15x slower on two busy
    # cores than one thread did.
    with _GLOBAL_RNG, threadpool_limits(limits=1, user_api="openmp"):
        state = np.random.get_state()
        try:
            masker = shap.maskers.Independent(codec.encode(background), len(background))
            explainer = shap.explainers.Permutation(
                lambda matrix: score(codec.decode(matrix)), masker, seed=seed
            )
            result = explainer(codec.encode(sample), max_evals=evals, silent=True)
        finally:
            np.random.set_state(state)
    values = np.asarray(result.values, dtype=np.float64).reshape(len(sample), len(features))
    base = float(np.mean(result.base_values))
    outputs = score(sample)
    return _finish(
        "shap-permutation", output_space, features, base, values, outputs, sample, started
    )


def _fallback(
    score: Score,
    output_space: OutputSpace,
    sample: pd.DataFrame,
    background: pd.DataFrame,
    y: FloatArray | None,
    rng: np.random.Generator,
    started: float,
) -> Explanation:
    features = tuple(str(c) for c in sample.columns)
    outputs = score(sample)
    base = float(np.mean(score(background)))
    values = np.empty((len(sample), len(features)))
    importance: dict[str, float] = {}
    target = outputs if y is None else y

    def loss(scores: FloatArray) -> float:
        if y is None:
            return float(np.mean(np.abs(scores - target)))
        return float(np.mean((scores - target) ** 2))

    baseline = loss(outputs)
    for j, col in enumerate(features):
        occluded = sample.copy()
        occluded[col] = _constant(sample[col], _typical(background[col]))
        values[:, j] = outputs - score(occluded)
        shuffled = sample.copy()
        drops = []
        for _ in range(PERMUTATION_REPEATS):
            # .array keeps the column's dtype (categories, strings) through the shuffle.
            shuffled[col] = sample[col].array.take(rng.permutation(len(sample)))
            drops.append(loss(score(shuffled)) - baseline)
        importance[col] = float(np.mean(drops))
    return _finish(
        "permutation", output_space, features, base, values, outputs, sample, started, importance
    )


def _typical(column: pd.Series) -> Any:
    """The median of a numerical column, the most frequent value of any other."""
    if _is_number(column):
        return column.median()
    modes = column.mode(dropna=True)
    return modes.iloc[0] if len(modes) else np.nan


def _constant(column: pd.Series, value: Any) -> Any:
    """``value`` in every row, as an array (assigning it never aligns on the index)."""
    if _is_number(column):
        return np.full(len(column), value, dtype=np.float64)
    return pd.Series([value] * len(column), dtype=column.dtype).array


# ------------------------------------------------------------------------------ results


def _row(explanation: Explanation, position: int, top: int) -> RowExplanation:
    contributions = explanation.values[position]
    order = sorted(
        range(len(explanation.features)),
        key=lambda j: (-abs(float(contributions[j])), explanation.features[j]),
    )
    data = explanation.data
    row = data.iloc[position]
    return RowExplanation(
        row=data.index[position],
        output=float(explanation.outputs[position]),
        base_value=explanation.base_value,
        method=explanation.method,
        output_space=explanation.output_space,
        contributions=tuple(
            Contribution(
                feature=explanation.features[j],
                value=row.get(explanation.features[j]),
                contribution=float(contributions[j]),
            )
            for j in order[:top]
        ),
    )


def _shares(side: str, importance: Mapping[str, float]) -> dict[str, float]:
    if not importance:
        raise InvalidArgument(f"{side} importance is empty")
    bad = [f for f, v in importance.items() if not math.isfinite(float(v))]
    if bad:
        raise InvalidArgument(f"{side} importance is not finite for {sorted(bad)}")
    clipped = {f: max(float(v), 0.0) for f, v in importance.items()}
    total = math.fsum(clipped.values())
    if total <= 0:
        raise InvalidArgument(f"{side} importance sums to 0: there is no profile to compare")
    return {f: v / total for f, v in clipped.items()}


def _ranks(shares: Mapping[str, float]) -> dict[str, int]:
    order = sorted(shares, key=lambda f: (-shares[f], f))
    return {f: rank for rank, f in enumerate(order, start=1)}


def _json_value(value: Any) -> Any:
    """Numbers (non-finite ones as None), strings, ISO times; anything else as its str."""
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64 | np.timedelta64):
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    try:
        missing = bool(pd.isna(value))
    except (TypeError, ValueError):  # array-likes have no single answer
        missing = False
    if missing:
        return None
    if isinstance(value, np.datetime64 | datetime | date):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.timedelta64 | timedelta):
        return pd.Timedelta(value).isoformat()
    return str(value)
