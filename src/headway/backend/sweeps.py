"""The sweeps half of the backend interface (``backend.sweeps``).

``LocalSweeps`` runs the sweep service in-process (embedded agents coordinate through the
local store); ``HttpSweeps`` (``http_sweeps.py``) calls ``headway server``. Both take and
return the types of ``headway.entities.sweeps``.

Thread safety: every implementation may be called from several threads at once.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from headway.entities.sweeps import (
    ContourGrid,
    Sweep,
    SweepImportance,
    Trial,
    TrialAssignment,
    TrialDirective,
)

if TYPE_CHECKING:
    from headway.sweeps.service import SweepService


class BaseSweeps(abc.ABC):
    @abc.abstractmethod
    def create_sweep(
        self,
        project: str | None,
        config: dict[str, Any],
        *,
        name: str | None = None,
        paused: bool = False,
    ) -> Sweep:
        """Validate ``config`` (a W&B-shaped sweep file) and create the sweep.

        ``project`` defaults to the file's ``project:``. Raises: InvalidArgument naming
        the bad key.
        """

    @abc.abstractmethod
    def get_sweep(self, sweep_id: str) -> Sweep:
        """Raises: NotFound."""

    @abc.abstractmethod
    def list_sweeps(self, project: str) -> list[Sweep]:
        """The project's sweeps, newest first."""

    @abc.abstractmethod
    def sweep_action(self, sweep_id: str, action: str) -> Sweep:
        """``pause``, ``resume``, ``stop`` or ``cancel``. Raises: Conflict (pausing a
        sweep that is not running), InvalidArgument (unknown action)."""

    @abc.abstractmethod
    def delete_sweep(self, sweep_id: str) -> None:
        """Forget the sweep and its trials (the runs stay)."""

    @abc.abstractmethod
    def list_trials(self, sweep_id: str, *, intermediate: bool = True) -> list[Trial]:
        """Every trial, in number order, with intermediate values unless told not to."""

    @abc.abstractmethod
    def next_trial(self, sweep_id: str, agent: str) -> TrialAssignment:
        """The next trial for ``agent``: ``run`` it, ``wait`` and ask again, or ``done``."""

    @abc.abstractmethod
    def start_trial(self, sweep_id: str, number: int, run_id: str) -> Trial:
        """Link the run started for the trial."""

    @abc.abstractmethod
    def heartbeat_trial(self, sweep_id: str, number: int) -> TrialDirective:
        """The trial is alive; the answer says whether to go on."""

    @abc.abstractmethod
    def report_trial(
        self,
        sweep_id: str,
        number: int,
        points: Sequence[tuple[int, float]],
        *,
        judge: bool = True,
    ) -> TrialDirective:
        """Intermediate ``(step, value)`` of the sweep metric; ``prune`` means stop now.
        ``judge=False`` records them without judging (a run's last points)."""

    @abc.abstractmethod
    def finish_trial(
        self,
        sweep_id: str,
        number: int,
        state: str,
        *,
        run_id: str | None = None,
        error: str = "",
    ) -> Trial:
        """``finished`` (values come from the run's summary) or ``failed``."""

    @abc.abstractmethod
    def sweep_importance(
        self, sweep_id: str, metric: str | None = None, method: str = "fanova"
    ) -> SweepImportance:
        """Each parameter's share of the metric's variance (fanova or random_forest)."""

    @abc.abstractmethod
    def sweep_contour(
        self, sweep_id: str, x: str, y: str, metric: str | None = None
    ) -> ContourGrid:
        """The metric interpolated over two numeric parameters."""


class LocalSweeps(BaseSweeps):
    def __init__(self, service: SweepService) -> None:
        self.service = service

    def create_sweep(
        self,
        project: str | None,
        config: dict[str, Any],
        *,
        name: str | None = None,
        paused: bool = False,
    ) -> Sweep:
        return self.service.create(project, config, name=name, paused=paused)

    def get_sweep(self, sweep_id: str) -> Sweep:
        return self.service.get(sweep_id)

    def list_sweeps(self, project: str) -> list[Sweep]:
        return self.service.of_project(project)

    def sweep_action(self, sweep_id: str, action: str) -> Sweep:
        return self.service.act(sweep_id, action)

    def delete_sweep(self, sweep_id: str) -> None:
        self.service.delete(sweep_id)

    def list_trials(self, sweep_id: str, *, intermediate: bool = True) -> list[Trial]:
        return self.service.trials(sweep_id, intermediate=intermediate)

    def next_trial(self, sweep_id: str, agent: str) -> TrialAssignment:
        return self.service.next_trial(sweep_id, agent)

    def start_trial(self, sweep_id: str, number: int, run_id: str) -> Trial:
        return self.service.start_trial(sweep_id, number, run_id)

    def heartbeat_trial(self, sweep_id: str, number: int) -> TrialDirective:
        return self.service.heartbeat(sweep_id, number)

    def report_trial(
        self,
        sweep_id: str,
        number: int,
        points: Sequence[tuple[int, float]],
        *,
        judge: bool = True,
    ) -> TrialDirective:
        return self.service.report(sweep_id, number, points, judge=judge)

    def finish_trial(
        self,
        sweep_id: str,
        number: int,
        state: str,
        *,
        run_id: str | None = None,
        error: str = "",
    ) -> Trial:
        return self.service.finish_trial(sweep_id, number, state, run_id=run_id, error=error)

    def sweep_importance(
        self, sweep_id: str, metric: str | None = None, method: str = "fanova"
    ) -> SweepImportance:
        return self.service.importance(sweep_id, metric, method)

    def sweep_contour(
        self, sweep_id: str, x: str, y: str, metric: str | None = None
    ) -> ContourGrid:
        return self.service.contour(sweep_id, x, y, metric)
