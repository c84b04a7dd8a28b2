"""Alert rule conditions: what a rule checks, point by point, on a series of numbers.

A condition is a frozen dataclass holding plain Python values, one class per kind:

- :class:`Threshold` — the value is above / below a line, or outside / inside a band;
- :class:`IsNan` — the value is missing (``NaN``), e.g. a diverged ``val/loss``;
- :class:`Change` — the value moved by more than a relative amount from a baseline;
- :class:`Anomaly` — the value left a band learnt from the series' own past (z-score or
  EWMA, optionally per UTC weekday);
- :class:`Verdict` — a monitor result's verdict is one of the given ones (``drift``, …).

Every kind has ``for_windows``: the rule fires only after that many consecutive judged
points breach. ``to_dict()`` and :func:`condition_from_dict` are the stored and wire form
(JSON-safe, tagged by ``kind``); both directions validate, and a bad key or value raises
:class:`~headway.errors.InvalidArgument` naming the key and what it allows. The evaluation
engine, with the exact semantics of each kind, is :mod:`headway.alerting.conditions`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, TypeAlias, get_args

from headway.errors import InvalidArgument

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = get_args(Severity)

ThresholdOp = Literal["above", "below", "outside", "inside"]
THRESHOLD_OPS: tuple[str, ...] = get_args(ThresholdOp)
ChangeDirection = Literal["drop", "rise", "either"]
CHANGE_DIRECTIONS: tuple[str, ...] = get_args(ChangeDirection)
ChangeBaseline = Literal["reference", "previous", "first", "rolling"]
CHANGE_BASELINES: tuple[str, ...] = get_args(ChangeBaseline)
AnomalyMethod = Literal["zscore", "ewma"]
ANOMALY_METHODS: tuple[str, ...] = get_args(AnomalyMethod)
Seasonality = Literal["none", "day_of_week"]
SEASONALITIES: tuple[str, ...] = get_args(Seasonality)
AnomalyDirection = Literal["either", "above", "below"]
ANOMALY_DIRECTIONS: tuple[str, ...] = get_args(AnomalyDirection)
#: Verdicts a monitor result can carry (``standing``: a fairness gap the reference had).
RESULT_VERDICTS: tuple[str, ...] = (
    # A monitor result's verdict …
    "ok",
    "drift",
    "alert",
    "insufficient_data",
    "standing",
    # … or, for rules on runs' state, the run's state (``stalled``: running but silent).
    "running",
    "finished",
    "failed",
    "crashed",
    "killed",
    "pruned",
    "stalled",
)

#: Upper bound of ``for_windows``: a longer wait is a different rule (a longer window).
MAX_FOR_WINDOWS = 1000
#: Upper bound of the windows a baseline or an anomaly history spans.
MAX_HISTORY = 1000


def _fail(key: str, message: str, allowed: Any = None) -> InvalidArgument:
    details: dict[str, Any] = {"key": key}
    if allowed is not None:
        details["allowed"] = allowed
    return InvalidArgument(message, details=details)


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise _fail(key, f"{key} must be one of {', '.join(allowed)}; got {value!r}", list(allowed))


def _count(key: str, value: Any, low: int, high: int) -> None:
    # bool is an int subclass; True as a window count is always a mistake.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(
            key,
            f"{key} must be a whole number from {low} to {high}; got {value!r}",
            f"{low}..{high}",
        )


def _number(obj: object, key: str, *, positive: bool = False, optional: bool = False) -> None:
    """Check a number field and store it as a float, so ``1`` and ``1.0`` are one rule."""
    value = getattr(obj, key)
    if value is None and optional:
        return
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (positive and value <= 0):
        what = "a finite number greater than 0" if positive else "a finite number"
        raise _fail(key, f"{key} must be {what}; got {value!r}")
    object.__setattr__(obj, key, float(value))


class _Serialisable:
    def to_dict(self) -> dict[str, Any]:
        """The JSON-safe stored / wire form, tagged by ``kind``; inverse of
        :func:`condition_from_dict`."""
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Threshold(_Serialisable):
    """The value crosses a fixed line (``above``, ``below``) or band (``outside``, ``inside``).

    Boundaries are strict for the alerting side: ``above`` breaches when ``value > line``,
    ``below`` when ``value < line``, ``outside`` when ``value < low or value > high``; a value
    equal to the line does not breach. ``inside`` is the complement of ``outside``:
    ``low <= value <= high`` breaches. ``above``/``below`` take ``value``; ``outside``/``inside``
    take ``low < high``. ``+inf`` is above every line; ``NaN`` is never judged.
    """

    kind: Literal["threshold"] = field(default="threshold", init=False)
    op: ThresholdOp
    value: float | None = None
    low: float | None = None
    high: float | None = None
    for_windows: int = 1

    def __post_init__(self) -> None:
        _choice("op", self.op, THRESHOLD_OPS)
        if self.op in ("above", "below"):
            _number(self, "value")
            for key in ("low", "high"):
                if getattr(self, key) is not None:
                    raise _fail(
                        key, f"{key} applies to op outside and inside; op {self.op} takes value"
                    )
        else:
            _number(self, "low")
            _number(self, "high")
            if self.value is not None:
                raise _fail(
                    "value", f"value applies to op above and below; op {self.op} takes low, high"
                )
            assert self.low is not None and self.high is not None
            if not self.low < self.high:
                raise _fail(
                    "low", f"low must be less than high; got low={self.low}, high={self.high}"
                )
        _count("for_windows", self.for_windows, 1, MAX_FOR_WINDOWS)


@dataclass(frozen=True)
class IsNan(_Serialisable):
    """The value is missing (``NaN``; ``None`` when the series was built). ``±inf`` is a
    value, not missing: a diverged loss that reached infinity is caught by ``above``."""

    kind: Literal["is_nan"] = field(default="is_nan", init=False)
    for_windows: int = 1

    def __post_init__(self) -> None:
        _count("for_windows", self.for_windows, 1, MAX_FOR_WINDOWS)


@dataclass(frozen=True)
class Change(_Serialisable):
    """The value moved from a baseline by more than ``relative`` (0.1 = 10 %) of ``|baseline|``.

    ``drop`` breaches when ``value < baseline - relative·|baseline|``, ``rise`` when
    ``value > baseline + relative·|baseline|`` (strict), ``either`` on both. Baselines:
    ``reference`` — the series' reference value; ``first`` — the first value of the series;
    ``previous`` — the last value before the point; ``rolling`` — the mean of the last
    ``baseline_windows`` values before the point. Missing values are skipped when a
    baseline is looked up (see :mod:`headway.alerting.conditions`).
    """

    kind: Literal["change"] = field(default="change", init=False)
    direction: ChangeDirection
    relative: float
    baseline: ChangeBaseline
    baseline_windows: int = 1
    for_windows: int = 1

    def __post_init__(self) -> None:
        _choice("direction", self.direction, CHANGE_DIRECTIONS)
        _number(self, "relative", positive=True)
        _choice("baseline", self.baseline, CHANGE_BASELINES)
        _count("baseline_windows", self.baseline_windows, 1, MAX_HISTORY)
        if self.baseline != "rolling" and self.baseline_windows != 1:
            raise _fail(
                "baseline_windows",
                f"baseline_windows applies to baseline rolling; baseline {self.baseline} "
                "takes no window",
            )
        _count("for_windows", self.for_windows, 1, MAX_FOR_WINDOWS)


@dataclass(frozen=True)
class Anomaly(_Serialisable):
    """The value left the band ``mean ± k·std`` of the series' own earlier values.

    ``zscore``: mean and sample standard deviation of the last ``window`` earlier values;
    ``ewma``: exponentially weighted mean and variance of every earlier value with span
    ``window`` (alpha = 2 / (window + 1)). ``seasonal="day_of_week"`` learns from earlier
    values on the same UTC weekday only. The first ``warmup`` values (per weekday when
    seasonal) are never judged. ``direction`` limits breaches to one side; boundaries are
    strict (a value on the band's edge does not breach).
    """

    kind: Literal["anomaly"] = field(default="anomaly", init=False)
    method: AnomalyMethod
    window: int = 20
    k: float = 3.0
    warmup: int = 10
    seasonal: Seasonality = "none"
    direction: AnomalyDirection = "either"
    for_windows: int = 1

    def __post_init__(self) -> None:
        _choice("method", self.method, ANOMALY_METHODS)
        # A standard deviation needs two values: smaller windows or warm-ups judge nothing.
        _count("window", self.window, 2, MAX_HISTORY)
        _number(self, "k", positive=True)
        _count("warmup", self.warmup, 2, MAX_HISTORY)
        _choice("seasonal", self.seasonal, SEASONALITIES)
        _choice("direction", self.direction, ANOMALY_DIRECTIONS)
        _count("for_windows", self.for_windows, 1, MAX_FOR_WINDOWS)


@dataclass(frozen=True)
class Verdict(_Serialisable):
    """A monitor result's verdict is one of ``verdicts`` (``drift``, ``alert``, …).

    A window whose verdict is ``insufficient_data`` is not judged (it neither fires nor
    resolves) unless ``insufficient_data`` is itself one of ``verdicts``.
    """

    kind: Literal["verdict"] = field(default="verdict", init=False)
    verdicts: tuple[str, ...] = ("drift",)
    for_windows: int = 1

    def __post_init__(self) -> None:
        verdicts = self.verdicts
        if isinstance(verdicts, str) or not isinstance(verdicts, tuple | list) or not verdicts:
            raise _fail(
                "verdicts",
                f"verdicts must be a non-empty list of {', '.join(RESULT_VERDICTS)}; "
                f"got {verdicts!r}",
                list(RESULT_VERDICTS),
            )
        for v in verdicts:
            _choice("verdicts", v, RESULT_VERDICTS)
        # Stored as a tuple in first-seen order, so a list from JSON compares equal.
        object.__setattr__(self, "verdicts", tuple(dict.fromkeys(verdicts)))
        _count("for_windows", self.for_windows, 1, MAX_FOR_WINDOWS)


Condition: TypeAlias = Threshold | IsNan | Change | Anomaly | Verdict
CONDITION_TYPES: dict[str, type[Condition]] = {
    "threshold": Threshold,
    "is_nan": IsNan,
    "change": Change,
    "anomaly": Anomaly,
    "verdict": Verdict,
}
CONDITION_KINDS: tuple[str, ...] = tuple(CONDITION_TYPES)


def condition_from_dict(data: Mapping[str, Any]) -> Condition:
    """Build a condition from its stored / wire form (the output of ``to_dict()``).

    Raises:
        InvalidArgument: ``data`` is not a mapping, its ``kind`` is missing or unknown, it
            has a key the kind does not take or lacks a required one, or a value is not
            allowed. The message names the key and what is allowed; ``details`` holds
            ``key`` and, where there is a list, ``allowed``.
    """
    if not isinstance(data, Mapping):
        raise _fail("kind", f"a condition must be an object with a kind; got {data!r}")
    _choice("kind", data.get("kind"), CONDITION_KINDS)
    kind = str(data["kind"])
    cls = CONDITION_TYPES[kind]
    accepted = [f.name for f in fields(cls) if f.init]
    for key in data:
        if key != "kind" and key not in accepted:
            raise _fail(
                str(key),
                f"unknown key {key!r} for a {kind} condition: allowed keys are "
                f"{', '.join(['kind', *accepted])}",
                ["kind", *accepted],
            )
    for f in fields(cls):
        if f.init and f.default is MISSING and f.name not in data:
            raise _fail(f.name, f"a {kind} condition needs {f.name!r}")
    args = {key: value for key, value in data.items() if key != "kind"}
    if kind == "verdict" and isinstance(args.get("verdicts"), list):
        args["verdicts"] = tuple(args["verdicts"])
    return cls(**args)


# ----------------------------------------------------------------------- rules, alerts, channels

AlertState = Literal["firing", "acknowledged", "resolved"]
ALERT_STATES: tuple[AlertState, ...] = ("firing", "acknowledged", "resolved")
#: The states an alert is "open" in: at most one open alert per rule and scope.
OPEN_STATES: tuple[AlertState, ...] = ("firing", "acknowledged")
ChannelType = Literal["webhook", "slack", "email", "pagerduty"]
CHANNEL_TYPES: tuple[ChannelType, ...] = ("webhook", "slack", "email", "pagerduty")
TargetType = Literal["monitor", "model", "runs"]
TARGET_TYPES: tuple[TargetType, ...] = ("monitor", "model", "runs")


@dataclass(frozen=True)
class RuleTarget:
    """Which series a rule watches.

    - ``monitor``: results of the monitor ``monitor`` (of the rule's project);
    - ``model``: results of every monitor of the project watching ``model`` (``name@alias``,
      e.g. ``dropout-risk@production``: follows the alias when it moves);
    - ``runs``: the metric ``metric`` of every run of the project matching ``filter`` (a runs
      filter expression, e.g. ``tags contains 'nightly'``), by step; ``after_step`` ignores
      earlier steps (``val_acc`` below 0.7 *after epoch 5*).

    For monitors, ``kind`` is a result kind (``drift``, ``dataset``, ``performance``, …),
    ``subject`` the feature, segment column or sensitive attribute (``*`` for the whole
    window; None: each subject is watched on its own), ``group`` the segment value or group
    (``*`` for all), ``metric`` the method or metric (None: whichever the results carry, e.g.
    each feature's drift method).
    """

    type: TargetType
    monitor: str | None = None
    model: str | None = None
    kind: str | None = None
    subject: str | None = "*"
    group: str = "*"
    metric: str | None = None
    filter: str | None = None
    after_step: int | None = None
    #: Runs target, ``metric="_state"``: a running run silent this long counts as stalled.
    stall_minutes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        # ``subject`` None (each subject on its own) differs from its default "*".
        return {k: v for k, v in asdict(self).items() if v is not None or k == "subject"}


@dataclass(frozen=True)
class AlertRule:
    id: int
    project: str
    name: str
    target: RuleTarget
    condition: Condition
    severity: Severity = "warning"
    #: Channel names to notify; empty: every enabled channel of the project.
    channels: tuple[str, ...] = ()
    #: After an alert of this rule and scope resolves, another does not open for this long.
    cooldown_seconds: int = 0
    #: Until then, alerts open and resolve as usual but nobody is notified.
    muted_until: datetime | None = None
    enabled: bool = True
    description: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Alert:
    id: int
    project: str
    rule_id: int | None  # None: raised from code (``run.alert``)
    rule_name: str
    #: What the alert is about, unique per rule among open alerts: e.g.
    #: ``monitor:dropout-risk/drift/gpa/*`` or ``run:3kf9a2``.
    scope: str
    state: AlertState
    severity: Severity
    title: str
    text: str
    #: The value that fired (or the latest), the point it belongs to, the band it left.
    value: float | None
    at: datetime | None
    step: int | None
    lower: float | None
    upper: float | None
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    #: Where it came from: ``{"monitor": ..., "window_start": ...}`` or ``{"run": ...}``.
    source: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertEvent:
    """One line of an alert's history."""

    id: int
    alert_id: int
    at: datetime
    type: str  # fired, updated, acknowledged, resolved, reopened, notified, notify_failed, muted
    by: str | None
    message: str


@dataclass(frozen=True)
class Channel:
    """Where a project's alerts go. ``config`` holds what is not secret; the secret (the
    Slack URL, the webhook's signing secret, the SMTP password, the PagerDuty routing key)
    is stored encrypted and never returned."""

    id: int
    project: str
    name: str
    type: ChannelType
    config: dict[str, Any]
    has_secret: bool
    min_severity: Severity = "info"
    enabled: bool = True
    created_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """One alert state change to deliver to one channel, with its attempts."""

    id: int
    alert_id: int
    channel_id: int
    channel: str
    event: AlertState
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class ChannelTest:
    """What a channel's receiver answered to a test message."""

    ok: bool
    status_code: int | None
    response: str
    error: str | None
    duration_ms: float


@dataclass(frozen=True)
class RulePreview:
    """A rule judged over the latest points of one scope, for the rule editor's preview."""

    scope: str
    label: str
    times: tuple[datetime, ...]
    steps: tuple[int | None, ...]
    values: tuple[float | None, ...]
    verdicts: tuple[str, ...] | None
    breach: tuple[bool, ...]
    firing: tuple[bool, ...]
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    #: ``(index, "firing" | "resolved")`` where the rule would have changed state.
    transitions: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Cause:
    """One candidate explanation of an alert, with how strongly it goes with the change."""

    kind: Literal["feature", "segment", "importance", "event"]
    subject: str
    #: Association with the alert's change, 0 (none) to 1; ``method`` says how it is computed.
    score: float
    detail: str
    at: datetime | None = None
    link: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TimelineEvent:
    """Something that changed around an alert: a promotion, a dataset version, a config."""

    at: datetime
    kind: str  # version_created, alias_set, model_serving, dataset_version, monitor_config
    text: str
    link: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DriftedFeature:
    feature: str
    method: str
    value: float | None
    threshold: float | None
    p_value: float | None
    #: How far past its threshold (≥ 1: drifted), comparable across methods.
    ratio: float


@dataclass(frozen=True)
class SegmentDrop:
    subject: str
    group: str
    metric: str
    value: float | None
    reference: float | None
    #: How much worse than the reference (positive: worse), in the metric's units.
    drop: float


@dataclass(frozen=True)
class ImportanceChange:
    """How one feature's share of the model's SHAP importance moved at the change point:
    mean share over the windows before it and over those from it on."""

    feature: str
    before: float | None
    after: float
    change: float


@dataclass(frozen=True)
class RootCause:
    """What an alert's page shows under "why": the series that fired with its band, the
    most drifted features and the worst segments in the window it fired, what changed
    around it, and every candidate ranked by its association with the change."""

    alert_id: int
    change_at: datetime | None
    method: str
    series: RulePreview | None
    drifted: tuple[DriftedFeature, ...]
    segments: tuple[SegmentDrop, ...]
    timeline: tuple[TimelineEvent, ...]
    causes: tuple[Cause, ...]
    #: The importance shift around the change (monitors with ``explain_rows``), largest first.
    importance: tuple[ImportanceChange, ...] = ()
