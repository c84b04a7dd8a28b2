"""Sweep entities to and from the JSON the server speaks (one place, both sides).

Metric values may be NaN or infinite only as a trial's intermediate values never are (the
service refuses them), so plain floats travel; ``values`` entries may be null.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from headway.entities.sweeps import (
    ContourGrid,
    ParamImportance,
    Sweep,
    SweepImportance,
    SweepMetric,
    SweepState,
    Trial,
    TrialAssignment,
    TrialDirective,
    TrialState,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def trial_to_wire(t: Trial, *, intermediate: bool = True) -> dict[str, Any]:
    steps = sorted(t.intermediate)
    return {
        "sweep_id": t.sweep_id,
        "number": t.number,
        "state": t.state.value,
        "config": t.config,
        "params": t.params,
        "values": list(t.values) if t.values is not None else None,
        "run_id": t.run_id,
        "agent": t.agent,
        "created_at": _iso(t.created_at),
        "started_at": _iso(t.started_at),
        "heartbeat_at": _iso(t.heartbeat_at),
        "finished_at": _iso(t.finished_at),
        "retry_of": t.retry_of,
        "attempt": t.attempt,
        "message": t.message,
        "steps": steps if intermediate else [],
        "intermediate": [t.intermediate[s] for s in steps] if intermediate else [],
    }


def trial_from_wire(d: Mapping[str, Any]) -> Trial:
    return Trial(
        sweep_id=d["sweep_id"],
        number=int(d["number"]),
        state=TrialState(d["state"]),
        config=dict(d["config"]),
        created_at=_dt(d["created_at"]),  # type: ignore[arg-type]
        values=tuple(d["values"]) if d.get("values") is not None else None,
        run_id=d.get("run_id"),
        agent=d.get("agent"),
        started_at=_dt(d.get("started_at")),
        heartbeat_at=_dt(d.get("heartbeat_at")),
        finished_at=_dt(d.get("finished_at")),
        retry_of=d.get("retry_of"),
        attempt=int(d.get("attempt", 0)),
        message=d.get("message", ""),
        intermediate={
            int(s): float(v)
            for s, v in zip(d.get("steps", []), d.get("intermediate", []), strict=True)
        },
    )


def sweep_to_wire(s: Sweep) -> dict[str, Any]:
    return {
        "id": s.id,
        "project": s.project,
        "name": s.name,
        "config": s.config,
        "method": s.method,
        "metrics": [{"name": m.name, "goal": m.goal, "target": m.target} for m in s.metrics],
        "state": s.state.value,
        "created_at": _iso(s.created_at),
        "updated_at": _iso(s.updated_at),
        "description": s.description,
        "run_cap": s.run_cap,
        "counts": dict(s.counts),
        "total": s.total,
        "space_size": s.space_size,
        "best": [trial_to_wire(t, intermediate=False) for t in s.best],
        "message": s.message,
    }


def sweep_from_wire(d: Mapping[str, Any]) -> Sweep:
    return Sweep(
        id=d["id"],
        project=d["project"],
        name=d["name"],
        config=dict(d["config"]),
        method=d["method"],
        metrics=tuple(
            SweepMetric(name=m["name"], goal=m["goal"], target=m.get("target"))
            for m in d["metrics"]
        ),
        state=SweepState(d["state"]),
        created_at=_dt(d["created_at"]),  # type: ignore[arg-type]
        updated_at=_dt(d["updated_at"]),  # type: ignore[arg-type]
        description=d.get("description", ""),
        run_cap=d.get("run_cap"),
        counts={k: int(v) for k, v in d.get("counts", {}).items()},
        space_size=d.get("space_size"),
        best=tuple(trial_from_wire(t) for t in d.get("best", [])),
        message=d.get("message", ""),
    )


def assignment_to_wire(a: TrialAssignment) -> dict[str, Any]:
    return {
        "status": a.status,
        "trial": trial_to_wire(a.trial) if a.trial is not None else None,
        "sweep": sweep_to_wire(a.sweep) if a.sweep is not None else None,
        "reason": a.reason,
    }


def assignment_from_wire(d: Mapping[str, Any]) -> TrialAssignment:
    return TrialAssignment(
        status=d["status"],
        trial=trial_from_wire(d["trial"]) if d.get("trial") else None,
        sweep=sweep_from_wire(d["sweep"]) if d.get("sweep") else None,
        reason=d.get("reason", ""),
    )


def directive_to_wire(t: TrialDirective) -> dict[str, Any]:
    return {"action": t.action, "reason": t.reason}


def directive_from_wire(d: Mapping[str, Any]) -> TrialDirective:
    return TrialDirective(action=d["action"], reason=d.get("reason", ""))


def importance_to_wire(i: SweepImportance) -> dict[str, Any]:
    return {
        "metric": i.metric,
        "method": i.method,
        "trials": i.trials,
        "params": [{"param": p.param, "importance": p.importance} for p in i.params],
    }


def importance_from_wire(d: Mapping[str, Any]) -> SweepImportance:
    return SweepImportance(
        metric=d["metric"],
        method=d["method"],
        trials=int(d["trials"]),
        params=tuple(ParamImportance(p["param"], float(p["importance"])) for p in d["params"]),
    )


def contour_to_wire(c: ContourGrid) -> dict[str, Any]:
    return {
        "metric": c.metric,
        "x_param": c.x_param,
        "y_param": c.y_param,
        "x": list(c.x),
        "y": list(c.y),
        "z": [list(row) for row in c.z],
        "x_log": c.x_log,
        "y_log": c.y_log,
    }


def contour_from_wire(d: Mapping[str, Any]) -> ContourGrid:
    return ContourGrid(
        metric=d["metric"],
        x_param=d["x_param"],
        y_param=d["y_param"],
        x=tuple(d["x"]),
        y=tuple(d["y"]),
        z=tuple(tuple(row) for row in d["z"]),
        x_log=bool(d.get("x_log")),
        y_log=bool(d.get("y_log")),
    )
