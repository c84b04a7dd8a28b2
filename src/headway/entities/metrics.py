from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from headway.entities.runs import RunCreate, RunFinish, RunUpdate

#: A ``LogBatch.seq`` that means "after the last applied batch", for writers that number
#: nothing (MLflow's API): always applied, so a retried request is applied twice.
APPEND_SEQ = -1

#: How ``define_metric`` may summarise a metric.
SUMMARY_RULES = ("last", "min", "max", "mean", "first", "none")

Int64Array = npt.NDArray[np.int64]
Float64Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Series:
    """Columnar points of one metric, in the order they were logged."""

    key: str
    steps: Int64Array
    times: Float64Array
    values: Float64Array

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    @classmethod
    def empty(cls, key: str) -> Series:
        return cls(
            key,
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.float64),
            np.empty(0, dtype=np.float64),
        )


@dataclass(frozen=True)
class Envelope:
    """Min/max/first/last per bucket of a step range; exact (no point is skipped).

    Bucket ``i`` covers steps ``[edges[i], edges[i+1])``; the last bucket includes its end.
    Buckets without points have ``count == 0`` and NaN statistics.
    """

    key: str
    edges: Int64Array
    count: Int64Array
    min: Float64Array
    max: Float64Array
    first: Float64Array
    last: Float64Array
    #: Step of the first and last point in each bucket (-1 when empty).
    first_step: Int64Array
    last_step: Int64Array


@dataclass(frozen=True)
class ConsoleLine:
    time: float
    stream: str  # "stdout" or "stderr"
    text: str


@dataclass(frozen=True)
class LogBatch:
    """One shipment of a run's data. ``seq`` makes ingestion idempotent per run.

    The SDK numbers batches 0, 1, 2, … per run; a backend that already applied a
    ``(run, seq)`` ignores it, so re-sending a spool (``headway sync`` twice) never
    duplicates points.
    """

    seq: int
    metrics: Mapping[str, Series] = field(default_factory=dict)
    #: Values the user set with ``run.summary[key] = value``.
    summary: Mapping[str, Any] = field(default_factory=dict)
    #: Flat or nested config updates, already accepted by the SDK's config rules.
    config: Mapping[str, Any] = field(default_factory=dict)
    console: Sequence[ConsoleLine] = ()
    #: Client wall time of the batch; used as the run's heartbeat.
    time: float = 0.0
    #: Creates the run first when it does not exist yet (a run's first batch carries it).
    create: RunCreate | None = None
    #: Attribute changes (name, tags, notes, metadata…) applied before the points.
    update: RunUpdate | None = None
    #: Small files stored with the run: captured code, git diff, installed packages.
    files: Mapping[str, bytes] = field(default_factory=dict)
    #: Ends the run after everything else in the batch.
    finish: RunFinish | None = None

    @property
    def point_count(self) -> int:
        return sum(len(s) for s in self.metrics.values())
