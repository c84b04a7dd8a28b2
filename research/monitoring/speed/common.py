"""Seeded synthetic education-flavoured monitoring data for the speed study (scratch)."""
import resource
import time

import numpy as np
import pandas as pd

NUM_COLS = [
    "gpa", "attendance_rate", "hours_studied", "lms_logins", "forum_posts",
    "assignments_submitted", "late_submissions", "quiz_avg", "midterm_score", "credits_enrolled",
    "age", "distance_km", "tuition_balance", "video_minutes", "library_visits",
    "prior_failures", "advisor_meetings", "work_hours", "commute_minutes", "scholarship_amount",
]
CAT_COLS = [
    "course", "region", "program", "gender", "disability",
    "language", "enrollment_type", "year_of_study", "funding", "device",
]
CAT_CARD = [40, 8, 12, 3, 2, 15, 3, 5, 6, 4]


def rss_mb():
    """Peak RSS of this process so far, in MB (Linux ru_maxrss is KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cur_rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


class Timer:
    def __init__(self):
        self.rows = []

    def __call__(self, name):
        t = self

        class _C:
            def __enter__(s):
                s.t0 = time.perf_counter()

            def __exit__(s, *a):
                t.rows.append((name, time.perf_counter() - s.t0))
        return _C()


def make_numeric(rng, n, shift=False):
    """20 numerical columns; some continuous, some integer-valued (ties), one with NaNs."""
    cols = {}
    for i, c in enumerate(NUM_COLS):
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
            # injected changes: mean shift, variance change, small shift (should not drift)
            if c == "gpa":
                x = x + 0.5 * x.std()
            elif c == "hours_studied":
                x = (x - x.mean()) * 1.8 + x.mean()
            elif c == "attendance_rate":
                x = x * 1.01
        cols[c] = x
    df = pd.DataFrame(cols)
    # missing values in one column
    miss = rng.random(n) < (0.02 if not shift else 0.10)
    df.loc[miss, "work_hours"] = np.nan
    return df


def make_categorical(rng, n, shift=False, as_category=True):
    cols = {}
    for c, k in zip(CAT_COLS, CAT_CARD):
        p = np.arange(1, k + 1, dtype=float) ** -0.8
        p /= p.sum()
        if shift and c == "region":
            p = p[::-1].copy()  # proportion shift
        labels = np.array([f"{c}_{j:02d}" for j in range(k)], dtype=object)
        codes = rng.choice(k, n, p=p)
        vals = labels[codes]
        if shift and c == "course":
            new = rng.random(n) < 0.05
            vals = vals.copy()
            vals[new] = "course_NEW_ai_ethics"
        cols[c] = pd.Categorical(vals) if as_category else vals
    return pd.DataFrame(cols)


def make_frame(n, seed, shift=False, as_category=True):
    rng = np.random.default_rng(seed)
    return pd.concat([make_numeric(rng, n, shift), make_categorical(rng, n, shift, as_category)], axis=1)
