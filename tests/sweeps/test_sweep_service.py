"""The sweep service on a real store: distinct trials under contention, the end of a
search, retries, heartbeats, pause/resume/cancel, pruning and the analyses."""

from __future__ import annotations

import statistics
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from headway.entities import RunCreate
from headway.entities.sweeps import SweepState, TrialState
from headway.errors import Conflict, InvalidArgument, NotFound
from headway.settings import Settings
from headway.store.sql.schema import upgrade
from headway.store.sql.store import SqlStore
from headway.sweeps.service import SweepService
from headway.tracking.service import TrackingService


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def parts(settings: Settings, clock: Clock) -> Iterator[tuple[SweepService, TrackingService]]:
    upgrade(settings.db_url)
    store = SqlStore(settings.db_url)
    tracking = TrackingService(store)
    yield SweepService(store, tracking, clock=clock), tracking
    store.close()


def quadratic(config: dict[str, Any]) -> float:
    return float((config["x"] - 1.0) ** 2 + (config.get("y", 0.0) + 0.5) ** 2)


def run_trial(
    service: SweepService,
    tracking: TrackingService,
    sweep_id: str,
    agent: str = "a",
    metrics: dict[str, float] | None = None,
) -> int | None:
    assignment = service.next_trial(sweep_id, agent)
    if assignment.status != "run":
        return None
    trial = assignment.trial
    assert trial is not None
    run = tracking.create_run(RunCreate(project="tune", config=trial.config))
    service.start_trial(sweep_id, trial.number, run.id)
    tracking.update_summary(run.id, metrics or {"loss": quadratic(trial.config)})
    service.finish_trial(sweep_id, trial.number, "finished")
    return trial.number


SPACE = {"x": {"min": -4.0, "max": 4.0}, "y": {"min": -4.0, "max": 4.0}}


def test_concurrent_agents_get_distinct_trials_and_the_cap_holds(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune",
        {"method": "bayes", "metric": {"name": "loss"}, "run_cap": 40, "parameters": SPACE},
    )
    got: list[int] = []
    lock = threading.Lock()

    def agent(name: str) -> None:
        while (number := run_trial(service, tracking, sweep.id, name)) is not None:
            with lock:
                got.append(number)

    threads = [threading.Thread(target=agent, args=(f"agent-{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(40))
    trials = service.trials(sweep.id)
    assert len({(t.params["x"], t.params["y"]) for t in trials}) == 40
    assert all(t.state is TrialState.FINISHED and t.run_id for t in trials)
    done = service.get(sweep.id)
    assert done.state is SweepState.FINISHED
    assert done.message == "reached its run cap of 40"
    assert done.best[0].values == (min(t.values[0] for t in trials),)  # type: ignore[index]
    assert service.next_trial(sweep.id, "late").status == "done"


def test_a_grid_visits_every_point_once(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune",
        {
            "method": "grid",
            "parameters": {
                "C": {"values": [0.1, 1.0, 10.0]},
                "balanced": {"values": [True, False]},
            },
        },
    )
    seen = []
    while (number := run_trial(service, tracking, sweep.id, metrics={"acc": 1.0})) is not None:
        seen.append(service.trial(sweep.id, number).params)
    assert sorted((p["C"], p["balanced"]) for p in seen) == sorted(
        (c, b) for c in (0.1, 1.0, 10.0) for b in (True, False)
    )
    assert service.get(sweep.id).message == "tried every one of the grid's 6 points"


def test_a_failed_trial_is_retried_with_the_same_parameters(parts: Any) -> None:
    service, _ = parts
    sweep = service.create(
        "tune",
        {
            "method": "random",
            "metric": {"name": "loss"},
            "run_cap": 2,
            "max_retries": 1,
            "parameters": SPACE,
        },
    )
    first = service.next_trial(sweep.id, "a").trial
    assert first is not None
    failed = service.finish_trial(sweep.id, first.number, "failed", error="CUDA out of memory")
    assert failed.state is TrialState.FAILED and failed.message == "CUDA out of memory"
    retry = service.next_trial(sweep.id, "b").trial
    assert retry is not None
    assert retry.retry_of == first.number and retry.attempt == 1
    assert retry.config == first.config
    # A second failure is not retried again (max_retries: 1).
    service.finish_trial(sweep.id, retry.number, "failed", error="again")
    third = service.next_trial(sweep.id, "b").trial
    assert third is not None and third.retry_of is None and third.config != first.config


def test_a_silent_agent_s_trial_fails_after_its_heartbeat_and_is_retried(
    parts: Any, clock: Clock
) -> None:
    service, _ = parts
    sweep = service.create(
        "tune",
        {
            "method": "random",
            "metric": {"name": "loss"},
            "max_retries": 1,
            "heartbeat_timeout": 30,
            "parameters": SPACE,
        },
    )
    alive = service.next_trial(sweep.id, "alive").trial
    dead = service.next_trial(sweep.id, "dead").trial
    assert alive is not None and dead is not None
    clock.advance(20)
    assert service.heartbeat(sweep.id, alive.number).action == "continue"
    clock.advance(15)
    assert service.expire_stale() == 1
    gone = service.trial(sweep.id, dead.number)
    assert gone.state is TrialState.FAILED
    assert "no heartbeat for 35 s" in gone.message
    assert service.trial(sweep.id, alive.number).state is TrialState.RUNNING
    # The dead agent, back, learns its trial was given up.
    directive = service.heartbeat(sweep.id, dead.number)
    assert directive.action == "stop" and "no heartbeat" in directive.reason
    retry = service.next_trial(sweep.id, "c").trial
    assert retry is not None and retry.retry_of == dead.number and retry.config == dead.config


def test_pause_resume_stop_and_cancel(parts: Any) -> None:
    service, _ = parts
    sweep = service.create(
        "tune", {"method": "random", "metric": {"name": "loss"}, "parameters": SPACE}
    )
    running = service.next_trial(sweep.id, "a").trial
    assert running is not None
    assert service.act(sweep.id, "pause").state is SweepState.PAUSED
    waiting = service.next_trial(sweep.id, "a")
    assert (waiting.status, waiting.reason) == ("wait", "the sweep is paused")
    with pytest.raises(Conflict, match="only a running sweep pauses"):
        service.act(sweep.id, "pause")
    # A trial that was running goes on, and finishes normally.
    assert service.heartbeat(sweep.id, running.number).action == "continue"
    assert service.act(sweep.id, "resume").state is SweepState.RUNNING
    second = service.next_trial(sweep.id, "a").trial
    assert second is not None and second.number == 1
    cancelled = service.act(sweep.id, "cancel")
    assert cancelled.state is SweepState.CANCELLED
    assert cancelled.counts == {"cancelled": 2}
    stop = service.heartbeat(sweep.id, second.number)
    assert (stop.action, stop.reason) == ("stop", "the sweep was cancelled")
    assert service.next_trial(sweep.id, "a").status == "done"
    with pytest.raises(Conflict, match="is already cancelled"):
        service.act(sweep.id, "stop")
    with pytest.raises(Conflict, match="a cancelled sweep stays so"):
        service.act(sweep.id, "resume")
    with pytest.raises(InvalidArgument, match="action must be one of"):
        service.act(sweep.id, "explode")
    with pytest.raises(NotFound, match="sweep 'nope' does not exist"):
        service.get("nope")


def test_a_target_ends_the_sweep(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune",
        {
            "method": "random",
            "metric": {"name": "acc", "goal": "maximize", "target": 0.9},
            "parameters": SPACE,
        },
    )
    run_trial(service, tracking, sweep.id, metrics={"acc": 0.7})
    assert service.get(sweep.id).state is SweepState.RUNNING
    run_trial(service, tracking, sweep.id, metrics={"acc": 0.93})
    done = service.get(sweep.id)
    assert done.state is SweepState.FINISHED
    assert done.message == "trial 1 reached the target acc = 0.9"


def test_a_run_without_the_metric_fails_its_trial(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune", {"method": "random", "metric": {"name": "loss"}, "parameters": SPACE}
    )
    run_trial(service, tracking, sweep.id, metrics={"accuracy": 0.5})
    trial = service.trial(sweep.id, 0)
    assert trial.state is TrialState.FAILED
    assert trial.message == "the run ended without logging 'loss'"
    lone = service.next_trial(sweep.id, "a").trial
    assert lone is not None
    unlinked = service.finish_trial(sweep.id, lone.number, "finished")
    assert "no run was linked" in unlinked.message


def test_reports_are_validated(parts: Any) -> None:
    service, _ = parts
    sweep = service.create(
        "tune", {"method": "random", "metric": {"name": "loss"}, "parameters": SPACE}
    )
    trial = service.next_trial(sweep.id, "a").trial
    assert trial is not None
    with pytest.raises(InvalidArgument, match=r"points\[1\]: value must be a finite number"):
        service.report(sweep.id, trial.number, [(0, 1.0), (1, float("nan"))])
    with pytest.raises(InvalidArgument, match=r"points\[0\]: step must be a whole number"):
        service.report(sweep.id, trial.number, [(-1, 1.0)])
    with pytest.raises(NotFound, match="has no trial 9"):
        service.report(sweep.id, 9, [(0, 1.0)])
    assert service.report(sweep.id, trial.number, [(0, 2.0), (1, 1.5)]).action == "continue"
    assert service.trial(sweep.id, trial.number).intermediate == {0: 2.0, 1: 1.5}


def test_the_median_rule_prunes_a_poor_trial_early(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune",
        {
            "method": "random",
            "metric": {"name": "loss"},
            "parameters": SPACE,
            "early_terminate": {"type": "median", "min_trials": 3, "warmup": 2},
        },
    )
    for offset in (0.1, 0.2, 0.3):  # three good learning curves
        trial = service.next_trial(sweep.id, "a").trial
        assert trial is not None
        for step in range(10):
            assert (
                service.report(sweep.id, trial.number, [(step, offset + 1 / (step + 1))]).action
                == "continue"
            )
        run = tracking.create_run(RunCreate(project="tune"))
        tracking.update_summary(run.id, {"loss": offset + 0.1})
        service.finish_trial(sweep.id, trial.number, "finished", run_id=run.id)
    poor = service.next_trial(sweep.id, "a").trial
    assert poor is not None
    actions = [service.report(sweep.id, poor.number, [(s, 5.0)]).action for s in range(3)]
    # Not judged during the two warm-up steps (0 and 1), then pruned at once.
    assert actions == ["continue", "continue", "prune"]
    pruned = service.trial(sweep.id, poor.number)
    assert pruned.state is TrialState.PRUNED
    assert pruned.message == "pruned at step 2 by the median rule (loss = 5)"
    assert pruned.values == (5.0,)
    # Finishing it afterwards keeps it pruned.
    assert service.finish_trial(sweep.id, poor.number, "finished").state is TrialState.PRUNED
    assert service.heartbeat(sweep.id, poor.number).action == "prune"


def branin(x: float, y: float) -> float:
    import math

    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (y - b * x**2 + c * x - r) ** 2 + s * (1 - t) * math.cos(x) + s


def best_of(service: SweepService, tracking: TrackingService, method: str, seed: int) -> float:
    sweep = service.create(
        "tune",
        {
            "method": method,
            "metric": {"name": "loss"},
            "run_cap": 40,
            "seed": seed,
            "parameters": {"x": {"min": -5.0, "max": 10.0}, "y": {"min": 0.0, "max": 15.0}},
        },
    )
    while True:
        assignment = service.next_trial(sweep.id, "a")
        if assignment.trial is None:
            break
        config = assignment.trial.config
        run = tracking.create_run(RunCreate(project="tune"))
        tracking.update_summary(run.id, {"loss": branin(config["x"], config["y"])})
        service.finish_trial(sweep.id, assignment.trial.number, "finished", run_id=run.id)
    best = service.get(sweep.id).best[0].values
    assert best is not None and best[0] is not None
    return best[0]


def test_tpe_beats_random_search_on_branin(parts: Any) -> None:
    service, tracking = parts
    seeds = range(5)
    tpe = statistics.median(best_of(service, tracking, "bayes", s) for s in seeds)
    rnd = statistics.median(best_of(service, tracking, "random", s) for s in seeds)
    # Branin's minimum is 0.398; over 40 trials TPE gets much closer than random search.
    assert tpe < rnd
    # Seeds 0-4 give medians of 0.47 (TPE) and 1.46 (random), as a plain Optuna study does.
    assert tpe < 0.6 * rnd, (tpe, rnd)


def test_importance_and_contour(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune",
        {
            "method": "random",
            "metric": {"name": "loss"},
            "run_cap": 30,
            "seed": 3,
            "parameters": {"x": {"min": -4.0, "max": 4.0}, "noise": {"min": 0.0, "max": 1.0}},
        },
    )
    while True:
        assignment = service.next_trial(sweep.id, "a")
        if assignment.trial is None:
            break
        config = assignment.trial.config
        run = tracking.create_run(RunCreate(project="tune"))
        tracking.update_summary(run.id, {"loss": config["x"] ** 2 + 0.01 * config["noise"]})
        service.finish_trial(sweep.id, assignment.trial.number, "finished", run_id=run.id)
    for method in ("fanova", "random_forest"):
        importance = service.importance(sweep.id, method=method)
        ranked = [p.param for p in importance.params]
        assert ranked[0] == "x", (method, importance)
        assert importance.trials == 30
        assert sum(p.importance for p in importance.params) == pytest.approx(1.0)
    grid = service.contour(sweep.id, "x", "noise")
    assert len(grid.x) == len(grid.y) == 40
    values = [v for row in grid.z for v in row if v is not None]
    assert min(values) >= 0.0 and max(values) <= 16.1
    with pytest.raises(InvalidArgument, match="is not a parameter"):
        service.contour(sweep.id, "x", "depth")
    with pytest.raises(InvalidArgument, match="importance method must be"):
        service.importance(sweep.id, method="shap")


def test_pareto_front_of_two_metrics(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune",
        {
            "method": "nsga2",
            "metric": [{"name": "error"}, {"name": "size"}],
            "run_cap": 4,
            "parameters": SPACE,
        },
    )
    points = [(0.1, 9.0), (0.5, 1.0), (0.4, 8.0), (0.3, 3.0)]
    for error, size in points:
        run_trial(service, tracking, sweep.id, metrics={"error": error, "size": size})
    front = service.get(sweep.id).best
    # (0.4, 8) is dominated by (0.3, 3); the rest trade error for size.
    assert [t.values for t in front] == [(0.1, 9.0), (0.3, 3.0), (0.5, 1.0)]


def test_a_stopped_sweep_resumes_and_an_exhausted_one_finishes_again(parts: Any) -> None:
    service, tracking = parts
    sweep = service.create(
        "tune", {"method": "random", "metric": {"name": "loss"}, "run_cap": 1, "parameters": SPACE}
    )
    assert service.act(sweep.id, "stop").message == "stopped"
    assert service.next_trial(sweep.id, "a").status == "done"
    assert service.act(sweep.id, "resume").state is SweepState.RUNNING
    run_trial(service, tracking, sweep.id)
    done = service.get(sweep.id)
    assert (done.state, done.message) == (SweepState.FINISHED, "reached its run cap of 1")
    with pytest.raises(Conflict, match=r"already finished \(reached its run cap of 1\)"):
        service.act(sweep.id, "stop")
    resumed = service.act(sweep.id, "resume")
    assert resumed.state is SweepState.RUNNING
    again = service.next_trial(sweep.id, "a")
    assert (again.status, again.reason) == ("done", "reached its run cap of 1")
    assert service.get(sweep.id).state is SweepState.FINISHED
