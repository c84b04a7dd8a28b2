"""Wire shapes of monitoring: monitors, windows, results, ingestion reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from headway.backend import monitoring_wire as wire
from headway.entities.monitoring import (
    ComputeReport,
    IngestReport,
    Monitor,
    MonitorResult,
    MonitorSpec,
    PredictionExplanation,
    WindowSummary,
)
from headway.server.schemas.common import StrictModel


class MonitorConfig(StrictModel):
    features: list[str] = Field(description="Input columns compared with the reference.")
    categorical: list[str] = Field(
        default_factory=list, description="Features that are categories."
    )
    model: str | None = Field(None, description="Registered model, e.g. 'dropout-risk@production'.")
    reference: str | None = Field(
        None, description="Reference data: a dataset artifact version, e.g. 'students:v3'."
    )
    prediction: str | None = Field(None, description="Score (binary) or value (regression) column.")
    prediction_label: str | None = Field(None, description="Column of the decided class, if any.")
    label: str | None = Field(None, description="Ground-truth column (labels may arrive later).")
    segments: list[str] = Field(default_factory=list)
    sensitive: list[str] = Field(
        default_factory=list, description="Attributes checked for fairness."
    )
    task: Literal["binary", "multiclass", "regression"] = "binary"
    window: str = Field("1d", description="'1h', '1d', '7d', … or a row count such as '5000rows'.")
    decision_threshold: float = 0.5
    positive: str | None = None
    methods: dict[str, str] = Field(default_factory=dict, description="column -> drift method.")
    thresholds: dict[str, float] = Field(default_factory=dict, description="column -> threshold.")
    min_rows: int = 30
    retention_days: int | None = None
    description: str = ""
    explain_rows: int = Field(
        0,
        description="Rows of each window explained with SHAP by the model that scored "
        "them (0: none); needs model.",
    )

    def to_spec(self, project: str, name: str) -> MonitorSpec:
        data = self.model_dump(exclude={"exist_ok", "name"})
        return wire.spec_from_wire({**data, "project": project, "name": name})


class MonitorIn(MonitorConfig):
    name: str
    exist_ok: bool = False


class MonitorSpecOut(BaseModel):
    project: str
    name: str
    features: list[str]
    categorical: list[str]
    model: str | None
    reference: str | None
    prediction: str | None
    prediction_label: str | None
    label: str | None
    segments: list[str]
    sensitive: list[str]
    task: str
    window: str
    decision_threshold: float
    positive: str | None
    methods: dict[str, str]
    thresholds: dict[str, float]
    min_rows: int
    retention_days: int | None
    description: str
    explain_rows: int


class MonitorOut(BaseModel):
    id: int
    spec: MonitorSpecOut
    config_version: int
    created_at: datetime
    updated_at: datetime
    reference_ref: str | None = Field(description="The reference as 'project/name:vN'.")
    model_version: int | None
    rows: int
    labels: int
    first_at: datetime | None
    last_at: datetime | None
    computed_at: datetime | None
    health: dict[str, Any]

    @classmethod
    def from_entity(cls, m: Monitor) -> MonitorOut:
        return cls.model_validate(wire.monitor_to_wire(m))


class MonitorList(BaseModel):
    monitors: list[MonitorOut]


class WindowOut(BaseModel):
    start: datetime
    end: datetime
    rows: int
    labeled: int
    computed_at: datetime
    verdict: str
    issues: dict[str, int]
    messages: list[str]

    @classmethod
    def from_entity(cls, w: WindowSummary) -> WindowOut:
        return cls.model_validate(wire.window_to_wire(w))


class WindowList(BaseModel):
    windows: list[WindowOut]


#: Detail keys left out of ``detail=summary`` results.
BULKY_DETAIL = frozenset({"distribution"})


class ResultOut(BaseModel):
    window_start: datetime
    window_end: datetime
    kind: str
    subject: str = Field(description="Feature, segment column, sensitive attribute or '*'.")
    group: str = Field(description="Segment value or group; '*' for the whole window.")
    metric: str = Field(description="Method (e.g. wasserstein) or metric (e.g. recall).")
    value: float | None
    p_value: float | None
    lower: float | None
    upper: float | None
    threshold: float | None
    verdict: str
    rows: int
    detail: dict[str, Any]

    @classmethod
    def from_entity(cls, r: MonitorResult, *, summary: bool = False) -> ResultOut:
        data = wire.result_to_wire(r)
        if summary:
            # The histograms are most of a drift row's bytes (a year of daily windows of
            # 30 features is megabytes); a heatmap or chart needs only the numbers.
            data["detail"] = {k: v for k, v in data["detail"].items() if k not in BULKY_DETAIL}
        return cls.model_validate(data)


class ContributionOut(BaseModel):
    feature: str
    value: Any = Field(description="The prediction's value of the feature.")
    contribution: float = Field(description="How far it moved the output (SHAP value).")


class ExplanationOut(BaseModel):
    """Why one logged prediction came out as it did."""

    id: str
    timestamp: datetime
    model: str
    model_version: int
    method: str = Field(description="shap-tree, shap-linear, shap-permutation or permutation.")
    output_space: str = Field(description="log_odds, probability or prediction.")
    output: float
    base_value: float
    contributions: list[ContributionOut] = Field(description="Every feature, largest first.")
    score: float | None = Field(description="The score logged with the prediction.")
    flagged: bool | None = Field(description="score >= the monitor's decision threshold.")
    label: Any = Field(description="The true outcome, if it arrived.")

    @classmethod
    def from_entity(cls, e: PredictionExplanation) -> ExplanationOut:
        return cls.model_validate(wire.explanation_to_wire(e))


class ResultList(BaseModel):
    results: list[ResultOut]


class IngestOut(BaseModel):
    rows: int
    files: int
    duplicate: bool
    unmatched_ids: int
    messages: list[str]

    @classmethod
    def from_entity(cls, r: IngestReport) -> IngestOut:
        return cls.model_validate(wire.ingest_to_wire(r))


class PredictionsIn(StrictModel):
    """Predictions as JSON: ``rows`` (a list of objects) or ``columns`` (name -> list)."""

    rows: list[dict[str, Any]] | None = None
    columns: dict[str, list[Any]] | None = None
    ids: list[str] | None = None
    timestamps: list[str | float] | None = Field(
        None, description="ISO 8601 strings or Unix seconds; default: now."
    )
    model_version: int | None = None
    batch: str | None = Field(None, description="Idempotency key: a replayed batch adds nothing.")


class LabelsIn(StrictModel):
    ids: list[str]
    labels: list[Any]
    timestamps: list[str | float] | None = None
    batch: str | None = None


class ComputeIn(StrictModel):
    until: datetime | None = None
    since: datetime | None = None
    force: bool = False


class ComputeOut(BaseModel):
    windows: int
    recomputed: int
    skipped: int
    results: int
    seconds: float
    unmatched_labels: int
    messages: list[str]

    @classmethod
    def from_entity(cls, r: ComputeReport) -> ComputeOut:
        return cls.model_validate(wire.compute_to_wire(r))


class RecomputeIn(StrictModel):
    since: datetime | None = None
    until: datetime | None = None


class JobOut(BaseModel):
    job_id: int
