"""Domain-classifier multivariate drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from headway.errors import InvalidArgument
from headway.monitoring.multivariate import domain_classifier

NUM = ["a", "b", "c", "d"]
CAT = ["g", "h"]


def frame(n: int, seed: int, *, shift: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.6], [0.6, 1.0]])
    ab = rng.multivariate_normal([0.0, 0.0], cov, n)
    if shift:
        # The correlation flips: each marginal stays N(0, 1), so only the joint view sees it.
        ab[:, 1] = -ab[:, 1]
    df = pd.DataFrame({"a": ab[:, 0], "b": ab[:, 1]})
    df["c"] = rng.gamma(2.0, 1.0, n)
    df["d"] = np.where(rng.random(n) < 0.1, np.nan, rng.poisson(3, n).astype(float))
    df["g"] = pd.Categorical(rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2]))
    df["h"] = rng.choice(["p", "q"], n).astype(object)
    return df


def test_detects_a_joint_shift_the_marginals_do_not_show() -> None:
    res = domain_classifier(
        frame(2000, 1), frame(2000, 2, shift=True), numerical=NUM, categorical=CAT
    )
    assert res.auc is not None and res.auc > 0.65
    assert res.verdict == "drift"
    assert (res.lower, res.upper) == (0.45, 0.65)
    assert (res.n_reference, res.n_current) == (2000, 2000)
    names = [f for f, _ in res.top_features]
    assert sorted(names) == sorted(NUM + CAT)
    assert all(0.0 <= auc <= 1.0 for _, auc in res.top_features)


def test_same_distribution_is_no_drift() -> None:
    res = domain_classifier(frame(2000, 3), frame(2000, 4), numerical=NUM, categorical=CAT)
    assert res.auc is not None and 0.45 <= res.auc <= 0.65
    assert res.verdict == "no_drift" and res.message is None


def test_marginal_shift_is_found_and_ranked_first() -> None:
    cur = frame(1500, 6)
    cur["c"] = cur["c"] + 1.0
    cur["g"] = pd.Categorical(np.where(cur["g"] == "x", "w", cur["g"].astype(str)))  # new level
    res = domain_classifier(frame(1500, 5), cur, numerical=NUM, categorical=CAT)
    assert res.verdict == "drift"
    assert {f for f, _ in res.top_features[:2]} == {"c", "g"}


def test_seeded_runs_repeat_and_subsampling_caps_rows() -> None:
    ref, cur = frame(1200, 7), frame(900, 8, shift=True)
    first = domain_classifier(ref, cur, numerical=NUM, categorical=CAT, max_rows=500, seed=3)
    again = domain_classifier(ref, cur, numerical=NUM, categorical=CAT, max_rows=500, seed=3)
    assert first == again
    assert (first.n_reference, first.n_current) == (500, 500)


def test_too_few_rows_is_insufficient_data_with_counts() -> None:
    res = domain_classifier(frame(150, 9), frame(900, 10), numerical=NUM, categorical=CAT)
    assert res.verdict == "insufficient_data" and res.auc is None
    assert res.message is not None and "150" in res.message and "200" in res.message


def test_invalid_arguments() -> None:
    ref, cur = frame(300, 11), frame(300, 12)
    with pytest.raises(InvalidArgument, match="no column"):
        domain_classifier(ref, cur.drop(columns=["c"]), numerical=NUM, categorical=CAT)
    with pytest.raises(InvalidArgument, match="at least one feature"):
        domain_classifier(ref, cur, numerical=[], categorical=[])
    with pytest.raises(InvalidArgument, match="more than once"):
        domain_classifier(ref, cur, numerical=["a"], categorical=["a"])
    with pytest.raises(InvalidArgument, match="folds"):
        domain_classifier(ref, cur, numerical=NUM, categorical=CAT, folds=1)
