"""A registered model version as a Python object, for the explanations a monitor computes.

A version's artifact holds the model as a pickle: ``model.pkl`` (what the demo, MLflow's
scikit-learn flavour and most teams write), ``model.joblib`` or ``model.pickle``, at any
depth; failing those names, its only ``.pkl``/``.joblib``/``.pickle`` file. Loading runs
the pickle's code in the worker, as serving the model would: only a monitor with
``explain_rows`` set loads one, and only from a version registered in the model registry.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from pathlib import PurePosixPath
from typing import Final

from headway.artifacts.service import ArtifactService
from headway.entities.artifacts import ManifestEntry
from headway.errors import InvalidArgument
from headway.monitoring.files import FileReader
from headway.registry.service import RegistryService

MODEL_NAMES: Final = ("model.pkl", "model.joblib", "model.pickle")
SUFFIXES: Final = (".pkl", ".joblib", ".pickle")
#: Loaded models kept per process; a monitor rarely sees more than two versions at once.
CACHED: Final = 4


def model_file(entries: list[ManifestEntry], ref: str) -> ManifestEntry:
    """The entry holding the pickled model among a version's files."""
    stored = [e for e in entries if e.digest]
    for wanted in MODEL_NAMES:
        named = [e for e in stored if PurePosixPath(e.path).name.lower() == wanted]
        if named:
            return min(named, key=lambda e: (e.path.count("/"), e.path))
    pickles = [e for e in stored if e.path.lower().endswith(SUFFIXES)]
    if len(pickles) == 1:
        return pickles[0]
    found = ", ".join(sorted(e.path for e in pickles)) or "none"
    raise InvalidArgument(
        f"model version {ref} has no single pickled model to explain (looked for "
        f"{', '.join(MODEL_NAMES)}; pickles found: {found})",
        details={"field": "model"},
    )


class ModelLoader:
    """Loads (and keeps a few of) registered model versions."""

    def __init__(
        self, artifacts: ArtifactService, registry: RegistryService, reader: FileReader
    ) -> None:
        self.artifacts = artifacts
        self.registry = registry
        self.reader = reader
        self._models: OrderedDict[tuple[str, int], object] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, model: str, version: int) -> object:
        key = (model, version)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        mv = self.registry.get_version(model, version)
        entry = model_file(
            self.artifacts.files(mv.project, mv.artifact, mv.artifact_version),
            f"{model}:v{version}",
        )
        assert entry.digest is not None
        path = self.reader.local_path(entry.digest)
        try:
            if entry.path.lower().endswith(".joblib"):
                import joblib  # type: ignore[import-untyped,unused-ignore]

                loaded: object = joblib.load(path)
            else:
                with path.open("rb") as f:
                    loaded = pickle.load(f)
        except Exception as exc:
            raise InvalidArgument(
                f"model {model}:v{version} ({entry.path}) could not be loaded: "
                f"{type(exc).__name__}: {exc} (is its code importable in the worker?)",
                details={"field": "model"},
            ) from exc
        with self._lock:
            self._models[key] = loaded
            while len(self._models) > CACHED:
                self._models.popitem(last=False)
        return loaded
