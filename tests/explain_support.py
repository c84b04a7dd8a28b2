"""A real scikit-learn model fitted on the synthetic monitoring reference, registered with
its pickle, for the tests of explanations per window, per prediction and in root causes."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import headway
from headway.backend.local import LocalBackend
from headway.monitoring.synthetic import SyntheticMonitoringData
from headway.testing.artifact_contract import log

MODEL_INPUTS = ["attendance_rate", "avg_grade", "lms_logins_per_week", "work_hours"]
CATEGORICAL = ["enrollment_type"]


def fit_model(data: SyntheticMonitoringData) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), MODEL_INPUTS),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    ref = data.reference
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=500))]).fit(
        ref[MODEL_INPUTS + CATEGORICAL], ref[data.label]
    )


def register(backend: LocalBackend, tmp_path: Path, model: Any, name: str = "clf") -> int:
    log(backend, tmp_path, "edu", name, {"model.pkl": pickle.dumps(model)}, type="model")
    return backend.registry.link("dropout-risk", project="edu", artifact=name, selector=0).version


def open_monitor(
    backend: LocalBackend, data: SyntheticMonitoringData, scorer: Pipeline, **extra: Any
) -> headway.Monitor:
    inputs = data.reference[MODEL_INPUTS + CATEGORICAL]
    ref = data.reference.assign(score=scorer.predict_proba(inputs)[:, 1])
    return headway.Monitor(
        "edu",
        name="dropout",
        backend=backend,
        reference=ref[[*MODEL_INPUTS, *CATEGORICAL, "score", data.label]],
        features=[*MODEL_INPUTS, *CATEGORICAL],
        categorical=CATEGORICAL,
        prediction="score",
        label=data.label,
        **{"model": "dropout-risk@production", "explain_rows": 400, **extra},
    )


def log_days(
    monitor: headway.Monitor, data: SyntheticMonitoringData, model: Any, **kw: Any
) -> pd.DataFrame:
    cur = data.current
    inputs = cur[MODEL_INPUTS + CATEGORICAL]
    monitor.log(
        inputs,
        pd.Series(model.predict_proba(inputs)[:, 1]),
        ids=cur["student_id"],
        timestamps=cur["timestamp"],
        **kw,
    )
    return cur
