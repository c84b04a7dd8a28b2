"""``run.log_explanations``: SHAP summaries of a training run's model, kept with the run.

The explanation itself is :func:`headway.monitoring.explain.explain`; this module only
records it. The global importance goes into the run's summary as
``explain/importance/<feature>`` (numbers, so they are runs-table columns to sort and
compare runs by) with ``explain/method``, and the details into an artifact of type
``explanation`` produced by the run:

``explanation.json``
    :meth:`Explanation.to_dict` with the 20 highest-scored rows and their top
    contributions.
``values.parquet``
    One row per explained row: its index label (``row``), the model's output
    (``output``) and one column per feature with that feature's contribution.

Like every SDK call, a mistake of the caller (``X`` not a DataFrame, a missing feature, a
bad ``max_rows``, ``name`` or ``step``) raises :class:`~headway.errors.InvalidArgument`,
and a failure of the tracking backend never does: it is a warning, and the result None.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
from numpy.typing import ArrayLike

from headway.artifacts import names
from headway.errors import InvalidArgument
from headway.sdk.artifacts.builder import Artifact
from headway.tracking import validation as v

if TYPE_CHECKING:
    from headway.monitoring.explain import Explanation, Method
    from headway.sdk.run import Run

log = logging.getLogger("headway")

#: Summary keys: ``explain/importance/<feature>`` and ``explain/method``.
PREFIX: Final = "explain/"
IMPORTANCE: Final = PREFIX + "importance/"
ARTIFACT_TYPE: Final = "explanation"
#: Rows listed (with their top contributions) in ``explanation.json``.
TOP_ROWS: Final = 20
_LABEL_COLUMNS: Final = ("row", "output")


def log_explanations(
    run: Run,
    model: object,
    X: pd.DataFrame,
    *,
    y: ArrayLike | None = None,
    background: pd.DataFrame | None = None,
    max_rows: int = 2000,
    seed: int = 0,
    method: Method = "auto",
    name: str | None = None,
    step: int | None = None,
) -> Explanation | None:
    """Explain ``model`` on (a seeded sample of at most ``max_rows`` rows of) ``X`` and
    record the result with ``run``; see :meth:`headway.Run.log_explanations`."""
    artifact_name = names.artifact_name(name if name is not None else f"explanations-{run.id}")
    clean_step = None if step is None else v.step(step)
    # Imported here: scikit-learn (and shap, when installed) take seconds to import, and
    # `import headway` must not pay for them.
    from headway.monitoring.explain import explain

    explanation = explain(
        model, X, background=background, method=method, max_rows=max_rows, seed=seed, y=y
    )
    importance = _summary_values(explanation)
    try:
        _set_summary(run, importance, explanation.method)
        if clean_step is not None:
            run.log(importance, step=clean_step)
        if run.mode == "disabled":  # stores nothing: no files to write
            return explanation
        version = run.log_artifact(_artifact(explanation, artifact_name, model, clean_step))
    except Exception as exc:  # the caller's input is all checked above: this is tracking
        log.warning("headway: the explanations of run %s were not logged: %r", run.id, exc)
        return None
    if version is None and run.mode == "online":
        # log_artifact has warned and kept the files for `headway sync` when it could.
        log.warning(
            "headway: the explanations of run %s did not reach the store (%s not logged)",
            run.id,
            artifact_name,
        )
        return None
    return explanation


def _summary_values(explanation: Explanation) -> dict[str, float]:
    """``explain/importance/<feature>`` → importance, each key checked before any write."""
    clash = sorted(set(explanation.features) & set(_LABEL_COLUMNS))
    if clash:
        raise InvalidArgument(
            f"a feature may not be called {clash[0]!r}: values.parquet uses that column for "
            "the row's label and output; rename the column of X"
        )
    values: dict[str, float] = {}
    for feature, importance in explanation.importance.items():
        key = IMPORTANCE + feature
        try:
            v.metric_key(key)
        except InvalidArgument as exc:
            raise InvalidArgument(
                f"feature {feature!r} cannot name a summary key ({exc}); rename the column of X"
            ) from exc
        values[key] = importance
    return values


def _set_summary(run: Run, importance: dict[str, float], method: str) -> None:
    # A feature of an earlier call that this one does not have would look current.
    for key in [k for k in run.summary if k.startswith(IMPORTANCE) and k not in importance]:
        with contextlib.suppress(KeyError):  # KeyError: a metric's summary, not a set value
            del run.summary[key]
    run.summary.update({**importance, PREFIX + "method": method})


def _artifact(explanation: Explanation, name: str, model: object, step: int | None) -> Artifact:
    metadata: dict[str, Any] = {
        "method": explanation.method,
        "output_space": explanation.output_space,
        "rows": explanation.rows,
        "model": type(model).__name__,
    }
    if step is not None:
        metadata["step"] = step
    art = Artifact(
        name,
        ARTIFACT_TYPE,
        description=(
            f"Explanations ({explanation.method}) of {type(model).__name__} "
            f"on {explanation.rows} rows"
        ),
        metadata=metadata,
    )
    with art.new_file("explanation.json") as f:
        json.dump(explanation.to_dict(top_rows=TOP_ROWS), f, allow_nan=False, indent=1)
    with art.new_file("values.parquet", mode="wb") as f:
        _values_frame(explanation).to_parquet(f, index=False)
    return art


def _values_frame(explanation: Explanation) -> pd.DataFrame:
    """One row per explained row: ``row`` (its index label), ``output``, the contributions."""
    columns: dict[str, Any] = {
        "row": _labels(explanation.data.index),
        "output": explanation.outputs,
    }
    for j, feature in enumerate(explanation.features):
        columns[feature] = explanation.values[:, j]
    return pd.DataFrame(columns)


def _labels(index: pd.Index) -> Any:
    """Index labels Parquet can hold: as they are (dtype kept) when of one type, else text."""
    if isinstance(index, pd.MultiIndex) or (
        index.dtype == object and not all(isinstance(label, str) for label in index)
    ):
        return [str(label) for label in index]
    return index.array
