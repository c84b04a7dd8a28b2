"""The sweep domain service: hands out trials, judges them, and ends the search.

Agents are clients: they ask ``next_trial``, link the run they start, report the sweep
metric's intermediate values and heartbeat while it runs, and say how it ended. All
state is in the store, so agents may be anywhere and servers restart freely.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from headway.entities.sweeps import (
    CONTENDED,
    SWEEP_ACTIONS,
    ContourGrid,
    Sweep,
    SweepImportance,
    SweepState,
    Trial,
    TrialAssignment,
    TrialDirective,
    TrialState,
)
from headway.errors import Conflict, InvalidArgument, NotFound
from headway.store.sql.store import SqlStore
from headway.store.sql.sweeps import StoredSweep, StoredTrial
from headway.sweeps import analysis, engine, space
from headway.sweeps.config import SweepSpec, parse_sweep_config
from headway.tracking import validation as v
from headway.tracking.names import new_run_id
from headway.tracking.service import TrackingService

log = logging.getLogger("headway")

#: How often a worker looks for trials whose agent stopped heartbeating.
EXPIRE_EVERY = 5.0
#: Points one report may carry.
MAX_REPORT_POINTS = 10_000
#: Attempts at creating a trial before telling the agent to ask again.
_CAS_ATTEMPTS = 50
_ACTIVE = ("running", "queued")


def _now() -> datetime:
    return datetime.now(UTC)


class SweepService:
    def __init__(
        self,
        store: SqlStore,
        tracking: TrackingService,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.tracking = tracking
        self.clock = clock
        self._specs: dict[str, SweepSpec] = {}
        self._specs_lock = threading.Lock()
        # Agents asking at once decide one after the other, per sweep: each sees the
        # trial the previous one created, so no sampling is thrown away. A lock per
        # process here, and one across processes in the store; the store's
        # compare-and-set on insert keeps trials distinct whatever happens to locks.
        self._deciding: dict[str, threading.Lock] = {}

    # -- sweeps -----------------------------------------------------------------------------
    def create(
        self,
        project: str | None,
        config: dict[str, Any],
        *,
        name: str | None = None,
        paused: bool = False,
    ) -> Sweep:
        spec = parse_sweep_config(config)
        project_name = project or spec.project
        if project_name is None:
            raise InvalidArgument(
                "a sweep needs a project: pass project=..., or set project: in the sweep file"
            )
        v.project_name(project_name)
        if name is not None:
            name = v.run_name(name)
        sweep_id = new_run_id()
        stored = self.store.sweeps.create(
            sweep_id,
            project_name,
            name or spec.name or sweep_id,
            spec.raw,
            (SweepState.PAUSED if paused else SweepState.RUNNING).value,
            self.clock(),
        )
        return self._sweep(stored, [])

    def get(self, sweep_id: str) -> Sweep:
        stored, trials = self.store.sweeps.snapshot(self._id(sweep_id))
        return self._sweep(stored, trials)

    def of_project(self, project: str) -> list[Sweep]:
        v.project_name(project)
        out = []
        for stored in self.store.sweeps.of_project(project):
            _, trials = self.store.sweeps.snapshot(stored.id)
            out.append(self._sweep(stored, trials))
        return out

    def act(self, sweep_id: str, action: str) -> Sweep:
        """``pause``, ``resume``, ``stop`` (no new trials; running ones finish) or
        ``cancel`` (running trials are told to stop too)."""
        sweep_id = self._id(sweep_id)
        if action not in SWEEP_ACTIONS:
            raise InvalidArgument(
                f"action must be one of {', '.join(SWEEP_ACTIONS)}, got {action!r}"
            )
        now = self.clock()
        current = self.store.sweeps.get(sweep_id)
        state = SweepState(current.state)
        if action == "pause":
            if state is not SweepState.RUNNING:
                raise Conflict(f"sweep {sweep_id} is {state}; only a running sweep pauses")
            self.store.sweeps.set_state(sweep_id, SweepState.PAUSED, "paused", now)
        elif action == "resume":
            if state is SweepState.CANCELLED:
                raise Conflict(f"sweep {sweep_id} was cancelled; a cancelled sweep stays so")
            # A finished sweep resumes too (one that was stopped); if nothing is left to
            # try, the next agent to ask finishes it again, saying why.
            self.store.sweeps.set_state(sweep_id, SweepState.RUNNING, "", now)
        elif state not in (SweepState.RUNNING, SweepState.PAUSED):
            raise Conflict(
                f"sweep {sweep_id} is already {state}"
                + (f" ({current.message})" if current.message else "")
            )
        elif action == "stop":
            self.store.sweeps.set_state(sweep_id, SweepState.FINISHED, "stopped", now)
        else:
            self.store.sweeps.set_state(sweep_id, SweepState.CANCELLED, "cancelled", now)
            _, trials = self.store.sweeps.snapshot(sweep_id)
            for t in trials:
                if t.state in _ACTIVE:
                    self.store.sweeps.update_trial(
                        sweep_id,
                        t.number,
                        only_states=_ACTIVE,
                        state=TrialState.CANCELLED.value,
                        finished_at=now,
                        message="the sweep was cancelled",
                    )
        return self.get(sweep_id)

    def delete(self, sweep_id: str) -> None:
        """Forget the sweep and its trials; the runs stay."""
        self.store.sweeps.delete(self._id(sweep_id))

    def trials(self, sweep_id: str, *, intermediate: bool = True) -> list[Trial]:
        """Every trial; without ``intermediate`` values (a large sweep's bulk) if asked."""
        _, trials = self.store.sweeps.snapshot(self._id(sweep_id), intermediate=intermediate)
        return [self._trial(t) for t in trials]

    def trial(self, sweep_id: str, number: int) -> Trial:
        return self._trial(self.store.sweeps.get_trial(self._id(sweep_id), self._number(number)))

    # -- agents -----------------------------------------------------------------------------
    def next_trial(self, sweep_id: str, agent: str) -> TrialAssignment:
        """A trial for ``agent`` to run, or why there is none (``wait`` or ``done``)."""
        sweep_id = self._id(sweep_id)
        agent = self._agent(agent)
        self.expire_stale(sweep_id)
        with self._specs_lock:
            deciding = self._deciding.setdefault(sweep_id, threading.Lock())
        with deciding, self.store.sweeps.deciding(sweep_id):
            return self._next_trial(sweep_id, agent)

    def _next_trial(self, sweep_id: str, agent: str) -> TrialAssignment:
        for attempt in range(_CAS_ATTEMPTS):
            stored, trials = self.store.sweeps.snapshot(sweep_id)
            spec = self._spec(stored)
            if stored.state == SweepState.PAUSED:
                return TrialAssignment("wait", reason="the sweep is paused")
            if stored.state in (SweepState.FINISHED, SweepState.CANCELLED):
                return TrialAssignment(
                    "done", sweep=self._sweep(stored, trials), reason=stored.message or stored.state
                )
            queued = [t for t in trials if t.state == TrialState.QUEUED]
            if queued:
                now = self.clock()
                if self.store.sweeps.claim_queued(sweep_id, queued[0].number, agent, now):
                    trial = self.store.sweeps.get_trial(sweep_id, queued[0].number)
                    return TrialAssignment("run", trial=self._trial(trial))
                continue
            exhausted = self._exhausted(spec, trials)
            if exhausted:
                running = any(t.state == TrialState.RUNNING for t in trials)
                if running and spec.max_retries:
                    return TrialAssignment(
                        "wait", reason=f"{exhausted}; waiting in case a running trial is retried"
                    )
                if not running:
                    self.store.sweeps.set_state(
                        sweep_id,
                        SweepState.FINISHED,
                        exhausted,
                        self.clock(),
                        only_from=("running",),
                    )
                return TrialAssignment("done", reason=exhausted)
            records = [self._record(t) for t in trials]
            asked = engine.ask(spec, sweep_id, records, stored.study_attrs)
            created = self.store.sweeps.insert_trial(
                sweep_id,
                expected_version=stored.version,
                state=TrialState.RUNNING.value,
                searched=asked.searched,
                config=space.to_config(spec, asked.searched),
                system_attrs=asked.system_attrs,
                study_attrs=asked.study_attrs,
                now=self.clock(),
                agent=agent,
            )
            if created is not None:
                return TrialAssignment("run", trial=self._trial(created))
            engine.not_stored(spec, sweep_id)
            # Another agent got a trial from the same view: look again, a moment apart.
            time.sleep(random.random() * 0.01 * min(attempt + 1, 5))
        return TrialAssignment("wait", reason=CONTENDED)

    def start_trial(self, sweep_id: str, number: int, run_id: str) -> Trial:
        """Link the run an agent started for the trial."""
        sweep_id, number = self._id(sweep_id), self._number(number)
        v.run_id(run_id)
        now = self.clock()
        stored, _ = self.store.sweeps.update_trial(
            sweep_id, number, only_states=("running",), run_id=run_id, heartbeat_at=now
        )
        return self._trial(stored)

    def heartbeat(self, sweep_id: str, number: int) -> TrialDirective:
        sweep_id, number = self._id(sweep_id), self._number(number)
        stored, changed = self.store.sweeps.update_trial(
            sweep_id, number, only_states=("running",), heartbeat_at=self.clock()
        )
        return TrialDirective("continue") if changed else _directive(stored)

    def report(
        self,
        sweep_id: str,
        number: int,
        points: Sequence[tuple[int, float]],
        *,
        judge: bool = True,
    ) -> TrialDirective:
        """Record intermediate values of the sweep's (first) metric and judge the trial.

        ``judge=False`` only records them: a run's last points, sent as it ends, still
        count for judging later trials but cannot prune a trial that has finished.
        """
        sweep_id, number = self._id(sweep_id), self._number(number)
        clean = _points(points)
        stored, changed = self.store.sweeps.update_trial(
            sweep_id, number, only_states=("running",), points=clean, heartbeat_at=self.clock()
        )
        if not changed:
            return _directive(stored)
        sweep, trials = self.store.sweeps.snapshot(sweep_id, intermediate=True)
        spec = self._spec(sweep)
        if spec.early_terminate is None or not clean or not judge:
            return TrialDirective("continue")
        records = [self._record(t) for t in trials]
        if not engine.should_prune(spec, sweep_id, records, sweep.study_attrs, number):
            return TrialDirective("continue")
        step = max(stored.intermediate) if stored.intermediate else clean[-1][0]
        value = stored.intermediate.get(step, clean[-1][1])
        reason = (
            f"pruned at step {step} by the {spec.early_terminate.type.replace('_', ' ')} "
            f"rule ({spec.metrics[0].name} = {value:.6g})"
        )
        self.store.sweeps.update_trial(
            sweep_id,
            number,
            only_states=("running",),
            state=TrialState.PRUNED.value,
            values=[value],
            finished_at=self.clock(),
            message=reason,
        )
        self._settle(sweep_id)
        return TrialDirective("prune", reason)

    def finish_trial(
        self,
        sweep_id: str,
        number: int,
        state: str,
        *,
        run_id: str | None = None,
        error: str = "",
    ) -> Trial:
        """End a trial as ``finished`` (its values are read from the run's summary) or
        ``failed``; a trial that already ended (pruned, cancelled) keeps its state."""
        sweep_id, number = self._id(sweep_id), self._number(number)
        if state not in ("finished", "failed"):
            raise InvalidArgument(f"a trial finishes as finished or failed, got {state!r}")
        if run_id is not None:
            v.run_id(run_id)
        sweep = self.store.sweeps.get(sweep_id)
        spec = self._spec(sweep)
        current = self.store.sweeps.get_trial(sweep_id, number)
        run_id = run_id or current.run_id
        if current.state not in _ACTIVE:
            if run_id and not current.run_id:
                current, _ = self.store.sweeps.update_trial(sweep_id, number, run_id=run_id)
            return self._trial(current)
        values: list[float | None] | None = None
        message = str(error or "")[:10_000]
        if state == "finished":
            values, problem = self._values(spec, run_id)
            if problem:
                state, message = "failed", problem
        trial, changed = self.store.sweeps.update_trial(
            sweep_id,
            number,
            only_states=_ACTIVE,
            state=state,
            values=values,
            run_id=run_id,
            finished_at=self.clock(),
            message=message,
        )
        if changed and state == "failed":
            self._retry(sweep, spec, trial)
        if changed:
            self._settle(sweep_id)
        return self._trial(trial)

    def expire_stale(self, sweep_id: str | None = None) -> int:
        """Fail running trials whose agent stopped heartbeating (and queue retries)."""
        now = self.clock()
        expired = 0
        # One sweep: its own timeout, in SQL. All sweeps (a worker's periodic check): any
        # trial silent for a second, then each against its sweep's timeout.
        limit = self._spec_of(sweep_id).heartbeat_timeout if sweep_id is not None else 1.0
        for sid, number, beat in self.store.sweeps.stale_trials(
            now - timedelta(seconds=limit), sweep_id
        ):
            try:
                spec = self._spec_of(sid)
            except NotFound:
                continue
            silent = (now - beat).total_seconds()
            if silent < spec.heartbeat_timeout:
                continue
            self.finish_trial(
                sid,
                number,
                "failed",
                error=(
                    f"no heartbeat for {silent:.0f} s (limit {spec.heartbeat_timeout:g} s): "
                    "the agent, its machine or the network stopped"
                ),
            )
            expired += 1
        return expired

    # -- analysis ---------------------------------------------------------------------------
    def importance(
        self, sweep_id: str, metric: str | None = None, method: str = "fanova"
    ) -> SweepImportance:
        stored, trials = self.store.sweeps.snapshot(self._id(sweep_id))
        spec = self._spec(stored)
        records = [self._record(t) for t in trials]
        return analysis.importance(spec, stored.id, records, metric, method)

    def contour(
        self, sweep_id: str, x_param: str, y_param: str, metric: str | None = None
    ) -> ContourGrid:
        stored, trials = self.store.sweeps.snapshot(self._id(sweep_id))
        spec = self._spec(stored)
        return analysis.contour(spec, [self._trial(t) for t in trials], x_param, y_param, metric)

    # -- helpers ----------------------------------------------------------------------------
    def _id(self, sweep_id: str) -> str:
        if not isinstance(sweep_id, str) or not sweep_id or len(sweep_id) > 16:
            raise InvalidArgument(f"invalid sweep id {sweep_id!r}")
        return sweep_id

    @staticmethod
    def _number(number: int) -> int:
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise InvalidArgument(f"a trial number is a whole number >= 0, got {number!r}")
        return number

    @staticmethod
    def _agent(agent: str) -> str:
        if not isinstance(agent, str) or not agent.strip() or len(agent) > 256:
            raise InvalidArgument("agent must be a non-empty name of at most 256 characters")
        return agent

    def _spec_of(self, sweep_id: str) -> SweepSpec:
        with self._specs_lock:
            spec = self._specs.get(sweep_id)
        if spec is None:
            spec = parse_sweep_config(self.store.sweeps.config(sweep_id))
            with self._specs_lock:
                self._specs[sweep_id] = spec
        return spec

    def _spec(self, stored: StoredSweep) -> SweepSpec:
        with self._specs_lock:
            spec = self._specs.get(stored.id)
        if spec is None:
            spec = parse_sweep_config(stored.config)
            with self._specs_lock:
                self._specs[stored.id] = spec
        return spec

    @classmethod
    def _exhausted(cls, spec: SweepSpec, trials: Sequence[StoredTrial]) -> str:
        return cls._exhausted_count(spec, sum(1 for t in trials if t.retry_of is None))

    @staticmethod
    def _exhausted_count(spec: SweepSpec, first_tries: int) -> str:
        if spec.run_cap is not None and first_tries >= spec.run_cap:
            return f"reached its run cap of {spec.run_cap}"
        size = spec.space_size
        if size is not None and first_tries >= size:
            return f"tried every one of the grid's {size} points"
        return ""

    def _values(self, spec: SweepSpec, run_id: str | None) -> tuple[list[float | None] | None, str]:
        if not spec.metrics:
            return None, ""
        if run_id is None:
            return None, "no run was linked to the trial (did the program call headway.init?)"
        try:
            run = self.tracking.get_run(run_id)
        except NotFound:
            return None, f"the trial's run {run_id} does not exist"
        values: list[float | None] = []
        for metric in spec.metrics:
            value = run.summary.get(metric.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None, f"the run ended without logging {metric.name!r}"
            if not math.isfinite(value):
                return None, f"{metric.name} is {value} at the end of the run"
            values.append(float(value))
        return values, ""

    def _retry(self, sweep: StoredSweep, spec: SweepSpec, trial: StoredTrial) -> None:
        if trial.attempt >= spec.max_retries or sweep.state == SweepState.CANCELLED:
            return
        self.store.sweeps.insert_trial(
            sweep.id,
            expected_version=None,
            state=TrialState.QUEUED.value,
            searched=trial.searched,
            config=trial.config,
            system_attrs=trial.system_attrs,
            study_attrs=None,
            now=self.clock(),
            retry_of=trial.retry_of if trial.retry_of is not None else trial.number,
            attempt=trial.attempt + 1,
        )

    def _settle(self, sweep_id: str) -> None:
        """Finish the sweep once a target is reached or nothing is left to run."""
        stored, first_tries, active = self.store.sweeps.progress(sweep_id)
        if stored.state not in (SweepState.RUNNING, SweepState.PAUSED):
            return
        spec = self._spec(stored)
        metric = spec.metrics[0] if len(spec.metrics) == 1 else None
        if metric is not None and metric.target is not None:
            _, trials = self.store.sweeps.snapshot(sweep_id)
            for t in trials:
                value = (t.values or [None])[0] if t.state == TrialState.FINISHED else None
                if value is None:
                    continue
                hit = (
                    value <= metric.target if metric.goal == "minimize" else value >= metric.target
                )
                if hit:
                    reason = (
                        f"trial {t.number} reached the target {metric.name} = {metric.target:g}"
                    )
                    self.store.sweeps.set_state(sweep_id, SweepState.FINISHED, reason, self.clock())
                    return
        exhausted = self._exhausted_count(spec, first_tries)
        if exhausted and not active:
            self.store.sweeps.set_state(
                sweep_id, SweepState.FINISHED, exhausted, self.clock(), only_from=("running",)
            )

    def _sweep(self, stored: StoredSweep, trials: Sequence[StoredTrial]) -> Sweep:
        spec = self._spec(stored)
        public = [self._trial(t) for t in trials]
        return Sweep(
            id=stored.id,
            project=stored.project,
            name=stored.name,
            config=stored.config,
            method=spec.method,
            metrics=spec.metrics,
            state=SweepState(stored.state),
            created_at=stored.created_at,
            updated_at=stored.updated_at,
            description=spec.description,
            run_cap=spec.run_cap,
            counts=dict(stored.counts),
            space_size=spec.space_size,
            best=analysis.best_trials(spec.metrics, public),
            message=stored.message,
        )

    @staticmethod
    def _trial(t: StoredTrial) -> Trial:
        return Trial(
            sweep_id=t.sweep_id,
            number=t.number,
            state=TrialState(t.state),
            config=t.config,
            created_at=t.created_at,
            values=tuple(t.values) if t.values is not None else None,
            run_id=t.run_id,
            agent=t.agent,
            started_at=t.started_at,
            heartbeat_at=t.heartbeat_at,
            finished_at=t.finished_at,
            retry_of=t.retry_of,
            attempt=t.attempt,
            message=t.message,
            intermediate=dict(t.intermediate),
        )

    @staticmethod
    def _record(t: StoredTrial) -> engine.TrialRecord:
        return engine.TrialRecord(
            number=t.number,
            state=TrialState(t.state),
            searched=t.searched,
            values=tuple(t.values) if t.values is not None else None,
            intermediate=t.intermediate,
            system_attrs=t.system_attrs,
            started_at=t.started_at or t.created_at,
            finished_at=t.finished_at,
            retry_of=t.retry_of,
        )


def _directive(trial: StoredTrial) -> TrialDirective:
    state = TrialState(trial.state)
    if state is TrialState.PRUNED:
        return TrialDirective("prune", trial.message)
    if state is TrialState.RUNNING:
        return TrialDirective("continue")
    return TrialDirective("stop", trial.message or f"the trial is {state}")


def _points(points: Sequence[Any]) -> list[tuple[int, float]]:
    if not isinstance(points, list | tuple):
        raise InvalidArgument("points must be a list of [step, value] pairs")
    if len(points) > MAX_REPORT_POINTS:
        raise InvalidArgument(f"at most {MAX_REPORT_POINTS} points per report, got {len(points)}")
    clean: list[tuple[int, float]] = []
    for i, point in enumerate(points):
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise InvalidArgument(f"points[{i}] must be a [step, value] pair, got {point!r}")
        step, value = point
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise InvalidArgument(f"points[{i}]: step must be a whole number >= 0, got {step!r}")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidArgument(f"points[{i}]: value must be a finite number, got {value!r}")
        clean.append((step, float(value)))
    return clean
