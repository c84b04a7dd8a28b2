"""Bulk export of a project's runs and full histories to Parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from headway.entities.config import flatten

if TYPE_CHECKING:
    from headway.tracking.service import TrackingService

HISTORY_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("key", pa.string()),
        ("step", pa.int64()),
        ("time", pa.float64()),
        ("value", pa.float64()),
    ]
)


def export_project(service: TrackingService, project: str, dest: Path) -> list[Path]:
    """Write ``runs.parquet`` (one row per run) and ``history.parquet`` (one row per point).

    History is written run by run and key by key, so memory stays at one series.
    """
    dest.mkdir(parents=True, exist_ok=True)
    service.get_project(project)
    runs_path, history_path = dest / "runs.parquet", dest / "history.parquet"
    records = []
    with pq.ParquetWriter(history_path, HISTORY_SCHEMA) as writer:
        for batch in service.store.iter_project_runs(project):
            for run in batch:
                record: dict[str, object] = {
                    "id": run.id,
                    "project": run.project,
                    "name": run.name,
                    "state": run.state.value,
                    "created_at": run.created_at,
                    "finished_at": run.finished_at,
                    "group": run.group,
                    "job_type": run.job_type,
                    "tags": ",".join(run.tags),
                    "notes": run.notes,
                    "config_json": json.dumps(run.config, sort_keys=True),
                }
                for key, value in flatten(run.config).items():
                    record[f"config.{key}"] = (
                        value if not isinstance(value, list | dict) else json.dumps(value)
                    )
                for key, value in run.summary.items():
                    record[f"summary.{key}"] = (
                        value if not isinstance(value, list | dict) else json.dumps(value)
                    )
                records.append(record)
                keys = service.metric_keys(run.id)
                for key, series in service.get_history(run.id, keys).items():
                    n = len(series)
                    writer.write_table(
                        pa.table(
                            {
                                "run_id": pa.array(np.full(n, run.id, dtype=object), pa.string()),
                                "key": pa.array(np.full(n, key, dtype=object), pa.string()),
                                "step": series.steps,
                                "time": series.times,
                                "value": series.values,
                            },
                            schema=HISTORY_SCHEMA,
                        )
                    )
    frame = pd.DataFrame.from_records(records)
    # Columns mixing numbers and strings across runs are stored as text, not dropped.
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(type).nunique() > 1:
            frame[column] = frame[column].map(lambda x: None if x is None else str(x))
    frame.to_parquet(runs_path, index=False)
    return [runs_path, history_path]
