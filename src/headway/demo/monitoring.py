"""The demo's production monitor: ``dropout-risk@production`` meets a new semester.

After training, the demo puts its registered model to work on eight weeks of the fall
semester (:data:`~headway.demo.dataset.NEW_SEMESTER`): 4,000 students a week from the
demo's own generator (:func:`~headway.demo.dataset.new_semester`), scored by the model
that holds ``production`` (loaded from the registry), logged to the monitor
``dropout-risk`` through the public SDK, one weekly window per semester week. The
reference is the semester the model was tested on (2026-spring of
``student_data_cleaned:v1``) with the model's scores and the true outcomes.

Weeks 1-2 look like the test semester. From week 3 on (:data:`CHANGE`):

- online enrolment jumps from about 24 % to 60 % (from full-time places); the columns
  that depend on how a student studies — age, credits, attendance, forum posts — move
  with it, as they would;
- the learning platform now keeps students signed in, so recorded LMS logins halve
  while students engage as before: a measurement change the model reads as risk;
- a new course, "Data Science", takes 15 % of students: a category the model never saw;
- 40 % of students whose first language is "Other" leave for a reason no recorded column
  shows (a language-support service was cut), on top of the usual reasons. Their scores
  do not move, so the model misses them: recall for that group falls, a fairness
  regression on ``first_language`` that overall metrics only hint at.

The week the semester changes is also the week the spring retrain of the model
(``dropout-risk@challenger``, stronger regularisation) took over scoring: weeks before
``change_week`` are scored by the version holding ``production`` when the demo monitors,
the rest by the retrain, and every prediction is logged with the version that made it.
The registry tells the rest of that story (the retrain was promoted, then rolled back
after an advisor's report); the monitor shows what it looked like from the data, and an
alert's root cause names the version that began scoring.

The monitor explains 1,000 predictions of each week with SHAP (``explain_rows``) by the
version that made them, so the dashboards show which inputs drive the scores week by
week and any student's "why was I flagged?".

Whether a student dropped out is known three weeks after the prediction, so weeks 1-5
have outcomes (realised performance, fairness) and weeks 6-8 only the label-free
estimates (CBPE). Weekly windows are aligned to the Unix epoch, a Thursday, so the eight
weeks end at the most recent Thursday 00:00 UTC and the demo treats that moment as "now":
the dashboards come out the same whichever day the demo runs.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

import headway
from headway.demo.dataset import (
    LABEL,
    NEW_SEMESTER,
    SemesterShift,
    new_semester,
    split_by_semester,
)
from headway.demo.lineage import CLEANED, MODEL_NAME
from headway.errors import NotFound
from headway.monitoring.windows import parse_window, window_start

MONITOR: Final = MODEL_NAME
WINDOW: Final = "1w"
SEGMENTS: Final = ("course", "region")
SCORE: Final = "score"
#: Predictions of each week explained with SHAP.
EXPLAIN_ROWS: Final = 1000
#: What changes from ``change_week`` on; the module docstring says why each matters.
CHANGE: Final = SemesterShift(
    online_share=0.6,
    lms_login_factor=0.5,
    new_course="Data Science",
    new_course_share=0.15,
    hidden_group=("first_language", "Other"),
    hidden_dropout=0.4,
)


@dataclass(frozen=True)
class SemesterMonitor:
    """What :func:`monitor_new_semester` logged."""

    project: str
    monitor: str
    #: The registered version of ``dropout-risk`` that held ``production`` and scored.
    model_version: int
    #: The version that scored from ``change_start`` on (the spring retrain), if any.
    retrain_version: int | None
    #: Start of week 1, start of ``change_week``, end of the last week.
    start: datetime
    change_start: datetime
    end: datetime
    #: Outcomes are logged for the predictions made before this.
    labelled_until: datetime
    shift: SemesterShift
    rows: int
    labels: int
    windows: int
    seconds: float


class _Model:
    """The production model as the demo stores it: a pickled pipeline from student
    columns to P(dropout), and a card naming its inputs and flagging threshold."""

    def __init__(self, folder: Path) -> None:
        with (folder / "model.pkl").open("rb") as f:
            self.pipeline: Any = pickle.load(f)
        card = json.loads((folder / "model.json").read_text())
        self.inputs: list[str] = list(card["inputs"])
        self.categorical: list[str] = list(card["categorical"])
        self.sensitive: list[str] = list(card["sensitive"])
        self.threshold = float(card["threshold"])

    def score(self, students: pd.DataFrame) -> npt.NDArray[np.float64]:
        proba = self.pipeline.predict_proba(students[self.inputs])
        return np.asarray(proba[:, 1], dtype=np.float64)


def monitor_new_semester(
    project: str = "student-dropout",
    *,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
    seed: int = 7,
    weeks: int = 8,
    change_week: int = 3,
    students_per_week: int = 4000,
    label_delay_weeks: int = 3,
    shift: SemesterShift = CHANGE,
    now: datetime | None = None,
    quiet: bool = False,
) -> SemesterMonitor | None:
    """Monitor ``dropout-risk@production`` on ``weeks`` weeks of the new semester.

    Needs a project the demo trained: the registered model and ``student_data_cleaned:v1``.
    The last week ends at the start of the weekly window holding ``now`` (default: the
    current time; a naive datetime is taken as UTC); ``shift`` applies from
    ``change_week``; outcomes arrive ``label_delay_weeks`` after their prediction. Prints
    each week's verdict unless ``quiet``.

    A monitor that already holds predictions is left as it is and None returned: running
    the demo again must not log the same students twice, which would double every window.

    Raises:
        headway.errors.NotFound: the project has no ``dropout-risk@production`` or no
            ``student_data_cleaned:v1``.
        ValueError: sizes :func:`~headway.demo.dataset.new_semester` refuses.
    """
    started = time.perf_counter()
    if _filled(project, dir, url):
        if not quiet:
            print(
                f"Monitor {MONITOR} already holds predictions: left as it is (to refill it, "
                f"headway monitor delete {project} {MONITOR}, then run the demo again)",
                flush=True,
            )
        return None
    api = headway.Api(url=url, dir=dir)
    version = api.registry.get_version(MODEL_NAME, "production").version
    try:
        retrain_version: int | None = api.registry.get_version(MODEL_NAME, "challenger").version
    except NotFound:
        retrain_version = None
    with tempfile.TemporaryDirectory(prefix="headway-demo-monitor-") as tmp:
        model = _Model(api.model_version(f"{MODEL_NAME}@production").download(Path(tmp) / "m"))
        retrain = (
            None
            if retrain_version is None
            else _Model(api.model_version(f"{MODEL_NAME}@challenger").download(Path(tmp) / "r"))
        )
        dataset = api.artifact(CLEANED, project=project).download(Path(tmp) / "d")
        tested = split_by_semester(pd.read_parquet(dataset / "students.parquet")).test
    students = new_semester(
        weeks * students_per_week, seed, weeks=weeks, change_week=change_week, shift=shift
    )

    now = now or datetime.now(UTC)
    end = window_start(parse_window(WINDOW), now if now.tzinfo else now.replace(tzinfo=UTC))
    week = timedelta(days=7)
    start = end - weeks * week
    # Each week's students arrive over its seven days. Sorting keeps every student in their
    # week (the weeks are consecutive blocks of rows) and the log in time order.
    uniform = np.random.default_rng(seed).random(len(students))
    offsets = np.sort((students["week"].to_numpy() - 1 + uniform) * week.total_seconds())
    # Whole microseconds: the monitor's timestamps have that precision.
    micros = pd.to_timedelta(np.floor(offsets * 1e6).astype(np.int64), unit="us")
    students["timestamp"] = pd.Timestamp(start).as_unit("us") + micros
    students["label_timestamp"] = students["timestamp"] + label_delay_weeks * week
    students[SCORE] = model.score(students)
    students["model_version"] = version
    if retrain is not None and retrain_version is not None:
        later = (students["week"] >= change_week).to_numpy()
        students.loc[later, SCORE] = retrain.score(students[later])
        students.loc[later, "model_version"] = retrain_version
    reference = tested.assign(**{SCORE: model.score(tested)})

    monitor = headway.Monitor(
        project,
        name=MONITOR,
        model=f"{MODEL_NAME}@production",
        reference=reference[[*model.inputs, *model.sensitive, SCORE, LABEL]],
        features=model.inputs,
        categorical=model.categorical,
        prediction=SCORE,
        label=LABEL,
        segments=SEGMENTS,
        sensitive=model.sensitive,
        task="binary",
        window=WINDOW,
        decision_threshold=model.threshold,
        explain_rows=EXPLAIN_ROWS,
        description=(
            f"dropout-risk@production on the {NEW_SEMESTER} semester (synthetic), against the "
            "semester it was tested on"
        ),
        dir=dir,
        url=url,
    )
    try:
        for scored_by in sorted(set(students["model_version"].tolist())):
            rows = students[students["model_version"] == scored_by]
            monitor.log(
                rows[[*model.inputs, *model.sensitive, SCORE]],
                ids=rows["student_id"],
                timestamps=rows["timestamp"],
                model_version=int(scored_by),
            )
        arrived = students[students["label_timestamp"] <= pd.Timestamp(end)]
        monitor.log_labels(
            arrived["student_id"], arrived[LABEL], timestamps=arrived["label_timestamp"]
        )
        report = monitor.compute()
        windows = monitor.windows()
    finally:
        monitor.close()
    seconds = time.perf_counter() - started
    if not quiet:
        _print_weeks(windows, change_week, seconds, version, retrain_version)
    return SemesterMonitor(
        project=project,
        monitor=MONITOR,
        model_version=version,
        retrain_version=retrain_version,
        start=start,
        change_start=start + (change_week - 1) * week,
        end=end,
        labelled_until=end - label_delay_weeks * week,
        shift=shift,
        rows=len(students),
        labels=len(arrived),
        windows=report.windows,
        seconds=seconds,
    )


def _filled(project: str, dir: str | os.PathLike[str] | None, url: str | None) -> bool:
    try:
        existing = headway.Monitor.get(project, MONITOR, dir=dir, url=url)
    except NotFound:
        return False
    try:
        return bool((existing.windows()["rows"] > 0).any())
    finally:
        existing.close()


def _print_weeks(
    windows: pd.DataFrame,
    change_week: int,
    seconds: float,
    version: int,
    retrain_version: int | None,
) -> None:
    scored = f"{MODEL_NAME} v{version}" + (
        f" (v{retrain_version}, the spring retrain, from week {change_week})"
        if retrain_version is not None
        else ""
    )
    print(
        f"Monitor {MONITOR}: {len(windows)} weeks of {NEW_SEMESTER} scored by {scored}, "
        f"changes from week {change_week}, {EXPLAIN_ROWS:,} students a week explained with "
        f"SHAP ({seconds:.1f}s)",
        flush=True,
    )
    for number, w in enumerate(windows.to_dict("records"), start=1):
        issues = ", ".join(f"{kind} {count}" for kind, count in sorted(w["issues"].items()))
        print(
            f"  week {number}  {w['start']:%Y-%m-%d}  {w['rows']:>6,} students  "
            f"{w['labeled']:>6,} outcomes  {w['verdict']:<6} {issues}".rstrip(),
            flush=True,
        )
