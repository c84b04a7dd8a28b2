"""The monitoring service: monitors, inference logging, window computation and results.

Rules that live here: a monitor's config is validated before it is stored and a change
bumps its config version (so every window is recomputed under the new config); a batch
is validated whole before any byte is stored and a replayed batch stores nothing; a
window is recomputed only when its inputs (prediction files, labels, config, reference)
changed; labels whose ids match no prediction are counted and reported, never joined.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from headway.artifacts import names
from headway.artifacts.service import ArtifactService
from headway.entities.monitoring import (
    ComputeReport,
    FeatureContribution,
    IngestReport,
    Monitor,
    MonitorResult,
    MonitorSpec,
    PredictionExplanation,
    WindowSummary,
)
from headway.errors import InvalidArgument, NotFound
from headway.monitoring import spec as specs
from headway.monitoring.batches import labels_table
from headway.monitoring.compute import INPUT_KINDS, LABEL_KINDS, WindowComputer, window_verdict
from headway.monitoring.detectors import DETECTORS
from headway.monitoring.explain import explain
from headway.monitoring.files import FileReader, concat, write_partitions
from headway.monitoring.model_files import ModelLoader
from headway.monitoring.reference import ReferenceFit, fit_reference
from headway.monitoring.window_explain import explain_window, features_for, model_frame
from headway.monitoring.windows import parse_window, time_windows
from headway.registry.service import RegistryService
from headway.store.sql.monitoring import StoredFile
from headway.store.sql.store import SqlStore

log = logging.getLogger(__name__)

#: Seconds a compute job waits after new data, so a burst of batches is one job.
COMPUTE_DELAY = 2.0
JOB_KIND = "monitor.compute"
READABLE_SUFFIXES = (".parquet", ".pq", ".csv", ".arrow", ".feather")


def now_utc() -> datetime:
    return datetime.now(UTC)


def _fp(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\x00")
    return h.hexdigest()


class MonitoringService:
    def __init__(
        self,
        store: SqlStore,
        artifacts: ArtifactService,
        registry: RegistryService,
        cache_dir: Path,
    ) -> None:
        self.store = store
        self.artifacts = artifacts
        self.registry = registry
        self.reader = FileReader(artifacts.blobs, cache_dir / "monitoring")
        self._fits: OrderedDict[str, ReferenceFit] = OrderedDict()
        self._fit_lock = threading.Lock()
        self.models = ModelLoader(artifacts, registry, self.reader)
        self._reference_importance: OrderedDict[tuple[str, str, int], dict[str, float]] = (
            OrderedDict()
        )
        #: Called after data arrives (the server wakes its in-process worker).
        self.on_data: Callable[[], None] | None = None
        #: Called with (project, monitor) after windows were (re)computed: alert rules.
        self.on_computed: Callable[[str, str], object] | None = None

    # -- monitors -------------------------------------------------------------------------
    def _resolve(self, spec: MonitorSpec) -> tuple[str | None, int | None]:
        reference = None
        if spec.reference:
            sel = names.parse_selector(spec.reference, default_project=spec.project)
            version = self.artifacts.get_version(sel.project or spec.project, sel.name, sel.version)
            files = [
                e
                for e in self.artifacts.files(version.project, version.name, version.version)
                if e.path.lower().endswith(READABLE_SUFFIXES) and e.digest
            ]
            if not files:
                raise InvalidArgument(
                    f"reference {spec.reference!r} has no Parquet, CSV, Arrow or Feather file",
                    details={"field": "reference"},
                )
            reference = f"{version.project}/{version.name}:v{version.version}"
        model_version = None
        if spec.model:
            name, _, selector = spec.model.partition("@")
            if not selector:
                name, _, selector = spec.model.partition(":")
            chosen: int | str = (
                int(selector[1:])
                if selector[:1] == "v" and selector[1:].isdigit()
                else (selector or "latest")
            )
            try:
                model_version = self.registry.get_version(name, chosen).version
            except NotFound:
                raise InvalidArgument(
                    f"model {spec.model!r} not found in the registry: use 'name@alias' or "
                    "'name:vN' of a registered model",
                    details={"field": "model"},
                ) from None
        return reference, model_version

    def create(self, spec: MonitorSpec, *, exist_ok: bool = False) -> Monitor:
        clean = specs.validate(spec, known_methods=DETECTORS)
        reference, model_version = self._resolve(clean)
        try:
            current = self.store.monitoring.get(clean.project, clean.name)
        except NotFound:
            return self.store.monitoring.create(
                clean, reference_ref=reference, model_version=model_version, now=now_utc()
            )
        if not exist_ok:
            from headway.errors import AlreadyExists

            raise AlreadyExists(
                f"monitor {clean.name!r} already exists in project {clean.project!r}",
                details={"project": clean.project, "monitor": clean.name},
            )
        if current.spec == clean and current.reference_ref == reference:
            return current
        return self.update(clean)

    def update(self, spec: MonitorSpec) -> Monitor:
        """Replace the config; if it changed, every window is recomputed in the background."""
        clean = specs.validate(spec, known_methods=DETECTORS)
        self.store.monitoring.get(clean.project, clean.name)
        reference, model_version = self._resolve(clean)
        monitor = self.store.monitoring.replace_spec(
            clean, reference_ref=reference, model_version=model_version, now=now_utc()
        )
        self.enqueue_compute(monitor, delay=0.0)
        return monitor

    def get(self, project: str, name: str) -> Monitor:
        return self.store.monitoring.get(project, name)

    def monitors(self, project: str | None = None) -> list[Monitor]:
        return self.store.monitoring.all(project)

    def delete(self, project: str, name: str) -> None:
        self.store.monitoring.delete(project, name)

    # -- ingestion ------------------------------------------------------------------------
    def log_predictions(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        """Store a batch already shaped by ``batches.predictions_table`` (re-checked here)."""
        monitor = self.get(project, name)
        self._check_predictions(monitor.spec, table)
        if "__mv" in table.column_names and monitor.model_version is not None:
            mv = table.column("__mv")
            if mv.null_count == table.num_rows:
                table = table.set_column(
                    table.column_names.index("__mv"),
                    "__mv",
                    pa.array(np.full(table.num_rows, monitor.model_version, dtype=np.int32)),
                )
        files = write_partitions(
            self.artifacts.blobs, table, ts_column="__ts", batch=batch or _table_digest(table)
        )
        added, rows = self.store.monitoring.add_files(monitor.id, "predictions", files, now_utc())
        if added:
            self.enqueue_compute(monitor)
        return IngestReport(rows=rows, files=added, duplicate=bool(files) and not added)

    def _check_predictions(self, spec: MonitorSpec, table: pa.Table) -> None:
        required = ["__id", "__ts", "__mv", *spec.inputs]
        required += [c for c in (spec.prediction, spec.prediction_label) if c]
        missing = [c for c in required if c not in table.column_names]
        if missing:
            raise InvalidArgument(
                f"missing columns {missing} for monitor {spec.name!r}", details={"missing": missing}
            )
        allowed = set(required)
        unknown = [c for c in table.column_names if c not in allowed]
        if unknown:
            raise InvalidArgument(
                f"unknown columns {unknown} for monitor {spec.name!r}", details={"unknown": unknown}
            )
        if not pa.types.is_timestamp(table.schema.field("__ts").type):
            raise InvalidArgument("__ts must be timestamps")
        if table.column("__id").null_count or table.column("__ts").null_count:
            raise InvalidArgument("every prediction needs an id and a timestamp")
        if table.num_rows:
            latest = pc.max(table.column("__ts")).as_py()
            if latest is not None and latest > now_utc() + timedelta(minutes=5):
                raise InvalidArgument(
                    f"timestamps in the future (latest {latest.isoformat()}): "
                    "check the clock or the time zone"
                )

    def log_labels(
        self, project: str, name: str, table: pa.Table, *, batch: str | None = None
    ) -> IngestReport:
        monitor = self.get(project, name)
        for c in ("__id", "__label_ts", "__label"):
            if c not in table.column_names:
                raise InvalidArgument(f"a labels batch needs column {c!r}")
        if table.column("__label").null_count:
            raise InvalidArgument("labels: some labels are missing")
        if table.num_rows and pc.max(table.column("__label_ts")).as_py() > now_utc() + timedelta(
            minutes=5
        ):
            raise InvalidArgument(
                "label timestamps in the future: check the clock or the time zone"
            )
        unmatched = self._unmatched(monitor, table.column("__id"))
        files = write_partitions(
            self.artifacts.blobs, table, ts_column="__label_ts", batch=batch or _table_digest(table)
        )
        added, rows = self.store.monitoring.add_files(monitor.id, "labels", files, now_utc())
        if added:
            self.enqueue_compute(monitor)
        messages: tuple[str, ...] = ()
        if unmatched:
            messages = (
                f"{unmatched} of {table.num_rows} labels have ids that match no logged prediction; "
                "they are stored and will join if those predictions arrive",
            )
        return IngestReport(
            rows=rows,
            files=added,
            duplicate=bool(files) and not added,
            unmatched_ids=unmatched,
            messages=messages,
        )

    def _unmatched(self, monitor: Monitor, ids: pa.ChunkedArray | pa.Array) -> int:
        files = self.store.monitoring.files(monitor.id, "predictions")
        known = self.reader.read(files, columns=["__id"])
        if known is None:
            return len(ids)
        return int(
            pc.sum(
                pc.invert(pc.is_in(ids, value_set=known.column("__id").combine_chunks()))
            ).as_py()
            or 0
        )

    def log_labels_from(
        self, project: str, name: str, ids: Any, labels: Any, *, timestamps: Any = None
    ) -> IngestReport:
        return self.log_labels(project, name, labels_table(ids, labels, timestamps=timestamps))

    # -- reference ------------------------------------------------------------------------
    def reference_table(self, monitor: Monitor) -> pa.Table:
        if monitor.reference_ref is None:
            raise InvalidArgument(
                f"monitor {monitor.name!r} has no reference data: set reference= to a dataset "
                "artifact version or a DataFrame",
                details={"field": "reference"},
            )
        sel = names.parse_selector(monitor.reference_ref)
        assert sel.project is not None
        version = self.artifacts.get_version(sel.project, sel.name, sel.version)
        tables = []
        for entry in self.artifacts.files(version.project, version.name, version.version):
            if not entry.digest or not entry.path.lower().endswith(READABLE_SUFFIXES):
                continue
            path = self.reader.local_path(entry.digest)
            lower = entry.path.lower()
            if lower.endswith((".parquet", ".pq")):
                tables.append(pq.read_table(path))
            elif lower.endswith(".csv"):
                tables.append(pacsv.read_csv(path))
            else:
                import pyarrow.feather as feather

                tables.append(feather.read_table(path))
        return concat(tables)

    def reference_fit(self, monitor: Monitor) -> ReferenceFit:
        key = _fp(monitor.id, monitor.config_version, monitor.reference_ref)
        with self._fit_lock:
            if key in self._fits:
                self._fits.move_to_end(key)
                return self._fits[key]
        fit = fit_reference(monitor.spec, self.reference_table(monitor), key)
        with self._fit_lock:
            self._fits[key] = fit
            while len(self._fits) > 8:
                self._fits.popitem(last=False)
        return fit

    # -- computation ----------------------------------------------------------------------
    def enqueue_compute(
        self,
        monitor: Monitor,
        *,
        delay: float = COMPUTE_DELAY,
        payload: dict[str, Any] | None = None,
    ) -> int:
        job = self.store.jobs.enqueue(
            JOB_KIND,
            f"monitor:{monitor.id}",
            {"project": monitor.project, "monitor": monitor.name, **(payload or {})},
            now=now_utc(),
            delay=delay,
        )
        if self.on_data is not None:
            self.on_data()
        return job.id

    def compute(
        self,
        project: str,
        name: str,
        *,
        until: datetime | None = None,
        since: datetime | None = None,
        force: bool = False,
    ) -> ComputeReport:
        """Bring the windows up to date; ``force`` recomputes [since, until) regardless."""
        began = time.perf_counter()
        monitor = self.get(project, name)
        fit = self.reference_fit(monitor)
        spec = monitor.spec
        window = parse_window(spec.window)
        preds = self.store.monitoring.files(monitor.id, "predictions")
        label_files = self.store.monitoring.files(monitor.id, "labels")
        self._apply_retention(monitor, preds + label_files)
        if not preds:
            self.store.monitoring.set_computed(monitor.id, now_utc(), {"verdict": "no_data"})
            return ComputeReport(
                0, 0, 0, 0, time.perf_counter() - began, messages=tuple(fit.messages)
            )
        labels_fp = _fp([f.digest for f in label_files])
        states = self.store.monitoring.window_states(monitor.id)
        base_fp = _fp(monitor.config_version, monitor.reference_ref)
        if window.by_time:
            plans = self._time_plans(window, preds, base_fp, until)
        else:
            plans = self._row_plans(window, preds, base_fp)
        labels = self._labels(label_files) if label_files and spec.label else None
        recomputed = skipped = results = 0
        messages: list[str] = list(fit.messages)
        for start, end, files, inputs_fp in plans:
            if since is not None and end <= since:
                skipped += 1
                continue
            if until is not None and start >= until:
                continue
            state = states.get(start)
            label_key = _fp(inputs_fp, labels_fp)
            fresh_inputs = state is not None and state.inputs_fp == inputs_fp and not force
            fresh_labels = state is not None and state.labels_fp == label_key and not force
            if fresh_inputs and fresh_labels:
                skipped += 1
                continue
            table = self._window_table(window, files, start, end, plans)
            if table is None or table.num_rows == 0:
                skipped += 1
                continue
            kinds = LABEL_KINDS if fresh_inputs else INPUT_KINDS + LABEL_KINDS
            computer = WindowComputer(spec, fit, start, end)
            drifts = self._stored_drifts(monitor, start) if fresh_inputs else computer.inputs(table)
            joined = _join_labels(table, labels) if labels is not None else None
            if not fresh_inputs and spec.explain_rows:
                found, notes = self._explain_window(monitor, fit, table, start, end)
                computer.out.results.extend(found)
                computer.out.messages.extend(notes)
            labelled = computer.labelled(table, joined, drifts)
            out = computer.out.results
            if fresh_inputs:
                previous = self.store.monitoring.results(
                    monitor.id,
                    kinds=INPUT_KINDS,
                    start=start,
                    end=start + timedelta(microseconds=1),
                )
                verdict, issues = window_verdict([*previous, *out])
            else:
                verdict, issues = window_verdict(out)
            self.store.monitoring.save_window(
                monitor.id,
                WindowSummary(
                    start=start,
                    end=end,
                    rows=table.num_rows,
                    labeled=labelled,
                    computed_at=now_utc(),
                    verdict=verdict,
                    issues=issues,
                    messages=tuple(dict.fromkeys(computer.out.messages))[:20],
                ),
                inputs_fp=inputs_fp,
                labels_fp=label_key,
                kinds=kinds,
                results=out,
            )
            recomputed += 1
            results += len(out)
        unmatched = 0
        if labels is not None:
            unmatched = self._unmatched(monitor, labels.column("__id"))
            if unmatched:
                messages.append(f"{unmatched} labels have ids that match no logged prediction")
        self.store.monitoring.set_computed(monitor.id, now_utc(), self._health(monitor, unmatched))
        if recomputed and self.on_computed is not None:
            try:
                self.on_computed(project, name)
            except Exception:
                # Alerting on the results must never undo or fail their computation.
                log.warning("after computing %s/%s", project, name, exc_info=True)
        return ComputeReport(
            windows=len(plans),
            recomputed=recomputed,
            skipped=skipped,
            results=results,
            seconds=time.perf_counter() - began,
            unmatched_labels=unmatched,
            messages=tuple(messages),
        )

    def _explain_window(
        self, monitor: Monitor, fit: ReferenceFit, table: pa.Table, start: datetime, end: datetime
    ) -> tuple[list[MonitorResult], list[str]]:
        spec = monitor.spec
        model = _model_name(spec)

        def load(version: int) -> object:
            return self.models.load(model, version)

        def reference_importance(version: int) -> dict[str, float]:
            key = (fit.key, model, version)
            with self._fit_lock:
                if key in self._reference_importance:
                    return self._reference_importance[key]
            loaded = load(version)
            found = explain(
                loaded,
                fit.sample,
                max_rows=spec.explain_rows,
                features=features_for(loaded, spec),
            ).importance
            with self._fit_lock:
                self._reference_importance[key] = found
                while len(self._reference_importance) > 16:
                    self._reference_importance.popitem(last=False)
            return found

        return explain_window(
            spec,
            table,
            start,
            end,
            background=fit.sample,
            default_version=monitor.model_version,
            load=load,
            reference_importance=reference_importance,
        )

    def explain_prediction(
        self, project: str, name: str, id: str, *, model_version: int | None = None
    ) -> PredictionExplanation:
        """Why the latest logged prediction with this id came out as it did, by the model
        version that made it, against the reference data as background.

        Raises:
            NotFound: no prediction has this id (for this model version).
            InvalidArgument: the monitor names no model, or its model cannot be loaded or
                explained.
        """
        monitor = self.get(project, name)
        spec = monitor.spec
        if not spec.model:
            raise InvalidArgument(
                f"monitor {name!r} names no model to explain: set model='name@alias'",
                details={"field": "model"},
            )
        found = self.audit(project, name, ids=[str(id)], model_version=model_version)
        if found.num_rows == 0:
            raise NotFound(
                f"no prediction with id {id!r} in monitor {name!r}"
                + (f" by version {model_version}" if model_version is not None else "")
            )
        row = found.slice(found.num_rows - 1)
        version = row.column("__mv")[0].as_py() or monitor.model_version
        if version is None:
            raise InvalidArgument(f"prediction {id!r} names no model version to explain")
        model = self.models.load(_model_name(spec), int(version))
        fit = self.reference_fit(monitor)
        try:
            e = explain(
                model,
                model_frame(spec, row),
                background=fit.sample,
                features=features_for(model, spec),
            )
        except InvalidArgument:
            raise
        except Exception as exc:
            raise InvalidArgument(
                f"model {_model_name(spec)}:v{version} failed to explain prediction {id!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        order = np.argsort(-np.abs(e.values[0]), kind="stable")
        score = row.column(spec.prediction)[0].as_py() if spec.prediction else None
        label = row.column("__label")[0].as_py() if "__label" in row.column_names else None
        flagged = None
        if spec.task == "binary" and isinstance(score, int | float):
            flagged = bool(score >= spec.decision_threshold)
        return PredictionExplanation(
            id=str(id),
            timestamp=row.column("__ts")[0].as_py(),
            model=_model_name(spec),
            model_version=int(version),
            method=e.method,
            output_space=e.output_space,
            output=float(e.outputs[0]),
            base_value=e.base_value,
            contributions=tuple(
                FeatureContribution(
                    e.features[j], _plain(e.data[e.features[j]].iloc[0]), float(e.values[0, j])
                )
                for j in order.tolist()
                if e.features[j] in e.data.columns
            ),
            score=float(score) if isinstance(score, int | float) else None,
            flagged=flagged,
            label=label,
        )

    def _time_plans(
        self, window: Any, preds: Sequence[StoredFile], base_fp: str, until: datetime | None
    ) -> list[tuple[datetime, datetime, list[StoredFile], str]]:
        first = min(f.min_at for f in preds)
        last = max(f.max_at for f in preds)
        if until is not None:
            last = min(last, until)
        plans = []
        for start, end in time_windows(window, first, last):
            files = [f for f in preds if f.max_at >= start and f.min_at < end]
            if files:
                plans.append((start, end, files, _fp(base_fp, sorted(f.digest for f in files))))
        return plans

    def _row_plans(
        self, window: Any, preds: Sequence[StoredFile], base_fp: str
    ) -> list[tuple[datetime, datetime, list[StoredFile], str]]:
        table = self.reader.read(preds, columns=["__id", "__ts"])
        assert table is not None
        micros = np.asarray(table.column("__ts").cast(pa.int64()).to_numpy(), dtype=np.int64)
        order = np.argsort(micros, kind="stable")
        ids = np.asarray(table.column("__id").to_numpy(zero_copy_only=False), dtype=object)
        size = window.rows
        plans = []
        for lo in range(0, len(order), size):
            chunk = order[lo : lo + size]
            start = datetime.fromtimestamp(micros[chunk[0]] / 1e6, tz=UTC)
            end = datetime.fromtimestamp(micros[chunk[-1]] / 1e6, tz=UTC) + timedelta(
                microseconds=1
            )
            fp = _fp(
                base_fp,
                hashlib.blake2b(
                    "\x00".join(map(str, ids[chunk])).encode(), digest_size=16
                ).hexdigest(),
                len(chunk),
            )
            plans.append((start, end, list(preds), fp))
        return plans

    def _window_table(
        self, window: Any, files: Sequence[StoredFile], start: datetime, end: datetime, plans: Any
    ) -> pa.Table | None:
        if window.by_time:
            return self.reader.read(files, ts_column="__ts", start=start, end=end)
        everything = self.reader.read(files)
        if everything is None:
            return None
        micros = np.asarray(everything.column("__ts").cast(pa.int64()).to_numpy(), dtype=np.int64)
        order = np.argsort(micros, kind="stable")
        index = [p[0] for p in plans].index(start)
        chunk = order[index * window.rows : (index + 1) * window.rows]
        return everything.take(pa.array(chunk))

    def _labels(self, files: Sequence[StoredFile]) -> pa.Table | None:
        table = self.reader.read(files)
        if table is None:
            return None
        # The latest label of an id wins: a corrected label replaces the first.
        micros = np.asarray(table.column("__label_ts").cast(pa.int64()).to_numpy(), dtype=np.int64)
        ids = np.asarray(table.column("__id").to_numpy(zero_copy_only=False), dtype=object)
        order = np.lexsort((micros, ids))
        last = np.ones(len(order), dtype=bool)
        sorted_ids = ids[order]
        last[:-1] = sorted_ids[:-1] != sorted_ids[1:]
        return table.take(pa.array(order[last]))

    def _stored_drifts(self, monitor: Monitor, start: datetime) -> list[Any]:
        from headway.monitoring.drift import DriftResult

        rows = self.store.monitoring.results(
            monitor.id, kinds=["drift"], start=start, end=start + timedelta(microseconds=1)
        )
        return [
            DriftResult(
                column=r.subject,
                kind="categorical" if r.detail.get("column_kind") == "categorical" else "numerical",
                method=r.metric,
                label=str(r.detail.get("label", r.metric)),
                statistic=r.value,
                p_value=r.p_value,
                threshold=r.threshold or 0.0,
                verdict="drift"
                if r.verdict == "drift"
                else ("insufficient_data" if r.verdict == "insufficient_data" else "no_drift"),
                n_reference=int(r.detail.get("n_reference", 0)),
                n_current=r.rows,
                message=None,
            )
            for r in rows
            if r.detail.get("role") == "feature"
        ]

    def _apply_retention(self, monitor: Monitor, files: Sequence[StoredFile]) -> None:
        days = monitor.spec.retention_days
        if days is None:
            return
        cutoff = now_utc() - timedelta(days=days)
        old = [f.id for f in files if f.max_at < cutoff]
        if old:
            self.store.monitoring.drop_files(monitor.id, old)

    def _health(self, monitor: Monitor, unmatched: int) -> dict[str, Any]:
        windows = self.store.monitoring.windows(monitor.id)
        if not windows:
            return {"verdict": "no_data"}
        latest = windows[-1]
        alerting = sum(1 for w in windows if w.verdict == "alert")
        drifted: list[str] = []
        for r in self.store.monitoring.results(
            monitor.id,
            kinds=["dataset"],
            start=latest.start,
            end=latest.start + timedelta(microseconds=1),
        ):
            drifted = list(r.detail.get("drifted", []))
        return {
            "verdict": latest.verdict,
            "issues": latest.issues,
            "window_start": latest.start.isoformat(),
            "windows": len(windows),
            "alerting_windows": alerting,
            "drifted_features": drifted,
            "unmatched_labels": unmatched,
        }

    # -- reading --------------------------------------------------------------------------
    def windows(self, project: str, name: str) -> list[WindowSummary]:
        return self.store.monitoring.windows(self.get(project, name).id)

    def results(
        self,
        project: str,
        name: str,
        *,
        kinds: Sequence[str] = (),
        subject: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[MonitorResult]:
        from headway.entities.monitoring import RESULT_KINDS

        bad = [k for k in kinds if k not in RESULT_KINDS]
        if bad:
            raise InvalidArgument(
                f"unknown result kind {bad[0]!r}: use one of {', '.join(RESULT_KINDS)}"
            )
        return self.store.monitoring.results(
            self.get(project, name).id, kinds=kinds, subject=subject, start=start, end=end
        )

    def audit(
        self,
        project: str,
        name: str,
        *,
        ids: Sequence[str],
        model_version: int | None = None,
        limit: int = 1000,
    ) -> pa.Table:
        """Every logged prediction with these ids (optionally by one model version), with
        its inputs, timestamp, model version and label if one arrived."""
        monitor = self.get(project, name)
        files = self.store.monitoring.files(monitor.id, "predictions", model_version=model_version)
        wanted = pa.array([str(i) for i in ids], type=pa.string())
        parts = []
        for f in files:
            t = pq.read_table(
                self.reader.local_path(f.digest),
                filters=pc.is_in(pc.field("__id"), value_set=wanted),
            )
            if model_version is not None:
                t = t.filter(pc.equal(t.column("__mv"), model_version))
            if t.num_rows:
                parts.append(t)
        if not parts:
            return pa.table({"__id": pa.array([], pa.string())})
        table = concat(parts)
        label_files = self.store.monitoring.files(monitor.id, "labels")
        labels = self._labels(label_files) if label_files else None
        if labels is not None:
            table = table.append_column("__label", _join_labels(table, labels))
        micros = np.asarray(table.column("__ts").cast(pa.int64()).to_numpy(), dtype=np.int64)
        return table.take(pa.array(np.argsort(micros, kind="stable")[:limit]))

    # -- worker entry point ---------------------------------------------------------------
    def run_job(self, payload: dict[str, Any]) -> dict[str, Any]:
        since = payload.get("since")
        until = payload.get("until")
        report = self.compute(
            payload["project"],
            payload["monitor"],
            since=datetime.fromisoformat(since) if since else None,
            until=datetime.fromisoformat(until) if until else None,
            force=bool(payload.get("force")),
        )
        return {
            "windows": report.windows,
            "recomputed": report.recomputed,
            "seconds": round(report.seconds, 3),
        }

    def recompute(
        self,
        project: str,
        name: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """Queue a forced recomputation of [since, until) for the background workers."""
        monitor = self.get(project, name)
        payload: dict[str, Any] = {"force": True}
        if since is not None:
            payload["since"] = since.isoformat()
        if until is not None:
            payload["until"] = until.isoformat()
        return self.enqueue_compute(monitor, delay=0.0, payload=payload)


def _model_name(spec: MonitorSpec) -> str:
    """``dropout-risk`` of ``dropout-risk@production`` or ``dropout-risk:v3``."""
    return str(spec.model).split("@")[0].split(":")[0]


def _plain(value: Any) -> Any:
    """A pandas/NumPy scalar as the JSON-friendly Python value."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _table_digest(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.blake2b(sink.getvalue().to_pybytes(), digest_size=20).hexdigest()


def _join_labels(table: pa.Table, labels: pa.Table) -> pa.Array:
    """The label of each row of ``table`` by id (null where none arrived), vectorised."""
    ids = table.column("__id").combine_chunks()
    index = pc.index_in(ids, value_set=labels.column("__id").combine_chunks())
    return labels.column("__label").combine_chunks().take(index)
