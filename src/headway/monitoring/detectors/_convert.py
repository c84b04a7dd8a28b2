"""Turn a column as users hand it over (numpy, pandas, pyarrow, lists) into plain arrays.

Numerical columns become float64 with nulls, NaN and ±inf counted and removed. Values that
are not numbers (strings, dates, objects) are counted as type mismatches and are treated as
missing by the statistics. Numeric strings such as ``"3.5"`` count as mismatches too: a
producer that starts sending strings is a schema change data quality should show.

Categorical columns become counts per category label. Labels are compared as strings:
``str()`` of the value, except that integral floats are written as integers (``1.0`` →
``"1"``), so an integer column that picked up a NaN, and was therefore cast to float by
pandas, keeps its categories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

ColumnValues: TypeAlias = (
    "NDArray[Any] | pd.Series[Any] | pd.Index | pa.Array | pa.ChunkedArray | Sequence[Any]"
)

_NUMERIC_INFERRED = frozenset(
    {"floating", "integer", "mixed-integer-float", "boolean", "decimal", "empty"}
)


@dataclass(frozen=True, eq=False)
class FloatColumn:
    """Finite float64 values plus what was removed to get them."""

    values: NDArray[np.float64]
    n_missing: int
    n_type_mismatch: int
    # True when ``values`` is a private copy that may be sorted in place.
    owned: bool


def to_float(values: ColumnValues) -> FloatColumn:
    """Finite float64 values of a numerical column, with missing and mismatch counts."""
    x, n_bad, owned = _raw_float(values)
    finite = np.isfinite(x)
    n_kept = int(np.count_nonzero(finite))
    if n_kept < len(x):
        x = x[finite]
        owned = True
    return FloatColumn(x, len(finite) - n_kept - n_bad, n_bad, owned)


def _raw_float(values: ColumnValues) -> tuple[NDArray[np.float64], int, bool]:
    """Float64 array where nulls and non-numbers are NaN, the count of non-numbers, owned."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return _arrow_float(values)
    if isinstance(values, pd.Series | pd.Index):
        return _pandas_float(pd.Series(values, copy=False))
    if isinstance(values, np.ndarray):
        return _numpy_float(values)
    return _numpy_float(np.asarray(list(values), dtype=object))


def _arrow_float(arr: pa.Array | pa.ChunkedArray) -> tuple[NDArray[np.float64], int, bool]:
    t = arr.type
    if pa.types.is_dictionary(t):
        return _arrow_float(arr.cast(t.value_type))
    if (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_decimal(t)
        or pa.types.is_null(t)
    ):
        x = np.asarray(arr.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        return x, 0, False
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        n_bad = len(arr) - arr.null_count
        return np.full(len(arr), np.nan), n_bad, True
    return _pandas_float(pd.Series(arr.to_pandas(), copy=False))


def _pandas_float(s: pd.Series[Any]) -> tuple[NDArray[np.float64], int, bool]:
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if pd.api.types.is_numeric_dtype(cats.dtype):
            table = np.append(np.asarray(cats, dtype=np.float64), np.nan)
            return table[s.cat.codes.to_numpy()], 0, True
        return _object_float(np.asarray(s, dtype=object))
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan), 0, False
    if dtype == np.dtype(object):
        return _object_float(s.to_numpy())
    # Strings, dates, intervals…: every non-null value is of the wrong type.
    n_bad = int(s.notna().sum())
    return np.full(len(s), np.nan), n_bad, True


def _numpy_float(a: NDArray[Any]) -> tuple[NDArray[np.float64], int, bool]:
    a = a.ravel()
    if a.dtype.kind in "fiub":
        return a.astype(np.float64, copy=False), 0, a.dtype != np.float64
    if a.dtype.kind == "O":
        return _object_float(a)
    n_bad = int(np.count_nonzero(~pd.isna(a)))
    return np.full(len(a), np.nan), n_bad, True


def _object_float(obj: NDArray[Any]) -> tuple[NDArray[np.float64], int, bool]:
    null = pd.isna(obj)
    x = np.full(len(obj), np.nan)
    if pd.api.types.infer_dtype(obj, skipna=True) in _NUMERIC_INFERRED:
        ok = ~null
        x[ok] = obj[ok].astype(np.float64)
        return x, 0, True
    # Mixed content: a per-element type check, only paid by columns that are already wrong.
    is_num = np.fromiter(
        (isinstance(v, int | float | np.number | Decimal) for v in obj), bool, len(obj)
    )
    is_num &= ~null
    x[is_num] = obj[is_num].astype(np.float64)
    n_bad = int(np.count_nonzero(~null & ~is_num))
    return x, n_bad, True


def category_label(value: object) -> str:
    """The string a categorical value is compared by (see the module docstring)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        f = float(value)
        return str(int(f)) if f.is_integer() else str(f)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def category_counts(values: ColumnValues) -> tuple[dict[str, int], int]:
    """Counts per category label (labels with a zero count are left out) and the null count."""
    counts: dict[str, int] = {}
    n_missing = 0
    for uniques, codes in _factorize(values):
        # bincount over codes + 1 puts nulls (code -1) in slot 0 without a masking pass.
        c = np.bincount(codes + 1, minlength=len(uniques) + 1)
        n_missing += int(c[0])
        for u, k in zip(uniques, c[1:].tolist(), strict=True):
            if k:
                label = category_label(u)
                counts[label] = counts.get(label, 0) + k
    return counts, n_missing


def _factorize(values: ColumnValues) -> Iterable[tuple[Sequence[object], NDArray[np.intp]]]:
    """Yield (distinct values, codes with -1 for null) pieces that together cover the column."""
    if isinstance(values, pa.ChunkedArray):
        for chunk in values.chunks:
            yield from _factorize(chunk)
        return
    if isinstance(values, pa.Array):
        t = values.type
        if pa.types.is_floating(t):
            # Arrow treats NaN as a value; pandas' factorize treats it as missing, as we want.
            yield from _factorize(values.to_numpy(zero_copy_only=False))
            return
        enc = values if pa.types.is_dictionary(t) else values.dictionary_encode()
        codes = np.asarray(enc.indices.fill_null(-1).to_numpy(), dtype=np.intp)
        yield enc.dictionary.to_pylist(), codes
        return
    if isinstance(values, pd.Series | pd.Index) and isinstance(values.dtype, pd.CategoricalDtype):
        cat = pd.Categorical(values)
        yield list(cat.categories), np.asarray(cat.codes, dtype=np.intp)
        return
    if not isinstance(values, pd.Series | pd.Index | np.ndarray):
        values = np.asarray(list(values), dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    yield list(uniques), np.asarray(codes, dtype=np.intp)


def float_with_nan(values: ColumnValues) -> NDArray[np.float64]:
    """Float64 values with every null, ±inf and non-number turned into NaN, rows kept."""
    x, _, owned = _raw_float(values)
    bad = ~np.isfinite(x)
    if bad.any():
        x = x.copy() if not owned else x
        x[bad] = np.nan
    return x


def category_codes(values: ColumnValues) -> tuple[NDArray[np.intp], list[str]]:
    """Per-row index into the returned distinct labels, -1 for null, rows kept in order."""
    labels: list[str] = []
    index: dict[str, int] = {}
    parts: list[NDArray[np.intp]] = []
    for uniques, codes in _factorize(values):
        lut = np.empty(len(uniques) + 1, dtype=np.intp)
        lut[-1] = -1  # code -1 (null) indexes the last slot
        for i, u in enumerate(uniques):
            label = category_label(u)
            lut[i] = index.setdefault(label, len(labels))
            if lut[i] == len(labels):
                labels.append(label)
        parts.append(lut[codes])
    codes_all = np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)
    return codes_all, labels
