"""``headway.Monitor``: a model in production, watched window by window.

monitor = headway.Monitor("student-dropout", model="dropout-risk@production",
                          reference=train_df, features=[...], categorical=[...],
                          prediction="score", label="dropped_out",
                          segments=["course"], sensitive=["gender", "disability"])
monitor.log(batch_df, scores, ids=batch_df["student_id"])
monitor.log_labels(ids, outcomes)            # weeks later
monitor.compute()
monitor.results("drift")                      # a DataFrame
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from headway.backend.base import BaseBackend
from headway.entities.monitoring import ComputeReport, MonitorSpec, PredictionExplanation, Task
from headway.errors import InvalidArgument
from headway.monitoring.batches import labels_table, predictions_table, to_table
from headway.sdk.artifacts import Artifact
from headway.sdk.artifacts.logger import log_artifact
from headway.sdk.connect import backend_for, make_settings
from headway.sdk.monitoring.writer import MonitorWriter

log = logging.getLogger("headway.monitor")

RESULT_COLUMNS = [
    "window_start",
    "window_end",
    "kind",
    "subject",
    "group",
    "metric",
    "value",
    "p_value",
    "lower",
    "upper",
    "threshold",
    "verdict",
    "rows",
]


def _default_name(model: str | None) -> str:
    if not model:
        return "monitor"
    return model.split("@")[0].split(":")[0]


class Monitor:
    """Create (or reopen) a monitor and log to it.

    Args mirror the monitor's config (see docs/monitoring.md). ``reference`` is a dataset
    artifact version (``"students:v3"``) or a DataFrame, which is stored as the artifact
    ``<name>-reference`` so every window points at exactly the data it was compared with.
    ``dir``/``url`` choose the store like ``headway.init``.
    """

    def __init__(
        self,
        project: str,
        *,
        model: str | None = None,
        reference: Any = None,
        features: Sequence[str] = (),
        categorical: Sequence[str] = (),
        prediction: str | None = None,
        prediction_label: str | None = None,
        label: str | None = None,
        segments: Sequence[str] = (),
        sensitive: Sequence[str] = (),
        task: Task = "binary",
        window: str = "1d",
        name: str | None = None,
        decision_threshold: float = 0.5,
        positive: str | None = None,
        methods: Mapping[str, str] | None = None,
        thresholds: Mapping[str, float] | None = None,
        min_rows: int = 30,
        retention_days: int | None = None,
        description: str = "",
        explain_rows: int = 0,
        dir: str | os.PathLike[str] | None = None,
        url: str | None = None,
        backend: BaseBackend | None = None,
        flush_rows: int = 100_000,
        flush_interval: float = 1.0,
    ) -> None:
        settings = make_settings(dir, url)
        self.backend = backend or backend_for(settings)
        name = name or _default_name(model)
        features = list(features)
        if reference is not None and not isinstance(reference, str):
            reference = self._store_reference(project, name, reference)
        spec = MonitorSpec(
            project=project,
            name=name,
            features=tuple(features),
            categorical=tuple(categorical),
            model=model,
            reference=reference,
            prediction=prediction,
            prediction_label=prediction_label,
            label=label,
            segments=tuple(segments),
            sensitive=tuple(sensitive),
            task=task,
            window=window,
            decision_threshold=decision_threshold,
            positive=positive,
            methods=dict(methods or {}),
            thresholds=dict(thresholds or {}),
            min_rows=min_rows,
            retention_days=retention_days,
            description=description,
            explain_rows=explain_rows,
        )
        self._monitor = self.backend.monitoring.create_monitor(spec, exist_ok=True)
        self.spec = self._monitor.spec
        spool = settings.spool_dir / "monitors" / _spool_key(self.backend, settings, project, name)
        self._writer = MonitorWriter(
            spool, self._send, flush_rows=flush_rows, flush_interval=flush_interval
        )
        self._allowed = set(self.spec.inputs) | {
            c for c in (self.spec.prediction, self.spec.prediction_label, self.spec.label) if c
        }
        self._rows: list[dict[str, Any]] = []
        self._row_meta: list[tuple[Any, Any, int | None]] = []
        atexit.register(self.close)

    @classmethod
    def get(cls, project: str, name: str, **kwargs: Any) -> Monitor:
        """Reopen an existing monitor with its stored config."""
        settings = make_settings(kwargs.pop("dir", None), kwargs.pop("url", None))
        backend = kwargs.pop("backend", None) or backend_for(settings)
        spec = backend.monitoring.get_monitor(project, name).spec
        return cls(
            project,
            name=name,
            backend=backend,
            model=spec.model,
            reference=spec.reference,
            features=spec.features,
            categorical=spec.categorical,
            prediction=spec.prediction,
            prediction_label=spec.prediction_label,
            label=spec.label,
            segments=spec.segments,
            sensitive=spec.sensitive,
            task=spec.task,
            window=spec.window,
            decision_threshold=spec.decision_threshold,
            positive=spec.positive,
            methods=spec.methods,
            thresholds=spec.thresholds,
            min_rows=spec.min_rows,
            retention_days=spec.retention_days,
            description=spec.description,
            explain_rows=spec.explain_rows,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"<Monitor {self.spec.project}/{self.spec.name} window={self.spec.window}>"

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def project(self) -> str:
        return self.spec.project

    def _store_reference(self, project: str, name: str, data: Any) -> str:
        table = to_table(data, "reference")
        artifact = Artifact(
            f"{name}-reference",
            "dataset",
            description=f"Reference data of monitor {name}",
            metadata={"rows": table.num_rows, "columns": table.column_names},
        )
        with tempfile.TemporaryDirectory(prefix="headway-ref-") as tmp:
            path = Path(tmp) / "reference.parquet"
            pq.write_table(table, path, compression="zstd")
            artifact.add_file(path, "reference.parquet")
            version, _created = log_artifact(self.backend, project, artifact, run_id=None)
        return f"{version.project}/{version.name}:v{version.version}"

    # -- logging --------------------------------------------------------------------------
    def log(
        self,
        inputs: Any,
        predictions: Any = None,
        *,
        ids: Any = None,
        timestamps: Any = None,
        model_version: int | None = None,
    ) -> None:
        """Log predictions: a batch (pandas, Polars, Arrow, dict of columns) or one row.

        Returns at once; a background thread batches, spools and sends. Raises
        InvalidArgument for a batch that can never be stored (unknown or missing columns,
        mismatched lengths, timestamps in the future), so the mistake shows where it is
        made; a failure to store (server down) never raises.
        """
        if (
            isinstance(inputs, Mapping)
            and inputs
            and all(not _listlike(v) for v in inputs.values())
        ):
            self._log_row(dict(inputs), predictions, ids, timestamps, model_version)
            return
        self._flush_rows()
        table, labels = predictions_table(
            self.spec,
            inputs,
            predictions,
            ids=ids,
            timestamps=timestamps,
            model_version=model_version,
            id_prefix=_id_prefix(),
        )
        self._writer.put("predictions", table)
        if labels is not None:
            self._writer.put("labels", labels)

    def _log_row(
        self,
        row: dict[str, Any],
        prediction: Any,
        id: Any,
        timestamp: Any,
        model_version: int | None,
    ) -> None:
        unknown = [k for k in row if k not in self._allowed]
        if unknown:
            raise InvalidArgument(
                f"unknown columns {unknown} for monitor {self.name!r}; it expects "
                f"{sorted(self._allowed)}",
                details={"unknown": unknown},
            )
        if prediction is not None:
            target = self.spec.prediction or self.spec.prediction_label
            assert target is not None
            row[target] = prediction
        self._rows.append(row)
        self._row_meta.append((id, timestamp, model_version))
        if len(self._rows) >= 1000:
            self._flush_rows()

    def _flush_rows(self) -> None:
        if not self._rows:
            return
        rows, meta = self._rows, self._row_meta
        self._rows, self._row_meta = [], []
        columns = {k: [r.get(k) for r in rows] for k in dict.fromkeys(k for r in rows for k in r)}
        now = datetime.now(UTC)
        ids = [m[0] for m in meta]
        stamps = [m[1] or now for m in meta]
        versions = {m[2] for m in meta}
        groups = [(v, [i for i, m in enumerate(meta) if m[2] == v]) for v in versions]
        for version, index in groups:
            part = {k: [col[i] for i in index] for k, col in columns.items()}
            part_ids = [ids[i] for i in index]
            table, labels = predictions_table(
                self.spec,
                part,
                ids=None if all(x is None for x in part_ids) else [str(x) for x in part_ids],
                timestamps=[stamps[i] for i in index],
                model_version=version,
                id_prefix=_id_prefix(),
            )
            self._writer.put("predictions", table)
            if labels is not None:
                self._writer.put("labels", labels)

    def log_labels(self, ids: Any, labels: Any, *, timestamps: Any = None) -> None:
        """Log ground truth for earlier predictions, by their ids (it may arrive weeks
        later). Labels whose ids match no prediction are counted and reported by
        ``compute()``; a later label of the same id replaces an earlier one."""
        self._flush_rows()
        self._writer.put("labels", labels_table(ids, labels, timestamps=timestamps))

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything logged so far is stored."""
        self._flush_rows()
        self._writer.flush(timeout)

    def close(self) -> None:
        self._flush_rows()
        self._writer.close()

    def _send(self, kind: str, table: pa.Table, batch: str) -> None:
        m = self.backend.monitoring
        if kind == "predictions":
            m.log_predictions(self.project, self.name, table, batch=batch)
        else:
            report = m.log_labels(self.project, self.name, table, batch=batch)
            for message in report.messages:
                log.info("headway: %s", message)

    # -- results --------------------------------------------------------------------------
    def compute(
        self, until: datetime | None = None, *, since: datetime | None = None, force: bool = False
    ) -> ComputeReport:
        """Store what was logged, then bring every window up to date (synchronously)."""
        self.flush()
        return self.backend.monitoring.compute(
            self.project, self.name, until=until, since=since, force=force
        )

    def results(
        self, kind: str | None = None, window: Any = None, *, subject: str | None = None
    ) -> pd.DataFrame:
        """Results as a DataFrame: window start/end, kind, subject (feature, segment column
        or attribute), group, metric (method), value (statistic or distance), p_value,
        lower/upper (confidence interval or band), threshold, verdict, rows — the numbers
        the web UI shows. ``window``: a datetime inside it, or a (start, end) pair."""
        start = end = None
        if isinstance(window, tuple):
            start, end = window
        elif isinstance(window, datetime):
            starts = [
                w.start
                for w in self.backend.monitoring.windows(self.project, self.name)
                if w.start <= window < w.end
            ]
            if not starts:
                return pd.DataFrame(columns=RESULT_COLUMNS)
            start = starts[0]
            end = start
        found = self.backend.monitoring.results(
            self.project,
            self.name,
            kinds=[kind] if kind else (),
            subject=subject,
            start=start,
            end=None if end is None else (end if end != start else None),
        )
        if isinstance(window, datetime) and start is not None:
            found = [r for r in found if r.window_start == start]
        rows = [{c: getattr(r, c) for c in RESULT_COLUMNS} for r in found]
        frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
        frame["detail"] = pd.Series([r.detail for r in found], dtype=object)
        return frame

    def windows(self) -> pd.DataFrame:
        found = self.backend.monitoring.windows(self.project, self.name)
        return pd.DataFrame(
            [
                {
                    "start": w.start,
                    "end": w.end,
                    "rows": w.rows,
                    "labeled": w.labeled,
                    "verdict": w.verdict,
                    "issues": w.issues,
                    "messages": list(w.messages),
                }
                for w in found
            ],
            columns=["start", "end", "rows", "labeled", "verdict", "issues", "messages"],
        )

    def audit(self, ids: Sequence[Any] | Any, *, model_version: int | None = None) -> pd.DataFrame:
        """What the model predicted for these ids, with which inputs, version and label."""
        self.flush()
        wanted = [str(ids)] if isinstance(ids, (str, int)) else [str(i) for i in ids]
        table = self.backend.monitoring.audit(
            self.project, self.name, ids=wanted, model_version=model_version
        )
        frame: pd.DataFrame = table.to_pandas()
        return frame.rename(
            columns={"__id": "id", "__ts": "timestamp", "__mv": "model_version", "__label": "label"}
        )

    def explain(self, id: Any, *, model_version: int | None = None) -> PredictionExplanation:
        """Why the prediction logged for ``id`` came out as it did: each input's SHAP
        contribution by the model version that made it (the latest such prediction, or
        that of ``model_version``). Needs ``model=``; see docs/monitoring.md."""
        self.flush()
        return self.backend.monitoring.explain_prediction(
            self.project, self.name, str(id), model_version=model_version
        )

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _listlike(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (
        hasattr(value, "__len__") and not isinstance(value, (str, bytes))
    )


def _id_prefix() -> str:
    return f"{os.getpid():x}{datetime.now(UTC).strftime('%H%M%S%f')}"


def _spool_key(backend: Any, settings: Any, project: str, name: str) -> str:
    # The store the batches go to, which a backend= passed in decides, not the environment:
    # two monitors of one name on two stores must not share a spool.
    own = getattr(backend, "settings", None)
    where = getattr(backend, "url", None) or (own or settings).url or (own or settings).db_url
    return hashlib.blake2b(f"{where}|{project}|{name}".encode(), digest_size=8).hexdigest()
