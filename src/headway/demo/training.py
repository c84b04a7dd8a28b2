"""Train the demo's model variants on the synthetic students, one Headway run each.

Every variant follows the routine an education team would: fit on older semesters,
watch train and validation curves while it learns, pick a flagging threshold on the
validation semester, then report on the newest semester — overall and per student group,
because a model that misses one group's dropouts is not fit to deploy.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

import headway
from headway.demo.alerts import (
    WebhookReceiver,
    alert_on_monitor,
    connect_channel,
    disconnect_channel,
    webhook_log,
)
from headway.demo.dataset import (
    COURSES,
    ENROLLMENT_TYPES,
    LABEL,
    NUMERIC_COLUMNS,
    REGIONS,
    make_students,
    split_by_semester,
)
from headway.demo.lineage import CLEANED, log_datasets, log_model, register
from headway.demo.monitoring import monitor_new_semester
from headway.sdk.artifacts.version import ArtifactVersion

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Called once per unit of training progress with (epoch, p(train), p(validation)).
StepCallback = Callable[[int, FloatArray, FloatArray], None]
# Turns a feature matrix into dropout probabilities with the fully trained model.
Predictor = Callable[[FloatArray], FloatArray]
Trainer = Callable[["Prepared", Mapping[str, float | int | str], int, StepCallback], Predictor]

GROUP: Final = "semester-2026-fall"
CATEGORICAL_FEATURES: Final = {
    "course": COURSES,
    "region": REGIONS,
    "enrollment_type": ENROLLMENT_TYPES,
}
# Measured for fairness but kept out of the features: using a protected attribute to
# decide who gets flagged is hard to defend to students, and leaving it out does not by
# itself make the model fair — the per-group metrics show what remains.
SENSITIVE_ATTRIBUTES: Final = ("first_language", "disability")
AUDITED_GROUPS: Final = (*SENSITIVE_ATTRIBUTES, "enrollment_type")


@dataclass(frozen=True)
class Prepared:
    """Model-ready matrices for the semester split, plus the frames for group audits."""

    x_train: FloatArray
    y_train: IntArray
    x_val: FloatArray
    y_val: IntArray
    x_test: FloatArray
    y_test: IntArray
    test_frame: pd.DataFrame
    feature_names: list[str]
    #: Turns a student frame into the matrices above; stored with each model, so a
    #: registered model scores student records as they come.
    encoder: ColumnTransformer


@dataclass(frozen=True)
class Variant:
    """One model configuration; it becomes one run."""

    name: str
    model_type: str
    hyperparameters: Mapping[str, float | int | str]
    train: Trainer
    notes: str
    tags: tuple[str, ...] = field(default_factory=tuple)


def prepare(df: pd.DataFrame) -> Prepared:
    """Split by semester, one-hot the categories and scale the numbers.

    The encoder is fitted on the training semesters only, so nothing about the newer
    cohorts leaks into training.
    """
    split = split_by_semester(df)
    encoder = ColumnTransformer(
        [
            ("numeric", StandardScaler(), list(NUMERIC_COLUMNS)),
            (
                "categorical",
                OneHotEncoder(
                    categories=[list(v) for v in CATEGORICAL_FEATURES.values()],
                    sparse_output=False,
                    handle_unknown="ignore",
                ),
                list(CATEGORICAL_FEATURES),
            ),
        ]
    )
    encoder.fit(split.train)

    def matrix(frame: pd.DataFrame) -> FloatArray:
        return np.asarray(encoder.transform(frame), dtype=np.float64)

    def labels(frame: pd.DataFrame) -> IntArray:
        return frame[LABEL].to_numpy(dtype=np.int64)

    return Prepared(
        x_train=matrix(split.train),
        y_train=labels(split.train),
        x_val=matrix(split.val),
        y_val=labels(split.val),
        x_test=matrix(split.test),
        y_test=labels(split.test),
        test_frame=split.test,
        feature_names=[str(n).split("__", 1)[1] for n in encoder.get_feature_names_out()],
        encoder=encoder,
    )


def _positive_proba(model: object, x: FloatArray) -> FloatArray:
    proba = model.predict_proba(x)  # type: ignore[attr-defined]
    return np.asarray(proba[:, 1], dtype=np.float64)


class Fitted:
    """A trained estimator as a predictor of dropout probabilities; it pickles, so the
    demo can store it as a model artifact."""

    def __init__(self, estimator: object) -> None:
        self.estimator = estimator

    def __call__(self, x: FloatArray) -> FloatArray:
        return _positive_proba(self.estimator, x)


def _train_logistic(
    data: Prepared, hp: Mapping[str, float | int | str], seed: int, on_step: StepCallback
) -> Predictor:
    # One L-BFGS iteration per fit call, resumed from the previous coefficients: each
    # iteration is a full-batch gradient pass over the training set, i.e. one epoch.
    model = LogisticRegression(
        C=float(hp["C"]), max_iter=1, warm_start=True, tol=0.0, random_state=seed
    )
    for epoch in range(1, int(hp["epochs"]) + 1):
        with warnings.catch_warnings():
            # Stopping after one iteration is the point here, not a problem to report.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(data.x_train, data.y_train)
        on_step(epoch, _positive_proba(model, data.x_train), _positive_proba(model, data.x_val))
    return Fitted(model)


def _train_random_forest(
    data: Prepared, hp: Mapping[str, float | int | str], seed: int, on_step: StepCallback
) -> Predictor:
    # warm_start keeps the trees already grown, so each fit only adds the new ones and
    # the curve shows what more trees buy.
    step, total = int(hp["trees_per_step"]), int(hp["n_estimators"])
    model = RandomForestClassifier(
        n_estimators=step,
        max_features=hp["max_features"],
        min_samples_leaf=int(hp["min_samples_leaf"]),
        warm_start=True,
        n_jobs=1,  # parallel workers cost more than they save on a few thousand rows
        random_state=seed,
    )
    for n_trees in range(step, total + 1, step):
        model.set_params(n_estimators=n_trees)
        model.fit(data.x_train, data.y_train)
        on_step(n_trees, _positive_proba(model, data.x_train), _positive_proba(model, data.x_val))
    return Fitted(model)


def _train_boosting(
    data: Prepared, hp: Mapping[str, float | int | str], seed: int, on_step: StepCallback
) -> Predictor:
    # Fit once, then replay the ensemble one boosting round at a time: the curve is
    # exactly what the model would have been had training stopped at that round.
    model = HistGradientBoostingClassifier(
        max_iter=int(hp["max_iter"]),
        learning_rate=float(hp["learning_rate"]),
        # 0 stands for "no depth limit" so the config column stays numeric across runs.
        max_depth=int(hp["max_depth"]) if int(hp["max_depth"]) > 0 else None,
        l2_regularization=float(hp["l2_regularization"]),
        early_stopping=False,
        random_state=seed,
    )
    model.fit(data.x_train, data.y_train)
    stages: Iterator[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = zip(
        model.staged_predict_proba(data.x_train),
        model.staged_predict_proba(data.x_val),
        strict=True,
    )
    for iteration, (p_train, p_val) in enumerate(stages, start=1):
        on_step(
            iteration,
            np.asarray(p_train[:, 1], dtype=np.float64),
            np.asarray(p_val[:, 1], dtype=np.float64),
        )
    return Fitted(model)


VARIANTS: Final[tuple[Variant, ...]] = (
    Variant(
        name="logreg-C1",
        model_type="logistic_regression",
        hyperparameters={"C": 1.0, "epochs": 25, "solver": "lbfgs"},
        train=_train_logistic,
        tags=("baseline", "linear"),
        notes="Plain logistic regression: the baseline every other model has to beat.",
    ),
    Variant(
        name="logreg-C0.01",
        model_type="logistic_regression",
        hyperparameters={"C": 0.01, "epochs": 25, "solver": "lbfgs"},
        train=_train_logistic,
        tags=("linear", "regularised"),
        notes="Strongly regularised logistic regression: smaller, steadier coefficients.",
    ),
    Variant(
        name="random-forest-200",
        model_type="random_forest",
        hyperparameters={
            "n_estimators": 200,
            "trees_per_step": 10,
            "max_features": "sqrt",
            "min_samples_leaf": 3,
        },
        train=_train_random_forest,
        tags=("tree-ensemble",),
        notes="Random forest grown 10 trees at a time; the train loss shows how it memorises.",
    ),
    Variant(
        name="gbm-lr0.1",
        model_type="hist_gradient_boosting",
        hyperparameters={
            "max_iter": 200,
            "learning_rate": 0.1,
            "max_depth": 0,
            "l2_regularization": 0.0,
        },
        train=_train_boosting,
        tags=("tree-ensemble", "boosting"),
        notes="Gradient boosting with defaults; watch val/loss turn upward as it overfits.",
    ),
    Variant(
        name="gbm-lr0.03-depth3",
        model_type="hist_gradient_boosting",
        hyperparameters={
            "max_iter": 300,
            "learning_rate": 0.03,
            "max_depth": 3,
            "l2_regularization": 1.0,
        },
        train=_train_boosting,
        tags=("tree-ensemble", "boosting", "regularised"),
        notes="Slower, shallower boosting: more rounds, less overfitting.",
    ),
)


def _log_loss(y: IntArray, p: FloatArray) -> float:
    # Clipped like scikit-learn's, but without its per-call validation overhead, which
    # dominates when the curve has hundreds of points.
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _auc(y: IntArray, p: FloatArray) -> float | None:
    """ROC AUC via the Mann-Whitney rank sum (ties get average ranks), which equals
    scikit-learn's roc_auc_score at a fraction of its per-call cost. None when only
    one class is present, since AUC is then undefined."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(p, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2
    rank_sum = float(average_rank[inverse][y == 1].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _best_f1_threshold(y: IntArray, p: FloatArray) -> float:
    """The flagging threshold with the best F1 on validation.

    The default 0.5 would flag almost nobody when only one student in six drops out;
    choosing on validation (never test) keeps the test numbers honest.
    """
    best_t, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        f1 = _classification(y, p >= t)["f1"]
        if f1 > best_f1:
            best_t, best_f1 = float(t), f1
    return round(best_t, 2)


def _classification(y: IntArray, flagged: npt.NDArray[np.bool_]) -> dict[str, float]:
    positives = y == 1
    tp = float(np.sum(flagged & positives))
    precision = tp / float(flagged.sum()) if flagged.any() else 0.0
    recall = tp / float(positives.sum()) if positives.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {
        "accuracy": float(np.mean(flagged == positives)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "flag_rate": float(np.mean(flagged)),
    }


def evaluate(data: Prepared, p_test: FloatArray, threshold: float) -> dict[str, float]:
    """Final test metrics: overall, per student group, and the gaps between groups.

    Keys look like ``test/recall/first_language=Spanish`` and
    ``fairness/recall_gap/first_language``. A group with no dropouts in the test
    semester has no recall, so it gets no recall key rather than a misleading zero.
    """
    y, flagged = data.y_test, p_test >= threshold
    metrics = {f"test/{k}": v for k, v in _classification(y, flagged).items()}
    metrics["test/loss"] = _log_loss(y, p_test)
    if (auc := _auc(y, p_test)) is not None:
        metrics["test/auc"] = auc

    for attribute in AUDITED_GROUPS:
        values = data.test_frame[attribute].to_numpy()
        recalls, flag_rates = [], []
        for group in data.test_frame[attribute].cat.categories:
            member = values == group
            if not member.any():
                continue
            key = f"{attribute}={group}"
            stats = _classification(y[member], flagged[member])
            metrics[f"test/n/{key}"] = float(member.sum())
            metrics[f"test/flag_rate/{key}"] = stats["flag_rate"]
            flag_rates.append(stats["flag_rate"])
            if y[member].any():
                metrics[f"test/recall/{key}"] = stats["recall"]
                recalls.append(stats["recall"])
            if (group_auc := _auc(y[member], p_test[member])) is not None:
                metrics[f"test/auc/{key}"] = group_auc
        # Equal opportunity: do students who really drop out get flagged equally often,
        # whatever their group? Demographic parity: are groups flagged at equal rates?
        if len(recalls) >= 2:
            metrics[f"fairness/recall_gap/{attribute}"] = max(recalls) - min(recalls)
        if len(flag_rates) >= 2:
            metrics[f"fairness/demographic_parity_gap/{attribute}"] = max(flag_rates) - min(
                flag_rates
            )
    return metrics


def _train_variant(
    variant: Variant,
    data: Prepared,
    *,
    project: str,
    seed: int,
    dataset_info: Mapping[str, float | int | str],
    dir: str | None,
    url: str | None,
    dataset_ref: str | None = None,
    group: str = GROUP,
    model_artifact: str | None = None,
) -> tuple[str, dict[str, float], float, ArtifactVersion | None]:
    started = time.perf_counter()
    # The context manager marks the run failed, with the traceback, if training raises.
    with headway.init(
        project=project,
        name=variant.name,
        config={
            "model_type": variant.model_type,
            "model": dict(variant.hyperparameters),
            "features": list(data.feature_names),
            "sensitive_attributes": list(SENSITIVE_ATTRIBUTES),
            "dataset": dict(dataset_info),
            "seed": seed,
            "threshold_rule": "max F1 on validation",
        },
        tags=list(variant.tags),
        notes=variant.notes,
        group=group,
        job_type="train",
        dir=dir,
        url=url,
    ) as run:
        run.config["n_features"] = len(data.feature_names)
        if dataset_ref is not None:
            run.use_artifact(dataset_ref)
        run.define_metric("train/*", step_metric="epoch")
        run.define_metric("val/*", step_metric="epoch")
        run.define_metric("val/auc", step_metric="epoch", summary="max")
        run.define_metric("val/loss", step_metric="epoch", summary="min")

        def on_step(epoch: int, p_train: FloatArray, p_val: FloatArray) -> None:
            point = {
                "epoch": epoch,
                "train/loss": _log_loss(data.y_train, p_train),
                "val/loss": _log_loss(data.y_val, p_val),
                "val/accuracy": float(np.mean((p_val >= 0.5) == (data.y_val == 1))),
            }
            if (auc := _auc(data.y_val, p_val)) is not None:
                point["val/auc"] = auc
            run.log(point)

        # The demo's matrices are a few thousand rows: OpenMP threads cost more to
        # coordinate than they save, and on a busy machine gradient boosting ran 20x
        # slower with them than on one thread.
        with threadpool_limits(limits=1):
            predict = variant.train(data, variant.hyperparameters, seed, on_step)
            threshold = _best_f1_threshold(data.y_val, predict(data.x_val))
            final = evaluate(data, predict(data.x_test), threshold)
        final["decision_threshold"] = threshold
        run.log(final)
        for key, value in final.items():
            run.summary[key] = value
        run.summary["train_seconds"] = time.perf_counter() - started
        model = None
        if dataset_ref is not None and isinstance(predict, Fitted):
            model = log_model(
                run,
                model_artifact or f"model-{variant.name}",
                Pipeline([("encode", data.encoder), ("classify", predict.estimator)]),
                inputs=[*NUMERIC_COLUMNS, *CATEGORICAL_FEATURES],
                categorical=list(CATEGORICAL_FEATURES),
                sensitive=list(SENSITIVE_ATTRIBUTES),
                features=list(data.feature_names),
                threshold=threshold,
                metrics=final,
            )
        run_id = str(run.id)
    # Timed after the run is finished, so the progress line includes storing it.
    return run_id, final, time.perf_counter() - started, model


def run_demo(
    *,
    project: str = "student-dropout",
    n_students: int = 6000,
    seed: int = 7,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
    quiet: bool = False,
    variants: Sequence[Variant] = VARIANTS,
    lineage: bool = True,
    monitor: bool = True,
    receiver: WebhookReceiver | None = None,
    sweep: bool = True,
) -> list[str]:
    """Generate the students, train every variant as one run, and return the run ids.

    ``dir`` is the embedded store folder and ``url`` a team server, exactly as for
    :func:`headway.init`. Prints one progress line per variant unless ``quiet``. With
    ``lineage`` the data goes through artifacts and the best model into the registry
    (see :mod:`headway.demo.lineage`); with ``monitor`` as well, the production model is
    then monitored on a new semester (see :mod:`headway.demo.monitoring`) and alert rules
    on it notify a local webhook receiver (see :mod:`headway.demo.alerts`). The demo starts
    ``receiver`` if given and leaves it running (the caller stops it with
    :func:`~headway.demo.alerts.disconnect_channel`); otherwise it runs one for its own
    duration. With ``sweep``, a small sweep tunes the model's regularisation and class
    weights (see :mod:`headway.demo.sweeps`); its runs are not among the returned ids.
    """
    df = make_students(n_students, seed)
    store_dir = os.fspath(dir) if dir is not None else None
    if lineage:
        df = log_datasets(df, project=project, seed=seed, dir=store_dir, url=url)
    data = prepare(df)
    dataset_info: dict[str, float | int | str] = {
        "name": "synthetic-students",
        "n_students": n_students,
        "n_train": len(data.y_train),
        "n_val": len(data.y_val),
        "n_test": len(data.y_test),
        "positive_rate": round(float(df[LABEL].mean()), 4),
        "split": "by semester: older ones train, the next validates, the newest tests",
    }
    run_ids = []
    models: dict[str, tuple[ArtifactVersion, dict[str, float]]] = {}
    for i, variant in enumerate(variants, start=1):
        run_id, final, seconds, model = _train_variant(
            variant,
            data,
            project=project,
            seed=seed,
            dataset_info=dataset_info,
            dir=store_dir,
            url=url,
            dataset_ref=CLEANED if lineage else None,
        )
        run_ids.append(run_id)
        if model is not None:
            models[variant.name] = (model, final)
        if not quiet:
            print(
                f"[{i}/{len(variants)}] {variant.name:<18} "
                f"test AUC {final.get('test/auc', float('nan')):.3f}  "
                f"recall {final['test/recall']:.2f}  "
                f"recall gap (language) "
                f"{final.get('fairness/recall_gap/first_language', float('nan')):.2f}  "
                f"run {run_id}  {seconds:.1f}s",
                flush=True,
            )
    if sweep:
        from headway.demo.sweeps import tune_dropout_model

        tune_dropout_model(data, project=project, seed=seed, dir=store_dir, url=url, quiet=quiet)
    if models:
        best = max(models, key=lambda name: models[name][1].get("test/auc", 0.0))
        retrain = _retrain(
            next(v for v in variants if v.name == best),
            data,
            seed,
            project,
            dataset_info,
            store_dir,
            url,
        )
        register(project, models, retrain=retrain, dir=store_dir, url=url)
        if monitor:
            _monitor(project, seed, store_dir, url, quiet, receiver)
    return run_ids


def _monitor(
    project: str,
    seed: int,
    dir: str | None,
    url: str | None,
    quiet: bool,
    receiver: WebhookReceiver | None,
) -> None:
    hook = receiver or WebhookReceiver(webhook_log(dir, url))
    try:
        # Before the monitor is computed: computing it judges the rules an earlier run
        # left, and what they send must reach this run's receiver.
        connect_channel(project, hook, dir=dir, url=url)
        monitor_new_semester(project, dir=dir, url=url, seed=seed, quiet=quiet)
        alert_on_monitor(project, hook, dir=dir, url=url, quiet=quiet)
    finally:
        if receiver is None:
            disconnect_channel(project, hook, dir=dir, url=url)


def _retrain(
    variant: Variant,
    data: Prepared,
    seed: int,
    project: str,
    dataset_info: Mapping[str, float | int | str],
    dir: str | None,
    url: str | None,
) -> tuple[ArtifactVersion, dict[str, float]] | None:
    """The spring retrain of the champion: another seed, logged under the same name."""
    spring = Variant(
        name=f"{variant.name}-spring",
        model_type=variant.model_type,
        # Stronger regularisation where the model has it: the change a team tries when a
        # model looks overfit, and one that can cost recall on small groups.
        hyperparameters={
            k: (v * 0.1 if k == "C" and isinstance(v, float | int) else v)
            for k, v in variant.hyperparameters.items()
        },
        train=variant.train,
        tags=("retrain", "spring-2027"),
        notes="Spring retrain; promoted, then rolled back after an advisor report.",
    )
    _run_id, final, _seconds, model = _train_variant(
        spring,
        data,
        project=project,
        seed=seed + 1,
        dataset_info=dataset_info,
        dir=dir,
        url=url,
        dataset_ref=CLEANED,
        group="semester-2027-spring",
        model_artifact=f"model-{variant.name}",
    )
    return None if model is None else (model, final)
