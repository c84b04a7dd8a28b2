"""Why an alert fired: the candidates around its change point, ranked.

The change point is the first window of the alert's firing streak. Every candidate gets an
effect size ``x`` for the step it makes there, mapped to a 0-1 score with ``1 - exp(-x)``:

- a **feature**: its drift score in units of its threshold (``ratio``, ≥ 1 = drifted),
  mean over the windows from the change point on minus the mean before it;
- a **segment**: how much its metric fell (or, for error metrics, rose) from the windows
  before the change point to those from it on, in units of its noise: the larger of its
  spread before and the mean half-width of its 95 % bootstrap intervals (at least 0.02);
- the **importance shift** (monitors that explain their windows): the rise of the
  window's importance shift (total variation from the reference's SHAP profile) in units
  of its spread before (at least 0.02), naming the features whose share moved most;
- a **change** — a model version or promotion, a model version that began scoring the
  predictions (seen in the data: the version each prediction was logged with), a new
  version of the reference dataset, a monitor config change: the step of the alerted
  series at that moment (mean after minus mean before, in units of its spread before),
  times ``exp(-w/3)`` where ``w`` is how many windows before the change point it happened
  (half weight if it came after). A version that began scoring inside a window counts
  that window as after it.

Monitors only; an alert on a run or from code gets its series and an empty ranking.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from headway.alerting.conditions import evaluate
from headway.artifacts import names as artifact_names
from headway.entities.alerts import (
    Alert,
    Cause,
    DriftedFeature,
    ImportanceChange,
    RootCause,
    SegmentDrop,
    TimelineEvent,
)
from headway.entities.monitoring import Monitor, MonitorResult
from headway.errors import HeadwayError
from headway.monitoring.compute import PRIMARY

if TYPE_CHECKING:
    from headway.alerting.service import AlertService

METHOD = (
    "Each candidate is scored by the step it makes at the alert's change point (its first "
    "firing window), as 1 - exp(-x): for a feature, x is the rise of its drift score in "
    "units of its threshold from the windows before to the windows from then on; for a "
    "segment, the fall of its metric over the same split in units of its noise (spread or "
    "bootstrap interval); for the importance shift, the rise of the distance between the "
    "window's SHAP importance profile and the reference's, in units of its spread; "
    "for a change (model version or promotion, a version beginning to score predictions, "
    "dataset version, monitor config), the step "
    "of the alerted series at that moment in units of its spread, discounted by how many "
    "windows before the change point it happened."
)
#: Metrics where a rise is the bad direction.
ERROR_METRICS = frozenset(
    {"mae", "rmse", "mape", "log_loss", "brier", "calibration_error", "fpr", "fnr"}
)
MIN_SPREAD = 0.02
#: Points of the alerted series shown on the alert page.
SHOWN = 60


def root_cause(service: AlertService, alert: Alert) -> RootCause:
    from headway.alerting.service import _preview, _tail, _tail_eval

    rule = service._rule_of(alert)
    change_at = _change_at(alert)
    series = None
    values: list[float] = []
    times: list[datetime] = []
    if rule is not None:
        for w in service.targets.watched(rule):
            if w.scope == alert.scope:
                ev = evaluate(rule.condition, w.series)
                series = _preview(_tail(w, SHOWN), _tail_eval(ev, SHOWN))
                values = [math.nan if v is None else v for v in series.values]
                times = list(series.times)
                break
    monitor_name = alert.source.get("monitor")
    if monitor_name is None or rule is None:
        return RootCause(alert.id, change_at, METHOD, series, (), (), (), ())
    monitor = service.targets.monitoring.get(alert.project, str(monitor_name))
    drift_rows = service.targets.monitoring.results(
        alert.project, monitor.spec.name, kinds=["drift"]
    )
    drifted, feature_causes = _features(drift_rows, change_at, monitor)
    metric = (
        str(alert.source.get("metric"))
        if alert.source.get("kind") == "performance"
        else PRIMARY[monitor.spec.task]
    )
    perf_rows = service.targets.monitoring.results(
        alert.project, monitor.spec.name, kinds=["performance"]
    )
    segments, segment_causes = _segments(perf_rows, metric, change_at)
    explained = service.targets.monitoring.results(
        alert.project, monitor.spec.name, kinds=["explanation", "volume"]
    )
    importance, importance_causes = _importance(explained, change_at, monitor)
    timeline = _timeline(service, monitor, times, change_at)
    timeline = sorted(
        [*timeline, *_serving(service, monitor, explained, times)], key=lambda e: e.at
    )
    event_causes = _events(timeline, values, times, change_at)
    causes = sorted(
        [*feature_causes, *segment_causes, *importance_causes, *event_causes],
        key=lambda c: -c.score,
    )
    return RootCause(
        alert_id=alert.id,
        change_at=change_at,
        method=METHOD,
        series=series,
        drifted=tuple(drifted[:10]),
        segments=tuple(segments[:10]),
        timeline=tuple(timeline),
        causes=tuple(c for c in causes if c.score > 0)[:15],
        importance=tuple(importance[:10]),
    )


def _change_at(alert: Alert) -> datetime | None:
    first = alert.source.get("first_at")
    if isinstance(first, str):
        return datetime.fromisoformat(first)
    return alert.at


def _score(x: float) -> float:
    return 0.0 if not math.isfinite(x) or x <= 0 else round(1.0 - math.exp(-x), 4)


def drift_ratio(r: MonitorResult) -> float:
    """How far past its threshold a drift result is (≥ 1: drifted), for any method: the
    distance over its threshold, or for a test log(p) over log(threshold)."""
    if r.threshold is None or r.threshold <= 0:
        return math.nan
    if r.p_value is not None:
        p = max(float(r.p_value), 1e-300)
        return math.log(p) / math.log(r.threshold) if r.threshold < 1 else math.nan
    return math.nan if r.value is None else float(r.value) / float(r.threshold)


def _split(
    by_window: dict[datetime, float], change_at: datetime | None
) -> tuple[list[float], list[float]]:
    before = [v for t, v in by_window.items() if change_at is not None and t < change_at]
    after = [v for t, v in by_window.items() if change_at is None or t >= change_at]
    return [v for v in before if math.isfinite(v)], [v for v in after if math.isfinite(v)]


def _features(
    rows: Sequence[MonitorResult], change_at: datetime | None, monitor: Monitor
) -> tuple[list[DriftedFeature], list[Cause]]:
    series: dict[str, dict[datetime, float]] = defaultdict(dict)
    at_change: list[DriftedFeature] = []
    for r in rows:
        if r.group != "*":
            continue
        ratio = drift_ratio(r)
        series[r.subject][r.window_start] = ratio
        if change_at is not None and r.window_start == change_at and math.isfinite(ratio):
            at_change.append(
                DriftedFeature(r.subject, r.metric, r.value, r.threshold, r.p_value, ratio)
            )
    at_change.sort(key=lambda d: -d.ratio)
    causes = []
    for feature, by_window in series.items():
        before, after = _split(by_window, change_at)
        if not after:
            continue
        x = float(np.mean(after)) - (float(np.mean(before)) if before else 0.0)
        mean_after = float(np.mean(after))
        causes.append(
            Cause(
                kind="feature",
                subject=feature,
                score=_score(x),
                detail=(
                    f"drift score {mean_after:.2f}x its threshold from the change on"
                    + (f", {float(np.mean(before)):.2f}x before" if before else "")
                ),
                at=change_at,
                link={"monitor": monitor.spec.name, "feature": feature},
            )
        )
    return at_change, causes


def _segments(
    rows: Sequence[MonitorResult], metric: str, change_at: datetime | None
) -> tuple[list[SegmentDrop], list[Cause]]:
    series: dict[tuple[str, str], dict[datetime, float]] = defaultdict(dict)
    noise: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in rows:
        if r.subject == "*" or r.metric != metric or r.value is None:
            continue
        series[(r.subject, r.group)][r.window_start] = float(r.value)
        if r.lower is not None and r.upper is not None:
            noise[(r.subject, r.group)].append((r.upper - r.lower) / 2)
    sign = -1.0 if metric in ERROR_METRICS else 1.0
    drops: list[SegmentDrop] = []
    causes: list[Cause] = []
    for (subject, group), by_window in series.items():
        before, after = _split(by_window, change_at)
        if not before or not after:
            continue
        reference = float(np.mean(before))
        drop = sign * (reference - float(np.mean(after)))
        # A small segment's metric swings from window to window: a drop inside its own
        # bootstrap interval is noise, not a cause.
        half_width = float(np.mean(noise[(subject, group)])) if noise[(subject, group)] else 0.0
        spread = max(float(np.std(before)), half_width, MIN_SPREAD)
        value = by_window.get(change_at) if change_at is not None else None
        drops.append(SegmentDrop(subject, group, metric, value, reference, drop))
        causes.append(
            Cause(
                kind="segment",
                subject=f"{subject}={group}",
                score=_score(drop / spread),
                detail=(
                    f"{metric} {reference:.3f} before the change, {float(np.mean(after)):.3f} after"
                ),
                at=change_at,
                link={"segment": subject, "group": group, "metric": metric},
            )
        )
    drops.sort(key=lambda d: -d.drop)
    return drops, causes


def _importance(
    rows: Sequence[MonitorResult], change_at: datetime | None, monitor: Monitor
) -> tuple[list[ImportanceChange], list[Cause]]:
    shift: dict[datetime, float] = {}
    shares: dict[str, dict[datetime, float]] = defaultdict(dict)
    for r in rows:
        if r.kind != "explanation" or r.value is None:
            continue
        if r.metric == "importance_shift":
            shift[r.window_start] = float(r.value)
        elif r.metric == "importance" and r.detail.get("share") is not None:
            shares[r.subject][r.window_start] = float(r.detail["share"])
    if not shift or change_at is None:
        return [], []
    changes = []
    for feature, by_window in shares.items():
        before, after = _split(by_window, change_at)
        if not after:
            continue
        mean_before = float(np.mean(before)) if before else None
        mean_after = float(np.mean(after))
        changes.append(
            ImportanceChange(feature, mean_before, mean_after, mean_after - (mean_before or 0.0))
        )
    changes.sort(key=lambda c: -abs(c.change))
    before, after = _split(shift, change_at)
    if not before or not after:
        return changes, []
    x = (float(np.mean(after)) - float(np.mean(before))) / max(float(np.std(before)), MIN_SPREAD)
    moved = ", ".join(
        f"{c.feature} {c.before or 0:.0%} → {c.after:.0%}" for c in changes[:3] if c.before
    )
    return changes, [
        Cause(
            kind="importance",
            subject="importance shift" + (f": {changes[0].feature}" if changes else ""),
            score=_score(x),
            detail=(
                f"the model's SHAP importance moved {float(np.mean(after)):.2f} from the "
                f"reference's from the change on ({float(np.mean(before)):.2f} before)"
                + (f"; shares {moved}" if moved else "")
            ),
            at=change_at,
            link={"monitor": monitor.spec.name, "tab": "explanations"},
        )
    ]


def _serving(
    service: AlertService,
    monitor: Monitor,
    rows: Sequence[MonitorResult],
    times: Sequence[datetime],
) -> list[TimelineEvent]:
    """The model versions that began scoring predictions inside the shown windows."""
    if not times:
        return []
    first: dict[int, datetime] = {}
    for r in rows:
        if r.kind != "volume" or r.subject != "model_version" or not r.group.isdigit():
            continue
        at = datetime.fromisoformat(str(r.detail.get("first_at") or r.window_start.isoformat()))
        version = int(r.group)
        first[version] = min(first.get(version, at), at)
    model = (monitor.spec.model or "").split("@")[0].split(":")[0]
    promoted: dict[int, str] = {}
    if model and first:
        try:
            history = service.targets.registry.history(model)
        except HeadwayError:
            history = []
        followed = (monitor.spec.model or "").partition("@")[2]
        for e in history:
            if e.action != "alias_set" or e.version is None or not e.alias:
                continue
            # The alias the monitor follows names the promotion; any other, a link.
            if e.alias == followed or int(e.version) not in promoted:
                promoted[int(e.version)] = str(e.alias)
    opened = min(times)
    events = []
    for version, at in sorted(first.items(), key=lambda kv: kv[1]):
        # A version scoring from the first shown window is the status quo, not a change.
        if at < opened + (times[1] - times[0] if len(times) > 1 else timedelta(0)):
            continue
        alias = promoted.get(version)
        events.append(
            TimelineEvent(
                at,
                "model_serving",
                f"{model or 'model'} v{version} began scoring predictions"
                + (f" (moved to @{alias} in the registry)" if alias else ""),
                {"model": model, "version": version, "alias": alias},
            )
        )
    return events


def _timeline(
    service: AlertService,
    monitor: Monitor,
    times: Sequence[datetime],
    change_at: datetime | None,
) -> list[TimelineEvent]:
    if not times:
        return []
    start = min(times) - timedelta(days=7)
    end = (change_at or max(times)) + timedelta(days=7)
    events: list[TimelineEvent] = []
    model = (monitor.spec.model or "").split("@")[0].split(":")[0]
    if model:
        try:
            history = service.targets.registry.history(model, until=end)
        except HeadwayError:
            history = []
        for e in history:
            if e.at < start or e.action not in ("version_created", "alias_set"):
                continue
            text = (
                f"{model} v{e.version} registered"
                if e.action == "version_created"
                else f"{model}@{e.alias} moved to v{e.version}"
                + (f" (was v{e.previous_version})" if e.previous_version else "")
            )
            events.append(
                TimelineEvent(
                    e.at,
                    e.action,
                    text,
                    {"model": model, "version": e.version, "alias": e.alias},
                )
            )
    events += _dataset_versions(service, monitor, start, end)
    if monitor.config_version > 1 and start <= monitor.updated_at <= end:
        events.append(
            TimelineEvent(
                monitor.updated_at,
                "monitor_config",
                f"monitor {monitor.spec.name} config changed (version {monitor.config_version})",
                {"monitor": monitor.spec.name},
            )
        )
    return sorted(events, key=lambda e: e.at)


def _dataset_versions(
    service: AlertService, monitor: Monitor, start: datetime, end: datetime
) -> Iterable[TimelineEvent]:
    if not monitor.reference_ref:
        return []
    try:
        sel = artifact_names.parse_selector(monitor.reference_ref, default_project=monitor.project)
        versions = service.targets.monitoring.artifacts.list_versions(
            sel.project or monitor.project, sel.name
        )
    except HeadwayError:
        return []
    return [
        TimelineEvent(
            v.created_at,
            "dataset_version",
            f"dataset {v.name}:v{v.version} created",
            {"project": v.project, "artifact": v.name, "version": v.version},
        )
        for v in versions
        if start <= v.created_at <= end
    ]


def _events(
    timeline: Sequence[TimelineEvent],
    values: Sequence[float],
    times: Sequence[datetime],
    change_at: datetime | None,
) -> list[Cause]:
    if len(times) < 3 or change_at is None:
        return []
    s = np.asarray(values, dtype=float)
    stamps = np.asarray([t.timestamp() for t in times])
    step = float(np.median(np.diff(stamps))) if len(stamps) > 1 else 86_400.0
    causes = []
    for e in timeline:
        k = int(np.searchsorted(stamps, e.at.timestamp()))
        anchor = e.at.timestamp()
        if e.kind == "model_serving" and k > 0:
            # Its first window already holds its predictions: that window is "after".
            k = int(np.searchsorted(stamps, e.at.timestamp(), side="right")) - 1
            anchor = float(stamps[k])
        before, after = s[:k], s[k:]
        before, after = before[np.isfinite(before)], after[np.isfinite(after)]
        if len(before) == 0 or len(after) == 0:
            continue
        spread = max(float(np.std(before)), 1e-9 + MIN_SPREAD * abs(float(np.mean(before))))
        x = abs(float(np.mean(after)) - float(np.mean(before))) / spread
        windows_before = (change_at.timestamp() - anchor) / step
        weight = math.exp(-max(0.0, windows_before - 1) / 3) if windows_before >= 0 else 0.5
        causes.append(
            Cause(
                kind="event",
                subject=e.text,
                score=round(_score(x) * weight, 4),
                detail=(
                    f"the alerted series moved {x:.1f}x its spread at this change, "
                    f"{max(windows_before, 0):.1f} windows before the alert's change point"
                ),
                at=e.at,
                link=e.link,
            )
        )
    return causes
