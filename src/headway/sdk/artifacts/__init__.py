"""Artifacts in the SDK: build (``Artifact``), log, use, download and verify versions."""

from headway.sdk.artifacts.builder import Artifact
from headway.sdk.artifacts.version import ArtifactVersion, VerifyReport

__all__ = ["Artifact", "ArtifactVersion", "VerifyReport"]
