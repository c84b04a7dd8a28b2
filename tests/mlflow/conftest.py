"""The real ``mlflow`` client against a real ``headway server`` subprocess.

Each test names the group of MLflow's API it covers with ``@pytest.mark.mlflow_group``;
the end of the test run prints how many tests of each group passed.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from e2e_support import ServerProcess, free_port

_PASSED: Counter[str] = Counter()
_RAN: Counter[str] = Counter()


@pytest.fixture(scope="session")
def headway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("mlflow-server"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tracking_uri(headway_server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> str:
    # Set through monkeypatch so both are restored afterwards: mlflow.set_*_uri also
    # writes them into the environment, where later tests' subprocesses would find them.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", headway_server.url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", headway_server.url)
    # A failing request must fail the test, not wait minutes in the client's retries.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")
    # MLflow keeps these in module globals too; reset through monkeypatch, so no later test
    # (an importer test, another server) inherits this server or an experiment of it.
    from mlflow.tracking import fluent
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    monkeypatch.setattr(tracking_utils, "_tracking_uri", None)
    monkeypatch.setattr(registry_utils, "_registry_uri", None)
    monkeypatch.setattr(fluent, "_active_experiment_id", None)
    return headway_server.url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    marker = item.get_closest_marker("mlflow_group")
    if marker is None or report.when != "call":
        return
    group = str(marker.args[0])
    _RAN[group] += 1
    if report.passed:
        _PASSED[group] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RAN:
        return
    terminalreporter.section("MLflow client compatibility, tests passed per API group")
    for group in sorted(_RAN):
        terminalreporter.write_line(f"{group:<22} {_PASSED[group]:>3} / {_RAN[group]}")
