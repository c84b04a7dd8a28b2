"""Parameter importance: the signal is found, the noise is not, bad input is named."""

from __future__ import annotations

import pytest

from headway.backend.local import LocalBackend
from headway.entities import SearchQuery
from headway.errors import InvalidArgument
from headway.testing.ui_data import fill_sweep_project
from headway.tracking.importance import parameter_importance


def test_finds_the_keys_the_metric_depends_on(local_backend: LocalBackend) -> None:
    fill_sweep_project(local_backend, project="kt", runs=400)
    runs = list(local_backend.iter_runs(SearchQuery(project="kt", limit=1000)))
    result = parameter_importance(runs, "summary.val/auc")

    by_key = {p.param: p for p in result.params}
    assert result.runs_used == 400
    # val/auc rises with the hidden size (monotone: strong correlation) and peaks at one
    # learning rate (not monotone: weak correlation, yet the forest needs it).
    assert result.params[0].param in {"config.hidden_size", "config.lr"}
    assert by_key["config.hidden_size"].correlation is not None
    assert by_key["config.hidden_size"].correlation > 0.6
    assert by_key["config.lr"].importance > 5 * by_key["config.forgetting"].importance
    assert by_key["config.optimizer"].kind == "categorical"
    assert 0 <= (by_key["config.optimizer"].correlation or 0) < 0.2
    assert sum(p.importance for p in result.params) == pytest.approx(1.0)


def test_needs_runs_with_the_target(local_backend: LocalBackend) -> None:
    fill_sweep_project(local_backend, project="kt", runs=5)
    runs = list(local_backend.iter_runs(SearchQuery(project="kt")))
    with pytest.raises(InvalidArgument, match=r"summary\.nope"):
        parameter_importance(runs, "summary.nope")
    with pytest.raises(InvalidArgument, match=r"summary\.<key> or config\.<key>"):
        parameter_importance(runs, "val/auc")
