"""The tracking domain service: the rules of projects, runs and their data."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from headway.entities import (
    ConsoleLine,
    Envelope,
    LogBatch,
    Project,
    Run,
    RunCreate,
    RunFinish,
    RunPage,
    RunState,
    RunUpdate,
    SearchQuery,
    Series,
)
from headway.entities.metrics import APPEND_SEQ, SUMMARY_RULES
from headway.errors import InvalidArgument
from headway.store.sql.batch import KV_TAGS
from headway.store.sql.store import BatchEffects, SqlStore
from headway.tracking import validation as v
from headway.tracking.config_rules import merge_config
from headway.tracking.envelopes import series_envelope
from headway.tracking.names import new_run_id, new_run_name

MAX_BUCKETS = 100_000
MAX_PAGE = 10_000
MAX_FILE_BYTES = 50 * 1024 * 1024
_CRASH_CHECK_EVERY = 2.0


def now_utc() -> datetime:
    return datetime.now(UTC)


def _from_timestamp(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC) if ts > 0 else now_utc()


class TrackingService:
    """Validates, applies rules, and calls the store. Thread-safe."""

    def __init__(self, store: SqlStore, *, crash_timeout: float = 120.0) -> None:
        self.store = store
        self.crash_timeout = crash_timeout
        self._last_crash_check = 0.0
        self._crash_lock = threading.Lock()

    # -- crash detection ------------------------------------------------------------------
    def detect_crashed(self, *, force: bool = False) -> int:
        """Mark running runs whose heartbeat stopped as crashed.

        The dead process cannot report its own death, so readers do it, at most every
        couple of seconds per process.
        """
        mono = time.monotonic()
        with self._crash_lock:
            if not force and mono - self._last_crash_check < _CRASH_CHECK_EVERY:
                return 0
            self._last_crash_check = mono
        now = now_utc()
        return self.store.mark_crashed(now - timedelta(seconds=self.crash_timeout), now)

    # -- projects -------------------------------------------------------------------------
    def list_projects(self) -> list[Project]:
        return self.store.list_projects()

    def get_project(self, name: str) -> Project:
        return self.store.get_project(v.project_name(name))

    def ensure_project(self, name: str) -> Project:
        return self.store.ensure_project(v.project_name(name), now_utc())

    # -- runs -----------------------------------------------------------------------------
    def create_run(self, spec: RunCreate) -> Run:
        row, tags, project = _new_run_row(spec)
        return self.store.insert_run(row, tags, project)

    def get_run(self, run_id: str) -> Run:
        self.detect_crashed()
        return self.store.get_run(run_id)

    def update_run(self, run_id: str, update: RunUpdate) -> Run:
        fields, tags, metadata = _update_fields(update)
        return self.store.update_run(run_id, fields, tags=tags, metadata=metadata, now=now_utc())

    def resume_run(self, run_id: str) -> Run:
        now = now_utc()
        fields = {"state": RunState.RUNNING.value, "finished_at": None, "heartbeat_at": now}
        return self.store.update_run(run_id, fields, now=now)

    def finish_run(
        self,
        run_id: str,
        state: RunState,
        *,
        exit_code: int | None = None,
        error: str | None = None,
    ) -> Run:
        now = now_utc()
        fields = _finish_fields(RunFinish(RunState(state), exit_code, error), now)
        return self.store.update_run(run_id, fields, now=now)

    def delete_run(self, run_id: str) -> None:
        self.store.update_run(run_id, {"deleted_at": now_utc()}, now=now_utc())

    def restore_run(self, run_id: str) -> Run:
        return self.store.update_run(run_id, {"deleted_at": None}, now=now_utc())

    # -- ingestion ------------------------------------------------------------------------
    def log_batch(self, run_id: str, batch: LogBatch) -> bool:
        """Validate everything first, then apply the whole batch in one transaction."""
        if batch.seq < 0 and batch.seq != APPEND_SEQ:
            raise InvalidArgument(f"batch seq must be >= 0, got {batch.seq}")
        for key, series in batch.metrics.items():
            _check_series(key, series)
        summary = {
            v.metric_key(k): _json_safe(f"summary {k!r}", val) for k, val in batch.summary.items()
        }
        merge = None
        if batch.config:
            merge = partial(_merge_allowing, v.config_tree(batch.config))
        created = None
        if batch.create is not None:
            if batch.create.id not in (None, run_id):
                raise InvalidArgument(
                    f"batch creates run {batch.create.id!r} but is sent to {run_id!r}"
                )
            created = _new_run_row(dataclasses.replace(batch.create, id=run_id))
        fields, tags, metadata = _update_fields(batch.update) if batch.update else ({}, None, None)
        _check_files(batch.files)
        heartbeat = _from_timestamp(batch.time)
        finish = _finish_fields(batch.finish, heartbeat) if batch.finish is not None else None
        effects = BatchEffects(
            create=created,
            fields=fields,
            tags=tags,
            metadata=metadata,
            summary=summary,
            config=merge,
            console=tuple(_check_console(line) for line in batch.console),
            files=dict(batch.files),
            finish=finish,
        )
        return self.store.apply_batch(run_id, batch.seq, batch.metrics, effects, heartbeat)

    def update_config(
        self, run_id: str, values: dict[str, Any], *, allow_val_change: bool = False
    ) -> Run:
        clean = v.config_tree(values)
        return self.store.merge_config(
            run_id,
            lambda old: merge_config(old, clean, allow_val_change=allow_val_change),
            now_utc(),
        )

    def update_summary(self, run_id: str, values: dict[str, Any]) -> Run:
        clean = {v.metric_key(k): _json_safe(f"summary {k!r}", val) for k, val in values.items()}
        return self.store.set_summary(run_id, clean, now_utc())

    def put_files(self, run_id: str, files: dict[str, bytes]) -> None:
        _check_files(files)
        self.store.put_files(run_id, files)

    def get_file(self, run_id: str, path: str) -> bytes:
        return self.store.get_file(run_id, _check_file_path(path))

    def list_files(self, run_id: str) -> list[str]:
        return self.store.list_files(run_id)

    # -- reads ----------------------------------------------------------------------------
    def metric_keys(self, run_id: str) -> list[str]:
        return self.store.metric_keys(run_id)

    def get_history(
        self,
        run_id: str,
        keys: Sequence[str],
        *,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, Series]:
        lo, hi = _step_bounds(min_step, max_step)
        return self.store.read_series(run_id, [v.metric_key(k) for k in keys], lo, hi)

    def get_envelopes(
        self,
        run_ids: Sequence[str],
        keys: Sequence[str],
        *,
        buckets: int,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, dict[str, Envelope]]:
        if (
            isinstance(buckets, bool)
            or not isinstance(buckets, int)
            or not 1 <= buckets <= MAX_BUCKETS
        ):
            raise InvalidArgument(
                f"buckets must be a whole number from 1 to {MAX_BUCKETS}, got {buckets!r}"
            )
        lo, hi = _step_bounds(min_step, max_step)
        clean_keys = [v.metric_key(k) for k in keys]
        return {
            run_id: {
                key: series_envelope(self.store, run_id, key, buckets, lo, hi) for key in clean_keys
            }
            for run_id in run_ids
        }

    def get_console(
        self, run_id: str, *, offset: int = 0, limit: int = 10_000
    ) -> list[ConsoleLine]:
        if offset < 0 or not 1 <= limit <= 100_000:
            raise InvalidArgument("console offset must be >= 0 and limit between 1 and 100000")
        return self.store.read_console(run_id, offset, limit)

    def search_runs(self, query: SearchQuery) -> RunPage:
        self.detect_crashed()
        if not 1 <= query.limit <= MAX_PAGE:
            raise InvalidArgument(f"limit must be between 1 and {MAX_PAGE}, got {query.limit}")
        fingerprint = _fingerprint(query)
        offset = _decode_cursor(query.cursor, fingerprint) if query.cursor else 0
        runs, total = self.store.search(
            v.project_name(query.project),
            query.filter or "",
            tuple(query.order),
            limit=query.limit,
            offset=offset,
            include_deleted=query.include_deleted,
            columns=query.columns,
        )
        end = offset + len(runs)
        cursor = _encode_cursor(end, fingerprint) if end < total and runs else None
        return RunPage(runs=tuple(runs), next_cursor=cursor, total=total)

    def export_project(self, project: str, dest: Path) -> list[Path]:
        from headway.tracking.export import export_project

        return export_project(self, v.project_name(project), dest)


def _new_run_row(spec: RunCreate) -> tuple[dict[str, Any], tuple[str, ...], str]:
    """The validated row of a new run, its tags and its project."""
    project = v.project_name(spec.project)
    now = now_utc()
    row = {
        "id": v.run_id(spec.id) if spec.id is not None else new_run_id(),
        "name": v.run_name(spec.name) if spec.name is not None else new_run_name(),
        "state": RunState.RUNNING.value,
        "created_at": spec.created_at or now,
        "updated_at": now,
        "heartbeat_at": now,
        "group_name": v.run_name(spec.group) if spec.group else None,
        "job_type": v.run_name(spec.job_type) if spec.job_type else None,
        "parent_id": v.run_id(spec.parent_id) if spec.parent_id else None,
        "notes": spec.notes or "",
        "config": v.config_tree(spec.config),
        "run_metadata": _json_safe("metadata", spec.metadata),
        "last_step": -1,
        "last_batch_seq": -1,
    }
    if spec.kv_tags:
        row[KV_TAGS] = v.kv_tags(spec.kv_tags)
    return row, v.tags(spec.tags), project


def _update_fields(
    update: RunUpdate,
) -> tuple[dict[str, Any], tuple[str, ...] | None, dict[str, Any] | None]:
    """Validated row fields, tags and metadata of a partial update."""
    fields: dict[str, Any] = {}
    if update.name is not None:
        fields["name"] = v.run_name(update.name)
    if update.notes is not None:
        if not isinstance(update.notes, str):
            raise InvalidArgument("notes must be a string")
        fields["notes"] = update.notes
    if update.group is not None:
        fields["group_name"] = v.run_name(update.group) if update.group else None
    if update.job_type is not None:
        fields["job_type"] = v.run_name(update.job_type) if update.job_type else None
    if update.state is not None:
        fields["state"] = RunState(update.state).value
    if update.error is not None:
        fields["error"] = update.error
    if update.exit_code is not None:
        fields["exit_code"] = int(update.exit_code)
    if update.finished_at is not None:
        fields["finished_at"] = update.finished_at
    if update.kv_tags:
        fields[KV_TAGS] = v.kv_tags(update.kv_tags, deletions=True)
    metadata = _json_safe("metadata", update.metadata) if update.metadata else None
    if metadata and "metric_defs" in metadata:
        _check_metric_defs(metadata["metric_defs"])
    tags = v.tags(update.tags) if update.tags is not None else None
    return fields, tags, metadata


def _finish_fields(finish: RunFinish, now: datetime) -> dict[str, Any]:
    state = RunState(finish.state)
    if not state.is_terminal:
        raise InvalidArgument(
            "finishing needs a terminal state (finished, failed, killed, crashed)"
        )
    fields: dict[str, Any] = {"state": state.value, "finished_at": now, "heartbeat_at": now}
    if finish.exit_code is not None:
        fields["exit_code"] = int(finish.exit_code)
    if finish.error is not None:
        fields["error"] = str(finish.error)
    return fields


def _check_files(files: Mapping[str, bytes]) -> None:
    for path, content in files.items():
        _check_file_path(path)
        if len(content) > MAX_FILE_BYTES:
            raise InvalidArgument(f"file {path!r} is larger than {MAX_FILE_BYTES} bytes")


def _merge_allowing(values: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    # The SDK already enforced allow_val_change in the user's process; batches carry
    # only accepted changes, so replay from the spool must not fail on them.
    return merge_config(old, values, allow_val_change=True)


def _check_series(key: str, series: Series) -> None:
    v.metric_key(key)
    n = len(series)
    if series.times.shape[0] != n or series.values.shape[0] != n:
        raise InvalidArgument(f"metric {key!r}: steps, times and values differ in length")
    if n and (int(series.steps.min()) < 0 or int(series.steps.max()) >= v.MAX_STEP):
        raise InvalidArgument(f"metric {key!r}: steps must be between 0 and 2**62")
    if n and not np.all(np.isfinite(series.times)):
        raise InvalidArgument(f"metric {key!r}: wall times must be finite")


def _check_console(line: ConsoleLine) -> ConsoleLine:
    if line.stream not in ("stdout", "stderr") or not isinstance(line.text, str):
        raise InvalidArgument("console lines need stream 'stdout' or 'stderr' and text")
    return line


def _check_file_path(path: str) -> str:
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or len(path) > 1024
    ):
        raise InvalidArgument(
            f"invalid file path {path!r}: use a relative path like 'code/train.py'"
        )
    return path


def _check_metric_defs(defs: Any) -> None:
    if not isinstance(defs, list):
        raise InvalidArgument("metric_defs must be a list")
    for d in defs:
        if not isinstance(d, dict) or not isinstance(d.get("pattern"), str):
            raise InvalidArgument("each metric definition needs a string 'pattern'")
        if d.get("summary") is not None and d["summary"] not in SUMMARY_RULES:
            raise InvalidArgument(
                f"summary rule {d['summary']!r} for {d['pattern']!r} is not one of "
                f"{', '.join(SUMMARY_RULES)}"
            )


def _json_safe(what: str, value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"{what}: cannot be stored as JSON ({exc})") from None
    return value


def _step_bounds(min_step: int | None, max_step: int | None) -> tuple[int | None, int | None]:
    lo = v.step(min_step) if min_step is not None else None
    hi = v.step(max_step) if max_step is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise InvalidArgument(f"min_step ({lo}) is greater than max_step ({hi})")
    return lo, hi


def _fingerprint(query: SearchQuery) -> str:
    text = json.dumps([query.project, query.filter, list(query.order), query.include_deleted])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _encode_cursor(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "f": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, fingerprint: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, made_for = int(data["o"]), str(data["f"])
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(
            f"invalid cursor {cursor!r}: pass back a next_cursor unchanged"
        ) from None
    if made_for != fingerprint or offset < 0:
        raise InvalidArgument("this cursor belongs to a different search; start again without it")
    return offset
