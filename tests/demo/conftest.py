"""One store filled the way ``headway demo`` fills it, shared by the demo tests."""

from pathlib import Path

import pytest

from headway.demo import run_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The default demo (6,000 students, lineage, registry and the monitor): the store
    and the ids of the runs it trained."""
    store = tmp_path_factory.mktemp("headway-demo")
    return store, run_demo(dir=store, quiet=True)
