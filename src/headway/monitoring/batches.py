"""Turning what a caller logs into one validated Arrow table, before anything is stored.

Predictions become a table with Headway's columns ``__id`` (string), ``__ts``
(timestamp, microseconds, UTC) and ``__mv`` (model version, nullable) followed by the
monitor's columns as given. Labels become ``__id``, ``__label_ts`` and ``__label``. Every
check is vectorised; a bad batch is refused whole, with a message naming the problem, so
nothing half-stored ever needs cleaning up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from headway.entities.monitoring import MonitorSpec
from headway.errors import InvalidArgument

#: Timestamps this far past the receiver's clock are refused as "in the future".
CLOCK_SKEW = timedelta(minutes=5)
TS_TYPE = pa.timestamp("us", tz="UTC")


def _names(values: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def to_table(data: Any, what: str) -> pa.Table:
    """A pandas, Polars or Arrow frame, a dict of columns, or one row (dict of scalars)."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pd.DataFrame):
        frame = data.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        return _from_pandas(frame, what)
    to_arrow = getattr(data, "to_arrow", None)
    if callable(to_arrow) and type(data).__module__.startswith("polars"):
        table = to_arrow()
        return table if isinstance(table, pa.Table) else pa.Table.from_batches([table])
    if isinstance(data, Mapping):
        if data and all(_is_scalar(x) for x in data.values()):
            data = {k: [x] for k, x in data.items()}
        try:
            return _from_pandas(pd.DataFrame({str(k): list(x) for k, x in data.items()}), what)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(
                f"{what}: columns must be lists of equal length ({exc})"
            ) from None
    raise InvalidArgument(
        f"{what} must be a pandas or Polars DataFrame, an Arrow table, a dict of columns "
        f"or one row as a dict, not {type(data).__name__}"
    )


def _is_scalar(x: object) -> bool:
    return x is None or isinstance(x, (str, bytes, int, float, bool, np.generic, datetime))


def _series_to_arrow(series: pd.Series) -> pa.Array:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        # pyarrow reads a zoned column through Series.values, which pandas 3.1 deprecates
        # (and 4 changes); the UTC instants as naive values, then labelled UTC, are exact.
        naive = pa.array(series.dt.tz_convert(None).to_numpy(), from_pandas=True)
        return naive.cast(pa.timestamp(naive.type.unit, tz="UTC"))
    return pa.array(series, from_pandas=True)


def _from_pandas(frame: pd.DataFrame, what: str) -> pa.Table:
    columns = {}
    for name in frame.columns:
        col = frame[name]
        try:
            columns[name] = _series_to_arrow(col)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            # Mixed types (numbers and text): kept as text, so nothing is lost; the
            # window's data-quality check counts the values that are not numbers.
            columns[name] = pa.array(
                [None if pd.isna(x) else str(x) for x in col], type=pa.string()
            )
    return pa.table(columns)


def _column(values: Any, n: int, what: str) -> pa.Array:
    if _is_scalar(values):
        values = [values] * n
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        to_arrow = getattr(values, "to_arrow", None)
        if callable(to_arrow) and type(values).__module__.startswith("polars"):
            arr = to_arrow()
        else:
            try:
                arr = (
                    _series_to_arrow(values)
                    if isinstance(values, pd.Series)
                    else pa.array(np.asarray(values), from_pandas=True)
                )
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
                raise InvalidArgument(f"{what}: cannot read the values ({exc})") from None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr) != n:
        raise InvalidArgument(f"{what} has {len(arr)} values but the batch has {n} rows")
    return arr


def _ids(ids: Any, n: int, default_prefix: str) -> pa.Array:
    if ids is None:
        return pa.array([f"{default_prefix}-{i}" for i in range(n)], type=pa.string())
    arr = _column(ids, n, "ids")
    if arr.null_count:
        raise InvalidArgument(f"ids: {arr.null_count} of {n} ids are missing; every row needs one")
    arr = pc.cast(arr, pa.string())
    if n and pc.min(pc.utf8_length(arr)).as_py() == 0:
        raise InvalidArgument("ids: empty strings are not ids")
    return arr


def _timestamps(values: Any, n: int, what: str, now: datetime) -> pa.Array:
    if values is None:
        return pa.array(np.full(n, int(now.timestamp() * 1e6), dtype=np.int64)).cast(TS_TYPE)
    if isinstance(values, datetime):
        values = [values] * n
    arr = _column(values, n, what)
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None:
            arr = pc.assume_timezone(arr, "UTC")
        # pandas stores nanoseconds; below a microsecond nothing a window needs is lost.
        arr = arr.cast(TS_TYPE, safe=arr.type.unit != "ns")
    elif pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        # Numbers are Unix seconds, as time.time() returns.
        micros = np.round(np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64) * 1e6)
        arr = pa.array(micros.astype(np.int64), mask=np.isnan(micros)).cast(TS_TYPE)
    elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        try:
            parsed = pd.to_datetime(pd.Series(arr.to_pylist()), utc=True, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise InvalidArgument(f"{what}: not ISO 8601 timestamps ({exc})") from None
        arr = pa.array(parsed).cast(TS_TYPE)
    else:
        raise InvalidArgument(f"{what} must be datetimes, ISO 8601 strings or Unix seconds")
    if arr.null_count:
        raise InvalidArgument(f"{what}: {arr.null_count} of {n} timestamps are missing")
    if n:
        latest = pc.max(arr).as_py()
        if latest > now + CLOCK_SKEW:
            future = pc.sum(pc.greater(arr, pa.scalar(now + CLOCK_SKEW, TS_TYPE))).as_py()
            raise InvalidArgument(
                f"{what}: {future} of {n} timestamps are in the future "
                f"(latest {latest.isoformat()}, "
                f"now {now.isoformat(timespec='seconds')}); check the clock or the time zone",
                details={"field": what, "future": future},
            )
    return arr


def predictions_table(
    spec: MonitorSpec,
    inputs: Any,
    predictions: Any = None,
    *,
    ids: Any = None,
    timestamps: Any = None,
    model_version: int | None = None,
    now: datetime | None = None,
    id_prefix: str = "row",
) -> tuple[pa.Table, pa.Table | None]:
    """Validate one batch; returns (predictions table, labels table if the batch had labels)."""
    now = now or datetime.now(UTC)
    table = to_table(inputs, "inputs")
    n = table.num_rows
    prediction_cols = [c for c in (spec.prediction, spec.prediction_label) if c]
    if predictions is not None:
        if isinstance(predictions, (pd.DataFrame, pa.Table, Mapping)) or (
            type(predictions).__module__.startswith("polars") and hasattr(predictions, "columns")
        ):
            ptable = to_table(predictions, "predictions")
            if ptable.num_rows != n:
                raise InvalidArgument(f"predictions has {ptable.num_rows} rows but inputs has {n}")
            for name in ptable.column_names:
                table = table.append_column(name, ptable.column(name))
        else:
            target = spec.prediction or spec.prediction_label
            assert target is not None
            table = table.append_column(target, _column(predictions, n, "predictions"))
    allowed = set(spec.inputs) | set(prediction_cols) | ({spec.label} if spec.label else set())
    unknown = [c for c in table.column_names if c not in allowed]
    if unknown:
        raise InvalidArgument(
            f"unknown columns {_names(unknown)} for monitor {spec.name!r}; it expects "
            f"{_names(sorted(allowed))}",
            details={"unknown": unknown},
        )
    duplicated = sorted({c for c in table.column_names if table.column_names.count(c) > 1})
    if duplicated:
        raise InvalidArgument(f"columns given twice: {_names(duplicated)}")
    missing = [c for c in (*spec.inputs, *prediction_cols) if c not in table.column_names]
    if missing:
        raise InvalidArgument(
            f"missing columns {_names(missing)} for monitor {spec.name!r}",
            details={"missing": missing},
        )
    for name in prediction_cols:
        col = table.column(name)
        if (
            name == spec.prediction
            and spec.task != "multiclass"
            and not (
                pa.types.is_integer(col.type)
                or pa.types.is_floating(col.type)
                or pa.types.is_boolean(col.type)
            )
        ):
            raise InvalidArgument(
                f"prediction column {name!r} must be numbers (a score or value), got {col.type}"
            )
    id_col = _ids(ids, n, id_prefix)
    ts_col = _timestamps(timestamps, n, "timestamps", now)
    mv = pa.array([model_version] * n, type=pa.int32())
    labels = None
    if spec.label and spec.label in table.column_names:
        labels = pa.table(
            {"__id": id_col, "__label_ts": ts_col, "__label": table.column(spec.label)}
        )
        table = table.drop_columns([spec.label])
    head = pa.table({"__id": id_col, "__ts": ts_col, "__mv": mv})
    for name in table.column_names:
        head = head.append_column(name, table.column(name))
    return head, labels


def labels_table(
    ids: Any, labels: Any, *, timestamps: Any = None, now: datetime | None = None
) -> pa.Table:
    now = now or datetime.now(UTC)
    if ids is None:
        raise InvalidArgument("log_labels needs the ids of the predictions the labels belong to")
    id_arr = _column(ids, len(ids) if not _is_scalar(ids) else 1, "ids")
    n = len(id_arr)
    id_col = _ids(id_arr, n, "")
    label_col = _column(labels, n, "labels")
    if label_col.null_count:
        raise InvalidArgument(f"labels: {label_col.null_count} of {n} labels are missing")
    ts_col = _timestamps(timestamps, n, "label timestamps", now)
    return pa.table({"__id": id_col, "__label_ts": ts_col, "__label": label_col})
