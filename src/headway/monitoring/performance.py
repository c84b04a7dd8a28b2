"""Model performance with bootstrap intervals: classification, regression, per segment.

Values match ``sklearn.metrics`` (to rounding) wherever sklearn defines them:

* ``accuracy``; ``precision``, ``recall``, ``f1`` of the positive class (binary) or their
  unweighted mean over ``classes`` (multiclass, "macro"); 0/0 gives 0 as sklearn's
  ``zero_division="warn"`` does.
* ``roc_auc`` (binary: positive-class score; multiclass: one-vs-rest macro from a
  ``(n, k)`` probability matrix) and ``pr_auc`` (average precision; multiclass macro). They
  are NaN when a class has no positives or no negatives — sklearn returns NaN for the AUC but
  0.0 for the average precision there, which is not a meaningful value.
* ``log_loss`` (probabilities clipped to ``[eps, 1 - eps]`` as sklearn does), ``brier``
  (sklearn's ``brier_score_loss``, halved for two columns) and ``calibration_error``: the
  ECE over 10 equal-width bins with sklearn ``calibration_curve(strategy="uniform")``'s bin
  assignment, ``Σ_b (n_b/N)|mean(y)_b - mean(p)_b|`` on the positive-class probability
  (binary) or on the top-label confidence ``max_k p_k`` against ``argmax_k p_k == y``
  (multiclass). These three need probabilities: with scores outside ``[0, 1]`` they are NaN.

Without ``scores`` only the four count metrics are reported. Intervals are percentile
bootstrap intervals (``headway.monitoring.bootstrap``): multinomial resampling of the
confusion cells for the count metrics, capped row resampling for the others. The row cap
``max_boot_rows`` is a work budget: a multiclass window resamples ``max_boot_rows // k`` rows
(at least 5,000), as each resample is ranked once per class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from headway.errors import InvalidArgument
from headway.monitoring.bootstrap import (
    DEFAULT_CONFIDENCE,
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    MAX_BOOT_ROWS,
    Evaluator,
    FloatArray,
    IntArray,
    check_boot_args,
    group_ends,
    multinomial_replicates,
    percentile_bounds,
    row_intervals,
)

Task = Literal["binary", "multiclass"]
COUNT_METRICS = ("accuracy", "precision", "recall", "f1")
SCORE_METRICS = ("roc_auc", "pr_auc", "log_loss", "calibration_error", "brier")
ECE_BINS = 10
# Floor of a shared row cap (per segment, per class): enough rows for the rescaled interval.
MIN_SEGMENT_BOOT_ROWS = 5_000
MISSING_GROUP = "(missing)"
_EPS = float(np.finfo(np.float64).eps)
_BOUNDS = {"log_loss": (0.0, np.inf), "brier": (0.0, 2.0)}


@dataclass(frozen=True)
class MetricValue:
    """A metric with its interval; NaN where undefined (e.g. an AUC with one class)."""

    name: str
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class ClassificationReport:
    task: Task
    classes: tuple[str, ...]
    n: int
    metrics: dict[str, MetricValue]
    confusion: list[list[int]]  # rows: true class, columns: predicted class


@dataclass(frozen=True)
class RegressionReport:
    n: int
    metrics: dict[str, MetricValue]


def group_codes(values: npt.ArrayLike) -> tuple[IntArray, tuple[str, ...]]:
    """Integer codes and sorted names of a group column; missing values form ``(missing)``."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:  # mixed types that cannot be ordered
        codes, uniques = pd.factorize(series, sort=False)
    names = [str(u) for u in uniques]
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(names), codes)
        names.append(MISSING_GROUP)
    if len(set(names)) != len(names):
        raise InvalidArgument(f"group values are not distinct as strings: {names}")
    return codes, tuple(names)


def confusion_metrics(confusion: npt.ArrayLike, positive: int | None) -> dict[str, FloatArray]:
    """Count metrics of ``(..., k, k)`` confusion tables; ``positive=None`` means macro."""
    cm = np.asarray(confusion, dtype=np.float64)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    predicted, actual = cm.sum(axis=-2), cm.sum(axis=-1)
    out = {"accuracy": _div(tp.sum(axis=-1), cm.sum(axis=(-2, -1)), np.nan)}
    per_class = {
        "precision": _div(tp, predicted, 0.0),
        "recall": _div(tp, actual, 0.0),
        "f1": _div(2.0 * tp, predicted + actual, 0.0),
    }
    for name, values in per_class.items():
        out[name] = values[..., positive] if positive is not None else values.mean(axis=-1)
    return out


def classification_performance(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    scores: npt.ArrayLike | None = None,
    *,
    task: Task,
    classes: Sequence[Any] | None = None,
    positive: Any = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
    max_boot_rows: int = MAX_BOOT_ROWS,
) -> ClassificationReport:
    """Classification metrics of one window with percentile bootstrap intervals.

    ``classes`` defaults to the sorted labels seen in ``y_true`` and ``y_pred``; the binary
    ``positive`` defaults to the last of them (1 for 0/1 labels, as sklearn's ``pos_label``).
    ``scores`` is the positive-class score (binary; an ``(n, 2)`` matrix is accepted) or an
    ``(n, k)`` probability matrix with columns in ``classes`` order (multiclass).

    Raises:
        InvalidArgument: mismatched lengths, no rows, labels outside ``classes``, a binary task
            without exactly two classes, scores of the wrong shape or not finite.
    """
    check_boot_args(n_boot, confidence)
    t, p, labels, pos = encode_labels(y_true, y_pred, classes, positive, task)
    names = tuple(str(c) for c in labels)
    s = None if scores is None else check_scores(scores, t.shape[0], len(names), pos, task)
    cm = np.bincount(t * len(names) + p, minlength=len(names) ** 2).reshape(len(names), -1)
    rng = np.random.default_rng(seed)
    return _classification(t, s, cm, names, pos, task, n_boot, rng, confidence, max_boot_rows)


def regression_performance(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
    max_boot_rows: int = MAX_BOOT_ROWS,
) -> RegressionReport:
    """MAE, RMSE, MAPE (sklearn's: ``|y - ŷ| / max(|y|, eps)``) and R² with intervals.

    R² of a constant ``y_true`` is 1.0 for a perfect fit, else 0.0 (sklearn's
    ``force_finite``).
    """
    check_boot_args(n_boot, confidence)
    yt, yp = _as_float_pair(y_true, y_pred)
    return _regression(yt, yp, n_boot, np.random.default_rng(seed), confidence, max_boot_rows)


def performance_by_segment(
    segments: npt.ArrayLike,
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    scores: npt.ArrayLike | None = None,
    *,
    task: Literal["binary", "multiclass", "regression"],
    classes: Sequence[Any] | None = None,
    positive: Any = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
    min_rows: int = 30,
    max_boot_rows: int = MAX_BOOT_ROWS,
) -> dict[str, ClassificationReport | RegressionReport | None]:
    """One report per segment value; segments under ``min_rows`` rows map to ``None``.

    Classes and the positive label are resolved once over the whole window so every segment
    uses the same ones. Rows are grouped with one stable sort of the segment codes and the
    classification confusion tables of all segments come from one ``bincount``. The row budget
    for resampling, ``max_boot_rows``, is shared by the reported segments (at least
    5,000 rows each).
    """
    check_boot_args(n_boot, confidence)
    codes, names = group_codes(segments)
    n_seg = len(names)
    sizes = np.bincount(codes, minlength=n_seg)
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    eligible = int((sizes >= min_rows).sum())
    cap = max(MIN_SEGMENT_BOOT_ROWS, max_boot_rows // max(eligible, 1))
    rng = np.random.default_rng(seed)
    out: dict[str, ClassificationReport | RegressionReport | None] = {}
    if task == "regression":
        if scores is not None:
            raise InvalidArgument("scores are not used by a regression task")
        yt, yp = _as_float_pair(y_true, y_pred)
        if codes.shape[0] != yt.shape[0]:
            raise InvalidArgument("segments and y_true have different lengths")
        for g, name in enumerate(names):
            rows = order[starts[g] : starts[g + 1]]
            fits = sizes[g] >= min_rows
            out[name] = (
                _regression(yt[rows], yp[rows], n_boot, rng, confidence, cap) if fits else None
            )
        return out
    t, p, labels, pos = encode_labels(y_true, y_pred, classes, positive, task)
    cls = tuple(str(c) for c in labels)
    if codes.shape[0] != t.shape[0]:
        raise InvalidArgument("segments and y_true have different lengths")
    k = len(cls)
    s = None if scores is None else check_scores(scores, t.shape[0], k, pos, task)
    cms = np.bincount((codes * k + t) * k + p, minlength=n_seg * k * k).reshape(n_seg, k, k)
    for g, name in enumerate(names):
        if sizes[g] < min_rows:
            out[name] = None
            continue
        rows = order[starts[g] : starts[g + 1]]
        seg_s = None if s is None else s[rows]
        out[name] = _classification(
            t[rows], seg_s, cms[g], cls, pos, task, n_boot, rng, confidence, cap
        )
    return out


# --- classification internals ----------------------------------------------------------------


def _classification(
    t: IntArray,
    s: FloatArray | None,
    cm: IntArray,
    names: tuple[str, ...],
    pos: int | None,
    task: Task,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
    max_rows: int,
) -> ClassificationReport:
    n = int(t.shape[0])
    values = {k: float(v) for k, v in confusion_metrics(cm, pos).items()}
    reps = confusion_metrics(multinomial_replicates(cm, n_boot, rng), pos)
    metrics = {}
    for name in COUNT_METRICS:
        lo, hi = percentile_bounds(reps[name], confidence)
        metrics[name] = MetricValue(name, values[name], float(lo), float(hi))
    if s is not None:
        metrics.update(_score_metrics(t, s, pos, len(names), n_boot, rng, confidence, max_rows))
    return ClassificationReport(task, names, n, metrics, cm.astype(int).tolist())


def _score_metrics(
    t: IntArray,
    s: FloatArray,
    pos: int | None,
    k: int,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
    max_rows: int,
) -> dict[str, MetricValue]:
    if pos is None:
        # Multiclass resamples cost k rankings each: spend the same work as one binary one.
        max_rows = min(max_rows, max(max_rows // k, MIN_SEGMENT_BOOT_ROWS))

    def make(rows: IntArray | None) -> Evaluator:
        kernel = (
            _ScoreKernel(t, s, pos, k) if rows is None else _ScoreKernel(t[rows], s[rows], pos, k)
        )
        return kernel.evaluate

    out = {}
    for name, (v, lo, hi) in row_intervals(
        t.shape[0], make, n_boot, rng, confidence, max_rows
    ).items():
        floor, ceil = _BOUNDS.get(name, (0.0, 1.0))
        out[name] = MetricValue(name, v, _clip(lo, floor, ceil), _clip(hi, floor, ceil))
    return out


class _ScoreKernel:
    """Rows sorted once, so weighted resamples need no further sorting.

    Rows are kept in descending order of the calibration "confidence" (the positive-class
    score for binary, ``max_k p_k`` for multiclass). A resample's count weights are
    exchangeable, so they are drawn directly over these sorted positions: the binary kernel
    never gathers, and every ECE bin, being monotone in the confidence, is a contiguous run.
    """

    def __init__(self, t: IntArray, s: FloatArray, pos: int | None, k: int) -> None:
        self.probabilities = bool(s.min() >= 0.0 and s.max() <= 1.0)
        conf = s if pos is not None else s.max(axis=1)
        order = np.argsort(-conf, kind="stable")
        t, s, conf = t[order], s[order], conf[order]
        self.conf = conf
        bins = np.searchsorted(np.linspace(0.0, 1.0, ECE_BINS + 1)[1:-1], conf)
        self.bin_ends = group_ends(bins)
        n = t.shape[0]
        if pos is not None:
            self.hit = (t == pos).astype(np.float64)
            self.ranks = [_RankView(s, self.hit, presorted=True)]
            clip_pos = np.clip(s, _EPS, 1 - _EPS)
            clip_neg = np.clip(1 - s, _EPS, 1 - _EPS)
            self.row_loss = np.where(t == pos, -np.log(clip_pos), -np.log(clip_neg))
            self.row_brier = (self.hit - s) ** 2
        else:
            self.hit = (s.argmax(axis=1) == t).astype(np.float64)
            self.ranks = [
                _RankView(s[:, c], (t == c).astype(np.float64), presorted=False) for c in range(k)
            ]
            self.row_loss = -np.log(np.clip(s[np.arange(n), t], _EPS, 1 - _EPS))
            onehot = np.zeros_like(s)
            onehot[np.arange(n), t] = 1.0
            self.row_brier = ((onehot - s) ** 2).sum(axis=1) * (0.5 if k < 3 else 1.0)

    def evaluate(self, w: FloatArray) -> dict[str, FloatArray]:
        """Every score metric for each row of ``w``, a ``(b, m)`` count-weight matrix."""
        cum_w = np.cumsum(w, axis=1)
        w_hit = w * self.hit
        cum_hit = np.cumsum(w_hit, axis=1)
        if len(self.ranks) == 1:  # binary: the ECE order is the ranking order, share sums
            auc, ap = self.ranks[0].auc_ap(w, (w_hit, cum_hit, cum_w))
        else:
            aucs, aps = zip(*(view.auc_ap(w) for view in self.ranks), strict=True)
            auc, ap = np.mean(aucs, axis=0), np.mean(aps, axis=0)
        out = {"roc_auc": auc, "pr_auc": ap}
        total = cum_w[:, -1]
        if not self.probabilities:
            nan = np.full(w.shape[0], np.nan)
            return out | {"log_loss": nan, "calibration_error": nan, "brier": nan}
        cum_conf = np.cumsum(w * self.conf, axis=1)
        gap = np.diff((cum_hit - cum_conf)[:, self.bin_ends], axis=1, prepend=0.0)
        out["calibration_error"] = np.abs(gap).sum(axis=1) / total
        out["log_loss"] = (w @ self.row_loss) / total
        out["brier"] = (w @ self.row_brier) / total
        return out


class _RankView:
    """One score column in descending order, with the ends of its runs of tied scores."""

    def __init__(self, score: FloatArray, positive: FloatArray, *, presorted: bool) -> None:
        self.order = None if presorted else np.argsort(-score, kind="stable")
        ranked = score if self.order is None else score[self.order]
        self.y = positive if self.order is None else positive[self.order]
        ends = group_ends(ranked)
        self.ends = None if ends.shape[0] == ranked.shape[0] else ends  # None: no ties

    def auc_ap(
        self, w: FloatArray, sums: tuple[FloatArray, FloatArray, FloatArray] | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """ROC AUC and average precision per row of ``w``; ``sums`` may pass in the weighted
        positives and the cumulative sums of them and of ``w`` when already in this order."""
        ws = w if self.order is None else w[:, self.order]
        if sums is None:
            w_pos = ws * self.y
            sums = (w_pos, np.cumsum(w_pos, axis=1), np.cumsum(ws, axis=1))
        w_pos, cum_pos, cum_w = sums
        n_pos = cum_pos[:, -1]
        n_neg = cum_w[:, -1] - n_pos
        if self.ends is None:
            # No ties: each negative adds the positives ranked above it to the area, and each
            # positive adds the precision at its own rank to the average precision.
            area = ((ws - w_pos) * cum_pos).sum(axis=1)
            precision = np.divide(cum_pos, cum_w, out=np.zeros_like(cum_pos), where=cum_w > 0)
            ap_sum = (w_pos * precision).sum(axis=1)
            return _div(area, n_pos * n_neg, np.nan), _div(ap_sum, n_pos, np.nan)
        # True positives and rows seen at each distinct threshold (sklearn's _binary_clf_curve).
        tps, seen = cum_pos[:, self.ends], cum_w[:, self.ends]
        d_fps = np.diff(seen - tps, axis=1, prepend=0.0)
        # Trapezoids under the (fps, tps) curve: Σ Δfps · (tps_i + tps_{i-1}) / 2.
        area = ((d_fps * tps).sum(axis=1) + (d_fps[:, 1:] * tps[:, :-1]).sum(axis=1)) / 2.0
        precision = np.divide(tps, seen, out=np.zeros_like(tps), where=seen > 0)
        ap_sum = (np.diff(tps, axis=1, prepend=0.0) * precision).sum(axis=1)
        return _div(area, n_pos * n_neg, np.nan), _div(ap_sum, n_pos, np.nan)


# --- regression internals --------------------------------------------------------------------


def _regression(
    yt: FloatArray,
    yp: FloatArray,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
    max_rows: int,
) -> RegressionReport:
    n = int(yt.shape[0])
    if n == 0:
        raise InvalidArgument("no rows to evaluate")

    def make(rows: IntArray | None) -> Evaluator:
        st, sp = (yt, yp) if rows is None else (yt[rows], yp[rows])
        return lambda w: _regression_values(st, sp, w)

    intervals = row_intervals(n, make, n_boot, rng, confidence, max_rows)
    return RegressionReport(n, {name: MetricValue(name, *iv) for name, iv in intervals.items()})


def _regression_values(yt: FloatArray, yp: FloatArray, w: FloatArray) -> dict[str, FloatArray]:
    err = yt - yp
    total = w.sum(axis=1)
    sse = w @ (err * err)
    centred = yt - yt.mean()  # a constant shift leaves R² unchanged and avoids cancellation
    mean_w = (w @ centred) / total
    sst = (w * (centred[None, :] - mean_w[:, None]) ** 2).sum(axis=1)
    perfect = np.where(sse == 0.0, 1.0, 0.0)
    r2 = np.where(sst == 0.0, perfect, 1.0 - sse / np.where(sst == 0.0, 1.0, sst))
    return {
        "mae": (w @ np.abs(err)) / total,
        "rmse": np.sqrt(sse / total),
        "mape": (w @ (np.abs(err) / np.maximum(np.abs(yt), _EPS))) / total,
        "r2": r2,
    }


# --- input checks ----------------------------------------------------------------------------


def encode_labels(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    classes: Sequence[Any] | None,
    positive: Any,
    task: Task,
) -> tuple[IntArray, IntArray, list[Any], int | None]:
    """Class codes of both label columns, the class labels, and the positive class's index.

    ``classes`` defaults to the sorted labels seen; the binary ``positive`` to the last class.
    """
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.ndim != 1 or yp.shape != yt.shape:
        raise InvalidArgument(
            f"y_true and y_pred must be 1-D of one length: {yt.shape}, {yp.shape}"
        )
    if yt.shape[0] == 0:
        raise InvalidArgument("no rows to evaluate")
    if task not in ("binary", "multiclass"):
        raise InvalidArgument(f"task must be 'binary' or 'multiclass', got {task!r}")
    if classes is None:
        seen = list(pd.unique(np.concatenate([pd.unique(yt), pd.unique(yp)])))
        if task == "binary" and positive is not None and positive not in seen:
            seen.append(positive)
        try:
            labels = sorted(seen)
        except TypeError as exc:
            raise InvalidArgument(f"labels cannot be ordered; pass classes=: {seen}") from exc
    else:
        labels = list(classes)
    if task == "binary" and len(labels) != 2:
        raise InvalidArgument(f"a binary task needs exactly two classes, got {labels}")
    if task == "multiclass" and len(labels) < 2:
        raise InvalidArgument(f"a multiclass task needs at least two classes, got {labels}")
    t, p = label_codes(yt, labels), label_codes(yp, labels)
    pos = None
    if task == "binary":
        if positive is None:
            positive = labels[-1]
        if positive not in labels:
            raise InvalidArgument(f"positive label {positive!r} is not among classes {labels}")
        pos = labels.index(positive)
    return t, p, labels, pos


def label_codes(values: npt.ArrayLike, labels: Sequence[Any]) -> IntArray:
    """Index of each value in ``labels``; a value outside them is an ``InvalidArgument``."""
    index = pd.Index(list(labels))
    if not index.is_unique:
        raise InvalidArgument(f"classes are not distinct: {list(labels)}")
    arr = np.asarray(values)
    codes = np.asarray(index.get_indexer(arr), dtype=np.int64)
    if (codes < 0).any():
        bad = list(pd.unique(arr[codes < 0]))[:5]
        raise InvalidArgument(f"labels not among classes {list(labels)}: {bad}")
    return codes


def check_scores(scores: npt.ArrayLike, n: int, k: int, pos: int | None, task: Task) -> FloatArray:
    """Scores as float64: ``(n,)`` positive-class scores (binary) or an ``(n, k)`` matrix."""
    s = np.asarray(scores, dtype=np.float64)
    if task == "binary" and s.ndim == 2 and s.shape[1] in (1, 2):
        s = s[:, pos] if s.shape[1] == 2 else s[:, 0]
    want = (n,) if task == "binary" else (n, k)
    if s.shape != want:
        raise InvalidArgument(f"scores must have shape {want}, got {s.shape}")
    if not np.isfinite(s).all():
        raise InvalidArgument("scores contain NaN or infinite values")
    return s


def _as_float_pair(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    yt = np.asarray(y_true, dtype=np.float64)
    yp = np.asarray(y_pred, dtype=np.float64)
    if yt.ndim != 1 or yp.shape != yt.shape:
        raise InvalidArgument(
            f"y_true and y_pred must be 1-D of one length: {yt.shape}, {yp.shape}"
        )
    if not (np.isfinite(yt).all() and np.isfinite(yp).all()):
        raise InvalidArgument("y_true and y_pred must be finite")
    return yt, yp


def _div(num: FloatArray, den: FloatArray, undefined: float) -> FloatArray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), undefined)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _clip(x: float, floor: float, ceil: float) -> float:
    return x if np.isnan(x) else min(max(x, floor), ceil)
