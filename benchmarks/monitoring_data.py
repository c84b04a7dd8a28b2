"""Input files for the monitoring benchmark: a reference and a current frame (20 numerical +
10 categorical columns) and a fairness frame, written as Parquet.

    python benchmarks/monitoring_data.py --n 100000 --out DIR [--fairness-rows 1000000]

The generator is the speed study's (``research/monitoring/speed/common.py``, same seeds), so
the numbers in ``research/monitoring/SPEED.md`` are comparable. Sizes used by the benchmark:
100k vs 100k and 1M vs 1M rows, plus 1M fairness rows.

Numerical columns are normal, gamma, Poisson counts (many ties) and 0.1-rounded uniforms;
categorical columns have 2-40 Zipf-like categories, stored as plain strings. The current
frame has these injected changes (``INJECTED``):

- ``gpa``: mean shift of 0.5 std → normalised Wasserstein ≈ 0.50: drift;
- ``hours_studied``: spread x1.8 around the mean → drift;
- ``attendance_rate``: x1.01 (a 1 % scale change) → too small: no drift;
- ``work_hours``: missing share 2 % → 10 % (at random) → no drift (a data-quality change);
- ``course``: a new category on 5 % of rows → Jensen-Shannon ≈ 0.134: drift;
- ``region``: proportions reversed → drift.

So Evidently's ``DataDriftPreset`` flags exactly ``EXPECTED_DRIFTED`` (4 of 30 columns,
share 0.13 < 0.5: no dataset drift).

The fairness frame has ``FAIRNESS_ROWS`` rows: ``group`` (4 disability groups, 70/10/15/5 %),
``y_true`` (20 % positive) and ``y_pred`` (label flipped for 10/12/30/15 % of rows per group,
so "learning" gets the most errors).

Pure numpy/pandas/pyarrow: works with pandas 2 (the peer venv) and 3 (the repository venv).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

NUMERICAL = (
    "gpa",
    "attendance_rate",
    "hours_studied",
    "lms_logins",
    "forum_posts",
    "assignments_submitted",
    "late_submissions",
    "quiz_avg",
    "midterm_score",
    "credits_enrolled",
    "age",
    "distance_km",
    "tuition_balance",
    "video_minutes",
    "library_visits",
    "prior_failures",
    "advisor_meetings",
    "work_hours",
    "commute_minutes",
    "scholarship_amount",
)
CATEGORICAL = (
    "course",
    "region",
    "program",
    "gender",
    "disability",
    "language",
    "enrollment_type",
    "year_of_study",
    "funding",
    "device",
)
CARDINALITY = (40, 8, 12, 3, 2, 15, 3, 5, 6, 4)
INJECTED = {
    "gpa": "mean shift of +0.5 std",
    "hours_studied": "spread x1.8 around the mean",
    "attendance_rate": "x1.01 (should NOT be flagged)",
    "work_hours": "missing share 2% -> 10% (data quality; should NOT be flagged as drift)",
    "course": "new category 'course_NEW_ai_ethics' on 5% of rows",
    "region": "category proportions reversed",
}
EXPECTED_DRIFTED = ("course", "gpa", "hours_studied", "region")

FAIRNESS_ROWS = 1_000_000
FAIRNESS_GROUPS = ("none", "physical", "learning", "sensory")
FAIRNESS_GROUP_P = (0.7, 0.1, 0.15, 0.05)
FAIRNESS_FLIP_P = (0.1, 0.12, 0.3, 0.15)

REFERENCE_SEED, CURRENT_SEED, FAIRNESS_SEED = 1, 2, 7


def _numerical(rng: np.random.Generator, n: int, shift: bool) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for i, name in enumerate(NUMERICAL):
        kind = i % 4
        if kind == 0:
            x = rng.normal(70 + i, 10 + i, n)
        elif kind == 1:
            x = rng.gamma(2.0 + i / 10, 3.0, n)
        elif kind == 2:
            x = rng.poisson(3 + i, n).astype(np.float64)  # heavy ties
        else:
            x = np.round(rng.uniform(0, 100, n), 1)  # ties at 0.1 resolution
        if shift:
            if name == "gpa":
                x = x + 0.5 * x.std()
            elif name == "hours_studied":
                x = (x - x.mean()) * 1.8 + x.mean()
            elif name == "attendance_rate":
                x = x * 1.01
        cols[name] = x
    frame = pd.DataFrame(cols)
    missing = rng.random(n) < (0.10 if shift else 0.02)
    frame.loc[missing, "work_hours"] = np.nan
    return frame


def _categorical(rng: np.random.Generator, n: int, shift: bool) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for name, k in zip(CATEGORICAL, CARDINALITY, strict=True):
        p = np.arange(1, k + 1, dtype=float) ** -0.8
        p /= p.sum()
        if shift and name == "region":
            p = p[::-1].copy()
        labels = np.array([f"{name}_{j:02d}" for j in range(k)], dtype=object)
        values = labels[rng.choice(k, n, p=p)]
        if shift and name == "course":
            values[rng.random(n) < 0.05] = "course_NEW_ai_ethics"
        cols[name] = values
    return pd.DataFrame(cols)


def make_frame(n: int, seed: int, *, shift: bool = False) -> pd.DataFrame:
    """One frame of ``n`` rows: 20 numerical then 10 categorical (string) columns."""
    rng = np.random.default_rng(seed)
    return pd.concat([_numerical(rng, n, shift), _categorical(rng, n, shift)], axis=1)


def make_fairness(n: int = FAIRNESS_ROWS, seed: int = FAIRNESS_SEED) -> pd.DataFrame:
    """``group`` (string), ``y_true`` and ``y_pred`` (int64 0/1)."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(len(FAIRNESS_GROUPS), n, p=list(FAIRNESS_GROUP_P))
    y = (rng.random(n) < 0.2).astype(np.int64)
    flip = rng.random(n) < np.asarray(FAIRNESS_FLIP_P)[codes]
    return pd.DataFrame(
        {
            "group": np.asarray(FAIRNESS_GROUPS, dtype=object)[codes],
            "y_true": y,
            "y_pred": np.where(flip, 1 - y, y).astype(np.int64),
        }
    )


@dataclass(frozen=True)
class MonitoringInputs:
    """Where the files are and how to read them (what ``monitoring_peers.py`` needs)."""

    reference: Path
    current: Path
    fairness: Path
    n: int
    fairness_rows: int
    numerical: tuple[str, ...] = NUMERICAL
    categorical: tuple[str, ...] = CATEGORICAL
    expected_drifted: tuple[str, ...] = EXPECTED_DRIFTED
    fairness_group: str = "group"
    fairness_true: str = "y_true"
    fairness_pred: str = "y_pred"

    def peer_args(self) -> list[str]:
        """Command-line arguments for ``benchmarks/monitoring_peers.py`` (add ``--out``)."""
        return [
            "--reference",
            str(self.reference),
            "--current",
            str(self.current),
            "--numerical",
            ",".join(self.numerical),
            "--categorical",
            ",".join(self.categorical),
            "--fairness",
            str(self.fairness),
            "--fairness-group",
            self.fairness_group,
            "--fairness-true",
            self.fairness_true,
            "--fairness-pred",
            self.fairness_pred,
        ]


def write_inputs(
    out_dir: Path | str, n: int, *, fairness_rows: int = FAIRNESS_ROWS, overwrite: bool = False
) -> MonitoringInputs:
    """Write ``reference-{n}.parquet``, ``current-{n}.parquet`` and
    ``fairness-{fairness_rows}.parquet`` into ``out_dir`` (skipped when they already exist,
    unless ``overwrite``); deterministic for given sizes."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inputs = MonitoringInputs(
        reference=out / f"reference-{n}.parquet",
        current=out / f"current-{n}.parquet",
        fairness=out / f"fairness-{fairness_rows}.parquet",
        n=n,
        fairness_rows=fairness_rows,
    )
    if overwrite or not inputs.reference.exists():
        make_frame(n, REFERENCE_SEED).to_parquet(inputs.reference, index=False)
    if overwrite or not inputs.current.exists():
        make_frame(n, CURRENT_SEED, shift=True).to_parquet(inputs.current, index=False)
    if overwrite or not inputs.fairness.exists():
        make_fairness(fairness_rows).to_parquet(inputs.fairness, index=False)
    return inputs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows in each of ref and current")
    parser.add_argument("--fairness-rows", type=int, default=FAIRNESS_ROWS)
    parser.add_argument("--out", required=True, help="directory to write the Parquet files to")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    inputs = write_inputs(
        args.out, args.n, fairness_rows=args.fairness_rows, overwrite=args.overwrite
    )
    info = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(inputs).items()}
    info["seconds"] = round(time.perf_counter() - t0, 2)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
