"""The synthetic students: deterministic, plausible, and with the signals the demo teaches;
and the new semester, whose documented changes start in the week they are asked to."""

import numpy as np
import pandas as pd
import pytest

from headway.demo import SemesterShift, make_students, new_semester, split_by_semester
from headway.demo.dataset import (
    CATEGORICAL_COLUMNS,
    DISABILITY,
    ENROLLMENT_TYPES,
    FIRST_LANGUAGES,
    LABEL,
    NEW_SEMESTER,
    NUMERIC_COLUMNS,
    SEMESTERS,
)


@pytest.fixture(scope="module")
def students() -> pd.DataFrame:
    return make_students()


def test_same_seed_gives_identical_data() -> None:
    pd.testing.assert_frame_equal(make_students(500, seed=3), make_students(500, seed=3))


def test_different_seeds_give_different_data() -> None:
    a, b = make_students(500, seed=3), make_students(500, seed=4)
    assert not a[LABEL].equals(b[LABEL])


@pytest.mark.parametrize("seed", [0, 7, 123])
def test_positive_rate_is_realistic(seed: int) -> None:
    rate = make_students(3000, seed=seed)[LABEL].mean()
    assert 0.14 <= rate <= 0.21


def test_columns_and_dtypes(students: pd.DataFrame) -> None:
    assert list(students.columns) == [
        "student_id",
        *CATEGORICAL_COLUMNS,
        *NUMERIC_COLUMNS,
        LABEL,
    ]
    assert len(students) == 6000
    assert students["student_id"].is_unique
    for column in CATEGORICAL_COLUMNS:
        assert isinstance(students[column].dtype, pd.CategoricalDtype), column
    for column in NUMERIC_COLUMNS:
        assert pd.api.types.is_numeric_dtype(students[column]), column
    assert students[LABEL].dtype == np.int64
    assert set(students[LABEL].unique()) == {0, 1}


def test_values_are_in_plausible_ranges(students: pd.DataFrame) -> None:
    assert students["attendance_rate"].between(0, 1).all()
    assert students["avg_grade"].between(0, 100).all()
    assert students["assignments_submitted_pct"].between(0, 100).all()
    assert students["prior_gpa"].between(0, 4).all()
    assert students["age"].between(17, 64).all()
    assert (students[["forum_posts", "late_submissions", "lms_logins_per_week"]] >= 0).all().all()


@pytest.mark.parametrize(
    ("column", "groups"),
    [
        ("semester", SEMESTERS),
        ("enrollment_type", ENROLLMENT_TYPES),
        ("first_language", FIRST_LANGUAGES),
        ("disability", DISABILITY),
    ],
)
def test_every_group_is_present_with_both_outcomes(
    students: pd.DataFrame, column: str, groups: tuple[str, ...]
) -> None:
    for group in groups:
        member = students[students[column] == group]
        assert len(member) >= 100, group
        assert member[LABEL].nunique() == 2, group


def test_lower_attendance_means_more_dropouts(students: pd.DataFrame) -> None:
    assert students["attendance_rate"].corr(students[LABEL]) < -0.2
    low = students["attendance_rate"] < students["attendance_rate"].quantile(0.25)
    assert students.loc[low, LABEL].mean() > 2 * students.loc[~low, LABEL].mean()


def test_groups_have_different_base_rates(students: pd.DataFrame) -> None:
    rate = students.groupby("enrollment_type", observed=True)[LABEL].mean()
    assert rate["part_time"] > rate["full_time"]
    assert rate["online"] > rate["full_time"]
    by_disability = students.groupby("disability", observed=True)[LABEL].mean()
    assert by_disability["declared"] > by_disability["none"]


def test_split_by_semester_is_chronological_and_complete(students: pd.DataFrame) -> None:
    train, val, test = split_by_semester(students)
    assert set(train["semester"]) == set(SEMESTERS[:2])
    assert set(val["semester"]) == {SEMESTERS[2]}
    assert set(test["semester"]) == {SEMESTERS[3]}
    ids = pd.concat([train, val, test])["student_id"]
    assert ids.is_unique
    assert len(ids) == len(students)


def test_split_needs_three_semesters(students: pd.DataFrame) -> None:
    two = students[students["semester"].isin(SEMESTERS[:2])]
    with pytest.raises(ValueError, match="at least 3 semesters"):
        split_by_semester(two)


def test_too_few_students_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="n >= 100"):
        make_students(10)


SHIFT = SemesterShift(
    online_share=0.6,
    lms_login_factor=0.5,
    new_course="Data Science",
    new_course_share=0.15,
    hidden_group=("first_language", "Other"),
    hidden_dropout=0.4,
)


@pytest.fixture(scope="module")
def semester() -> pd.DataFrame:
    return new_semester(24_000, seed=7, weeks=4, change_week=3, shift=SHIFT)


def test_new_semester_is_deterministic_and_apart_from_the_training_students() -> None:
    a = new_semester(600, seed=3, weeks=2, change_week=2, shift=SHIFT)
    pd.testing.assert_frame_equal(a, new_semester(600, seed=3, weeks=2, change_week=2, shift=SHIFT))
    assert list(a["week"]) == [1] * 300 + [2] * 300
    assert set(a["semester"]) == {NEW_SEMESTER}
    assert list(a.columns) == [
        "student_id",
        "semester",
        "week",
        *CATEGORICAL_COLUMNS[1:],
        *NUMERIC_COLUMNS,
        LABEL,
    ]
    assert not set(a["student_id"]) & set(make_students()["student_id"])


def by_period(frame: pd.DataFrame, change_week: int = 3) -> pd.core.groupby.DataFrameGroupBy:
    return frame.groupby(np.where(frame["week"] >= change_week, "after", "before"))


def test_the_shift_starts_at_the_change_week(semester: pd.DataFrame) -> None:
    period = by_period(semester)
    online = period["enrollment_type"].apply(lambda s: (s == "online").mean())
    assert online["before"] == pytest.approx(0.24, abs=0.02)  # the semester trend
    assert online["after"] == pytest.approx(0.60, abs=0.02)
    logins = period["lms_logins_per_week"].mean()
    assert logins["after"] < 0.6 * logins["before"]
    new_course = period["course"].apply(lambda s: (s == "Data Science").mean())
    assert new_course["before"] == 0.0
    assert new_course["after"] == pytest.approx(0.15, abs=0.015)


def test_the_hidden_dropouts_hit_only_their_group(semester: pd.DataFrame) -> None:
    rate = semester.groupby(
        [np.where(semester["week"] >= 3, "after", "before"), "first_language"], observed=True
    )[LABEL].mean()
    other_before, other_after = rate["before", "Other"], rate["after", "Other"]
    assert other_after == pytest.approx(1 - (1 - other_before) * 0.6, abs=0.05)
    # English speakers' rate moves only by what more online enrolment brings.
    assert abs(rate["after", "English"] - rate["before", "English"]) < 0.05


def test_without_a_shift_the_weeks_look_alike() -> None:
    plain = new_semester(8000, seed=2, weeks=2)
    period = plain.groupby("week")
    assert period[LABEL].mean().diff().abs().iloc[-1] < 0.03
    assert period["lms_logins_per_week"].mean().diff().abs().iloc[-1] < 0.2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 150, "weeks": 2}, "100 students a week"),
        ({"change_week": 9}, "change_week"),
        ({"change_week": 1, "shift": SHIFT}, "before the change"),
        ({"shift": SemesterShift(hidden_group=("first_language", "Klingon"))}, "hidden_group"),
    ],
)
def test_new_semester_refuses_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        new_semester(**kwargs)  # type: ignore[arg-type]
