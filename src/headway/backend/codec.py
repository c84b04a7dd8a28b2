"""Wire encodings shared by ``HttpBackend`` (encodes) and the server (decodes).

Two formats carry a :class:`~headway.entities.LogBatch`:

``application/x-headway-batch`` (what the SDK sends), all integers little-endian::

    b"HWBT"  u16 version (1)  u16 flags (0)  u32 json_length
    json_length bytes of UTF-8 JSON: {"seq", "time", "summary", "config", "console"}
    u32 key_count, then per metric key:
        u16 key_length, key_length bytes of UTF-8 key, u32 point_count,
        point_count int64 steps, point_count float64 times, point_count float64 values

``application/json`` (for curl and other languages)::

    {"seq": 0, "time": 1.7e9, "metrics": {"loss": {"steps": [...], "times": [...],
     "values": [...]}}, "summary": {...}, "config": {...}, "console": [[t, stream, text]]}

JSON has no NaN or infinity, so every float that is not finite travels as one of the
strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` — in point columns, envelopes,
summaries and metric aggregates alike. Configs cannot hold such values at all.

Decoders check structure only (types, lengths, sizes) and raise ``InvalidArgument``
naming what is wrong; the domain services behind the backend check the values.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from headway.backend import lifecycle_wire as lw
from headway.entities import ConsoleLine, Envelope, LogBatch, Series
from headway.entities.metrics import Float64Array, Int64Array
from headway.errors import InvalidArgument

BATCH_MEDIA_TYPE = "application/x-headway-batch"
JSON_MEDIA_TYPE = "application/json"

MAGIC = b"HWBT"
VERSION = 1
_HEADER = struct.Struct("<4sHHI")
_COUNT = struct.Struct("<I")
_KEY_LEN = struct.Struct("<H")
_POINT_BYTES = 24  # int64 step + float64 time + float64 value
_MAX_SEQ = 2**63

_NONFINITE_IN: dict[str, float] = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_BATCH_FIELDS = frozenset(
    {
        "seq",
        "time",
        "metrics",
        "summary",
        "config",
        "console",
        "create",
        "update",
        "files",
        "finish",
    }
)


# -- non-finite floats -------------------------------------------------------------------


def _float_name(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def to_wire(value: Any, *, where: str = "value", allow_nonfinite: bool = True) -> Any:
    """A copy of a nested JSON-like value that JSON can carry.

    Non-finite floats become their string names (or ``InvalidArgument`` when
    ``allow_nonfinite`` is False, as for configs); NumPy scalars become Python numbers.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        if not allow_nonfinite:
            raise InvalidArgument(f"{where}: {value} cannot be stored here")
        return _float_name(value)
    if isinstance(value, Mapping):
        return {
            k: to_wire(v, where=f"{where}.{k}", allow_nonfinite=allow_nonfinite)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [
            to_wire(v, where=f"{where}[{i}]", allow_nonfinite=allow_nonfinite)
            for i, v in enumerate(value)
        ]
    return value


def from_wire(value: Any) -> Any:
    """Undo :func:`to_wire` for values that may hold non-finite floats (summaries)."""
    if isinstance(value, str):
        return _NONFINITE_IN.get(value, value)
    if isinstance(value, dict):
        return {k: from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_wire(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """JSON bytes; ``InvalidArgument`` for values JSON cannot carry."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError as exc:
        raise InvalidArgument(f"cannot encode as JSON: {exc}") from None


def loads(data: bytes | str, *, what: str = "body") -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidArgument(f"{what} is not valid JSON: {exc}") from None


# -- columns ------------------------------------------------------------------------------


def floats_to_wire(column: Float64Array) -> list[float | str]:
    out: list[float | str] = column.tolist()
    # Only the (rare) non-finite points are touched in Python.
    for i in np.flatnonzero(~np.isfinite(column)).tolist():
        out[i] = _float_name(float(column[i]))
    return out


def floats_from_wire(raw: object, what: str) -> Float64Array:
    if not isinstance(raw, list):
        raise InvalidArgument(f"{what} must be a list of numbers, got {type(raw).__name__}")
    kinds = set(map(type, raw))
    if not kinds <= {int, float}:
        for i, v in enumerate(raw):
            if type(v) not in (int, float) and not (type(v) is str and v in _NONFINITE_IN):
                raise InvalidArgument(
                    f"{what}[{i}] must be a number or one of 'NaN', 'Infinity', "
                    f"'-Infinity', got {v!r}"
                )
        raw = [_NONFINITE_IN[v] if type(v) is str else v for v in raw]
    try:
        return np.array(raw, dtype=np.float64)
    except OverflowError:
        raise InvalidArgument(f"{what} holds an integer too large for a 64-bit float") from None


def ints_from_wire(raw: object, what: str) -> Int64Array:
    if not isinstance(raw, list):
        raise InvalidArgument(f"{what} must be a list of integers, got {type(raw).__name__}")
    if not set(map(type, raw)) <= {int}:
        i, bad = next((i, v) for i, v in enumerate(raw) if type(v) is not int)
        raise InvalidArgument(f"{what}[{i}] must be an integer, got {bad!r}")
    try:
        return np.array(raw, dtype=np.int64)
    except OverflowError:
        raise InvalidArgument(f"{what} holds an integer outside the 64-bit range") from None


def series_to_wire(series: Series) -> dict[str, list[Any]]:
    _check_lengths(series)
    return {
        "steps": series.steps.tolist(),
        "times": floats_to_wire(series.times),
        "values": floats_to_wire(series.values),
    }


def series_from_wire(key: str, raw: object, *, where: str = "metrics") -> Series:
    what = f"{where}[{key!r}]"
    obj = _object(raw, what, required=("steps", "times", "values"))
    steps = ints_from_wire(obj["steps"], f"{what}.steps")
    times = floats_from_wire(obj["times"], f"{what}.times")
    values = floats_from_wire(obj["values"], f"{what}.values")
    if not len(steps) == len(times) == len(values):
        raise InvalidArgument(
            f"{what}: steps, times and values must have the same length, got "
            f"{len(steps)}, {len(times)} and {len(values)}"
        )
    return Series(key, steps, times, values)


_ENVELOPE_INTS = ("edges", "count", "first_step", "last_step")
_ENVELOPE_FLOATS = ("min", "max", "first", "last")


def envelope_to_wire(env: Envelope) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {name: getattr(env, name).tolist() for name in _ENVELOPE_INTS}
    out.update({name: floats_to_wire(getattr(env, name)) for name in _ENVELOPE_FLOATS})
    return out


def envelope_from_wire(key: str, raw: object, *, where: str = "envelope") -> Envelope:
    what = f"{where}[{key!r}]"
    obj = _object(raw, what, required=_ENVELOPE_INTS + _ENVELOPE_FLOATS)
    cols: dict[str, Any] = {n: ints_from_wire(obj[n], f"{what}.{n}") for n in _ENVELOPE_INTS}
    cols.update({n: floats_from_wire(obj[n], f"{what}.{n}") for n in _ENVELOPE_FLOATS})
    buckets = len(cols["count"])
    if len(cols["edges"]) != buckets + 1 or any(
        len(cols[n]) != buckets for n in (*_ENVELOPE_FLOATS, "first_step", "last_step")
    ):
        raise InvalidArgument(f"{what}: columns must have one entry per bucket (edges one more)")
    return Envelope(key=key, **cols)


# -- batches -----------------------------------------------------------------------------


def encode_batch(batch: LogBatch) -> bytes:
    """The binary ``application/x-headway-batch`` encoding of ``batch``."""
    head = dumps(_batch_head(batch))
    parts = [_HEADER.pack(MAGIC, VERSION, 0, len(head)), head, _COUNT.pack(len(batch.metrics))]
    for key, series in batch.metrics.items():
        _check_lengths(series)
        raw_key = _key_bytes(key)
        parts += [
            _KEY_LEN.pack(len(raw_key)),
            raw_key,
            _COUNT.pack(len(series)),
            np.ascontiguousarray(series.steps, dtype="<i8").tobytes(),
            np.ascontiguousarray(series.times, dtype="<f8").tobytes(),
            np.ascontiguousarray(series.values, dtype="<f8").tobytes(),
        ]
    return b"".join(parts)


def decode_batch(data: bytes) -> LogBatch:
    """Decode a binary batch, checking every size against the bytes present."""
    size = len(data)
    if size < _HEADER.size:
        raise InvalidArgument(f"binary batch is truncated: {size} bytes, header needs 12")
    magic, version, flags, head_len = _HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise InvalidArgument(
            "not a Headway binary batch (it must start with b'HWBT'); send JSON batches "
            "with Content-Type: application/json"
        )
    if version != VERSION:
        raise InvalidArgument(
            f"binary batch format version {version} is not supported (this server reads "
            f"version {VERSION}); upgrade the server or the client"
        )
    if flags != 0:
        raise InvalidArgument(f"binary batch header has unknown flags {flags:#x}")
    pos = _HEADER.size
    if head_len > size - pos:
        raise InvalidArgument(
            f"binary batch is truncated: JSON part declares {head_len} bytes, {size - pos} remain"
        )
    head = _object(loads(data[pos : pos + head_len], what="binary batch JSON part"), "batch")
    if "metrics" in head:
        raise InvalidArgument("binary batch JSON part must not contain 'metrics'")
    pos += head_len
    key_count, pos = _read(data, _COUNT, pos, "metric key count")
    metrics: dict[str, Series] = {}
    for index in range(key_count):
        key_len, pos = _read(data, _KEY_LEN, pos, f"length of metric key #{index}")
        if key_len > size - pos:
            raise InvalidArgument(f"binary batch is truncated inside metric key #{index}")
        try:
            key = data[pos : pos + key_len].decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgument(f"metric key #{index} is not valid UTF-8") from None
        pos += key_len
        if key in metrics:
            raise InvalidArgument(f"metric key {key!r} appears twice in the batch")
        count, pos = _read(data, _COUNT, pos, f"point count of metric {key!r}")
        width = count * 8
        if count * _POINT_BYTES > size - pos:
            raise InvalidArgument(
                f"binary batch is truncated: metric {key!r} declares {count} points "
                f"({count * _POINT_BYTES} bytes), {size - pos} remain"
            )
        # astype copies into native, aligned, writable arrays that do not pin the body.
        steps = np.frombuffer(data, "<i8", count, pos).astype(np.int64)
        times = np.frombuffer(data, "<f8", count, pos + width).astype(np.float64)
        values = np.frombuffer(data, "<f8", count, pos + 2 * width).astype(np.float64)
        metrics[key] = Series(key, steps, times, values)
        pos += 3 * width
    if pos != size:
        raise InvalidArgument(f"binary batch has {size - pos} unexpected bytes after the metrics")
    return _batch_from_head(head, metrics)


def encode_batch_json(batch: LogBatch) -> bytes:
    payload = _batch_head(batch)
    payload["metrics"] = {_key(k): series_to_wire(s) for k, s in batch.metrics.items()}
    return dumps(payload)


def decode_batch_json(data: bytes) -> LogBatch:
    body = _object(loads(data, what="JSON batch"), "batch")
    raw_metrics = _object(body.get("metrics", {}), "metrics")
    metrics = {key: series_from_wire(key, raw) for key, raw in raw_metrics.items()}
    return _batch_from_head(body, metrics)


def decode_batch_body(data: bytes, content_type: str | None) -> LogBatch:
    """Decode a request body by its Content-Type (binary or JSON)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == BATCH_MEDIA_TYPE:
        return decode_batch(data)
    if media == JSON_MEDIA_TYPE:
        return decode_batch_json(data)
    raise InvalidArgument(
        f"unsupported Content-Type {content_type!r} for a batch; use "
        f"{BATCH_MEDIA_TYPE} or {JSON_MEDIA_TYPE}"
    )


def console_to_wire(lines: Sequence[ConsoleLine]) -> list[list[Any]]:
    return [[line.time, line.stream, line.text] for line in lines]


def console_from_wire(raw: object, what: str = "console") -> list[ConsoleLine]:
    if not isinstance(raw, list):
        raise InvalidArgument(f"{what} must be a list of [time, stream, text] entries")
    lines = []
    for i, item in enumerate(raw):
        if not (
            isinstance(item, list)
            and len(item) == 3
            and _is_number(item[0])
            and isinstance(item[1], str)
            and isinstance(item[2], str)
        ):
            raise InvalidArgument(f"{what}[{i}] must be [time, stream, text], got {item!r:.80}")
        lines.append(ConsoleLine(float(item[0]), item[1], item[2]))
    return lines


# -- helpers -----------------------------------------------------------------------------


def _batch_head(batch: LogBatch) -> dict[str, Any]:
    return {
        "seq": batch.seq,
        "time": batch.time,
        "summary": to_wire(dict(batch.summary), where="summary"),
        "config": to_wire(dict(batch.config), where="config", allow_nonfinite=False),
        "console": console_to_wire(batch.console),
        **_lifecycle_head(batch),
    }


def _lifecycle_head(batch: LogBatch) -> dict[str, Any]:
    head: dict[str, Any] = {}
    if batch.create is not None:
        head["create"] = to_wire(lw.create_to_wire(batch.create), where="create")
    if batch.update is not None:
        head["update"] = to_wire(lw.update_to_wire(batch.update), where="update")
    if batch.files:
        head["files"] = lw.files_to_wire(dict(batch.files))
    if batch.finish is not None:
        head["finish"] = lw.finish_to_wire(batch.finish)
    return head


def _batch_from_head(head: dict[str, Any], metrics: dict[str, Series]) -> LogBatch:
    unknown = sorted(set(head) - _BATCH_FIELDS)
    if unknown:
        raise InvalidArgument(f"batch has unknown field(s): {', '.join(unknown)}")
    if "seq" not in head:
        raise InvalidArgument("batch is missing 'seq'")
    seq = head["seq"]
    if type(seq) is not int or not 0 <= seq < _MAX_SEQ:
        raise InvalidArgument(f"batch 'seq' must be an integer from 0 to 2**63-1, got {seq!r}")
    time = head.get("time", 0.0)
    if not _is_number(time):
        raise InvalidArgument(f"batch 'time' must be a number, got {time!r}")
    return LogBatch(
        seq=seq,
        metrics=metrics,
        summary=from_wire(_object(head.get("summary", {}), "summary")),
        config=_object(head.get("config", {}), "config"),
        console=console_from_wire(head.get("console", [])),
        time=float(time),
        create=lw.create_from_wire(from_wire(head["create"])) if "create" in head else None,
        update=lw.update_from_wire(from_wire(head["update"])) if "update" in head else None,
        files=lw.files_from_wire(head["files"]) if "files" in head else {},
        finish=lw.finish_from_wire(head["finish"]) if "finish" in head else None,
    )


def _object(raw: object, what: str, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    # JSON object keys are always strings, so checking the type is enough.
    if not isinstance(raw, dict):
        raise InvalidArgument(f"{what} must be a JSON object, got {type(raw).__name__}")
    missing = [name for name in required if name not in raw]
    if missing:
        raise InvalidArgument(f"{what} is missing {', '.join(repr(m) for m in missing)}")
    return raw


def _read(data: bytes, fmt: struct.Struct, pos: int, what: str) -> tuple[int, int]:
    if fmt.size > len(data) - pos:
        raise InvalidArgument(f"binary batch is truncated before the {what}")
    (value,) = fmt.unpack_from(data, pos)
    return int(value), pos + fmt.size


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise InvalidArgument(f"metric keys must be strings, got {type(key).__name__}")
    return key


def _key_bytes(key: object) -> bytes:
    raw = _key(key).encode("utf-8")
    if len(raw) > 0xFFFF:
        raise InvalidArgument(f"metric key {key!r:.60} is too long to encode")
    return raw


def _check_lengths(series: Series) -> None:
    n = len(series.steps)
    if len(series.times) != n or len(series.values) != n:
        raise InvalidArgument(
            f"metric {series.key!r}: steps, times and values must have the same length"
        )


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


def series_json(series: Series) -> bytes:
    """:func:`series_to_wire` as JSON bytes, straight from the arrays when all finite."""
    _check_lengths(series)
    if np.isfinite(series.times).all() and np.isfinite(series.values).all():
        columns = {
            "steps": np.ascontiguousarray(series.steps, dtype=np.int64),
            "times": np.ascontiguousarray(series.times, dtype=np.float64),
            "values": np.ascontiguousarray(series.values, dtype=np.float64),
        }
        return orjson.dumps(columns, option=orjson.OPT_SERIALIZE_NUMPY)
    return dumps(series_to_wire(series))


def envelope_json(env: Envelope) -> bytes:
    return dumps(envelope_to_wire(env))


# -- binary history responses -------------------------------------------------------------
SERIES_MEDIA_TYPE = "application/x-headway-series"
_RUN_HEADER = struct.Struct("<HQ")  # run id length, blob length


def encode_history(runs: Mapping[str, Mapping[str, Series]]) -> bytes:
    """Points of several runs as binary columns: per run its id, then a metrics-only batch.

    Reading a million points this way is a memory copy, not a million JSON numbers.
    """
    parts = []
    for run_id, series in runs.items():
        blob = encode_batch(LogBatch(seq=0, metrics=dict(series)))
        name = run_id.encode("utf-8")
        parts += [_RUN_HEADER.pack(len(name), len(blob)), name, blob]
    return b"".join(parts)


def decode_history(data: bytes) -> dict[str, dict[str, Series]]:
    out: dict[str, dict[str, Series]] = {}
    pos = 0
    while pos < len(data):
        if pos + _RUN_HEADER.size > len(data):
            raise InvalidArgument("history response is truncated")
        name_len, blob_len = _RUN_HEADER.unpack_from(data, pos)
        pos += _RUN_HEADER.size
        end = pos + name_len + blob_len
        if end > len(data):
            raise InvalidArgument("history response is truncated")
        run_id = data[pos : pos + name_len].decode("utf-8")
        out[run_id] = dict(decode_batch(data[pos + name_len : end]).metrics)
        pos = end
    return out
