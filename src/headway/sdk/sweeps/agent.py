"""``headway.sweep`` and ``headway.agent``: define a search, and run its trials.

An agent asks the sweep for a trial, runs it (a Python function in this process, or the
sweep's command as a child process), and asks again, until the sweep has no more trials
or ``count`` trials have run. Any number of agents may run at once, on any machines that
reach the same server (or, embedded, the same store folder or database).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from headway.backend.base import BaseBackend
from headway.entities import RunState
from headway.entities.sweeps import CONTENDED, Sweep, Trial, TrialAssignment
from headway.errors import InvalidArgument, Unavailable
from headway.sdk.connect import backend_for, make_settings
from headway.sdk.sweeps.command import build_command, param_env
from headway.sdk.sweeps.trial import (
    TRIAL_ENV,
    TrialContext,
    TrialPruned,
    TrialReporter,
    TrialStopped,
    activate,
)

log = logging.getLogger("headway")

#: Seconds an agent keeps trying to reach an unreachable server before giving up.
RECONNECT_TIMEOUT = 600.0
#: The agent stops when this many first trials in a row fail: the program is broken.
MAX_INITIAL_FAILURES = 3


def load_sweep_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A sweep file (YAML or JSON) as a dict. Raises InvalidArgument naming the problem."""
    import yaml

    file = Path(path)
    try:
        text = file.read_text()
    except OSError as exc:
        raise InvalidArgument(f"cannot read sweep file {file}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidArgument(f"{file} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidArgument(f"{file} must hold a mapping of sweep keys (method, parameters, …)")
    return data


def sweep(
    config: Mapping[str, Any] | str | os.PathLike[str],
    project: str | None = None,
    *,
    name: str | None = None,
    paused: bool = False,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
) -> str:
    """Create a sweep from a config dict (or a YAML file's path); returns its id.

    ``config`` has the shape of a W&B sweep file: ``method`` (grid, random, bayes/tpe,
    cmaes, gp, qmc, nsga2), ``metric`` ({name, goal} or a list of them), ``parameters``,
    and optionally ``early_terminate``, ``run_cap``, ``program``/``command``,
    ``max_retries``, ``heartbeat_timeout``, ``seed``. Raises InvalidArgument naming the
    bad key.
    """
    data = dict(config) if isinstance(config, Mapping) else load_sweep_file(config)
    backend = backend_for(make_settings(dir, url))
    return backend.sweeps.create_sweep(project, data, name=name, paused=paused).id


def _agent_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Agent:
    """Runs trials of one sweep until it is done or ``count`` trials have run."""

    def __init__(
        self,
        sweep_id: str,
        *,
        function: Callable[[], Any] | None = None,
        count: int | None = None,
        dir: str | os.PathLike[str] | None = None,
        url: str | None = None,
        poll: float = 2.0,
        stop_grace: float = 30.0,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise InvalidArgument(f"count must be a whole number >= 1, got {count!r}")
        if function is not None and not callable(function):
            raise InvalidArgument(f"function must be callable, got {type(function).__name__}")
        self.sweep_id = sweep_id
        self.function = function
        self.count = count
        self.settings = make_settings(dir, url)
        self.dir = os.fspath(dir) if dir is not None else None
        self.backend: BaseBackend = backend_for(self.settings)
        self.poll = poll
        self.stop_grace = stop_grace
        self.echo = echo or (lambda text: log.info("%s", text))
        self.name = _agent_name()
        self.ran = 0
        self._failures_in_a_row = 0
        self._any_success = False

    def run(self) -> int:
        """Run trials; returns how many ran."""
        info = self._call(lambda: self.backend.sweeps.get_sweep(self.sweep_id))
        if self.function is None:
            build_command(info.config, {})  # fail now, not per trial, if nothing can run
        waiting_said = ""
        while self.count is None or self.ran < self.count:
            assignment: TrialAssignment = self._call(
                lambda: self.backend.sweeps.next_trial(self.sweep_id, self.name)
            )
            if assignment.status == "done":
                self.echo(f"sweep {self.sweep_id}: no more trials ({assignment.reason})")
                break
            if assignment.status == "wait" or assignment.trial is None:
                if assignment.reason == CONTENDED:
                    time.sleep(0.05)  # other agents' trials were just created: ask again
                    continue
                if assignment.reason != waiting_said:
                    self.echo(f"sweep {self.sweep_id}: waiting ({assignment.reason})")
                    waiting_said = assignment.reason
                time.sleep(self.poll)
                continue
            waiting_said = ""
            trial = assignment.trial
            self.echo(f"sweep {self.sweep_id}: trial {trial.number} {_describe(trial.config)}")
            ok = self._run_trial(info, trial)
            self.ran += 1
            if ok:
                self._any_success = True
                self._failures_in_a_row = 0
            else:
                self._failures_in_a_row += 1
                if not self._any_success and self._failures_in_a_row >= MAX_INITIAL_FAILURES:
                    self.echo(
                        f"sweep {self.sweep_id}: the first {MAX_INITIAL_FAILURES} trials "
                        "failed; stopping this agent (fix the program and start it again)"
                    )
                    break
        return self.ran

    def _call(self, fn: Callable[[], Any]) -> Any:
        """``fn()``, retried while the server is unreachable (it may be restarting)."""
        deadline = time.monotonic() + RECONNECT_TIMEOUT
        delay = 0.5
        while True:
            try:
                return fn()
            except Unavailable as exc:
                if time.monotonic() > deadline:
                    raise
                log.warning("headway: %s; retrying in %.0f s", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 15.0)

    def _context(self, sweep: Sweep, trial: Trial) -> TrialContext:
        from headway.sweeps.config import parse_sweep_config

        spec = parse_sweep_config(sweep.config)
        return TrialContext(
            sweep_id=sweep.id,
            number=trial.number,
            project=sweep.project,
            config=trial.config,
            metric=spec.metrics[0].name if spec.metrics else None,
            prunes=spec.early_terminate is not None,
            heartbeat_timeout=spec.heartbeat_timeout,
            dir=self.dir,
            url=self.settings.url,
        )

    def _run_trial(self, sweep: Sweep, trial: Trial) -> bool:
        context = self._context(sweep, trial)
        reporter = context.reporter = TrialReporter(self.backend, context)
        reporter.start()
        try:
            if self.function is not None:
                return self._run_function(context)
            return self._run_command(sweep, context)
        finally:
            reporter.stop()

    def _run_function(self, context: TrialContext) -> bool:
        assert self.function is not None
        activate(context)
        error, stopped = "", None
        try:
            self.function()
        except TrialStopped as exc:
            stopped = exc
        except Exception:
            error = traceback.format_exc()
            sys.stderr.write(error)
        finally:
            activate(None)
        run = context.run
        if run is not None and not run._finished:
            if isinstance(stopped, TrialPruned):
                run.finish(state=RunState.PRUNED)
            elif stopped is not None:
                run.finish(exit_code=130, state=RunState.KILLED, error=stopped.reason)
            elif error:
                run.finish(exit_code=1, error=error)
            else:
                run.finish()
        if stopped is not None:
            self.echo(f"sweep {self.sweep_id}: trial {context.number}: {stopped.reason}")
        context.complete(self.backend, "failed" if error or stopped else "finished", error=error)
        return not error

    def _run_command(self, sweep: Sweep, context: TrialContext) -> bool:
        argv = build_command(sweep.config, context.config)
        env = dict(os.environ)
        env.update(param_env(context.config))
        env[TRIAL_ENV] = context.to_env()
        if self.settings.url:
            env["HEADWAY_URL"] = self.settings.url
        else:
            env["HEADWAY_DIR"] = str(self.settings.dir)
            env["HEADWAY_DB_URL"] = self.settings.db_url
            env["HEADWAY_ARTIFACTS_URL"] = self.settings.artifacts_url
        process = subprocess.Popen(argv, env=env)
        reporter = context.reporter
        stop_at: float | None = None
        terminated = False
        while process.poll() is None:
            if reporter is not None and reporter.directive is not None and stop_at is None:
                # The child's own run raises at its next log; give it time to end cleanly.
                stop_at = time.monotonic() + self.stop_grace
            if stop_at is not None and time.monotonic() > stop_at:
                if not terminated:
                    process.terminate()
                    terminated, stop_at = True, time.monotonic() + 10.0
                else:
                    process.kill()
                    break
            time.sleep(0.1)
        code = process.wait()
        ok = code == 0
        context.complete(
            self.backend,
            "finished" if ok else "failed",
            error="" if ok else f"the command exited with code {code}: {' '.join(argv)}",
        )
        return ok or (reporter is not None and reporter.directive is not None)


def _describe(config: dict[str, Any]) -> str:
    from headway.entities.config import flatten

    text = ", ".join(f"{k}={v!r}" for k, v in flatten(config).items())
    return text if len(text) < 300 else text[:297] + "..."


def agent(
    sweep_id: str,
    function: Callable[[], Any] | None = None,
    count: int | None = None,
    *,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
) -> int:
    """Run trials of sweep ``sweep_id`` until it has no more (or ``count`` have run).

    With ``function``, each trial calls it in this process; inside, ``headway.init()``
    gives the run the trial's parameters (``run.config``). Without it, each trial runs
    the sweep's ``program``/``command`` with the parameters as arguments and in the
    environment. Returns the number of trials run.
    """
    return Agent(sweep_id, function=function, count=count, dir=dir, url=url).run()
