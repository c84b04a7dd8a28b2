"""Agent processes for benchmarks/sweeps.py: a Headway sweep agent and an Optuna ask/tell loop.

Each runs in a process of its own (multiprocessing, spawn), opens its store or client,
warms up, waits on a barrier shared with every other agent of the configuration, then runs
no-op trials of the same two-parameter function and puts one result dict on a queue. The
timed interval of a trial is the agent's view of the scheduler: telling it how the previous
trial ended, and getting the next trial's parameters.
"""

from __future__ import annotations

import os
import time
import traceback
import warnings
from typing import Any

#: The search space of every sweep and study, and the function the trials "train".
LOW, HIGH = -5.0, 5.0


def loss(x: float, y: float) -> float:
    return (x - 1.0) ** 2 + (y + 2.0) ** 2


def _warm_optuna() -> Any:
    """Import Optuna and TPE before the barrier, in both kinds of agent alike."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    optuna.samplers.TPESampler(multivariate=True, constant_liar=True)
    return optuna


def headway_agent(spec: dict[str, Any], barrier: Any, queue: Any) -> None:
    """``spec``: ``target`` ("embedded" or "server"), ``dir`` or ``url``, ``sweep_id``,
    ``project``, ``agent``."""
    try:
        queue.put(_headway(spec, barrier))
    except BaseException:
        barrier.abort()
        queue.put({"agent": spec["agent"], "error": traceback.format_exc()})


def _headway(spec: dict[str, Any], barrier: Any) -> dict[str, Any]:
    from headway.backend.base import BaseBackend
    from headway.entities import RunCreate, RunState

    backend: BaseBackend
    conflicts = [0]
    if spec["target"] == "embedded":
        from headway.backend.local import LocalBackend
        from headway.settings import Settings

        local = LocalBackend(Settings.from_env({}, dir=spec["dir"]))
        # Count the trials this agent sampled but could not store because another agent
        # stored one first (the service then samples again): sampling work thrown away.
        rows = local.sweep_service.store.sweeps
        insert = rows.insert_trial

        def counted(*args: Any, **kwargs: Any) -> Any:
            created = insert(*args, **kwargs)
            conflicts[0] += created is None
            return created

        rows.insert_trial = counted  # type: ignore[method-assign]
        backend = local
    else:
        from headway.backend.http import HttpBackend

        backend = HttpBackend(spec["url"], timeout=120.0)
    _warm_optuna()
    import headway.sweeps.engine  # noqa: F401 - the embedded agent samples in-process

    sweeps, sweep_id, name = backend.sweeps, spec["sweep_id"], spec["agent"]
    finish_ms: list[float] = []
    next_ms: list[float] = []
    body_ms: list[float] = []
    waits = 0
    barrier.wait()
    started = time.time()
    t0 = time.perf_counter()
    assignment = sweeps.next_trial(sweep_id, name)
    first_ms = (time.perf_counter() - t0) * 1e3
    trials = 0
    while assignment.status != "done":
        if assignment.status == "wait" or assignment.trial is None:
            waits += 1
            time.sleep(0.01)
            assignment = sweeps.next_trial(sweep_id, name)
            continue
        trial = assignment.trial
        # The no-op trial: what an agent does around a run, outside the timed interval.
        b0 = time.perf_counter()
        run = backend.create_run(RunCreate(project=spec["project"], config=trial.config))
        sweeps.start_trial(sweep_id, trial.number, run.id)
        backend.update_summary(run.id, {"loss": loss(trial.config["x"], trial.config["y"])})
        backend.finish_run(run.id, RunState.FINISHED)
        body_ms.append((time.perf_counter() - b0) * 1e3)
        trials += 1
        # Timed: the finished trial -> the next trial's parameters in hand.
        t0 = time.perf_counter()
        sweeps.finish_trial(sweep_id, trial.number, "finished", run_id=run.id)
        t1 = time.perf_counter()
        assignment = sweeps.next_trial(sweep_id, name)
        while assignment.status == "wait":
            waits += 1
            time.sleep(0.01)
            assignment = sweeps.next_trial(sweep_id, name)
        t2 = time.perf_counter()
        if assignment.status == "run":
            finish_ms.append((t1 - t0) * 1e3)
            next_ms.append((t2 - t1) * 1e3)
    ended = time.time()
    backend.close()
    return {
        "agent": name,
        "pid": os.getpid(),
        "trials": trials,
        "first_ms": first_ms,
        "finish_ms": finish_ms,
        "next_ms": next_ms,
        "body_ms": body_ms,
        "waits": waits,
        "conflicts": conflicts[0] if spec["target"] == "embedded" else None,
        "started": started,
        "ended": ended,
    }


def optuna_agent(spec: dict[str, Any], barrier: Any, queue: Any) -> None:
    """``spec``: ``storage`` (an RDB URL, or ``grpc://host:port`` for Optuna's gRPC
    storage proxy), ``study``, ``trials`` (this agent's share), ``seed``, ``agent``."""
    try:
        queue.put(_optuna(spec, barrier))
    except BaseException:
        barrier.abort()
        queue.put({"agent": spec["agent"], "error": traceback.format_exc()})


def _optuna(spec: dict[str, Any], barrier: Any) -> dict[str, Any]:
    optuna = _warm_optuna()
    storage: Any = spec["storage"]
    if storage.startswith("grpc://"):
        host, port = storage.removeprefix("grpc://").rsplit(":", 1)
        storage = optuna.storages.GrpcStorageProxy(host=host, port=int(port))
    # Optuna's documented distributed set-up: every process loads the same study from a
    # shared storage and asks and tells. The sampler is Headway's TPE set-up.
    study = optuna.load_study(
        study_name=spec["study"],
        storage=storage,
        sampler=optuna.samplers.TPESampler(
            seed=spec["seed"], multivariate=True, constant_liar=True
        ),
    )
    dists = {
        "x": optuna.distributions.FloatDistribution(LOW, HIGH),
        "y": optuna.distributions.FloatDistribution(LOW, HIGH),
    }
    finish_ms: list[float] = []
    next_ms: list[float] = []
    n = int(spec["trials"])
    barrier.wait()
    started = time.time()
    t0 = time.perf_counter()
    trial = study.ask(dists)
    first_ms = (time.perf_counter() - t0) * 1e3
    for i in range(n):
        value = loss(trial.params["x"], trial.params["y"])
        t0 = time.perf_counter()
        study.tell(trial, value)
        if i == n - 1:
            break
        t1 = time.perf_counter()
        trial = study.ask(dists)
        t2 = time.perf_counter()
        finish_ms.append((t1 - t0) * 1e3)
        next_ms.append((t2 - t1) * 1e3)
    ended = time.time()
    return {
        "agent": spec["agent"],
        "pid": os.getpid(),
        "trials": n,
        "first_ms": first_ms,
        "finish_ms": finish_ms,
        "next_ms": next_ms,
        "body_ms": [],
        "waits": 0,
        "started": started,
        "ended": ended,
    }
