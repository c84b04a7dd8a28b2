"""``Run``: what ``headway.init`` returns. Logging never blocks on I/O or raises on a
backend failure; it raises only for the caller's own mistakes (a bad key or value)."""

from __future__ import annotations

import logging
import time
import traceback
import types
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headway.entities import ConsoleLine, RunFinish, RunState, Series
from headway.entities.metrics import SUMMARY_RULES
from headway.errors import InvalidArgument
from headway.sdk import explanations
from headway.sdk.artifacts.run_mixin import ArtifactRunMixin
from headway.sdk.config import Config
from headway.sdk.summary import Summary
from headway.sdk.sweeps.trial import (
    TrialContext,
    TrialPruned,
    TrialStopped,
    stop_exception,
)
from headway.sdk.writer.writer import BUSY_ITEMS, RunWriter
from headway.tracking import validation as v

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike

    from headway.backend.base import BaseBackend
    from headway.entities.sweeps import TrialDirective
    from headway.monitoring.explain import Explanation, Method

log = logging.getLogger("headway")


class Run(ArtifactRunMixin):
    """A live run. Use as a context manager, or call :meth:`finish`."""

    def __init__(
        self,
        *,
        run_id: str,
        name: str,
        project: str,
        mode: str,
        writer: RunWriter | None,
        config: Mapping[str, Any] | None = None,
        start_step: int = 0,
        spool_dir: Path | None = None,
        url: str | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.id = run_id
        self.name = name
        self.project = project
        self.mode = mode
        self.url = url
        self.spool_dir = spool_dir
        self._cache_dir = cache_dir or Path("~/.cache/headway").expanduser()
        self._writer = writer
        self._rows: deque[Any] | None = writer.rows if writer is not None else None
        self._step = start_step
        self._keys: set[str] = set()
        self._finished = False
        self._metric_defs: list[dict[str, Any]] = []
        self.summary = Summary(on_set=writer.set_summary if writer else None)
        self.config = Config(config, on_change=writer.set_config if writer else None)
        self._closers: list[Any] = []
        self._outcome: tuple[RunState, int | None, str | None] | None = None
        #: The sweep trial this run is (see ``sdk/sweeps``), and who to tell how it ended.
        self.trial: TrialContext | None = None
        self._trial_backend: BaseBackend | None = None
        # Set from the trial's reporter thread when the sweep prunes or stops the trial;
        # the next ``log`` raises it on the training thread.
        self._stop: TrialStopped | None = None
        self._stopped: TrialStopped | None = None

    # -- logging --------------------------------------------------------------------------
    @property
    def step(self) -> int:
        """The step the next ``log`` without ``step=`` will use."""
        return self._step

    def log(
        self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None
    ) -> None:
        """Record numeric values at a step (auto-incrementing when ``step`` is None).

        Explicit steps may repeat or go backwards; every point keeps its own step and wall
        time. Raises ``InvalidArgument`` naming the key for a value that is not a number.
        """
        if self._stop is not None:
            self._raise_stop()
        rows = self._rows
        if step is None:
            step = self._step
        elif type(step) is not int or step < 0:
            step = v.step(step)
        self._step = step + 1
        if type(data) is not dict:
            if not isinstance(data, Mapping):
                raise InvalidArgument(
                    f"log() takes a dict of metric values, got {type(data).__name__}"
                )
            data = dict(data)
        clean = data
        keys = self._keys
        for key, value in data.items():
            if key not in keys:
                keys.add(v.metric_key(key))
            kind = type(value)
            if kind is not float and kind is not int:
                clean = self._convert(data)
                break
        if rows is None:
            return
        rows.extend((step, time.time(), clean if clean is not data else data.copy()))
        if len(rows) > BUSY_ITEMS and self._writer is not None:
            self._writer.nudge()

    def log_series(
        self,
        key: str,
        values: Any,
        *,
        steps: Any = None,
        times: Any = None,
    ) -> None:
        """Record a whole series of one metric at once: a learning curve computed after
        the fact, or history imported from another tool.

        ``values`` is any 1-D array-like of numbers (NaN and ±inf are kept). ``steps``
        defaults to the run's next steps (and advances :attr:`step`); ``times`` (seconds
        since the epoch) defaults to now. The arrays are copied, so the caller may reuse
        them. Raises ``InvalidArgument`` naming the key for bad input.
        """
        v.metric_key(key)
        step_arr, time_arr, value_arr = v.series_arrays(
            key, values, steps, times, first_step=self._step, now=time.time()
        )
        if steps is None:
            self._step += len(value_arr)
        elif len(step_arr):
            self._step = int(step_arr[-1]) + 1  # as after log() at the series' last step
        self._keys.add(key)
        if self._writer is not None and len(value_arr):
            self._writer.put_series(Series(key, step_arr, time_arr, value_arr))

    # -- sweeps -------------------------------------------------------------------------------
    def should_prune(self) -> bool:
        """True once the sweep has pruned or stopped this run's trial. ``log`` raises
        :class:`headway.TrialPruned` by itself; check this to stop at a point of your
        choosing (after saving a checkpoint, say)."""
        return self._stop is not None or self._stopped is not None

    def _request_stop(self, directive: TrialDirective) -> None:
        if self._stopped is None and self._stop is None:
            self._stop = stop_exception(directive)

    def _raise_stop(self) -> None:
        exc, self._stop = self._stop, None
        if exc is not None:
            # Raised once: code that catches it to clean up may still log a last value.
            self._stopped = exc
            raise exc

    def _convert(self, data: dict[str, Any]) -> dict[str, float]:
        return {key: v.scalar(key, value) for key, value in data.items()}

    def _log_system(self, values: dict[str, float], step: int) -> None:
        if self._rows is not None:
            self._rows.extend((step, time.time(), values))

    def _log_console(self, line: ConsoleLine) -> None:
        if self._writer is not None:
            self._writer.console.append(line)

    def define_metric(
        self,
        name: str,
        *,
        step_metric: str | None = None,
        summary: str | None = None,
        hidden: bool = False,
    ) -> None:
        """Give metrics matching ``name`` (a glob like ``val/*``) another x-axis and a
        summary rule (``min``, ``max``, ``mean``, ``last``, ``first`` or ``none``)."""
        if not isinstance(name, str) or not name:
            raise InvalidArgument("define_metric needs a metric name or glob pattern")
        if summary is not None and summary not in SUMMARY_RULES:
            raise InvalidArgument(
                f"summary must be one of {', '.join(SUMMARY_RULES)}, got {summary!r}"
            )
        if step_metric is not None:
            v.metric_key(step_metric)
        definition = {
            "pattern": name,
            "step_metric": step_metric,
            "summary": summary,
            "hidden": hidden,
        }
        self._metric_defs.append(definition)
        if summary is not None:
            self.summary.set_rule(name, summary)
        if self._writer is not None:
            self._writer.update(metadata={"metric_defs": list(self._metric_defs)})

    def log_explanations(
        self,
        model: object,
        X: pd.DataFrame,
        *,
        y: ArrayLike | None = None,
        background: pd.DataFrame | None = None,
        max_rows: int = 2000,
        seed: int = 0,
        method: Method = "auto",
        name: str | None = None,
        step: int | None = None,
    ) -> Explanation | None:
        """Explain ``model`` on ``X`` (SHAP when shap is installed, see
        :func:`headway.monitoring.explain.explain` for every argument) and record it: the
        importance of each feature as summary values ``explain/importance/<feature>`` (and
        ``explain/method``), the per-row values as an ``explanation`` artifact ``name``
        (default ``explanations-<run id>``) made by this run. With ``step``, the
        importances are also logged as metrics at that step.

        Returns the explanation; None, with a warning, when the store could not take it.
        Raises ``InvalidArgument`` for bad input (``X`` not a DataFrame, a missing feature…).
        """
        return explanations.log_explanations(
            self,
            model,
            X,
            y=y,
            background=background,
            max_rows=max_rows,
            seed=seed,
            method=method,
            name=name,
            step=step,
        )

    # -- attributes -------------------------------------------------------------------------
    def set_tags(self, tags: list[str]) -> None:
        clean = list(v.tags(tags))
        if self._writer is not None:
            self._writer.update(tags=tuple(clean))

    def set_notes(self, notes: str) -> None:
        if self._writer is not None:
            self._writer.update(notes=str(notes))

    def set_name(self, name: str) -> None:
        self.name = v.run_name(name)
        if self._writer is not None:
            self._writer.update(name=self.name)

    # -- lifecycle --------------------------------------------------------------------------
    def flush(self, timeout: float | None = 30.0) -> bool:
        """Spool everything logged so far and try to ship it; True if the backend has it."""
        return self._writer.flush(timeout) if self._writer is not None else True

    def finish(
        self,
        exit_code: int | None = None,
        *,
        state: RunState | str | None = None,
        error: str | None = None,
    ) -> None:
        """End the run; returns once every point is durable (in the store, or the spool
        when the backend is unreachable — then ``headway sync`` finishes the job)."""
        if self._finished:
            return
        self._finished = True
        if state is None and self._outcome is not None:
            state, exit_code, error = self._outcome
        final = (
            RunState(state)
            if state is not None
            else (RunState.FINISHED if not exit_code else RunState.FAILED)
        )
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception as exc:  # capture must never break finishing
                log.debug("headway: closing %r failed: %r", closer, exc)
        from headway.sdk import current

        current.detach(self)
        if self._writer is None:
            return
        try:
            shipped = self._writer.close(RunFinish(final, exit_code, error))
        except Exception as exc:
            log.warning(
                "headway: could not finish run %s cleanly (%r); data is in %s",
                self.id,
                exc,
                self.spool_dir,
            )
            self._complete_trial(final, error)
            return
        self._complete_trial(final, error)
        if not shipped and self.mode == "online":
            log.warning(
                "headway: run %s could not be fully uploaded; its data is safe in %s — "
                "run `headway sync %s` when the server is reachable",
                self.id,
                self.spool_dir,
                self.spool_dir,
            )

    def _complete_trial(self, final: RunState, error: str | None) -> None:
        """Tell the sweep how the trial ended, now that the run's summary is stored."""
        if self.trial is None:
            return
        ended = final is RunState.FINISHED
        self.trial.complete(
            self._trial_backend,
            "finished" if ended else "failed",
            error=error or ("" if ended else f"the run ended {final.value}"),
            run_id=self.id,
        )

    def _record_outcome(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        if exc_type is None:
            return
        if issubclass(exc_type, TrialPruned):
            self._outcome = (RunState.PRUNED, 0, None)
            return
        if issubclass(exc_type, TrialStopped):
            self._outcome = (RunState.KILLED, 130, str(exc))
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        if issubclass(exc_type, KeyboardInterrupt):
            self._outcome = (RunState.KILLED, 130, text)
        elif issubclass(exc_type, SystemExit):
            code = exc.code if isinstance(exc, SystemExit) else None
            if code in (None, 0):
                return
            self._outcome = (RunState.FAILED, code if isinstance(code, int) else 1, text)
        else:
            self._outcome = (RunState.FAILED, 1, text)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self._record_outcome(exc_type, exc, tb)
        self.finish()

    def __repr__(self) -> str:
        return f"<headway.Run {self.project}/{self.id} {self.name!r} mode={self.mode}>"
