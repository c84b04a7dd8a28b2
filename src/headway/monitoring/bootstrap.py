"""Seeded percentile bootstrap helpers for performance and fairness metrics.

Every interval in ``headway.monitoring`` is a **percentile bootstrap** interval: draw ``B``
resamples of the window's rows with replacement, recompute the metric on each, and report the
``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the replicates (linear
interpolation, as ``np.percentile`` and ``scipy.stats.bootstrap(method="percentile")`` do).
Defaults: ``B = 200``, confidence 0.95, seed 0. Two ways of resampling give the same
distribution as resampling rows, at very different cost:

* **Count-based metrics** (accuracy, precision, recall, F1, selection rate, TPR/FPR/FNR) depend
  on the rows only through the ``k`` cells of a confusion table. Resampling ``n`` rows with
  replacement is exactly a draw from ``Multinomial(n, cells / n)``, so
  :func:`multinomial_replicates` costs O(B·k) whatever ``n`` is.
* **Rank and probability metrics** (ROC AUC, PR AUC, log loss, ECE, Brier, regression errors)
  resample row indices. A resample is held as integer **count weights** ``w`` (how often each
  row was drawn, ``Σw = m``), so each metric becomes weighted sums over rows that were sorted
  once: cumulative sums of ``w`` read at the ends of runs of tied scores or of calibration
  bins. No resample is ever sorted again.

  Windows above ``max_rows`` (default 200,000) are first subsampled without replacement to
  ``m = max_rows`` rows. Replicates of a size-``m`` resample spread about ``sqrt(n/m)`` times
  wider than those of the full window, so the interval is the ``m``-out-of-``n`` rescaled one:
  ``value + sqrt(m/n) · (q - value_m)``, with ``q`` the replicate quantile and ``value_m`` the
  metric on the subsample. With ``n <= max_rows`` this is the plain percentile interval.

Replicates where a metric is undefined (NaN, e.g. an AUC whose resample has one class) are
dropped before taking quantiles; if none is left the bounds are NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from headway.errors import InvalidArgument

DEFAULT_N_BOOT = 200
DEFAULT_CONFIDENCE = 0.95
DEFAULT_SEED = 0
MAX_BOOT_ROWS = 200_000
# Resamples are materialised as a (block, m) weight matrix; 16 x 200k float64 is ~25 MB.
_BLOCK = 16

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def check_boot_args(n_boot: int, confidence: float) -> None:
    if n_boot < 0:
        raise InvalidArgument(f"n_boot must be >= 0, got {n_boot}")
    if not 0.0 < confidence < 1.0:
        raise InvalidArgument(f"confidence must be in (0, 1), got {confidence}")


def percentile_bounds(replicates: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """NaN-aware percentile bounds along axis 0 of a ``(B, ...)`` replicate array."""
    alpha = (1.0 - confidence) / 2.0
    reps = np.asarray(replicates, dtype=np.float64)
    if reps.shape[0] == 0:
        nan = np.full(reps.shape[1:], np.nan)
        return nan, nan.copy()
    finite = np.isfinite(reps).any(axis=0)
    # Columns without one defined replicate would make nanpercentile warn; fill them with 0
    # and put NaN back afterwards.
    safe = np.where(finite, reps, 0.0)
    lo, hi = np.nanpercentile(safe, [100.0 * alpha, 100.0 * (1.0 - alpha)], axis=0)
    return np.where(finite, lo, np.nan), np.where(finite, hi, np.nan)


def multinomial_replicates(
    cells: npt.ArrayLike, n_boot: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """``n_boot`` row resamples of a table of counts, as tables of the same shape."""
    counts = np.asarray(cells, dtype=np.int64)
    n = int(counts.sum())
    if n == 0 or n_boot == 0:
        return np.zeros((n_boot, *counts.shape), dtype=np.int64)
    pvals = counts.ravel() / n
    draws = rng.multinomial(n, pvals, size=n_boot)
    return draws.reshape(n_boot, *counts.shape).astype(np.int64, copy=False)


@dataclass(frozen=True)
class RowResampler:
    """Plan for a capped row bootstrap of a window of ``n`` rows.

    ``rows`` are the indices (ascending) of the subsample the resamples are drawn from, all
    rows when ``n <= max_rows``; ``scale = sqrt(m / n)`` rescales the interval (module doc).
    """

    n: int
    rows: IntArray
    scale: float

    @classmethod
    def plan(cls, n: int, rng: np.random.Generator, max_rows: int = MAX_BOOT_ROWS) -> RowResampler:
        if max_rows < 2:
            raise InvalidArgument(f"max_boot_rows must be >= 2, got {max_rows}")
        if n <= max_rows:
            return cls(n=n, rows=np.arange(n, dtype=np.int64), scale=1.0)
        rows = np.sort(rng.choice(n, size=max_rows, replace=False)).astype(np.int64)
        return cls(n=n, rows=rows, scale=float(np.sqrt(max_rows / n)))

    @property
    def m(self) -> int:
        return int(self.rows.shape[0])

    @property
    def is_subsample(self) -> bool:
        return self.m < self.n

    def weight_blocks(self, n_boot: int, rng: np.random.Generator) -> Iterator[FloatArray]:
        """Yield ``(b, m)`` count-weight matrices, ``b <= 16``, ``n_boot`` rows in total."""
        m = self.m
        done = 0
        while done < n_boot:
            b = min(_BLOCK, n_boot - done)
            draws = rng.integers(0, m, size=(b, m))
            # One bincount over offset indices builds all b weight vectors at once.
            offsets = (np.arange(b, dtype=np.int64) * m)[:, None]
            w = np.bincount((draws + offsets).ravel(), minlength=b * m).reshape(b, m)
            done += b
            yield w.astype(np.float64)


def rescaled_interval(
    value: float,
    sub_value: float,
    replicates: FloatArray,
    confidence: float,
    scale: float,
) -> tuple[float, float]:
    """Percentile interval of 1-D replicates, rescaled m-out-of-n when drawn from a subsample."""
    lo, hi = (float(b) for b in percentile_bounds(replicates, confidence))
    if scale == 1.0:
        return lo, hi
    return value + scale * (lo - sub_value), value + scale * (hi - sub_value)


#: Weighted metrics of a fixed set of ``m`` rows: ``(b, m)`` count weights -> ``b`` values each.
Evaluator = Callable[[FloatArray], dict[str, FloatArray]]


def row_intervals(
    n: int,
    make: Callable[[IntArray | None], Evaluator],
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
    max_rows: int = MAX_BOOT_ROWS,
) -> dict[str, tuple[float, float, float]]:
    """``(value, lower, upper)`` per metric: value on all ``n`` rows, capped row bootstrap.

    ``make(rows)`` builds the evaluator of the given rows (``None``: all of them); it is
    called once for the window and once more for the subsample when ``n > max_rows``.
    """
    full = make(None)
    value = full(np.ones((1, n)))
    if n_boot == 0:
        return {name: (float(v[0]), np.nan, np.nan) for name, v in value.items()}
    plan = RowResampler.plan(n, rng, max_rows)
    sub = make(plan.rows) if plan.is_subsample else full
    sub_value = sub(np.ones((1, plan.m))) if plan.is_subsample else value
    blocks = [sub(w) for w in plan.weight_blocks(n_boot, rng)]
    out = {}
    for name, v in value.items():
        reps = np.concatenate([b[name] for b in blocks])
        lo, hi = rescaled_interval(
            float(v[0]), float(sub_value[name][0]), reps, confidence, plan.scale
        )
        out[name] = (float(v[0]), lo, hi)
    return out


def group_ends(sorted_keys: npt.NDArray[np.generic]) -> IntArray:
    """Index of the last row of each run of equal values in an already sorted 1-D array."""
    n = sorted_keys.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1])
    return np.append(change, n - 1).astype(np.int64)
