"""Monitors of models in production: their configuration, windows and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Task = Literal["binary", "multiclass", "regression"]
#: What a result row measures. ``estimated`` is label-free (CBPE); ``concept`` flags a
#: drop in realised performance while the inputs did not drift; ``explanation`` is the
#: model's SHAP importance per feature and its shift from the reference.
ResultKind = Literal[
    "drift",
    "dataset",
    "multivariate",
    "quality",
    "performance",
    "estimated",
    "fairness",
    "concept",
    "volume",
    "explanation",
]
RESULT_KINDS: tuple[str, ...] = (
    "drift",
    "dataset",
    "multivariate",
    "quality",
    "performance",
    "estimated",
    "fairness",
    "concept",
    "volume",
    "explanation",
)
Verdict = Literal["ok", "drift", "alert", "insufficient_data"]


@dataclass(frozen=True)
class MonitorSpec:
    """What a client asks for when it creates (or replaces the config of) a monitor.

    Columns named in ``features``, ``segments`` and ``sensitive`` are the inputs a
    logged prediction carries; ``prediction`` is the model's score (binary: probability of
    the positive class) or value (regression); ``prediction_label`` optionally names a
    column holding the decided class (otherwise ``score >= decision_threshold``).
    """

    project: str
    name: str
    features: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    model: str | None = None
    reference: str | None = None
    prediction: str | None = None
    prediction_label: str | None = None
    label: str | None = None
    segments: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    task: Task = "binary"
    window: str = "1d"
    decision_threshold: float = 0.5
    positive: str | None = None
    #: Per-column drift method (``ks``, ``psi``, …) overriding the automatic choice.
    methods: dict[str, str] = field(default_factory=dict)
    #: Per-column drift threshold overriding the method's default.
    thresholds: dict[str, float] = field(default_factory=dict)
    #: Fewest non-null values a window needs before a test runs on it.
    min_rows: int = 30
    #: Inference records older than this many days are deleted (None keeps them).
    retention_days: int | None = None
    description: str = ""
    #: Rows of each window explained with SHAP by the model version that scored them (0:
    #: no explanations). Needs ``model``: the worker loads the version's pickled model.
    explain_rows: int = 0

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every input column, once, in a stable order."""
        seen: dict[str, None] = {}
        for name in (*self.features, *self.segments, *self.sensitive):
            seen.setdefault(name, None)
        return tuple(seen)


@dataclass(frozen=True)
class Monitor:
    id: int
    spec: MonitorSpec
    #: Grows by one at each config change; results of older configs are recomputed.
    config_version: int
    created_at: datetime
    updated_at: datetime
    #: The reference data as an artifact version reference ``project/name:vN``.
    reference_ref: str | None
    #: The registered model version predictions default to.
    model_version: int | None
    rows: int = 0
    labels: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    computed_at: datetime | None = None
    #: Latest window's verdict counts and issues (``health`` for the monitors list).
    health: dict[str, Any] = field(default_factory=dict)

    @property
    def project(self) -> str:
        return self.spec.project

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class MonitorResult:
    """One number of one window: the row behind a cell of every monitoring chart."""

    window_start: datetime
    window_end: datetime
    kind: str
    #: A feature, ``prediction``, a segment column, a sensitive attribute or ``*`` (all).
    subject: str
    #: A segment value or a group of a sensitive attribute; ``*`` for the whole window.
    group: str
    #: The method (``wasserstein``) or metric (``recall``) this value is.
    metric: str
    value: float | None
    p_value: float | None = None
    lower: float | None = None
    upper: float | None = None
    threshold: float | None = None
    verdict: str = "ok"
    rows: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WindowSummary:
    start: datetime
    end: datetime
    rows: int
    labeled: int
    computed_at: datetime
    #: Verdict of the window's worst result, and counts of alerting results by kind.
    verdict: str
    issues: dict[str, int] = field(default_factory=dict)
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestReport:
    """What one ``log`` or ``log_labels`` call stored."""

    rows: int
    files: int
    duplicate: bool = False
    #: Label rows whose id matched no stored prediction at the time of the call.
    unmatched_ids: int = 0
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComputeReport:
    windows: int
    recomputed: int
    skipped: int
    results: int
    seconds: float
    unmatched_labels: int = 0
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeatureContribution:
    """One input of one prediction: its value and how far it moved the model's output."""

    feature: str
    value: Any
    contribution: float


@dataclass(frozen=True)
class PredictionExplanation:
    """Why one logged prediction came out as it did ("why was student 1234 flagged?").

    ``output`` is the model's output in ``output_space`` (log-odds for linear and boosted
    classifiers, a probability for forests, the prediction for regressors):
    ``base_value`` plus the contributions (every feature, largest first by size) when the
    method is SHAP. ``score`` and ``flagged`` are what was logged and decided then.
    """

    id: str
    timestamp: datetime
    model: str
    model_version: int
    method: str
    output_space: str
    output: float
    base_value: float
    contributions: tuple[FeatureContribution, ...]
    score: float | None = None
    flagged: bool | None = None
    label: Any = None
