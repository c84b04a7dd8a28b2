"""The content of ``headway demo``: synthetic students at risk of dropping out, the model
variants trained on them as Headway runs, and the production model's monitor on a new
semester. See docs/demo.md."""

from headway.demo.dataset import SemesterShift, make_students, new_semester, split_by_semester
from headway.demo.monitoring import monitor_new_semester
from headway.demo.training import run_demo

__all__ = [
    "SemesterShift",
    "make_students",
    "monitor_new_semester",
    "new_semester",
    "run_demo",
    "split_by_semester",
]
