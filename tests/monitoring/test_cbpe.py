"""CBPE: estimates track realized performance when P(y|x) holds, and only then."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedShuffleSplit

from headway.errors import InvalidArgument
from headway.monitoring.cbpe import CBPE, CBPE_METRICS
from headway.monitoring.performance import MetricValue, classification_performance


def _binary(
    rng: np.random.Generator, n: int, shift: float = 0.0, concept: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A perfectly calibrated model: score = P(y=1|x); ``shift`` moves x, ``concept`` P(y|x)."""
    x = rng.normal(shift, 1.0, n)
    score = 1 / (1 + np.exp(-(0.3 + 1.5 * x)))
    p_true = 1 / (1 + np.exp(-(0.3 - 1.5 * x))) if concept else score
    return score, (rng.random(n) < p_true).astype(int)


def _multiclass(
    rng: np.random.Generator, n: int, shift: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(shift, 1.0, (n, 2))
    logits = x @ np.array([[1.5, -1.0, 0.0], [0.0, 1.2, -1.3]])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = (proba.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
    return proba, y


def _realized(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    if score.ndim == 1:
        report = classification_performance(
            y, (score >= 0.5).astype(int), score, task="binary", classes=[0, 1], n_boot=0
        )
    else:
        report = classification_performance(
            y, score.argmax(axis=1), score, task="multiclass", classes=[0, 1, 2], n_boot=0
        )
    return {name: report.metrics[name].value for name in CBPE_METRICS}


def _inside(estimate: dict[str, MetricValue], realized: dict[str, float]) -> dict[str, bool]:
    return {m: estimate[m].lower <= realized[m] <= estimate[m].upper for m in CBPE_METRICS}


def test_calibrated_model_without_shift_estimates_realized() -> None:
    hits = {m: 0 for m in CBPE_METRICS}
    errors = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        cbpe = CBPE.fit(*_binary(rng, 4000))
        score, y = _binary(rng, 2000)
        est, real = cbpe.estimate(score), _realized(y, score)
        for m, ok in _inside(est, real).items():
            hits[m] += ok
        errors.append([est[m].value - real[m] for m in CBPE_METRICS])
    assert all(h >= 18 for h in hits.values()), hits
    assert np.abs(np.mean(errors, axis=0)).max() < 0.01  # no bias across seeds


def test_covariate_shift_is_tracked() -> None:
    hits = {m: 0 for m in CBPE_METRICS}
    moved = []
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        ref_score, ref_y = _binary(rng, 4000)
        cbpe = CBPE.fit(ref_score, ref_y)
        score, y = _binary(rng, 2000, shift=1.2)
        est, real = cbpe.estimate(score), _realized(y, score)
        for m, ok in _inside(est, real).items():
            hits[m] += ok
        moved.append(real["accuracy"] - _realized(ref_y, ref_score)["accuracy"])
    assert min(moved) > 0.05  # the shift really changed performance...
    assert all(h >= 9 for h in hits.values()), hits  # ...and the estimate followed it


def test_concept_drift_is_invisible_to_the_estimate() -> None:
    rng = np.random.default_rng(7)
    cbpe = CBPE.fit(*_binary(rng, 4000))
    score, y = _binary(rng, 2000, concept=True)
    est, real = cbpe.estimate(score), _realized(y, score)
    for m in ("accuracy", "f1", "roc_auc"):
        assert not est[m].lower <= real[m] <= est[m].upper, m
        assert real[m] < est[m].lower - 0.2, m


def test_expected_confusion_and_metrics_by_hand() -> None:
    rng = np.random.default_rng(8)
    ref_score, ref_y = _binary(rng, 5000)
    raw = ref_score**3  # badly calibrated: isotonic regression must help
    cbpe = CBPE.fit(raw, ref_y)
    assert cbpe.calibrated
    iso = IsotonicRegression(out_of_bounds="clip").fit(raw, ref_y)
    score, _ = _binary(rng, 1500)
    p = iso.predict(score**3)
    np.testing.assert_allclose(cbpe.calibrate(score**3), p, rtol=0, atol=1e-15)
    pred = rng.random(1500) < 0.4  # any decisions, not only thresholded scores
    tp, fp = p[pred].sum(), (1 - p[pred]).sum()
    fn, tn = p[~pred].sum(), (1 - p[~pred]).sum()
    conf = cbpe.expected_confusion(score**3, pred.astype(int))
    np.testing.assert_allclose(conf, [[tn, fp], [fn, tp]], rtol=1e-12)
    est = cbpe.estimate(score**3, pred.astype(int))
    assert est["accuracy"].value == pytest.approx((tp + tn) / 1500, rel=1e-12)
    assert est["precision"].value == pytest.approx(tp / (tp + fp), rel=1e-12)
    assert est["recall"].value == pytest.approx(tp / (tp + fn), rel=1e-12)
    assert est["f1"].value == pytest.approx(tp / (tp + 0.5 * (fp + fn)), rel=1e-12)
    # ROC AUC: sort by the raw score, cumulate calibrated probabilities, round to 5 decimals.
    order = np.argsort(score**3)[::-1]
    tps = np.round(np.r_[0, np.cumsum(p[order])], 5)
    fps = np.round(np.r_[0, np.arange(1, 1501) - np.cumsum(p[order])], 5)
    assert est["roc_auc"].value == pytest.approx(
        np.trapezoid(tps / tps[-1], fps / fps[-1]), abs=1e-12
    )


def _needs_calibration_by_hand(y: np.ndarray, score: np.ndarray) -> bool:
    """METHODS.md §2.3 step 1 (the AUC > 0.999 shortcut does not apply to this data)."""
    ys, before, after = [], [], []
    for train, test in StratifiedShuffleSplit(10, test_size=0.1, random_state=42).split(score, y):
        iso = IsotonicRegression(out_of_bounds="clip").fit(score[train], y[train])
        ys.append(y[test])
        before.append(score[test])
        after.append(iso.predict(score[test]))
    y_all = np.concatenate(ys)
    n = len(y_all)
    edges = list(range(0, n + 1, n // 10))
    edges[-1] = n

    def ece(p: np.ndarray) -> float:
        order = np.argsort(p)
        return sum(
            (b - a) / n * abs(p[order][a:b].mean() - y_all[order][a:b].mean())
            for a, b in itertools.pairwise(edges)
        )

    return ece(np.concatenate(before)) > ece(np.concatenate(after))


@pytest.mark.parametrize(
    ("seed", "power", "expected"), [(5, 1.0, False), (9, 1.05, True), (9, 3.0, True)]
)
def test_calibration_decision_follows_the_documented_rule(
    seed: int, power: float, expected: bool
) -> None:
    rng = np.random.default_rng(seed)
    score, y = _binary(rng, 3000)
    cbpe = CBPE.fit(score**power, y)
    assert cbpe.calibrated == _needs_calibration_by_hand(y, score**power) == expected
    if not expected:  # uncalibrated: the raw scores are used as probabilities
        np.testing.assert_array_equal(cbpe.calibrate(score), score)


def test_thresholds_are_mean_plus_minus_three_std_of_reference_chunks() -> None:
    rng = np.random.default_rng(10)
    score, y = _binary(rng, 3000)
    cbpe = CBPE.fit(score, y, chunk_size=500)
    pred = score >= 0.5
    acc = [np.mean(pred[i : i + 500] == y[i : i + 500]) for i in range(0, 3000, 500)]
    lo, hi = cbpe.thresholds["accuracy"]
    assert lo == pytest.approx(np.mean(acc) - 3 * np.std(acc), abs=1e-12)
    assert hi == pytest.approx(np.mean(acc) + 3 * np.std(acc), abs=1e-12)
    assert set(cbpe.thresholds) == set(CBPE_METRICS)
    estimates = cbpe.estimate(score) | {"accuracy": MetricValue("accuracy", hi + 0.01, 0, 1)}
    alerts = cbpe.alerts(estimates)
    assert alerts["accuracy"] and not alerts["roc_auc"]


def test_multiclass_estimates_realized_and_confusion_by_hand() -> None:
    hits = {m: 0 for m in CBPE_METRICS}
    for seed in range(10):
        rng = np.random.default_rng(200 + seed)
        cbpe = CBPE.fit(*_multiclass(rng, 4000), task="multiclass")
        proba, y = _multiclass(rng, 2000, shift=0.5 if seed % 2 else 0.0)
        est, real = cbpe.estimate(proba), _realized(y, proba)
        for m, ok in _inside(est, real).items():
            hits[m] += ok
    assert all(h >= 9 for h in hits.values()), hits

    cal = cbpe.calibrate(proba)
    np.testing.assert_allclose(cal.sum(axis=1), 1.0, atol=1e-12)
    pred = proba.argmax(axis=1)
    by_hand = np.stack([cal[pred == q].sum(axis=0) for q in range(3)], axis=1)
    np.testing.assert_allclose(cbpe.expected_confusion(proba), by_hand, rtol=1e-12)
    assert est["accuracy"].value == pytest.approx(cal[np.arange(2000), pred].mean(), rel=1e-12)


def test_invalid_reference_raises() -> None:
    rng = np.random.default_rng(11)
    proba, y = _multiclass(rng, 500)
    with pytest.raises(InvalidArgument, match="every class"):
        CBPE.fit(proba, np.where(y == 2, 1, y), task="multiclass", classes=[0, 1, 2])
    with pytest.raises(InvalidArgument, match="shape"):
        CBPE.fit(proba[:, :2], y, task="multiclass")
