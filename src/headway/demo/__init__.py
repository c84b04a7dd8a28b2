"""The content of ``headway demo``: synthetic students at risk of dropping out, and the
model variants trained on them as Headway runs. See docs/demo.md."""

from headway.demo.dataset import make_students, split_by_semester
from headway.demo.training import run_demo

__all__ = ["make_students", "run_demo", "split_by_semester"]
