"""The series a rule watches: one per scope (a monitor's feature, a run), built from storage.

A monitor target gives one series per (monitor, subject, group, metric) of its results, one
point per window, carrying each window's verdict and the reference value when the results
have one. A runs target gives one series per matching run: the metric by step, or, for
``metric="_state"``, a single point whose verdict is the run's state (``stalled`` when a
running run has not been heard from for ``stall_minutes``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from headway.alerting.conditions import Series
from headway.entities.alerts import AlertRule, RuleTarget
from headway.entities.monitoring import Monitor, MonitorResult
from headway.entities.search import SearchQuery
from headway.errors import InvalidArgument, NotFound
from headway.monitoring.service import MonitoringService
from headway.registry.service import RegistryService
from headway.tracking.service import TrackingService

#: The latest points a rule looks at per scope (anomaly bands need history, not all of it).
MAX_POINTS = 1000
#: Runs a runs target looks at (newest first).
MAX_RUNS = 500
STATE_METRIC = "_state"
_EPOCH = np.datetime64(0, "us")


@dataclass(frozen=True)
class Watched:
    """One scope's series and what each point refers to."""

    scope: str
    label: str
    series: Series
    #: Per point: the window it summarises (monitors) or the step (runs).
    window_ends: tuple[datetime | None, ...] = ()
    steps: tuple[int | None, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)


class Targets:
    def __init__(
        self,
        monitoring: MonitoringService,
        tracking: TrackingService,
        registry: RegistryService,
    ) -> None:
        self.monitoring = monitoring
        self.tracking = tracking
        self.registry = registry

    def check(self, project: str, target: RuleTarget) -> None:
        """Raise InvalidArgument/NotFound if the target names what does not exist."""
        if target.type == "monitor":
            self.monitoring.get(project, str(target.monitor))
        elif target.type == "model":
            name, _, alias = str(target.model).partition("@")
            self.registry.get_version(name, alias or "latest")

    def watched(self, rule: AlertRule, *, now: datetime | None = None) -> list[Watched]:
        target = rule.target
        if target.type == "runs":
            return self._runs(rule.project, target, now or datetime.now(UTC))
        found: list[Watched] = []
        for monitor in self.monitors(rule.project, target):
            found += self._monitor(monitor, target)
        return found

    def monitors(self, project: str, target: RuleTarget) -> list[Monitor]:
        if target.type == "monitor":
            return [self.monitoring.get(project, str(target.monitor))]
        name, _, alias = str(target.model).partition("@")
        try:
            current = self.registry.get_version(name, alias or "latest").version
        except NotFound:
            return []
        chosen = []
        for monitor in self.monitoring.monitors(project):
            model = monitor.spec.model or ""
            if model.split("@")[0].split(":")[0] != name:
                continue
            # Follows the alias: a monitor of the version that holds it now, or one that
            # names the alias itself.
            if monitor.model_version == current or model == target.model:
                chosen.append(monitor)
        return chosen

    # -- monitors -------------------------------------------------------------------------
    def _monitor(self, monitor: Monitor, target: RuleTarget) -> list[Watched]:
        spec = monitor.spec
        kinds = [target.kind] if target.kind else []
        subject = target.subject if target.subject not in (None, "") else None
        results = self.monitoring.results(spec.project, spec.name, kinds=kinds, subject=subject)
        groups: dict[tuple[str, str, str, str], list[MonitorResult]] = defaultdict(list)
        for r in results:
            if target.group != "*" and r.group != target.group:
                continue
            if target.group == "*" and r.group != "*":
                continue
            if target.metric and r.metric != target.metric:
                continue
            groups[(r.kind, r.subject, r.group, r.metric)].append(r)
        watched = []
        for (kind, subj, group, metric), rows in sorted(groups.items()):
            rows = sorted(rows, key=lambda r: r.window_start)[-MAX_POINTS:]
            reference = next(
                (
                    float(r.detail["reference"])
                    for r in rows
                    # A reference that could not be measured (a group absent from the
                    # reference data) is NaN: no reference, not a broken rule.
                    if isinstance(r.detail.get("reference"), int | float)
                    and math.isfinite(r.detail["reference"])
                ),
                None,
            )
            series = Series.build(
                [r.window_start for r in rows],
                [math.nan if r.value is None else r.value for r in rows],
                verdicts=[r.verdict for r in rows],
                reference=reference,
            )
            what = kind if subj == "*" else f"{kind} of {subj}"
            if group != "*":
                what += f" ({group})"
            watched.append(
                Watched(
                    scope=f"monitor:{spec.name}/{kind}/{subj}/{group}/{metric}",
                    label=f"{spec.name} · {what} · {metric}",
                    series=series,
                    window_ends=tuple(r.window_end for r in rows),
                    steps=tuple(None for _ in rows),
                    source={
                        "monitor": spec.name,
                        "kind": kind,
                        "subject": subj,
                        "group": group,
                        "metric": metric,
                        "model": spec.model,
                        "model_version": monitor.model_version,
                    },
                )
            )
        return watched

    # -- runs -----------------------------------------------------------------------------
    def _runs(self, project: str, target: RuleTarget, now: datetime) -> list[Watched]:
        metric = target.metric
        if not metric:
            raise InvalidArgument("a runs target needs metric= (or '_state')")
        page = self.tracking.search_runs(
            SearchQuery(
                project=project,
                filter=target.filter or "",
                order=("-created_at",),
                limit=MAX_RUNS,
            )
        )
        watched = []
        for run in page.runs:
            source = {"run": run.id, "run_name": run.name, "metric": metric}
            if metric == STATE_METRIC:
                state = str(run.state)
                heard = run.heartbeat_at or run.updated_at
                if (
                    state == "running"
                    and target.stall_minutes
                    and heard is not None
                    and now - heard > timedelta(minutes=target.stall_minutes)
                ):
                    state = "stalled"
                series = Series.build([now], [math.nan], verdicts=[state])
                watched.append(
                    Watched(
                        scope=f"run:{run.id}/{metric}",
                        label=f"run {run.name or run.id} · state",
                        series=series,
                        window_ends=(None,),
                        steps=(None,),
                        source={**source, "state": state},
                    )
                )
                continue
            min_step = None if target.after_step is None else target.after_step + 1
            history = self.tracking.get_history(run.id, [metric], min_step=min_step).get(metric)
            if history is None or len(history) == 0:
                continue
            steps = np.asarray(history.steps[-MAX_POINTS:], dtype=np.int64)
            # Steps order a run's points; they become the times the engine orders by.
            times = _EPOCH + steps.astype("timedelta64[us]")
            series = Series.build(times, np.asarray(history.values[-MAX_POINTS:], dtype=float))
            watched.append(
                Watched(
                    scope=f"run:{run.id}/{metric}",
                    label=f"run {run.name or run.id} · {metric}",
                    series=series,
                    window_ends=tuple(None for _ in steps),
                    steps=tuple(int(s) for s in series_steps(series)),
                    source=source,
                )
            )
        return watched


def series_steps(series: Series) -> np.ndarray:
    """The steps of a runs series (its times are steps after the epoch, in µs)."""
    return (series.times - _EPOCH).astype("timedelta64[us]").astype(np.int64)
