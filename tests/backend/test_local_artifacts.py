from __future__ import annotations

import pytest

from headway.backend.base import BaseBackend
from headway.backend.local import LocalBackend
from headway.testing.artifact_contract import ArtifactContract


class TestLocalArtifactsOnSQLite(ArtifactContract):
    @pytest.fixture
    def backend(self, local_backend: LocalBackend) -> BaseBackend:
        return local_backend
