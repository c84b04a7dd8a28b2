"""Encoded model inputs back to the raw columns people think in (``course``, not
``course_Nursing``), for the explanations in :mod:`headway.monitoring.explain`: which encoded
columns each raw column moves, and a codec from raw rows to the encoded matrix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from headway.errors import InvalidArgument

FloatArray = NDArray[np.float64]
#: A category no data holds, to see which encoded columns a categorical column moves.
_PROBE_VALUE = "\x00headway-probe"


def _encoding_map(
    pre: Any, probe: pd.DataFrame, columns: tuple[str, ...]
) -> tuple[FloatArray, tuple[str, ...]]:
    """Weights (encoded column x feature) giving encoded contributions back to raw columns.

    An encoded column belongs to the raw columns whose change changes it: each raw column
    is set, in turn, to another value seen in ``probe`` and to a value never seen, and the
    encoded columns that move are its own. This needs no knowledge of the transformers, so
    one-hot, ordinal, scaled, imputed, binned and custom columns all map. A column computed
    from several raw columns (an interaction) is shared equally among them. One that no
    probe moves (a category absent from the probe rows) is matched by its output name
    (``<transformer>__<column>_<category>``) to the longest raw column it starts with, and
    failing that is reported under its own name. Each row of the weights sums to 1, so
    contributions still add up to the model's output.
    """
    base = _dense(pre.transform(probe), "the preprocessing output")
    width = base.shape[1]
    owners: list[list[str]] = [[] for _ in range(width)]
    for col in columns:
        moved = np.zeros(width, dtype=bool)
        for values in _probe_values(probe[col]):
            changed = probe.copy()
            changed[col] = values
            try:
                out = _dense(pre.transform(changed), "the preprocessing output")
            except Exception:
                # A transformer may refuse a probe value (an unknown category with
                # handle_unknown="error"): that probe gives no evidence, nothing more.
                continue
            same = (out == base) | (np.isnan(out) & np.isnan(base))
            moved |= ~same.all(axis=0)
        for k in np.flatnonzero(moved):
            owners[k].append(col)
    names = _encoded_names(pre, width)
    features = list(columns)
    for i, owner in enumerate(owners):
        if not owner:
            owner.append(_owner_by_name(names[i], columns) or names[i])
            if owner[0] not in features:
                features.append(owner[0])
    weights = np.zeros((width, len(features)))
    index = {f: j for j, f in enumerate(features)}
    for i, owner in enumerate(owners):
        for col in owner:
            weights[i, index[col]] += 1.0 / len(owner)
    return weights, tuple(features)


def _probe_values(column: pd.Series) -> Iterator[pd.Series]:
    """Another value seen in the column for every row, then a value it never holds."""
    codes, seen = pd.factorize(column)
    if len(seen) >= 2:
        shifted = np.where(codes < 0, 0, (codes + 1) % len(seen))
        yield pd.Series(seen.take(shifted), index=column.index)
    if pd.api.types.is_bool_dtype(column):
        yield ~column.astype(bool)
    elif pd.api.types.is_numeric_dtype(column):
        x = column.to_numpy(dtype=np.float64, na_value=np.nan)
        # x + 1 + |x| differs from x for every finite x; missing becomes 0.
        yield pd.Series(np.where(np.isnan(x), 0.0, x + 1.0 + np.abs(x)), index=column.index)
    elif isinstance(column.dtype, pd.CategoricalDtype):
        categories = [*column.cat.categories, _PROBE_VALUE]
        unseen = pd.Categorical([_PROBE_VALUE] * len(column), categories=categories)
        yield pd.Series(unseen, index=column.index)
    elif pd.api.types.is_datetime64_any_dtype(column):
        yield column + pd.Timedelta(days=1)
    else:
        yield pd.Series([_PROBE_VALUE] * len(column), index=column.index, dtype=column.dtype)


def _encoded_names(pre: Any, width: int) -> list[str]:
    try:
        names = [str(n) for n in pre.get_feature_names_out()]
    except Exception:
        # Custom transformers often lack get_feature_names_out; names are only a fallback.
        names = []
    return names if len(names) == width else [f"encoded_{i}" for i in range(width)]


def _owner_by_name(name: str, columns: tuple[str, ...]) -> str | None:
    candidates = [name, name.split("__", 1)[1]] if "__" in name else [name]
    for candidate in candidates:
        matches = [c for c in columns if candidate == c or candidate.startswith(f"{c}_")]
        if matches:
            return max(matches, key=len)
    return None


def _dense(matrix: Any, what: str) -> FloatArray:
    if hasattr(matrix, "toarray"):  # a scipy sparse matrix (one-hot encoders' default)
        matrix = matrix.toarray()
    try:
        return np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"{what} is not all numbers, so trees cannot read it: {exc}") from exc


class _Codec:
    """Mixed-type frames as float matrices for shap's maskers, and back.

    Numbers stay numbers; any other column becomes codes into the values it holds (missing
    values become NaN), and decoding gives the values back in the column's own dtype, so
    the model sees frames like the ones it was fitted on.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.columns = list(frame.columns)
        # unique() keeps the dtype (a Categorical stays one), so take() below restores it.
        self.levels = {
            c: frame[c].dropna().unique() for c in self.columns if not _is_number(frame[c])
        }
        self.lookup = {c: pd.Index(v) for c, v in self.levels.items()}

    def encode(self, frame: pd.DataFrame) -> FloatArray:
        out = np.empty((len(frame), len(self.columns)))
        for j, col in enumerate(self.columns):
            if col in self.lookup:
                codes = self.lookup[col].get_indexer(frame[col])
                out[:, j] = np.where(codes < 0, np.nan, codes)
            else:
                out[:, j] = frame[col].to_numpy(dtype=np.float64, na_value=np.nan)
        return out

    def decode(self, matrix: FloatArray) -> pd.DataFrame:
        # One float block for the numbers: shap calls this for every permutation of every row.
        frame = pd.DataFrame(matrix, columns=self.columns)
        for col, levels in self.levels.items():
            codes = frame[col].to_numpy()
            codes = np.where(np.isnan(codes), -1, codes).astype(np.intp)
            frame[col] = pd.api.extensions.take(levels, codes, allow_fill=True)
        return frame


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
