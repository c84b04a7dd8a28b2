"""``headway.init``: start (or resume) a run."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from headway.entities import RunCreate
from headway.errors import AlreadyExists, InvalidArgument, NotFound
from headway.sdk import current
from headway.sdk.connect import backend_for, make_settings
from headway.sdk.run import Run
from headway.sdk.sweeps import trial as sweep_trial
from headway.sdk.writer.writer import RunWriter
from headway.settings import Settings
from headway.tracking import validation as v
from headway.tracking.names import new_run_id, new_run_name

log = logging.getLogger("headway")
MODES = ("online", "offline", "disabled")
RESUME = (None, "allow", "must", "never")


def init(
    project: str | None = None,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    notes: str | None = None,
    group: str | None = None,
    job_type: str | None = None,
    mode: str = "online",
    id: str | None = None,
    resume: str | None = None,
    parent: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
) -> Run:
    """Start a run and make it the current one.

    ``mode="offline"`` writes only the local spool (upload later with ``headway sync``);
    ``mode="disabled"`` validates calls and stores nothing. ``resume="allow"`` continues
    the run ``id`` if it exists, ``"must"`` requires it to, ``"never"`` (the default
    with an ``id``) refuses an existing id. ``dir`` is the embedded store folder;
    ``url`` (or ``HEADWAY_URL``) a team server.

    Inside a sweep trial (a function run by ``headway.agent``, or a program run by
    ``headway agent``) the run gets the trial's parameters over ``config``'s defaults,
    goes to the sweep's project (``project`` may be left out), and is linked to the
    trial: the sweep hears its metric, and may prune it (``log`` then raises
    ``headway.TrialPruned``).
    """
    if mode not in MODES:
        raise InvalidArgument(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if resume not in RESUME:
        raise InvalidArgument(f"resume must be None, 'allow', 'must' or 'never', got {resume!r}")
    if resume in ("allow", "must") and id is None:
        raise InvalidArgument(f"resume={resume!r} needs the id of the run to resume")
    trial = sweep_trial.active()
    if project is None:
        if trial is None:
            raise InvalidArgument("headway.init needs a project: headway.init(project='...')")
        project = trial.project
    v.project_name(project)
    if trial is not None and (trial.run_id is not None or mode != "online"):
        if trial.run_id is None:
            log.warning("headway: a %s run cannot be part of sweep %s", mode, trial.sweep_id)
        trial = None  # one run per trial: later runs of the same process are not linked
    if trial is not None:
        if project != trial.project:
            log.warning(
                "headway: this run is trial %d of sweep %s, so it goes to the sweep's "
                "project %r, not %r",
                trial.number,
                trial.sweep_id,
                trial.project,
                project,
            )
            project = trial.project
        # The script's config holds defaults; the sweep's parameters win.
        config = _merged(dict(config or {}), trial.config)
        dir = dir if dir is not None else trial.dir
        url = url if url is not None else trial.url
    run_id = v.run_id(id) if id is not None else new_run_id()
    run_name = v.run_name(name) if name is not None else new_run_name()
    clean_config = v.config_tree(config or {})
    clean_tags = v.tags(list(tags or ()))
    if parent is not None:
        v.run_id(parent)
    settings = make_settings(dir, url)
    if mode == "disabled":
        run = Run(
            run_id=run_id,
            name=run_name,
            project=project,
            mode=mode,
            writer=None,
            config=clean_config,
        )
        current.attach(run)
        return run

    spec = RunCreate(
        project=project,
        id=run_id,
        name=run_name,
        config=clean_config,
        tags=clean_tags,
        notes=notes or "",
        group=group,
        job_type=job_type,
        parent_id=parent,
        kv_tags=(
            {"headway.sweep": trial.sweep_id, "headway.trial": str(trial.number)}
            if trial is not None
            else {}
        ),
        metadata={},
        created_at=datetime.now(UTC),
    )
    backend = None
    start_step, first_seq, resumed, stored_config = 0, 0, False, None
    if mode == "online":
        try:
            backend = backend_for(settings)
            # A fresh random id cannot exist yet: skip the round trip.
            existing = _find(backend, run_id) if id is not None else None
        except Exception as exc:  # tracking must not stop training: spool and go on
            if isinstance(exc, InvalidArgument):
                raise
            log.warning(
                "headway: the tracking backend is not reachable (%s); the run is recorded "
                "locally and uploaded when it is back",
                exc,
            )
            existing = None
        if existing is not None:
            if resume in (None, "never"):
                raise AlreadyExists(
                    f"run {run_id!r} already exists in project {existing.project!r}; "
                    "pass resume='allow' to continue it"
                )
            resumed = True
            start_step, first_seq = existing.last_step + 1, existing.last_batch_seq + 1
            stored_config = existing.config
        elif resume == "must":
            raise NotFound(f"run {run_id!r} does not exist, and resume='must' was given")

    spool_dir = settings.spool_dir / run_id
    writer = RunWriter(
        run_id,
        spool_dir,
        backend,
        flush_interval=settings.flush_interval,
        heartbeat_interval=settings.heartbeat_interval,
        first_seq=first_seq,
        warn=None if not settings.silent else (lambda _m: None),
        create=None if resumed else spec,
        resume=resumed,
    )
    run = Run(
        run_id=run_id,
        name=run_name,
        project=project,
        mode=mode,
        writer=writer,
        config=stored_config if resumed else clean_config,
        start_step=start_step,
        spool_dir=spool_dir,
        url=settings.url,
        cache_dir=settings.cache_dir,
    )
    writer.on_metrics = run.summary.observe
    if trial is not None and backend is not None:
        _link_trial(run, writer, backend, trial)
    if resumed and clean_config:
        run.config.update(clean_config)
    _write_meta(spool_dir, spec, mode, settings)
    current.attach(run)
    _start_capture(run, writer, settings)
    return run


def _merged(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            base[key] = _merged(dict(base[key]), value)
        else:
            base[key] = value
    return base


def _link_trial(run: Run, writer: RunWriter, backend: Any, trial: sweep_trial.TrialContext) -> None:
    """Make ``run`` the trial's run: the sweep hears its metric and can stop it."""
    trial.run_id = run.id
    trial.run = run
    run.trial = trial
    run._trial_backend = backend
    reporter = trial.reporter
    if reporter is None:  # a command agent's child: this process reports for the trial
        reporter = trial.reporter = sweep_trial.TrialReporter(backend, trial)
        reporter.start()
    reporter.on_stop = run._request_stop
    if reporter.directive is not None:
        run._request_stop(reporter.directive)
    observe_summary = run.summary.observe

    def observe(metrics: dict[str, Any]) -> None:
        observe_summary(metrics)
        reporter.observe(metrics)

    writer.on_metrics = observe
    try:
        backend.sweeps.start_trial(trial.sweep_id, trial.number, run.id)
    except Exception as exc:  # the run goes on; the trial is linked when it finishes
        log.warning("headway: could not link run %s to sweep %s: %s", run.id, trial.sweep_id, exc)


def _find(backend: Any, run_id: str) -> Any:
    try:
        return backend.get_run(run_id)
    except NotFound:
        return None


def _write_meta(spool_dir: Path, spec: RunCreate, mode: str, settings: Settings) -> None:
    import json

    meta = {"run_id": spec.id, "project": spec.project, "mode": mode, "url": settings.url}
    (spool_dir / "run.json").write_text(json.dumps(meta))


def _start_capture(run: Run, writer: RunWriter, settings: Settings) -> None:
    """Environment, code, git, console and system metrics — each optional, none fatal."""
    from headway.sdk.capture.environment import capture_environment
    from headway.sdk.capture.git_cache import capture_git_cached

    metadata: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    try:
        env = capture_environment(packages=settings.capture_packages, code=settings.capture_code)
        metadata.update(env.metadata)
        files.update(env.files)
    except Exception as exc:
        log.debug("headway: environment capture failed: %r", exc)
    if settings.capture_git:
        try:
            git = capture_git_cached(Path.cwd())
            if git is not None:
                metadata["git"] = {
                    "commit": git.commit,
                    "branch": git.branch,
                    "remote": git.remote,
                    "dirty": git.dirty,
                    "root": str(git.root),
                }
                if git.diff:
                    files["git/diff.patch"] = git.diff.encode()
        except Exception as exc:
            log.debug("headway: git capture failed: %r", exc)
    if metadata:
        writer.update(metadata=metadata)
    if files:
        writer.put_files(files)
    if settings.capture_console:
        from headway.sdk.capture.console import ConsoleCapture

        console = ConsoleCapture(run._log_console)
        console.start()
        run._closers.append(console.stop)
    if settings.capture_system_metrics:
        from headway.sdk.capture.system_metrics import SystemMetricsSampler

        counter = iter(range(sys.maxsize))
        sampler = SystemMetricsSampler(
            settings.system_metrics_interval,
            lambda values: run._log_system(values, next(counter)),
            baselines_now=False,
        )
        sampler.start()
        run._closers.append(sampler.stop)
