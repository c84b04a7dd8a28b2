"""Performance metrics against sklearn.metrics, bootstrap intervals against scipy and truth."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from headway.errors import InvalidArgument
from headway.monitoring.performance import (
    ClassificationReport,
    RegressionReport,
    _ScoreKernel,
    classification_performance,
    performance_by_segment,
    regression_performance,
)

TOL = 1e-12


def _binary_data(
    seed: int, n: int = 3000, ties: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    score = 1 / (1 + np.exp(-rng.normal(-0.6 + 1.2 * y, 1.0)))
    if ties:
        score = np.round(score, 2)  # many tied scores, and some exactly on bin edges
    return y, (score >= 0.5).astype(int), score


def _multiclass_data(seed: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = (proba.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
    return y, proba.argmax(axis=1), proba


def _ece_from_calibration_curve(y: np.ndarray, p: np.ndarray) -> float:
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], p), minlength=10)
    counts = counts[counts > 0]
    return float(np.sum(counts / len(p) * np.abs(prob_true - prob_pred)))


@pytest.mark.parametrize(("seed", "ties"), [(0, False), (1, True), (2, True)])
def test_binary_values_match_sklearn(seed: int, ties: bool) -> None:
    y, yhat, score = _binary_data(seed, ties=ties)
    report = classification_performance(y, yhat, score, task="binary", n_boot=20)
    expected = {
        "accuracy": skm.accuracy_score(y, yhat),
        "precision": skm.precision_score(y, yhat),
        "recall": skm.recall_score(y, yhat),
        "f1": skm.f1_score(y, yhat),
        "roc_auc": skm.roc_auc_score(y, score),
        "pr_auc": skm.average_precision_score(y, score),
        "log_loss": skm.log_loss(y, score),
        "brier": skm.brier_score_loss(y, score),
        "calibration_error": _ece_from_calibration_curve(y, score),
    }
    assert set(report.metrics) == set(expected)
    for name, value in expected.items():
        assert report.metrics[name].value == pytest.approx(value, abs=TOL), name
    assert report.confusion == skm.confusion_matrix(y, yhat).tolist()
    assert report.classes == ("0", "1") and report.n == len(y)


def test_binary_string_labels_and_explicit_positive() -> None:
    y, yhat, score = _binary_data(3)
    names = np.array(["stay", "leave"])  # "leave" sorts first, so it must be named positive
    report = classification_performance(
        names[y], names[yhat], score, task="binary", positive="leave", n_boot=0
    )
    assert report.classes == ("leave", "stay")
    assert report.metrics["f1"].value == pytest.approx(skm.f1_score(y, yhat), abs=TOL)
    assert report.metrics["roc_auc"].value == pytest.approx(skm.roc_auc_score(y, score), abs=TOL)
    assert report.confusion == skm.confusion_matrix(1 - y, 1 - yhat).tolist()
    two_columns = np.column_stack([score, 1 - score])  # columns in classes order
    again = classification_performance(
        names[y], names[yhat], two_columns, task="binary", positive="leave", n_boot=0
    )
    assert again.metrics["log_loss"].value == pytest.approx(skm.log_loss(y, score), abs=TOL)


@pytest.mark.parametrize("k", [3, 5])
def test_multiclass_values_match_sklearn(k: int) -> None:
    y, yhat, proba = _multiclass_data(k, 2500, k)
    labels = list(range(k))
    report = classification_performance(y, yhat, proba, task="multiclass", n_boot=20)
    top = proba.max(axis=1)
    expected = {
        "accuracy": skm.accuracy_score(y, yhat),
        "precision": skm.precision_score(y, yhat, average="macro", labels=labels),
        "recall": skm.recall_score(y, yhat, average="macro", labels=labels),
        "f1": skm.f1_score(y, yhat, average="macro", labels=labels),
        "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr", labels=labels),
        "pr_auc": skm.average_precision_score(np.eye(k)[y], proba, average="macro"),
        "log_loss": skm.log_loss(y, proba, labels=labels),
        "brier": skm.brier_score_loss(y, proba, labels=labels),
        "calibration_error": _ece_from_calibration_curve((proba.argmax(1) == y).astype(int), top),
    }
    for name, value in expected.items():
        assert report.metrics[name].value == pytest.approx(value, abs=TOL), name
    assert report.confusion == skm.confusion_matrix(y, yhat, labels=labels).tolist()


def test_multiclass_class_never_predicted_counts_as_zero() -> None:
    y, _, proba = _multiclass_data(9, 600, 4)
    yhat = np.minimum(proba.argmax(axis=1), 2)  # class 3 is never predicted
    report = classification_performance(y, yhat, None, task="multiclass", n_boot=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.precision_score(y, yhat, average="macro", labels=[0, 1, 2, 3])
    assert report.metrics["precision"].value == pytest.approx(expected, abs=TOL)
    assert "roc_auc" not in report.metrics  # no scores, no score metrics


def test_regression_values_match_sklearn() -> None:
    rng = np.random.default_rng(4)
    y = rng.lognormal(size=2000) * rng.choice([-1, 1], 2000)
    y[:5] = 0.0  # MAPE divides by max(|y|, eps) here
    yhat = y + rng.normal(scale=0.5, size=2000)
    report = regression_performance(y, yhat, n_boot=20)
    expected = {
        "mae": skm.mean_absolute_error(y, yhat),
        "rmse": skm.root_mean_squared_error(y, yhat),
        "mape": skm.mean_absolute_percentage_error(y, yhat),
        "r2": skm.r2_score(y, yhat),
    }
    for name, value in expected.items():
        assert report.metrics[name].value == pytest.approx(value, rel=TOL, abs=TOL), name
    constant = np.full(50, 3.0)
    assert regression_performance(constant, constant, n_boot=0).metrics["r2"].value == 1.0
    assert regression_performance(constant, constant + 1, n_boot=0).metrics["r2"].value == 0.0


def test_undefined_metrics_are_nan_and_raw_scores_skip_probability_metrics() -> None:
    y = np.zeros(100, dtype=int)
    score = np.linspace(0, 1, 100)
    report = classification_performance(y, (score > 0.5).astype(int), score, task="binary")
    assert np.isnan(report.metrics["roc_auc"].value) and np.isnan(report.metrics["roc_auc"].lower)
    assert np.isnan(report.metrics["pr_auc"].value)
    assert report.metrics["log_loss"].value == pytest.approx(skm.log_loss(y, score, labels=[0, 1]))

    y, yhat, _ = _binary_data(5, n=500)
    margin = np.random.default_rng(5).normal(size=500) + 2 * y  # a decision function
    report = classification_performance(y, yhat, margin, task="binary", n_boot=0)
    assert report.metrics["roc_auc"].value == pytest.approx(skm.roc_auc_score(y, margin), abs=TOL)
    assert np.isnan(report.metrics["log_loss"].value)
    assert np.isnan(report.metrics["calibration_error"].value)


def test_invalid_inputs_raise() -> None:
    y, yhat, score = _binary_data(6, n=50)
    with pytest.raises(InvalidArgument, match="exactly two classes"):
        classification_performance(np.r_[y, 2], np.r_[yhat, 2], task="binary")
    with pytest.raises(InvalidArgument, match="not among classes"):
        classification_performance(y, yhat, task="binary", classes=[0, 2])
    with pytest.raises(InvalidArgument, match="shape"):
        classification_performance(y, yhat, score[:-1], task="binary")
    with pytest.raises(InvalidArgument, match="NaN"):
        classification_performance(y, yhat, np.r_[score[:-1], np.nan], task="binary")
    with pytest.raises(InvalidArgument, match="one length"):
        classification_performance(y, yhat[:-1], task="binary")


@pytest.mark.parametrize("ties", [False, True])
def test_weighted_kernel_equals_metrics_of_the_resampled_rows(ties: bool) -> None:
    # A resample is held as count weights over the kernel's sorted rows; each replicate must
    # equal the metric computed on the resampled rows (sklearn with those counts as weights).
    y, _, score = _binary_data(20, n=800, ties=ties)
    kernel = _ScoreKernel(y.astype(np.int64), score, 1, 2)
    order = np.argsort(-score, kind="stable")
    w = np.random.default_rng(0).multinomial(800, np.full(800, 1 / 800), size=3).astype(float)
    got = kernel.evaluate(w)
    for b in range(3):
        ys, ss, wb = y[order], score[order], w[b]
        assert got["roc_auc"][b] == pytest.approx(skm.roc_auc_score(ys, ss, sample_weight=wb))
        ap = skm.average_precision_score(ys, ss, sample_weight=wb)
        assert got["pr_auc"][b] == pytest.approx(ap)
        assert got["log_loss"][b] == pytest.approx(skm.log_loss(ys, ss, sample_weight=wb))
        rows = np.repeat(np.arange(800), wb.astype(int))
        ece = _ece_from_calibration_curve(ys[rows], ss[rows])
        assert got["calibration_error"][b] == pytest.approx(ece)

    yk, _, proba = _multiclass_data(21, 600, 3)
    kernel = _ScoreKernel(yk.astype(np.int64), proba, None, 3)
    order = np.argsort(-proba.max(axis=1), kind="stable")
    w = np.random.default_rng(1).multinomial(600, np.full(600, 1 / 600), size=2).astype(float)
    got = kernel.evaluate(w)
    for b in range(2):
        rows = order[np.repeat(np.arange(600), w[b].astype(int))]
        auc = skm.roc_auc_score(yk[rows], proba[rows], multi_class="ovr")
        assert got["roc_auc"][b] == pytest.approx(auc)
        assert got["brier"][b] == pytest.approx(skm.brier_score_loss(yk[rows], proba[rows]))


def test_intervals_are_seeded() -> None:
    y, yhat, score = _binary_data(7, n=400)
    a = classification_performance(y, yhat, score, task="binary", seed=3)
    b = classification_performance(y, yhat, score, task="binary", seed=3)
    c = classification_performance(y, yhat, score, task="binary", seed=4)
    assert a == b
    assert a.metrics["roc_auc"].lower != c.metrics["roc_auc"].lower


def test_count_intervals_agree_with_scipy_percentile_bootstrap() -> None:
    y, yhat, _ = _binary_data(8, n=1000)
    ours = classification_performance(y, yhat, task="binary", n_boot=4000, seed=1).metrics

    def f1(t: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
        tp = np.sum(t * p, axis=axis)
        return 2 * tp / (np.sum(t, axis=axis) + np.sum(p, axis=axis))

    def accuracy(t: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(t == p, axis=axis)

    for name, statistic in [("accuracy", accuracy), ("f1", f1)]:
        ref = stats.bootstrap(
            (y, yhat), statistic, paired=True, vectorized=True, n_resamples=4000,
            method="percentile", rng=np.random.default_rng(2),
        ).confidence_interval  # fmt: skip
        width = ref.high - ref.low
        assert abs(ours[name].lower - ref.low) < 0.1 * width, name
        assert abs(ours[name].upper - ref.high) < 0.1 * width, name


def test_rank_intervals_agree_with_scipy_percentile_bootstrap() -> None:
    y, yhat, score = _binary_data(9, n=400)
    ours = classification_performance(y, yhat, score, task="binary", n_boot=3000, seed=1).metrics

    def auc(t: np.ndarray, s: np.ndarray) -> float:  # Mann-Whitney form, ties get mid-ranks
        n_pos = t.sum()
        ranks = stats.rankdata(s)
        return float((ranks[t == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * (len(t) - n_pos)))

    def log_loss(t: np.ndarray, s: np.ndarray) -> float:
        p = np.clip(s, 1e-15, 1 - 1e-15)  # some scores are exactly 0 or 1
        return float(-np.mean(np.where(t == 1, np.log(p), np.log(1 - p))))

    for name, fn in [("roc_auc", auc), ("log_loss", log_loss)]:
        ref = stats.bootstrap(
            (y, score), fn, paired=True, vectorized=False, n_resamples=3000,
            method="percentile", rng=np.random.default_rng(2),
        ).confidence_interval  # fmt: skip
        width = ref.high - ref.low
        assert abs(ours[name].lower - ref.low) < 0.1 * width, name
        assert abs(ours[name].upper - ref.high) < 0.1 * width, name


def _coverage(hits: list[bool]) -> float:
    return float(np.mean(hits))


def test_accuracy_and_recall_intervals_cover_the_truth() -> None:
    rng = np.random.default_rng(10)
    hits_acc, hits_rec = [], []
    for seed in range(300):
        y = (rng.random(300) < 0.4).astype(int)
        # recall 0.7 (positives), specificity 0.9: accuracy 0.4·0.7 + 0.6·0.9 = 0.82
        yhat = np.where(y == 1, rng.random(300) < 0.7, rng.random(300) > 0.9).astype(int)
        m = classification_performance(y, yhat, task="binary", seed=seed).metrics
        hits_acc.append(m["accuracy"].lower <= 0.82 <= m["accuracy"].upper)
        hits_rec.append(m["recall"].lower <= 0.7 <= m["recall"].upper)
    assert 0.9 <= _coverage(hits_acc) <= 0.99
    assert 0.9 <= _coverage(hits_rec) <= 0.99


@pytest.mark.parametrize("max_boot_rows", [200_000, 400])
def test_auc_interval_covers_the_truth(max_boot_rows: int) -> None:
    # Binormal scores: AUC = Φ(d / √2). With max_boot_rows=400 < n the interval is the
    # rescaled m-out-of-n one and must still cover at about the nominal rate.
    d, n = 1.0, 1200
    truth = stats.norm.cdf(d / np.sqrt(2))
    rng = np.random.default_rng(11)
    hits = []
    for seed in range(150):
        y = (rng.random(n) < 0.5).astype(int)
        score = rng.normal(d * y, 1.0)
        m = classification_performance(
            y, y, score, task="binary", seed=seed, max_boot_rows=max_boot_rows
        ).metrics["roc_auc"]
        hits.append(m.lower <= truth <= m.upper)
    # Nominal 0.95; the bounds leave room for B = 200 and 150 replications (SE ~ 0.018).
    assert 0.85 <= _coverage(hits) <= 0.99


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_subsampled_interval_has_the_full_width(task: Literal["binary", "multiclass"]) -> None:
    if task == "binary":
        y, yhat, score = _binary_data(12, n=20_000)
    else:
        y, yhat, score = _multiclass_data(12, 20_000, 3)
    full = classification_performance(y, yhat, score, task=task, seed=1).metrics
    capped = classification_performance(
        y, yhat, score, task=task, seed=1, max_boot_rows=2000
    ).metrics
    for name in ("roc_auc", "log_loss", "calibration_error", "brier"):
        ratio = (capped[name].upper - capped[name].lower) / (full[name].upper - full[name].lower)
        assert 0.7 < ratio < 1.4, name
        assert capped[name].value == full[name].value


def test_regression_interval_covers_the_truth() -> None:
    rng = np.random.default_rng(13)
    hits = []
    for seed in range(150):
        y = rng.normal(size=300)
        yhat = y + rng.normal(scale=0.5, size=300)  # E|error| = 0.5·√(2/π)
        m = regression_performance(y, yhat, seed=seed).metrics["mae"]
        hits.append(m.lower <= 0.5 * np.sqrt(2 / np.pi) <= m.upper)
    assert 0.88 <= _coverage(hits) <= 0.99


def test_by_segment_equals_per_segment_reports() -> None:
    rng = np.random.default_rng(1014)  # not 14: segments must not share y's random stream
    n = 6000
    segments = rng.choice(["north", "south", "east", "west"], n, p=[0.5, 0.3, 0.197, 0.003])
    y, yhat, score = _binary_data(14, n=n)
    out = performance_by_segment(segments, y, yhat, score, task="binary", n_boot=50)
    assert set(out) == {"east", "north", "south", "west"}
    assert out["west"] is None  # ~18 rows, below min_rows=30
    for name in ("east", "north", "south"):
        seg = out[name]
        assert isinstance(seg, ClassificationReport)
        mask = segments == name
        alone = classification_performance(y[mask], yhat[mask], score[mask], task="binary")
        assert seg.n == mask.sum() and seg.confusion == alone.confusion
        for metric, value in alone.metrics.items():
            assert seg.metrics[metric].value == pytest.approx(value.value, abs=TOL)
            assert seg.metrics[metric].lower <= value.value <= seg.metrics[metric].upper


def test_by_segment_keeps_global_classes_and_regression() -> None:
    segments = np.array(["a"] * 40 + ["b"] * 40)
    y = np.array([0] * 40 + [0, 1] * 20)  # segment "a" has only class 0
    out = performance_by_segment(segments, y, y, task="binary", n_boot=0)
    a = out["a"]
    assert isinstance(a, ClassificationReport) and a.classes == ("0", "1")
    assert a.confusion == [[40, 0], [0, 0]]

    values = np.linspace(1, 2, 80)
    reg = performance_by_segment(segments, values, values + 0.1, task="regression", min_rows=41)
    assert reg == {"a": None, "b": None}
    reg = performance_by_segment(segments, values, values + 0.1, task="regression", n_boot=10)
    b = reg["b"]
    assert isinstance(b, RegressionReport)
    assert b.metrics["mae"].value == pytest.approx(0.1, abs=1e-12)
