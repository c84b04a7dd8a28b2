from __future__ import annotations

import pytest

from headway.backend.base import BaseBackend
from headway.backend.http import HttpBackend
from headway.testing.artifact_contract import ArtifactContract


class TestHttpArtifacts(ArtifactContract):
    """The same suite through a real server (blobs in a local folder behind it)."""

    @pytest.fixture
    def backend(self, http_backend: HttpBackend) -> BaseBackend:
        return http_backend
