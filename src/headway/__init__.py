"""Headway: experiment tracking, artifacts, registry, sweeps and monitoring in one tool.

import headway
with headway.init(project="student-dropout", config={"lr": 0.01}) as run:
    run.log({"train/loss": 0.42})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from headway import alerts
from headway.errors import (
    AlreadyExists,
    Conflict,
    HeadwayError,
    InvalidArgument,
    NotFound,
)
from headway.sdk import current as _current
from headway.sdk.api import Api, ApiRun
from headway.sdk.artifacts import Artifact, ArtifactVersion
from headway.sdk.init import init
from headway.sdk.monitoring import Monitor
from headway.sdk.run import Run
from headway.sdk.sweeps.agent import agent, sweep
from headway.sdk.sweeps.trial import TrialPruned, TrialStopped

if TYPE_CHECKING:
    from headway.monitoring.explain import Explanation

__version__ = "0.1.0"
__all__ = [
    "AlreadyExists",
    "Api",
    "ApiRun",
    "Artifact",
    "ArtifactVersion",
    "Conflict",
    "HeadwayError",
    "InvalidArgument",
    "Monitor",
    "NotFound",
    "Run",
    "TrialPruned",
    "TrialStopped",
    "__version__",
    "agent",
    "alerts",
    "config",
    "define_metric",
    "finish",
    "init",
    "log",
    "log_explanations",
    "run",
    "summary",
    "sweep",
    "use_artifact",
]


def _require_run() -> Run:
    active = _current.get()
    if active is None:
        raise InvalidArgument("no active run: call headway.init(project=...) first")
    return active


def log(data: dict[str, Any], step: int | None = None) -> None:
    """Log to the current run (see :meth:`Run.log`)."""
    _require_run().log(data, step=step)


def log_explanations(model: object, X: Any, **kwargs: Any) -> Explanation | None:
    """Explain a model and record it with the current run (see :meth:`Run.log_explanations`)."""
    return _require_run().log_explanations(model, X, **kwargs)


def define_metric(name: str, **kwargs: Any) -> None:
    _require_run().define_metric(name, **kwargs)


def finish(exit_code: int | None = None) -> None:
    """Finish the current run (see :meth:`Run.finish`)."""
    active = _current.get()
    if active is not None:
        active.finish(exit_code)


def use_artifact(
    ref: str, project: str | None = None, *, type: str | None = None
) -> ArtifactVersion:
    """Use an artifact version: through the current run (recording lineage), or, with no
    run, read-only (``project=`` or a ``"project/name:v3"`` reference)."""
    active = _current.get()
    if active is not None and project in (None, active.project):
        return active.use_artifact(ref, type=type)
    found = Api().artifact(ref, project=project)
    if type is not None and found.type != type:
        raise InvalidArgument(f"{found.qualified_name} has type {found.type!r}, not {type!r}")
    return found


def __getattr__(name: str) -> Any:
    # headway.run / headway.config / headway.summary follow the current run.
    if name == "run":
        return _current.get()
    if name == "config":
        return _require_run().config
    if name == "summary":
        return _require_run().summary
    raise AttributeError(f"module 'headway' has no attribute {name!r}")
