"""The trial a process is running for a sweep, and the thread that keeps the sweep told.

An agent running a function makes its trial *active* in-process; an agent running a
command passes it to the child in ``HEADWAY_SWEEP_TRIAL``. Either way ``headway.init``
finds it, gives the run the trial's config and links the two. While the trial runs, a
:class:`TrialReporter` sends the sweep metric's new points (the pruner judges them) or a
heartbeat, and hands a ``prune``/``stop`` answer to the run, whose next ``log`` raises
:class:`TrialPruned` (or :class:`TrialStopped`) so the training stops where it is.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from headway.backend.base import BaseBackend
from headway.entities import Series
from headway.entities.sweeps import TrialDirective

log = logging.getLogger("headway")

#: The environment variable a command agent passes its trial in.
TRIAL_ENV = "HEADWAY_SWEEP_TRIAL"
#: Seconds between reports of new points (they are batched in between).
REPORT_EVERY = 0.5


class TrialStopped(Exception):
    """Raised by ``run.log`` in a trial the sweep stopped (cancelled). The run ends as
    killed; an agent goes on to the next trial."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TrialPruned(TrialStopped):
    """Raised by ``run.log`` in a trial the early-termination rule pruned. Let it
    propagate (or catch it to clean up): the run ends as ``pruned``."""


@dataclass
class TrialContext:
    sweep_id: str
    number: int
    project: str
    config: dict[str, Any]
    #: The sweep's first metric (its points are reported), if it has one.
    metric: str | None = None
    #: Whether the sweep prunes (points are only reported then).
    prunes: bool = False
    heartbeat_timeout: float = 120.0
    #: Store folder / server the agent uses, for ``init`` without its own.
    dir: str | None = None
    url: str | None = None
    run_id: str | None = None
    #: The run linked to the trial (a ``headway.Run``), once ``init`` made it.
    run: Any = field(default=None, repr=False)
    reporter: TrialReporter | None = field(default=None, repr=False)
    _completed: bool = field(default=False, repr=False)

    def to_env(self) -> str:
        return json.dumps(
            {
                "sweep": self.sweep_id,
                "number": self.number,
                "project": self.project,
                "config": self.config,
                "metric": self.metric,
                "prunes": self.prunes,
                "heartbeat_timeout": self.heartbeat_timeout,
            }
        )

    @classmethod
    def from_env(cls, text: str) -> TrialContext:
        d = json.loads(text)
        return cls(
            sweep_id=str(d["sweep"]),
            number=int(d["number"]),
            project=str(d["project"]),
            config=dict(d.get("config") or {}),
            metric=d.get("metric"),
            prunes=bool(d.get("prunes")),
            heartbeat_timeout=float(d.get("heartbeat_timeout") or 120.0),
        )

    def complete(
        self, backend: BaseBackend | None, state: str, *, error: str = "", run_id: str | None = None
    ) -> None:
        """Tell the sweep how the trial ended, once; a failure to reach it is a warning."""
        if self._completed:
            return
        self._completed = True
        if self.reporter is not None:
            self.reporter.stop()
        if backend is None:
            return
        try:
            backend.sweeps.finish_trial(
                self.sweep_id, self.number, state, run_id=run_id or self.run_id, error=error
            )
        except Exception as exc:
            log.warning(
                "headway: could not tell sweep %s how trial %d ended (%s); its heartbeat "
                "will run out and the sweep will mark it failed",
                self.sweep_id,
                self.number,
                exc,
            )


_active: TrialContext | None = None
_lock = threading.Lock()


def activate(context: TrialContext | None) -> None:
    global _active
    with _lock:
        _active = context


def active() -> TrialContext | None:
    """The trial this process runs: set by an in-process agent, else from the environment."""
    with _lock:
        if _active is not None:
            return _active
    text = os.environ.get(TRIAL_ENV)
    if not text:
        return None
    try:
        context = TrialContext.from_env(text)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("headway: ignoring a malformed %s (%s)", TRIAL_ENV, exc)
        return None
    activate(context)
    return context


class TrialReporter:
    """Sends a trial's new metric points, or a heartbeat, and relays stop answers."""

    def __init__(
        self,
        backend: BaseBackend,
        context: TrialContext,
        *,
        on_stop: Callable[[TrialDirective], None] | None = None,
    ) -> None:
        self.backend = backend
        self.context = context
        self.on_stop = on_stop
        self.directive: TrialDirective | None = None
        self._points: list[tuple[int, float]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        # A third of the timeout: two lost heartbeats in a row are survived.
        self.heartbeat_every = max(0.2, min(10.0, context.heartbeat_timeout / 3))
        self._thread = threading.Thread(
            target=self._loop, name=f"headway-trial-{context.number}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def observe(self, metrics: dict[str, Series]) -> None:
        """Called by the run's writer with each batch's columns."""
        metric = self.context.metric
        if not self.context.prunes or metric is None or metric not in metrics:
            return
        series = metrics[metric]
        points = [
            (int(s), float(v))
            for s, v in zip(series.steps.tolist(), series.values.tolist(), strict=True)
            if math.isfinite(v)
        ]
        if points:
            with self._lock:
                self._points.extend(points)

    def _loop(self) -> None:
        last_contact = 0.0
        while True:
            stopping = self._stopped.is_set()
            with self._lock:
                points, self._points = self._points, []
            now = time.monotonic()
            try:
                if points:
                    # The last points, sent as the run ends, are recorded for judging
                    # later trials; they cannot prune a trial that ran to its end.
                    answer = self.backend.sweeps.report_trial(
                        self.context.sweep_id, self.context.number, points, judge=not stopping
                    )
                    if not stopping:
                        self._answer(answer)
                    last_contact = now
                elif not stopping and now - last_contact >= self.heartbeat_every:
                    self._answer(
                        self.backend.sweeps.heartbeat_trial(
                            self.context.sweep_id, self.context.number
                        )
                    )
                    last_contact = now
            except Exception as exc:  # a server restart: keep trying, never crash training
                log.debug("headway: trial %d heartbeat failed: %r", self.context.number, exc)
                if points:
                    with self._lock:
                        self._points[:0] = points
            if stopping:
                return
            self._wake.wait(REPORT_EVERY)
            self._wake.clear()

    def _answer(self, directive: TrialDirective) -> None:
        if directive.action == "continue" or self.directive is not None:
            return
        self.directive = directive
        if self.on_stop is not None:
            self.on_stop(directive)


def stop_exception(directive: TrialDirective) -> TrialStopped:
    if directive.action == "prune":
        return TrialPruned(directive.reason or "pruned by the sweep")
    return TrialStopped(directive.reason or "stopped by the sweep")
