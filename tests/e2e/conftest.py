"""Fixtures for end-to-end tests (helpers live in e2e_support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import ServerProcess, free_port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "server-store", free_port())
    proc.start()
    yield proc
    proc.stop()
