"""Input rules shared by the SDK (fail fast, in the user's process) and the services."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np

from headway.errors import InvalidArgument

PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_KEY = 256
MAX_TAG = 128
MAX_RUN_NAME = 256
MAX_STEP = 2**62
MAX_KV_KEY = 250
#: MLflow's limit for a run tag value (its API truncates longer ones before they get here).
MAX_KV_VALUE = 8000


def project_name(name: object) -> str:
    if not isinstance(name, str) or not PROJECT_NAME.match(name):
        raise InvalidArgument(
            f"invalid project name {name!r}: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def run_id(value: object) -> str:
    if not isinstance(value, str) or not RUN_ID.match(value):
        raise InvalidArgument(
            f"invalid run id {value!r}: use 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def _text(kind: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{kind} must be a string, got {type(value).__name__}")
    if not value.strip() or len(value) > limit or _CONTROL.search(value):
        raise InvalidArgument(
            f"invalid {kind} {value!r}: must be 1-{limit} printable characters, "
            "not blank and without control characters"
        )
    return value


def run_name(value: object) -> str:
    return _text("run name", value, MAX_RUN_NAME)


def tag(value: object) -> str:
    return _text("tag", value, MAX_TAG)


def tags(values: object) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, list | tuple | set | frozenset):
        raise InvalidArgument(f"tags must be a list of strings, got {type(values).__name__}")
    return tuple(dict.fromkeys(tag(v) for v in values))


def kv_tags(values: object, *, deletions: bool = False) -> dict[str, Any]:
    """Key -> value tags; with ``deletions`` a ``None`` value means "remove the key"."""
    if not isinstance(values, Mapping):
        raise InvalidArgument(
            f"key-value tags must be a mapping of strings, got {type(values).__name__}"
        )
    out: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key or len(key) > MAX_KV_KEY or _CONTROL.search(key):
            raise InvalidArgument(
                f"invalid tag key {key!r}: must be 1-{MAX_KV_KEY} characters "
                "without control characters"
            )
        if value is None and deletions:
            out[key] = None
            continue
        if not isinstance(value, str):
            raise InvalidArgument(
                f"tag {key!r} must have a string value, got {type(value).__name__}"
            )
        if len(value) > MAX_KV_VALUE:
            raise InvalidArgument(
                f"tag {key!r} has a value of {len(value)} characters; the limit is {MAX_KV_VALUE}"
            )
        out[key] = value
    return out


def metric_key(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"metric keys must be strings, got {type(value).__name__}")
    if not value or len(value) > MAX_KEY or _CONTROL.search(value) or value != value.strip():
        raise InvalidArgument(
            f"invalid metric key {value!r}: must be 1-{MAX_KEY} printable characters "
            "without leading or trailing spaces"
        )
    return value


def step(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value):
            return step(int(value))
        raise InvalidArgument(
            f"step must be a whole number, got {value!r} ({type(value).__name__})"
        )
    as_int = int(value)
    if not 0 <= as_int < MAX_STEP:
        raise InvalidArgument(f"step must be between 0 and 2**62, got {as_int}")
    return as_int


def scalar(key: str, value: object) -> float:
    """A loggable number as float: ints, floats, bools, NumPy scalars, 0-d arrays/tensors.

    NaN and ±inf are kept: they are real observations (a diverged loss).
    """
    if isinstance(value, bool | int | float | np.number | np.bool_):
        try:
            return float(value)
        except OverflowError:
            return math.copysign(math.inf, int(value))
    if isinstance(value, np.ndarray):
        if value.ndim == 0 and value.dtype.kind in "biuf":
            return float(value)
        raise InvalidArgument(
            f"metric {key!r}: expected a number, got an array of shape {value.shape}"
        )
    item = getattr(value, "item", None)
    numel = getattr(value, "numel", None)
    if callable(item) and callable(numel):  # a torch/jax tensor, without importing torch
        if numel() == 1:
            out = item()
            if isinstance(out, bool | int | float):
                return float(out)
        raise InvalidArgument(
            f"metric {key!r}: expected a number, got a tensor with {numel()} values"
        )
    raise InvalidArgument(
        f"metric {key!r}: expected a number (int, float, bool or a 0-d array), "
        f"got {type(value).__name__}"
    )


def series_arrays(
    key: str, values: object, steps: object, times: object, *, first_step: int, now: float
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Validated ``(steps, times, values)`` arrays for a whole series logged at once.

    ``steps`` defaults to ``first_step, first_step + 1, …`` and ``times`` to ``now``.
    Errors name the key and what was wrong; NaN and ±inf values are kept.
    """
    vals = _column(key, "values", values)
    if vals.dtype.kind not in "biuf":
        raise InvalidArgument(
            f"metric {key!r}: values must be numbers, got an array of {vals.dtype}"
        )
    n = vals.shape[0]
    if steps is None:
        step_arr = np.arange(first_step, first_step + n, dtype=np.int64)
    else:
        raw = _column(key, "steps", steps, n)
        if (
            raw.dtype.kind == "f"
            and bool(np.all(np.isfinite(raw)))
            and bool(np.all(raw == np.floor(raw)))
        ):
            raw = raw.astype(np.int64)
        if raw.dtype.kind not in "iu":
            raise InvalidArgument(
                f"metric {key!r}: steps must be whole numbers, got an array of {raw.dtype}"
            )
        if n and (int(raw.min()) < 0 or int(raw.max()) >= MAX_STEP):
            raise InvalidArgument(f"metric {key!r}: steps must be between 0 and 2**62")
        step_arr = raw.astype(np.int64)
    if times is None:
        time_arr = np.full(n, now, dtype=np.float64)
    else:
        rawt = _column(key, "times", times, n)
        if rawt.dtype.kind not in "iuf" or not bool(np.all(np.isfinite(rawt))):
            raise InvalidArgument(
                f"metric {key!r}: times must be finite numbers (seconds since the epoch)"
            )
        time_arr = rawt.astype(np.float64)
    return step_arr, time_arr, vals.astype(np.float64)


def _column(key: str, what: str, data: object, length: int | None = None) -> np.ndarray[Any, Any]:
    try:
        arr = np.asarray(data)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"metric {key!r}: {what} is not an array of numbers ({exc})") from exc
    if arr.ndim != 1:
        raise InvalidArgument(
            f"metric {key!r}: {what} must be one-dimensional, got shape {arr.shape}"
        )
    if length is not None and arr.shape[0] != length:
        raise InvalidArgument(
            f"metric {key!r}: {what} has {arr.shape[0]} entries but values has {length}"
        )
    return arr


def config_value(path: str, value: Any) -> Any:
    """A JSON-able copy of a config value, or InvalidArgument naming the key and type."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float | np.floating):
        as_float = float(value)
        if not math.isfinite(as_float):
            raise InvalidArgument(f"config {path!r}: {as_float} is not allowed in a config")
        return as_float
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray) and value.size <= 10_000:
        return [config_value(f"{path}[{i}]", v) for i, v in enumerate(value.tolist())]
    if isinstance(value, enum.Enum):
        return config_value(path, value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return config_tree(value, prefix=path)
    if isinstance(value, list | tuple):
        return [config_value(f"{path}[{i}]", v) for i, v in enumerate(value)]
    raise InvalidArgument(
        f"config {path!r}: a value of type {type(value).__name__} cannot be stored; "
        "use numbers, strings, booleans, None, lists or dicts"
    )


def config_tree(values: Mapping[Any, Any], *, prefix: str = "") -> dict[str, Any]:
    """Validate a nested config; dotted keys (``"optimizer.lr"``) become nested dicts."""
    out: dict[str, Any] = {}
    for raw_key, value in values.items():
        if not isinstance(raw_key, str) or not raw_key or _CONTROL.search(raw_key):
            raise InvalidArgument(
                f"config keys must be non-empty strings, got {raw_key!r} "
                f"under {prefix or 'the root'!r}"
            )
        parts = raw_key.split(".")
        if any(not p for p in parts):
            raise InvalidArgument(f"config key {raw_key!r} has an empty part between dots")
        path = f"{prefix}.{raw_key}" if prefix else raw_key
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InvalidArgument(f"config {path!r}: {part!r} is both a value and a section")
            node = child
        node[parts[-1]] = config_value(path, value)
    return out
