"""A synthetic, realistic-looking dataset of students at risk of dropping out.

Nothing here is real data. The generator is built so that the demo teaches the things
education teams meet in practice:

- the label comes from a logistic model whose strongest signals are engagement
  (attendance, submitted work, grades), as in published early-warning studies;
- two unobserved causes (financial/work pressure and a per-group effect) move the label
  but not the recorded features, so no model is perfect and groups differ in ways the
  features cannot fully explain — which is what makes per-group recall worth checking;
- the cohort shifts slightly across semesters (more online enrolment), so training on
  older semesters and testing on the newest one is a faithful rehearsal of deployment;
- :func:`new_semester` draws the semester after those, week by week, with the changes of
  a :class:`SemesterShift` from a chosen week on: what a model in production meets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SEMESTERS: Final = ("2024-fall", "2025-spring", "2025-fall", "2026-spring")
NEW_SEMESTER: Final = "2026-fall"
COURSES: Final = ("Mathematics", "Computer Science", "Nursing", "History", "Business")
REGIONS: Final = ("North", "South", "East", "West", "Rural")
ENROLLMENT_TYPES: Final = ("full_time", "part_time", "online")
FIRST_LANGUAGES: Final = ("English", "Spanish", "Other")
DISABILITY: Final = ("none", "declared")

CATEGORICAL_COLUMNS: Final = (
    "semester",
    "course",
    "region",
    "enrollment_type",
    "first_language",
    "disability",
)
NUMERIC_COLUMNS: Final = (
    "attendance_rate",
    "avg_grade",
    "assignments_submitted_pct",
    "lms_logins_per_week",
    "forum_posts",
    "late_submissions",
    "credits_attempted",
    "age",
    "prior_gpa",
)
LABEL: Final = "dropped_out"
TARGET_POSITIVE_RATE: Final = 0.17
#: The share of online enrolment in semester ``i`` (0 = the oldest) is
#: ``ONLINE_SHARE + ONLINE_GROWTH * i``.
ONLINE_SHARE: Final = 0.12
ONLINE_GROWTH: Final = 0.03


class Split(NamedTuple):
    """Train / validation / test frames, in the order a model sees them."""

    train: pd.DataFrame
    val: pd.DataFrame
    test: pd.DataFrame


@dataclass(frozen=True)
class SemesterShift:
    """Changes to the students of a new semester that no training semester showed.

    The defaults change nothing. Only ``hidden_dropout`` changes who drops out for given
    features and circumstances: the label's rules are calibrated on the students before
    the change, so the other fields change who enrols and what is recorded, not why a
    student leaves.

    Attributes:
        online_share: share of students enrolling online, taken from full-time places
            (``None`` keeps the semester trend). Online students are older, take fewer
            credits, attend fewer live sessions and are under more pressure, so those
            columns move with it.
        lms_login_factor: recorded ``lms_logins_per_week`` is multiplied by this, rounded
            to 0.1. A measurement change (say, a learning platform that keeps students
            signed in): students engage as before, so the label does not follow it.
        new_course: a course no earlier semester had, given to ``new_course_share`` of
            the students (the other courses keep their relative shares).
        hidden_group: ``(column, value)`` of a categorical column, e.g.
            ``("first_language", "Other")``.
        hidden_dropout: share of that group who drop out for a reason no recorded
            column shows (a support service withdrawn), on top of the usual reasons and
            whatever their engagement: the model's scores do not move, so the students
            it misses are mostly these, and its recall for the group falls.
    """

    online_share: float | None = None
    lms_login_factor: float = 1.0
    new_course: str | None = None
    new_course_share: float = 0.0
    hidden_group: tuple[str, str] | None = None
    hidden_dropout: float = 0.0


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _standardise(x: FloatArray, base: BoolArray) -> FloatArray:
    """Standardise with the moments of the ``base`` rows (the students before a change),
    so that a shifted column moves the label as much as it moved the student."""
    ref = x[base]
    return np.asarray((x - ref.mean()) / (ref.std() + 1e-12), dtype=np.float64)


def _intercept_for_rate(logit: FloatArray, rate: float) -> float:
    """Find b so that mean(sigmoid(logit + b)) == rate.

    Solving for the intercept, rather than hard-coding it, keeps the positive rate on
    target for every seed and size, so tests and docs can quote it.
    """
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if float(_sigmoid(logit + mid).mean()) < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def make_students(n: int = 6000, seed: int = 7) -> pd.DataFrame:
    """Generate ``n`` synthetic students, one row each, deterministically for ``seed``.

    Columns: ``student_id``, ``semester``, ``course``, ``region``, ``enrollment_type``,
    ``first_language``, ``disability`` (categorical; ``disability`` is the sensitive
    attribute the demo audits), the numeric features in :data:`NUMERIC_COLUMNS`, and the
    label ``dropped_out`` (0/1, about 17% positive).

    Raises:
        ValueError: if ``n`` is smaller than 100 (too few students for every group and
            semester to appear).
    """
    if n < 100:
        raise ValueError(f"make_students needs n >= 100 students, got n={n}")
    rng = np.random.default_rng(seed)
    sem_idx = np.sort(rng.choice(len(SEMESTERS), size=n, p=[0.24, 0.25, 0.25, 0.26]))
    return _students(rng, sem_idx, SEMESTERS, np.zeros(n, dtype=bool), SemesterShift(), 100000)


def new_semester(
    n: int = 6000,
    seed: int = 7,
    *,
    weeks: int = 6,
    change_week: int = 2,
    shift: SemesterShift | None = None,
    first_id: int = 200000,
) -> pd.DataFrame:
    """The students of :data:`NEW_SEMESTER`, the semester after the training data.

    Same columns as :func:`make_students` plus ``week`` (1 to ``weeks``, the week the
    student is scored in; ``n`` is spread evenly over the weeks, in order). ``shift``
    applies to the students of ``change_week`` and later; online enrolment otherwise
    continues its trend. The weeks before the change set the rules of who drops out, so
    there is at least one. Student ids start at ``S{first_id}`` (those of
    :func:`make_students` at ``S100000``).

    Raises:
        ValueError: ``n`` under 100 per week, ``change_week`` outside 2 to ``weeks + 1``
            (``weeks + 1``: no change), or a ``hidden_group`` naming no such column
            or value.
    """
    shift = shift or SemesterShift()
    if weeks < 1 or n < 100 * weeks:
        raise ValueError(f"new_semester needs n >= 100 students a week, got n={n}, weeks={weeks}")
    if not 2 <= change_week <= weeks + 1:
        raise ValueError(
            f"change_week must be from 2 to {weeks + 1} (weeks + 1: no change), got "
            f"{change_week}: the students before the change set the rules of who drops out"
        )
    rng = np.random.default_rng([seed, len(SEMESTERS)])
    week = 1 + np.arange(n) * weeks // n
    frame = _students(
        rng,
        np.full(n, len(SEMESTERS), dtype=np.int64),
        (*SEMESTERS, NEW_SEMESTER),
        week >= change_week,
        shift,
        first_id,
    )
    frame.insert(2, "week", week.astype(np.int64))
    return frame


def _students(
    rng: np.random.Generator,
    sem_idx: IntArray,
    semesters: tuple[str, ...],
    changed: BoolArray,
    shift: SemesterShift,
    first_id: int,
) -> pd.DataFrame:
    """The students of ``sem_idx``; ``shift`` applies to the ``changed`` rows.

    Every draw happens whatever the shift, in the same order, and the one draw a shift
    adds comes last: without a shift the frame is exactly the same for a seed.
    """
    n = len(sem_idx)
    base = ~changed
    course = rng.choice(len(COURSES), size=n, p=[0.18, 0.22, 0.20, 0.15, 0.25])
    region = rng.choice(len(REGIONS), size=n, p=[0.25, 0.25, 0.20, 0.20, 0.10])

    # Online enrolment grows a few points each semester (taken from full-time places):
    # a mild, realistic drift between the training and the test cohorts.
    p_online = ONLINE_SHARE + ONLINE_GROWTH * sem_idx
    if shift.online_share is not None:
        p_online = np.where(changed, shift.online_share, p_online)
    p_part = np.full(n, 0.25)
    u = rng.random(n)
    enrol = np.where(u < p_online, 2, np.where(u < p_online + p_part, 1, 0))
    part_time = (enrol == 1).astype(np.float64)
    online = (enrol == 2).astype(np.float64)

    # Spanish is more common in the South and West; "Other" in the cities of the East.
    p_spanish = np.select([region == 1, region == 3], [0.30, 0.26], default=0.10)
    p_other = np.where(region == 2, 0.16, 0.08)
    u = rng.random(n)
    language = np.where(u < p_spanish, 1, np.where(u < p_spanish + p_other, 2, 0))
    spanish = (language == 1).astype(np.float64)
    other_lang = (language == 2).astype(np.float64)

    disability = (rng.random(n) < 0.11).astype(np.int64)
    declared = disability.astype(np.float64)

    # Latent traits. `pressure` (paid work, family duties, money) is never recorded as a
    # feature: it is the part of dropping out a dataset like this cannot see.
    ability = rng.normal(0.0, 1.0, n)
    pressure = (
        rng.normal(0.0, 1.0, n) + 0.6 * part_time + 0.3 * online + 0.25 * spanish + 0.2 * other_lang
    )
    engagement = rng.normal(0.0, 1.0, n) + 0.3 * ability - 0.35 * pressure

    age_young = 18.0 + rng.gamma(2.0, 1.1, n)
    age_older = 21.0 + rng.gamma(2.2, 4.5, n)
    age = np.clip(np.where(enrol == 0, age_young, age_older), 17, 64).round().astype(np.int64)

    prior_gpa = np.clip(2.9 + 0.45 * ability + rng.normal(0, 0.35, n), 0.0, 4.0).round(2)

    # Online students attend fewer live sessions but log in to the LMS more often.
    attendance = _sigmoid(1.5 + 0.9 * engagement - 0.25 * pressure - 0.6 * online)
    attendance = np.clip(attendance + rng.normal(0, 0.08, n), 0.0, 1.0).round(3)

    submitted = _sigmoid(2.0 + 0.9 * engagement + 0.3 * ability - 0.2 * pressure)
    submitted = np.clip(100 * submitted + rng.normal(0, 7, n), 0.0, 100.0).round(1)

    avg_grade = 64 + 8 * ability + 4 * engagement - 1.5 * pressure - 1.5 * declared
    avg_grade = np.clip(avg_grade + rng.normal(0, 7, n), 0.0, 100.0).round(1)

    lms_logins = rng.poisson(np.exp(1.3 + 0.35 * engagement + 0.5 * online)).astype(np.float64)
    lms_logins = (lms_logins + rng.random(n).round(1)).round(1)  # a weekly average, not a count
    forum_posts = rng.poisson(np.exp(0.2 + 0.5 * engagement + 0.4 * online)).astype(np.int64)
    late = rng.poisson(np.exp(0.5 - 0.4 * engagement + 0.3 * pressure)).astype(np.int64)

    credits_full = rng.choice([12, 13, 15, 16, 18], size=n, p=[0.2, 0.1, 0.4, 0.15, 0.15])
    credits_part = rng.choice([3, 6, 9], size=n, p=[0.3, 0.45, 0.25])
    credits_online = rng.choice([3, 6, 9, 12], size=n, p=[0.25, 0.35, 0.25, 0.15])
    credits = np.select([enrol == 0, enrol == 1], [credits_full, credits_part], credits_online)

    # Effect sizes are log-odds per standard deviation (or per group membership); the
    # engagement signals dominate, as they do in real early-warning models.
    logit = (
        -0.60 * _standardise(attendance, base)
        - 0.45 * _standardise(avg_grade, base)
        - 0.30 * _standardise(submitted, base)
        - 0.15 * _standardise(lms_logins, base)
        + 0.20 * _standardise(late.astype(np.float64), base)
        - 0.20 * _standardise(prior_gpa, base)
        + 0.15 * _standardise(age.astype(np.float64), base)
        + 0.30 * part_time
        + 0.40 * online
        + 0.60 * pressure
        # Group effects beyond the features (e.g. support services that do not reach a
        # group): the model cannot see them, which is why fairness has to be measured.
        + 0.35 * spanish
        + 0.30 * other_lang
        + 0.55 * declared
        + rng.normal(0.0, 0.9, n)
    )
    logit = logit + _intercept_for_rate(logit[base], TARGET_POSITIVE_RATE)
    codes = {
        "course": (course, COURSES),
        "region": (region, REGIONS),
        "enrollment_type": (enrol, ENROLLMENT_TYPES),
        "first_language": (language, FIRST_LANGUAGES),
        "disability": (disability, DISABILITY),
    }
    p = _sigmoid(logit)
    if shift.hidden_group is not None:
        column, value = shift.hidden_group
        if column not in codes or value not in codes[column][1]:
            raise ValueError(
                f"hidden_group {shift.hidden_group!r} names no such column and value; "
                f"use one of {sorted(codes)} and one of its values"
            )
        group_codes, labels = codes[column]
        hit = changed & (group_codes == labels.index(value))
        # Leaving for the usual reasons or, independently, for the hidden one.
        p = np.where(hit, 1 - (1 - p) * (1 - shift.hidden_dropout), p)
    dropped_out = (rng.random(n) < p).astype(np.int64)

    # Measurement and catalogue changes come after the label: they change what is
    # recorded about a student, not whether the student leaves.
    if shift.lms_login_factor != 1.0:
        lms_logins = np.where(changed, (lms_logins * shift.lms_login_factor).round(1), lms_logins)
    courses: tuple[str, ...] = COURSES
    if shift.new_course is not None:
        courses = (*COURSES, shift.new_course)
        joins = changed & (rng.random(n) < shift.new_course_share)
        course = np.where(joins, len(COURSES), course)

    def cat(values: npt.NDArray[np.int64], labels: tuple[str, ...]) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(values, categories=pd.Index(list(labels)))

    return pd.DataFrame(
        {
            "student_id": [f"S{first_id + i}" for i in range(n)],
            "semester": cat(sem_idx, semesters),
            "course": cat(course, courses),
            "region": cat(region, REGIONS),
            "enrollment_type": cat(enrol, ENROLLMENT_TYPES),
            "first_language": cat(language, FIRST_LANGUAGES),
            "disability": cat(disability, DISABILITY),
            "attendance_rate": attendance,
            "avg_grade": avg_grade,
            "assignments_submitted_pct": submitted,
            "lms_logins_per_week": lms_logins,
            "forum_posts": forum_posts,
            "late_submissions": late,
            "credits_attempted": credits.astype(np.int64),
            "age": age,
            "prior_gpa": prior_gpa,
            LABEL: dropped_out,
        }
    )


def split_by_semester(df: pd.DataFrame) -> Split:
    """Split by time, the way a model is really used: train on the older semesters,
    choose between models on the next one, and report on the newest one.

    With the default four semesters: train = 2024-fall + 2025-spring,
    val = 2025-fall, test = 2026-spring. A random split would leak the newer cohort's
    drift into training and overstate how well the model will do next semester.

    Raises:
        ValueError: if ``df`` has fewer than three distinct semesters.
    """
    present = [s for s in df["semester"].cat.categories if (df["semester"] == s).any()]
    if len(present) < 3:
        raise ValueError(
            f"split_by_semester needs at least 3 semesters in the data, found {present}"
        )
    train = df[df["semester"].isin(present[:-2])].reset_index(drop=True)
    val = df[df["semester"] == present[-2]].reset_index(drop=True)
    test = df[df["semester"] == present[-1]].reset_index(drop=True)
    return Split(train=train, val=val, test=test)
