"""Multivariate drift with a domain classifier (NannyML's method, with sklearn).

A classifier learns to tell reference rows (label 0) from current rows (label 1). If it
cannot, the joint distribution has not changed: the pooled out-of-fold ROC AUC stays near
0.5. Thresholds are NannyML's ``ConstantThreshold(0.45, 0.65)``: drift if AUC > 0.65. An
AUC below 0.45 is worse than chance out of fold; it is reported as ``no_drift`` with a
message, since it points at the data (e.g. duplicated rows), not at drift.

The model is sklearn's ``HistGradientBoostingClassifier`` with native categorical support,
so no lightgbm dependency. To stay under ~2 s for 20k + 20k rows x 30 columns on two busy
cores it is smaller than NannyML's 100-tree LightGBM: 30 iterations, 15 leaves, learning
rate 0.2, no early stopping (which would also make results depend on an internal split),
and it runs on one OpenMP thread (see below). Shifts that are easy to see give an AUC well
above 0.65 either way.

``top_features`` ranks features by a quick univariate domain AUC: the pooled column is cut
into 20 quantile bins (categories: one bin each; missing: a bin of its own), each bin is
scored by its share of current rows, and the in-sample AUC of that score is reported. It is
for pointing at the columns that moved, not a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped,unused-ignore]

from headway.errors import InvalidArgument
from headway.monitoring.detectors._convert import category_codes, float_with_nan

LOWER = 0.45
UPPER = 0.65
#: Categories beyond this many (by frequency) share one code: the model's bin limit is 255.
MAX_CATEGORIES = 254
TOP_FEATURES = 10
_UNIVARIATE_BINS = 20
_MODEL = {"max_iter": 30, "max_leaf_nodes": 15, "learning_rate": 0.2, "early_stopping": False}


@dataclass(frozen=True, kw_only=True)
class MultivariateResult:
    """Domain-classifier verdict; ``auc`` is ``None`` when there was too little data.

    ``n_reference``/``n_current`` are the rows the classifier used, after subsampling.
    ``top_features`` holds up to 10 (feature, univariate AUC) pairs, highest first.
    """

    auc: float | None
    lower: float = LOWER
    upper: float = UPPER
    verdict: Literal["drift", "no_drift", "insufficient_data"]
    n_reference: int
    n_current: int
    top_features: tuple[tuple[str, float], ...] = ()
    message: str | None = None


def domain_classifier(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    numerical: Sequence[str],
    categorical: Sequence[str],
    max_rows: int = 20_000,
    seed: int = 0,
    folds: int = 5,
    min_rows: int = 200,
) -> MultivariateResult:
    """Test reference and current rows for joint drift with a cross-validated classifier.

    Args:
        reference: reference rows.
        current: current window rows.
        numerical: numerical feature columns (non-numbers and ±inf become missing).
        categorical: categorical feature columns (compared as strings).
        max_rows: each side is subsampled to at most this many rows, with ``seed``.
        seed: seeds the subsampling, the folds and the model.
        folds: ``StratifiedKFold(folds, shuffle=True, random_state=seed)``.
        min_rows: the fewest rows each side needs; fewer gives ``insufficient_data``.

    Returns:
        A :class:`MultivariateResult` with the pooled out-of-fold ROC AUC.

    Raises:
        InvalidArgument: no features, a feature listed twice or missing from a frame,
            ``folds`` < 2 or ``max_rows`` < ``folds``.
    """
    features = [*numerical, *categorical]
    _validate(reference, current, features, folds, max_rows)
    n_ref, n_cur = len(reference), len(current)
    need = max(min_rows, folds)
    if n_ref < need or n_cur < need:
        return MultivariateResult(
            auc=None,
            verdict="insufficient_data",
            n_reference=n_ref,
            n_current=n_cur,
            message=(
                f"domain classifier not run: the reference has {n_ref} rows and the "
                f"current window {n_cur}; it needs at least {need} on each side"
            ),
        )
    rng = np.random.default_rng(seed)
    ref = _subsample(reference, max_rows, rng)
    cur = _subsample(current, max_rows, rng)
    X = np.empty((len(ref) + len(cur), len(features)))
    for j, col in enumerate(numerical):
        X[:, j] = np.concatenate((float_with_nan(ref[col]), float_with_nan(cur[col])))
    for j, col in enumerate(categorical, start=len(numerical)):
        X[:, j] = _category_feature(ref[col], cur[col])
    y = np.concatenate((np.zeros(len(ref), dtype=np.int8), np.ones(len(cur), dtype=np.int8)))
    is_cat = np.arange(len(features)) >= len(numerical)

    oof = np.empty(len(y))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    # One OpenMP thread: on a shared, busy machine the model's many short parallel regions
    # spin-wait for a second core and ran 5-8x slower than single-threaded here.
    with threadpool_limits(limits=1, user_api="openmp"):
        for train, test in splitter.split(X, y):
            model = HistGradientBoostingClassifier(
                categorical_features=is_cat, random_state=seed, **_MODEL
            )
            model.fit(X[train], y[train])
            oof[test] = model.predict_proba(X[test])[:, 1]
    auc = float(roc_auc_score(y, oof))

    scores = [(f, _univariate_auc(X[:, j], y, bool(is_cat[j]))) for j, f in enumerate(features)]
    scores.sort(key=lambda fs: (-fs[1], fs[0]))
    message = None
    if auc < LOWER:
        message = (
            f"domain classifier AUC {auc:.3f} is below {LOWER}: worse than chance out of "
            "fold, which suggests duplicated or leaked rows rather than drift"
        )
    return MultivariateResult(
        auc=auc,
        verdict="drift" if auc > UPPER else "no_drift",
        n_reference=len(ref),
        n_current=len(cur),
        top_features=tuple(scores[:TOP_FEATURES]),
        message=message,
    )


def _validate(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: list[str],
    folds: int,
    max_rows: int,
) -> None:
    if not features:
        raise InvalidArgument("domain classifier needs at least one feature")
    dupes = sorted({f for f in features if features.count(f) > 1})
    if dupes:
        raise InvalidArgument(f"features listed more than once: {dupes}")
    for side, frame in (("reference", reference), ("current", current)):
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise InvalidArgument(f"{side} data has no column(s) {missing}")
    if folds < 2:
        raise InvalidArgument(f"folds must be >= 2, got {folds}")
    if max_rows < folds:
        raise InvalidArgument(f"max_rows must be >= folds ({folds}), got {max_rows}")


def _subsample(frame: pd.DataFrame, max_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), size=max_rows, replace=False))]


def _category_feature(ref: pd.Series, cur: pd.Series) -> NDArray[np.float64]:
    """Ordinal codes over ref and cur; rare categories share one code; NaN for missing."""
    codes, labels = category_codes(pd.concat((ref, cur), ignore_index=True))
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    # Most frequent first, ties by label, so codes do not depend on row order.
    order = sorted(range(len(labels)), key=lambda i: (-counts[i], labels[i]))
    rank = np.empty(len(labels) + 1)
    rank[order] = np.minimum(np.arange(len(labels)), MAX_CATEGORIES)
    rank[-1] = np.nan  # code -1 (missing) indexes the last slot
    return rank[codes]


def _univariate_auc(x: NDArray[np.float64], y: NDArray[np.int8], categorical: bool) -> float:
    missing = np.isnan(x)
    if categorical:
        bins = np.where(missing, -1, x).astype(np.int64) + 1
    elif missing.all():
        bins = np.zeros(len(x), dtype=np.int64)
    else:
        qs = np.linspace(0, 1, _UNIVARIATE_BINS + 1)[1:-1]
        edges = np.unique(np.quantile(x[~missing], qs))
        bins = np.where(missing, 0, np.searchsorted(edges, np.nan_to_num(x), side="right") + 1)
    k = int(bins.max()) + 1
    ref = np.bincount(bins[y == 0], minlength=k).astype(np.float64)
    cur = np.bincount(bins[y == 1], minlength=k).astype(np.float64)
    used = (ref + cur) > 0
    ref, cur = ref[used], cur[used]
    # ROC AUC of the per-bin score "share of current rows", from the bin counts: each
    # current row beats the reference rows in lower-scored bins and ties with its own.
    score, group = np.unique(cur / (ref + cur), return_inverse=True)
    ref_g = np.bincount(group, ref, minlength=len(score))
    cur_g = np.bincount(group, cur, minlength=len(score))
    below = np.cumsum(ref_g) - ref_g
    return float(np.sum(cur_g * (below + 0.5 * ref_g)) / (ref_g.sum() * cur_g.sum()))
