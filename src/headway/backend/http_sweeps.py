"""Sweeps over HTTP: the same calls as ``LocalSweeps``, as JSON to ``headway server``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from headway.backend import sweeps_wire as wire
from headway.backend.http_artifacts import _HttpHalf, _seg
from headway.backend.sweeps import BaseSweeps
from headway.entities.sweeps import (
    ContourGrid,
    Sweep,
    SweepImportance,
    Trial,
    TrialAssignment,
    TrialDirective,
)


def _sweep(sweep_id: str, *rest: str) -> str:
    return "/".join((f"/sweeps/{_seg(sweep_id)}", *rest))


def _trial(sweep_id: str, number: int, *rest: str) -> str:
    return _sweep(sweep_id, "trials", str(int(number)), *rest)


class HttpSweeps(_HttpHalf, BaseSweeps):
    def _sweep_call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Sweep:
        body = self._call(method, path, payload)
        return self.http._parse(lambda: wire.sweep_from_wire(body))

    def _trial_call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Trial:
        body = self._call(method, path, payload)
        return self.http._parse(lambda: wire.trial_from_wire(body))

    def _directive(self, path: str, payload: dict[str, Any] | None = None) -> TrialDirective:
        body = self._call("POST", path, payload or {})
        return self.http._parse(lambda: wire.directive_from_wire(body))

    def create_sweep(
        self,
        project: str | None,
        config: dict[str, Any],
        *,
        name: str | None = None,
        paused: bool = False,
    ) -> Sweep:
        payload = {"config": config, "name": name, "paused": paused, "project": project}
        return self._sweep_call("POST", "/sweeps", payload)

    def get_sweep(self, sweep_id: str) -> Sweep:
        return self._sweep_call("GET", _sweep(sweep_id))

    def list_sweeps(self, project: str) -> list[Sweep]:
        body = self._call("GET", f"/projects/{_seg(project)}/sweeps")
        return self.http._parse(lambda: [wire.sweep_from_wire(s) for s in body["sweeps"]])

    def sweep_action(self, sweep_id: str, action: str) -> Sweep:
        return self._sweep_call("POST", _sweep(sweep_id, "actions"), {"action": action})

    def delete_sweep(self, sweep_id: str) -> None:
        self._call("DELETE", _sweep(sweep_id))

    def list_trials(self, sweep_id: str, *, intermediate: bool = True) -> list[Trial]:
        params = {"intermediate": "true" if intermediate else "false"}
        body = self._call("GET", _sweep(sweep_id, "trials"), params=params)
        return self.http._parse(lambda: [wire.trial_from_wire(t) for t in body["trials"]])

    def next_trial(self, sweep_id: str, agent: str) -> TrialAssignment:
        body = self._call("POST", _sweep(sweep_id, "next"), {"agent": agent})
        return self.http._parse(lambda: wire.assignment_from_wire(body))

    def start_trial(self, sweep_id: str, number: int, run_id: str) -> Trial:
        return self._trial_call("POST", _trial(sweep_id, number, "start"), {"run_id": run_id})

    def heartbeat_trial(self, sweep_id: str, number: int) -> TrialDirective:
        return self._directive(_trial(sweep_id, number, "heartbeat"))

    def report_trial(
        self,
        sweep_id: str,
        number: int,
        points: Sequence[tuple[int, float]],
        *,
        judge: bool = True,
    ) -> TrialDirective:
        payload = {"points": [[int(s), float(v)] for s, v in points], "judge": judge}
        return self._directive(_trial(sweep_id, number, "report"), payload)

    def finish_trial(
        self,
        sweep_id: str,
        number: int,
        state: str,
        *,
        run_id: str | None = None,
        error: str = "",
    ) -> Trial:
        payload = {"state": state, "run_id": run_id, "error": error}
        return self._trial_call("POST", _trial(sweep_id, number, "finish"), payload)

    def sweep_importance(
        self, sweep_id: str, metric: str | None = None, method: str = "fanova"
    ) -> SweepImportance:
        params = {"method": method, **({"metric": metric} if metric else {})}
        body = self._call("GET", _sweep(sweep_id, "importance"), params=params)
        return self.http._parse(lambda: wire.importance_from_wire(body))

    def sweep_contour(
        self, sweep_id: str, x: str, y: str, metric: str | None = None
    ) -> ContourGrid:
        params = {"x": x, "y": y, **({"metric": metric} if metric else {})}
        body = self._call("GET", _sweep(sweep_id, "contour"), params=params)
        return self.http._parse(lambda: wire.contour_from_wire(body))
