"""A seeded synthetic education monitoring dataset with documented, injected changes.

Nothing here is real data. :func:`generate` returns a *reference* frame (the period the
model was validated on) and a *current* frame (``days`` days of production traffic,
``rows_per_day`` rows a day), plus the list of changes injected into the current frame.
The same ``seed`` always gives identical frames. The column names and flavour follow the
demo's student dataset (:mod:`headway.demo.dataset`).

Columns
-------
Identifiers and time:

- ``student_id`` (str, unique across both frames), ``timestamp`` (UTC, ``datetime64[us]``,
  sorted; the reference covers the ``ceil(n_reference / rows_per_day)`` days just before
  ``start``, the current frame covers ``days`` days from ``start``), ``label_timestamp``
  (``timestamp`` + ``label_delay_days``: when the true outcome becomes known).

Numerical features (``NUMERICAL``; reference mean / std in brackets):

- ``attendance_rate`` in [0, 1] (0.76 / 0.19), ``avg_grade`` 0-100 (63.6 / 12.6),
  ``assignments_submitted_pct`` 0-100 (82 / 16), ``lms_logins_per_week`` (a weekly
  average, 0.1 resolution; 5.1 / 2.8), ``forum_posts`` (int count; 1.6 / 1.6),
  ``late_submissions`` (int count; 2.0 / 2.0), ``credits_attempted`` (int, one of 3, 6, 9,
  12, 13, 15, 16, 18; 12.6 / 4.1), ``age`` (int years; 22.8 / 3.8), ``prior_gpa`` 0-4
  (2.9 / 0.56), ``work_hours`` (paid work per week; 10.5 / 6.1; 3 % missing, completely
  at random).

  All are driven by three unrecorded traits (ability, pressure, engagement) so they are
  correlated the way early-warning data is. Every numerical column has more than 5
  distinct values, so Evidently's rule picks normalised Wasserstein for all of them.

Categorical features (``CATEGORICAL``; plain strings):

- ``course`` (Mathematics, Computer Science, Nursing, History, Business),
  ``region`` (North, South, East, West, Rural), ``enrollment_type`` (full_time 63 %,
  part_time 25 %, online 12 %), ``first_language`` (English, Spanish, Other; depends on
  region), ``disability`` (none, declared 11 %), ``gender`` (female 55 %, male 43 %,
  non-binary 2 %).

  ``enrollment_type`` and ``course`` are drawn independently of every other column, so a
  change in their mix moves no other input column: each injected change touches exactly one
  input column.

Model, score and label
----------------------
A fixed logistic "model" gives ``score`` = P(drop out) (:func:`model_score`)::

    logit = MODEL_INTERCEPT (-2.14)
            + sum_c MODEL_COEFFICIENTS[c] * (x_c - MODEL_CENTRES[c]) / MODEL_SCALES[c]
            + MODEL_ENROLLMENT[enrollment_type]

with a missing ``work_hours`` imputed at its centre (contributes 0). Per reference standard
deviation the weights are -0.5 attendance, -0.35 grade, -0.2 submitted work, -0.2 LMS
logins, +0.2 late submissions, -0.15 prior GPA, +0.25 work hours, +0.1 age; +0.2 part_time
and +0.3 online. The sensitive attributes, course, region, language, forum posts and credits
are not model inputs. ``predicted`` = ``score >= THRESHOLD`` (0.305) as 0/1, which flags
17 % of reference rows, the reference drop-out rate (mean score 0.17).

The label ``dropped_out`` ~ Bernoulli(p_true). Without a concept or fairness change
p_true = ``score`` exactly (a function of the recorded features), so the model is perfectly
calibrated on the reference and the input-side scenarios are pure covariate shift
(P(y | x) unchanged). Reference ROC AUC 0.82, accuracy 0.84, FNR 0.48.

Scenarios (``scenario=``)
-------------------------
Every change starts at ``start + change_day`` days and persists. "Expected verdicts" are
those of the Evidently 0.7 ``DataDriftPreset`` defaults (normalised Wasserstein
W1 / std(reference) ≥ 0.1 for numerical columns, Jensen-Shannon distance with natural log
≥ 0.1 for categorical ones) on daily windows of 2,000 rows against the 20,000-row reference
(the defaults). Ranges are min-max over the daily windows of seeds 0..4, measured with scipy
(``tests/monitoring/test_synthetic.py`` asserts them).

- ``"control"``: no change; the current frame comes from the reference's generating
  process. Numerical columns 0.008-0.084 (mean ≈ 0.03: the sampling noise of W1/std at
  2,000 vs 20,000 rows; a normal column gives the same), categorical 0.000-0.035. No
  drift, no dataset drift, stable performance (AUC 0.81-0.83).
- ``"mean_shift"``: ``lms_logins_per_week`` + 1.5 (a new mobile app counts each app open
  as a login): 0.48-0.59 → drift on that column only.
- ``"variance_change"``: ``avg_grade`` is stretched around 64 by 1.6 (a new grading
  scheme), clipped to [0, 100]; mean 63.6 → 63.1, std 12.6 → 19.5: 0.40-0.51 → drift on
  that column only.
- ``"new_category"``: 15 % of rows get the new ``course`` "Data Science" (the other
  courses keep their relative shares): JS 0.22-0.25 → drift on ``course``.
- ``"proportion_shift"``: ``enrollment_type`` goes from 63/25/12 % to 35/25/40 %
  (full_time / part_time / online): JS 0.23-0.27 → drift on that column.
- ``"missing_spike"``: the share of missing ``work_hours`` goes from 3 % to 30 %
  (completely at random; daily share 0.28-0.32 after, ≤ 0.041 before). The present values
  keep their distribution (0.016-0.062): no drift, since NaNs are dropped before testing.
  This is a data-quality finding (missing share), not a drift verdict.
- ``"concept_drift"``: inputs and scores identical to the control's, but the true risk
  no longer follows the model: after the change p_true = sigmoid(CONCEPT_INTERCEPT (-2.05)
  + 1.2 z(work_hours) + 0.3 z(late_submissions) + 0.5 z(age) + 0.3 z(attendance_rate)),
  z with the model's centres and scales (paid work now dominates and attendance no longer
  protects). Drop-out rate stays 0.17; realised ROC AUC falls from 0.81-0.83 to
  0.635-0.641 and accuracy from 0.83-0.84 to 0.75-0.76. Only performance (and
  estimated-vs-realised) checks can see it.
- ``"fairness_regression"``: inputs and scores identical to the control's; for
  ``disability == "declared"`` only, the true log-odds rise by 2.0 (a support service
  withdrawn) while the score does not. That group's drop-out rate goes 0.17 → 0.48 and
  its FNR 0.44-0.53 → 0.66-0.70 (+0.14 to +0.25 per seed); the "none" group's labels are
  exactly the control's; overall FNR rises by only 0.04-0.07, AUC 0.82 → 0.79-0.80.
- ``"all"``: every input-side change at once, on distinct columns (mean_shift,
  variance_change, new_category, proportion_shift, missing_spike), same magnitudes: 4 of
  16 features drift (share 0.25 < 0.5: no dataset drift by the preset's rule).

Prediction drift is not part of the design: ``score`` moves with its inputs, and its
daily W1/std is borderline in ``mean_shift`` (0.02-0.11), ``variance_change``
(0.03-0.14), ``proportion_shift`` (0.01-0.11) and ``all`` (0.02-0.11); it stays at control
level (≤ 0.072) in the other scenarios. Do not assert a verdict on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from headway.errors import InvalidArgument

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ChangeKind = Literal[
    "mean_shift",
    "variance_change",
    "new_category",
    "proportion_shift",
    "missing_spike",
    "concept_drift",
    "fairness_regression",
]

NUMERICAL: Final = (
    "attendance_rate",
    "avg_grade",
    "assignments_submitted_pct",
    "lms_logins_per_week",
    "forum_posts",
    "late_submissions",
    "credits_attempted",
    "age",
    "prior_gpa",
    "work_hours",
)
CATEGORICAL: Final = (
    "course",
    "region",
    "enrollment_type",
    "first_language",
    "disability",
    "gender",
)
FEATURES: Final = NUMERICAL + CATEGORICAL

COURSES: Final = ("Mathematics", "Computer Science", "Nursing", "History", "Business")
COURSE_P: Final = (0.18, 0.22, 0.20, 0.15, 0.25)
REGIONS: Final = ("North", "South", "East", "West", "Rural")
REGION_P: Final = (0.25, 0.25, 0.20, 0.20, 0.10)
ENROLLMENT_TYPES: Final = ("full_time", "part_time", "online")
ENROLLMENT_P: Final = (0.63, 0.25, 0.12)
FIRST_LANGUAGES: Final = ("English", "Spanish", "Other")
DISABILITY: Final = ("none", "declared")
DISABILITY_DECLARED_P: Final = 0.11
GENDERS: Final = ("female", "male", "non-binary")
GENDER_P: Final = (0.55, 0.43, 0.02)
CREDITS: Final = (3, 6, 9, 12, 13, 15, 16, 18)
CREDITS_P: Final = (0.06, 0.10, 0.10, 0.14, 0.10, 0.30, 0.10, 0.10)
WORK_HOURS_MISSING: Final = 0.03

# The fixed model. z(x) = (x - centre) / scale with the reference population's moments
# (rounded); a missing work_hours is imputed at its centre.
MODEL_CENTRES: Final[dict[str, float]] = {
    "attendance_rate": 0.76,
    "avg_grade": 64.0,
    "assignments_submitted_pct": 82.0,
    "lms_logins_per_week": 5.0,
    "late_submissions": 2.0,
    "prior_gpa": 2.9,
    "work_hours": 10.5,
    "age": 23.0,
}
MODEL_SCALES: Final[dict[str, float]] = {
    "attendance_rate": 0.18,
    "avg_grade": 12.5,
    "assignments_submitted_pct": 16.0,
    "lms_logins_per_week": 2.8,
    "late_submissions": 2.0,
    "prior_gpa": 0.55,
    "work_hours": 6.0,
    "age": 3.8,
}
MODEL_COEFFICIENTS: Final[dict[str, float]] = {
    "attendance_rate": -0.5,
    "avg_grade": -0.35,
    "assignments_submitted_pct": -0.2,
    "lms_logins_per_week": -0.2,
    "late_submissions": 0.2,
    "prior_gpa": -0.15,
    "work_hours": 0.25,
    "age": 0.1,
}
MODEL_ENROLLMENT: Final[dict[str, float]] = {"full_time": 0.0, "part_time": 0.2, "online": 0.3}
MODEL_INTERCEPT: Final = -2.14
THRESHOLD: Final = 0.305

# Scenario magnitudes (see the module docstring).
MEAN_SHIFT_LOGINS: Final = 1.5
VARIANCE_FACTOR_GRADE: Final = 1.6
VARIANCE_CENTRE_GRADE: Final = 64.0
NEW_COURSE: Final = "Data Science"
NEW_COURSE_SHARE: Final = 0.15
SHIFTED_ENROLLMENT_P: Final = (0.35, 0.25, 0.40)
SPIKED_WORK_HOURS_MISSING: Final = 0.30
CONCEPT_COEFFICIENTS: Final[dict[str, float]] = {
    "work_hours": 1.2,
    "late_submissions": 0.3,
    "age": 0.5,
    "attendance_rate": 0.3,
}
CONCEPT_INTERCEPT: Final = -2.05
FAIRNESS_ATTRIBUTE: Final = "disability"
FAIRNESS_GROUP: Final = "declared"
FAIRNESS_LOGIT_SHIFT: Final = 2.0

INPUT_KINDS: Final[tuple[ChangeKind, ...]] = (
    "mean_shift",
    "variance_change",
    "new_category",
    "proportion_shift",
    "missing_spike",
)
KINDS: Final[tuple[ChangeKind, ...]] = (*INPUT_KINDS, "concept_drift", "fairness_regression")
SCENARIOS: Final[tuple[str, ...]] = ("control", *KINDS, "all")


@dataclass(frozen=True)
class InjectedChange:
    """One change injected into the current frame, from ``start`` on.

    For ``fairness_regression`` ``column`` is the sensitive attribute and ``group`` the
    affected group; for ``concept_drift`` ``column`` is the label.
    """

    kind: ChangeKind
    column: str
    start: datetime
    description: str
    group: str | None = None


@dataclass(frozen=True)
class SyntheticMonitoringData:
    """Reference and current frames plus what was injected and how to read the columns."""

    reference: pd.DataFrame
    current: pd.DataFrame
    changes: tuple[InjectedChange, ...]
    features: tuple[str, ...]
    categorical: tuple[str, ...]
    prediction: str = "score"
    label: str = "dropped_out"
    segments: tuple[str, ...] = ("course", "region")
    sensitive: tuple[str, ...] = ("gender", "disability")
    predicted_label: str = "predicted"
    threshold: float = THRESHOLD
    timestamp: str = "timestamp"
    label_timestamp: str = "label_timestamp"
    id_column: str = "student_id"
    scenario: str = "control"

    @property
    def numerical(self) -> tuple[str, ...]:
        """The features that are not categorical."""
        return tuple(c for c in self.features if c not in self.categorical)


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _pick(u: FloatArray, p: tuple[float, ...]) -> IntArray:
    """Inverse-CDF draw of category codes from uniforms ``u`` (common random numbers)."""
    edges = np.cumsum(np.asarray(p, dtype=np.float64))
    edges[-1] = 1.0
    return np.asarray(np.searchsorted(edges, u, side="right"), dtype=np.int64)


class _Base:
    """Scenario-independent draws for one frame (so scenarios differ only where changed)."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.n = n
        region = rng.choice(len(REGIONS), size=n, p=list(REGION_P))
        p_spanish = np.select([region == 1, region == 3], [0.30, 0.26], default=0.10)
        p_other = np.where(region == 2, 0.16, 0.08)
        u = rng.random(n)
        language = np.where(u < p_spanish, 1, np.where(u < p_spanish + p_other, 2, 0))
        declared = rng.random(n) < DISABILITY_DECLARED_P
        self.region = region.astype(np.int64)
        self.language = language.astype(np.int64)
        self.disability = declared.astype(np.int64)
        self.gender = rng.choice(len(GENDERS), size=n, p=list(GENDER_P)).astype(np.int64)
        self.course = rng.choice(len(COURSES), size=n, p=list(COURSE_P)).astype(np.int64)
        self.u_enrollment = rng.random(n)
        self.u_new_course = rng.random(n)
        self.u_missing = rng.random(n)
        self.u_label = rng.random(n)

        ability = rng.normal(0.0, 1.0, n)
        pressure = (
            rng.normal(0.0, 1.0, n) + 0.25 * (language == 1) + 0.2 * (language == 2)
        ).astype(np.float64)
        engagement = rng.normal(0.0, 1.0, n) + 0.3 * ability - 0.35 * pressure

        self.age = np.clip(18.0 + rng.gamma(1.6, 3.0, n), 17, 64).round()
        self.prior_gpa = np.clip(2.9 + 0.45 * ability + rng.normal(0, 0.35, n), 0, 4).round(2)
        attendance = _sigmoid(1.5 + 0.9 * engagement - 0.25 * pressure)
        self.attendance = np.clip(attendance + rng.normal(0, 0.08, n), 0, 1).round(3)
        submitted = _sigmoid(2.0 + 0.9 * engagement + 0.3 * ability - 0.2 * pressure)
        self.submitted = np.clip(100 * submitted + rng.normal(0, 7, n), 0, 100).round(1)
        grade = 64 + 8 * ability + 4 * engagement - 1.5 * pressure - 1.5 * declared
        self.grade = np.clip(grade + rng.normal(0, 7, n), 0, 100).round(1)
        logins = rng.poisson(np.exp(1.45 + 0.35 * engagement)).astype(np.float64)
        self.logins = (logins + rng.random(n)).round(1)
        self.forum = rng.poisson(np.exp(0.3 + 0.5 * engagement)).astype(np.int64)
        self.late = rng.poisson(np.exp(0.5 - 0.4 * engagement + 0.3 * pressure)).astype(np.int64)
        self.credits = np.asarray(CREDITS, dtype=np.int64)[
            rng.choice(len(CREDITS), size=n, p=list(CREDITS_P))
        ]
        self.work = np.clip(10 + 5 * pressure + rng.normal(0, 4, n), 0, 45).round(1)


def _z(x: FloatArray, column: str) -> FloatArray:
    return (np.asarray(x, dtype=np.float64) - MODEL_CENTRES[column]) / MODEL_SCALES[column]


def model_logit(frame: pd.DataFrame) -> FloatArray:
    """The fixed model's log-odds for the feature columns of ``frame``."""
    logit = np.full(len(frame), MODEL_INTERCEPT, dtype=np.float64)
    for column, coef in MODEL_COEFFICIENTS.items():
        z = _z(frame[column].to_numpy(dtype=np.float64, na_value=np.nan), column)
        logit += coef * np.nan_to_num(z, nan=0.0)
    enrol = frame["enrollment_type"].astype(str).to_numpy()
    for value, coef in MODEL_ENROLLMENT.items():
        logit += coef * (enrol == value)
    return logit


def model_score(frame: pd.DataFrame) -> FloatArray:
    """The fixed model's P(drop out) for the feature columns of ``frame``."""
    return _sigmoid(model_logit(frame))


def _concept_logit(frame: pd.DataFrame) -> FloatArray:
    logit = np.full(len(frame), CONCEPT_INTERCEPT, dtype=np.float64)
    for column, coef in CONCEPT_COEFFICIENTS.items():
        z = _z(frame[column].to_numpy(dtype=np.float64, na_value=np.nan), column)
        logit += coef * np.nan_to_num(z, nan=0.0)
    return logit


def _frame(
    base: _Base,
    changed: npt.NDArray[np.bool_],
    kinds: frozenset[str],
    timestamps: pd.DatetimeIndex,
    first_id: int,
    label_delay: timedelta,
) -> pd.DataFrame:
    """Build one frame from its base draws, applying ``kinds`` to the ``changed`` rows."""
    logins = base.logins.copy()
    if "mean_shift" in kinds:
        logins[changed] = (logins[changed] + MEAN_SHIFT_LOGINS).round(1)
    grade = base.grade.copy()
    if "variance_change" in kinds:
        stretched = VARIANCE_CENTRE_GRADE + VARIANCE_FACTOR_GRADE * (
            grade[changed] - VARIANCE_CENTRE_GRADE
        )
        grade[changed] = np.clip(stretched, 0, 100).round(1)
    course = np.asarray((*COURSES, NEW_COURSE), dtype=object)[base.course]
    if "new_category" in kinds:
        course[changed & (base.u_new_course < NEW_COURSE_SHARE)] = NEW_COURSE
    enrol = _pick(base.u_enrollment, ENROLLMENT_P)
    if "proportion_shift" in kinds:
        enrol[changed] = _pick(base.u_enrollment[changed], SHIFTED_ENROLLMENT_P)
    missing_share = np.full(base.n, WORK_HOURS_MISSING)
    if "missing_spike" in kinds:
        missing_share[changed] = SPIKED_WORK_HOURS_MISSING
    work = np.where(base.u_missing < missing_share, np.nan, base.work)

    frame = pd.DataFrame(
        {
            "student_id": [f"S{first_id + i:08d}" for i in range(base.n)],
            "timestamp": timestamps,
            "label_timestamp": timestamps + label_delay,
            "attendance_rate": base.attendance,
            "avg_grade": grade,
            "assignments_submitted_pct": base.submitted,
            "lms_logins_per_week": logins,
            "forum_posts": base.forum,
            "late_submissions": base.late,
            "credits_attempted": base.credits,
            "age": base.age.astype(np.int64),
            "prior_gpa": base.prior_gpa,
            "work_hours": work,
            "course": course,
            "region": np.asarray(REGIONS, dtype=object)[base.region],
            "enrollment_type": np.asarray(ENROLLMENT_TYPES, dtype=object)[enrol],
            "first_language": np.asarray(FIRST_LANGUAGES, dtype=object)[base.language],
            "disability": np.asarray(DISABILITY, dtype=object)[base.disability],
            "gender": np.asarray(GENDERS, dtype=object)[base.gender],
        }
    )
    logit = model_logit(frame)
    score = _sigmoid(logit)
    true_logit = logit.copy()
    if "concept_drift" in kinds:
        true_logit[changed] = _concept_logit(frame)[changed]
    if "fairness_regression" in kinds:
        true_logit[changed & (base.disability == 1)] += FAIRNESS_LOGIT_SHIFT
    frame["score"] = score
    frame["predicted"] = (score >= THRESHOLD).astype(np.int64)
    frame["dropped_out"] = (base.u_label < _sigmoid(true_logit)).astype(np.int64)
    return frame


def _timestamps(
    rng: np.random.Generator, first_day: datetime, days: int, per_day: IntArray
) -> pd.DatetimeIndex:
    """Sorted uniform times within each of ``days`` consecutive days from ``first_day``."""
    offsets = [np.sort(rng.random(int(k))) + d for d, k in enumerate(per_day[:days])]
    seconds = np.concatenate(offsets) * 86_400.0 if offsets else np.zeros(0)
    micros = np.floor(seconds * 1e6).astype(np.int64)
    origin = pd.Timestamp(first_day).as_unit("us")
    return pd.DatetimeIndex(origin + pd.to_timedelta(micros, unit="us"))


def _describe(kind: ChangeKind) -> tuple[str, str, str | None]:
    if kind == "mean_shift":
        return "lms_logins_per_week", f"+{MEAN_SHIFT_LOGINS} logins/week (new mobile app)", None
    if kind == "variance_change":
        return (
            "avg_grade",
            f"spread x{VARIANCE_FACTOR_GRADE} around {VARIANCE_CENTRE_GRADE:g}, clipped to "
            "[0, 100] (new grading scheme)",
            None,
        )
    if kind == "new_category":
        return "course", f"new course {NEW_COURSE!r} on {NEW_COURSE_SHARE:.0%} of rows", None
    if kind == "proportion_shift":
        old = "/".join(f"{p:.0%}" for p in ENROLLMENT_P)
        new = "/".join(f"{p:.0%}" for p in SHIFTED_ENROLLMENT_P)
        return "enrollment_type", f"full_time/part_time/online {old} -> {new}", None
    if kind == "missing_spike":
        return (
            "work_hours",
            f"missing share {WORK_HOURS_MISSING:.0%} -> {SPIKED_WORK_HOURS_MISSING:.0%} "
            "(completely at random)",
            None,
        )
    if kind == "concept_drift":
        terms = " + ".join(f"{c:g}*z({k})" for k, c in CONCEPT_COEFFICIENTS.items())
        return (
            "dropped_out",
            f"P(y|x) = sigmoid({CONCEPT_INTERCEPT:g} + {terms}); inputs unchanged",
            None,
        )
    return (
        FAIRNESS_ATTRIBUTE,
        f"true log-odds +{FAIRNESS_LOGIT_SHIFT:g} for {FAIRNESS_ATTRIBUTE} == "
        f"{FAIRNESS_GROUP!r} while the score is unchanged",
        FAIRNESS_GROUP,
    )


def generate(
    *,
    scenario: str = "all",
    seed: int = 0,
    n_reference: int = 20_000,
    days: int = 28,
    rows_per_day: int = 2_000,
    start: datetime = datetime(2026, 9, 1, tzinfo=UTC),
    change_day: int = 14,
    label_delay_days: int = 21,
) -> SyntheticMonitoringData:
    """Generate reference and current frames for ``scenario`` (see the module docstring).

    The current frame has ``days * rows_per_day`` rows, ``rows_per_day`` on each day from
    ``start``; the changes apply to rows at or after ``start + change_day`` days. Same
    arguments → identical frames; for one seed, scenarios share every draw they do not
    change (the control is the exact counterfactual of each scenario).

    Raises:
        InvalidArgument: unknown scenario, non-positive sizes, a naive ``start``, or
            ``change_day`` outside ``[0, days]``.
    """
    if scenario not in SCENARIOS:
        raise InvalidArgument(f"unknown scenario {scenario!r}; expected one of {SCENARIOS}")
    if n_reference < 1 or days < 1 or rows_per_day < 1:
        raise InvalidArgument(
            "n_reference, days and rows_per_day must be positive, got "
            f"{n_reference}, {days}, {rows_per_day}"
        )
    if not 0 <= change_day <= days:
        raise InvalidArgument(f"change_day must be in [0, {days}], got {change_day}")
    if label_delay_days < 0:
        raise InvalidArgument(f"label_delay_days must be >= 0, got {label_delay_days}")
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidArgument(f"start must be timezone-aware, got {start!r}")
    start = start.astimezone(UTC)

    kinds = INPUT_KINDS if scenario == "all" else tuple(k for k in KINDS if k == scenario)

    seq = np.random.SeedSequence(seed)
    ref_seq, cur_seq, ref_time_seq, cur_time_seq = seq.spawn(4)
    delay = timedelta(days=label_delay_days)

    ref_days = math.ceil(n_reference / rows_per_day)
    ref_per_day = np.full(ref_days, n_reference // ref_days, dtype=np.int64)
    ref_per_day[: n_reference % ref_days] += 1
    ref_times = _timestamps(
        np.random.default_rng(ref_time_seq), start - timedelta(days=ref_days), ref_days, ref_per_day
    )
    ref_base = _Base(np.random.default_rng(ref_seq), n_reference)
    reference = _frame(
        ref_base, np.zeros(n_reference, dtype=bool), frozenset(), ref_times, 0, delay
    )

    n_current = days * rows_per_day
    cur_times = _timestamps(
        np.random.default_rng(cur_time_seq),
        start,
        days,
        np.full(days, rows_per_day, dtype=np.int64),
    )
    change_start = start + timedelta(days=change_day)
    changed = np.asarray(cur_times >= pd.Timestamp(change_start), dtype=bool)
    cur_base = _Base(np.random.default_rng(cur_seq), n_current)
    current = _frame(cur_base, changed, frozenset(kinds), cur_times, n_reference, delay)

    changes = []
    for kind in kinds:
        column, description, group = _describe(kind)
        changes.append(InjectedChange(kind, column, change_start, description, group))
    return SyntheticMonitoringData(
        reference=reference,
        current=current,
        changes=tuple(changes),
        features=FEATURES,
        categorical=CATEGORICAL,
        scenario=scenario,
    )
