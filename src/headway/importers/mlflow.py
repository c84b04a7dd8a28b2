"""``headway import mlflow``: an MLflow tracking store, read with MLflow's own client.

The source is a tracking URI (``http://host:5000``, ``sqlite:///mlflow.db``,
``postgresql://…``), an ``mlruns/`` folder (MLflow's file store) or an ``mlflow.db`` SQLite
file. Everything is read through ``mlflow.tracking.MlflowClient``; nothing here parses
MLflow's tables or files. Each object becomes what Headway's own MLflow API makes of the
same calls (docs/mlflow.md, ``server/mlflow/``), so an imported run is the same as one an
MLflow client had logged to ``headway server``:

- experiment -> the project named like it (``project_name_like``), reused if it exists;
- run -> the run with the same id: name, state, start and end, params -> config values
  (``param_value``), tags -> ``kv_tags`` (``mlflow.parentRunId`` also sets the parent,
  ``mlflow.note.content`` the notes), every metric point with its step and timestamp;
- the run's artifact tree -> artifact version ``files-<run id>`` (type ``run-files``),
  an output of the run;
- logged model -> a version of the artifact named like the model (type ``model``, metadata
  ``mlflow_model_id``), an output of its source run;
- registered model, its versions (tagged ``headway.mlflow.source`` and
  ``headway.mlflow.model_id``, linking those artifact versions) and aliases.

Run data, the run's files and its logged models go in before the run is marked complete,
so a complete run is skipped on the next import without reading it; registry versions are
matched by their ``headway.mlflow.source`` tag, so they are linked once.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import sqlite3
import sys
import tempfile
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from headway.backend.base import BaseBackend
from headway.entities import RunState
from headway.entities.config import param_value
from headway.errors import HeadwayError, InvalidArgument
from headway.importers.base import BaseImporter
from headway.importers.common import (
    ImportOptions,
    ImportReport,
    ProgressHook,
    SourceRun,
    project_name,
)
from headway.importers.mlflow_registry import (
    MODEL_ID_TAG,
    MODEL_TYPE,
    SOURCE_TAG,
    ModelImport,
    artifact_name,
    commit_folder,
    import_logged_model,
    mlflow_module,
)
from headway.importers.sink import RunSink
from headway.tracking import validation as v
from headway.tracking.names import project_name_like

__all__ = [
    "MODEL_ID_TAG",
    "MODEL_TYPE",
    "OUTPUTS",
    "RUN_FILES_TYPE",
    "SOURCE_TAG",
    "MlflowImporter",
    "artifact_name",
    "tracking_uri",
]

# The same names Headway's MLflow API uses (server/mlflow/), so imported objects and
# objects logged through that API are one representation (a test checks they agree).
RUN_FILES_TYPE = "run-files"
RUN_NAME_TAG = "mlflow.runName"
PARENT_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"
OUTPUTS = "mlflow_outputs"

_STATES = {"FINISHED": RunState.FINISHED, "FAILED": RunState.FAILED, "KILLED": RunState.KILLED}
#: Metric points per history page: MLflow's own page size for its server; more for the
#: SQL store, where each page is an OFFSET query (few pages are better) and its objects
#: live at once (so not the whole history).
_REST_PAGE = 25_000
_SQL_PAGE = 100_000
#: Experiments, runs, models and versions per page of MLflow's searches.
_PAGE = 1000
_SQLITE_HEADER = b"SQLite format 3\x00"
_MAX_FLOAT = sys.float_info.max
_INFINITIES = {_MAX_FLOAT: math.inf, -_MAX_FLOAT: -math.inf}


# -- the source -----------------------------------------------------------------------------


def tracking_uri(source: str) -> str:
    """The MLflow tracking URI of ``source``: a URI as given, a file store folder as a
    ``file://`` URI, an SQLite file as ``sqlite:///``. Raises InvalidArgument for a path
    that is not an MLflow store (MLflow would create an empty one there)."""
    path = Path(source).expanduser()
    if path.exists():
        return _local_uri(path, source)
    parts = urllib.parse.urlsplit(source)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _local_uri(Path(urllib.parse.unquote(parts.path)), source)
    if scheme == "sqlite":
        # sqlite:///relative.db, sqlite:////absolute.db
        local = Path(urllib.parse.unquote(source.split(":///", 1)[-1]))
        if not local.is_file():
            raise InvalidArgument(f"{source}: there is no SQLite file at {local}")
        _check_sqlite(local, source)
        return source
    if scheme in ("http", "https"):
        return source.rstrip("/")
    if len(scheme) > 1 and "://" in source:  # postgresql://, mysql://, databricks://, …
        return source
    raise InvalidArgument(
        f"{source}: no such file or folder, and not a tracking URI: give an MLflow "
        "server (http://host:5000), an mlruns/ folder, an mlflow.db file or a database "
        "URI (sqlite:///mlflow.db, postgresql://…)"
    )


def _local_uri(path: Path, source: str) -> str:
    if path.is_dir():
        if not any(path.glob("*/meta.yaml")):
            raise InvalidArgument(
                f"{source} is not an MLflow file store: expected experiment folders "
                "(<id>/meta.yaml) in it, as in mlruns/"
            )
        return path.resolve().as_uri()
    if path.is_file():
        _check_sqlite(path, source)
        return f"sqlite:///{path.resolve()}"
    raise InvalidArgument(f"{source}: no such file or folder")


def _check_sqlite(path: Path, source: str) -> None:
    with path.open("rb") as f:
        if f.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
            raise InvalidArgument(
                f"{source} is neither an MLflow file store (an mlruns/ folder) nor an "
                "SQLite database such as mlflow.db"
            )
    # Only the table names, to refuse a database MLflow would fill with its own tables.
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise InvalidArgument(f"{source} cannot be read as SQLite: {exc}") from None
    finally:
        db.close()
    if not {"experiments", "runs"} <= tables:
        raise InvalidArgument(
            f"{source} is an SQLite database but not an MLflow one (it has no experiments "
            "and runs tables)"
        )


def _check_server(uri: str) -> None:
    """Fail fast and clearly when an MLflow server is not there (the client would retry
    for minutes)."""
    url = f"{uri}/api/2.0/mlflow/experiments/search"
    try:
        response = httpx.get(url, params={"max_results": 1}, timeout=15)
    except httpx.HTTPError as exc:
        raise InvalidArgument(f"could not reach an MLflow server at {uri}: {exc}") from None
    if response.status_code == 404:
        raise InvalidArgument(f"{uri} is not an MLflow tracking server ({url} answered 404)")


@contextlib.contextmanager
def _mlflow_environment(uri: str) -> Iterator[None]:
    """MLflow's settings while the source is read: the source is also the default
    tracking and registry URI (parts of MLflow call ``MlflowClient()`` with the default,
    which would otherwise create ``./mlflow.db``), and the file store is allowed (MLflow 3
    refuses it without ``MLFLOW_ALLOW_FILE_STORE``; reading one to import it is exactly
    the migration MLflow asks for). MLflow's artifact progress bars are off: with tqdm
    installed they interleave with the import's own report on the terminal."""
    wanted = {
        "MLFLOW_TRACKING_URI": uri,
        "MLFLOW_REGISTRY_URI": uri,
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }
    if uri.startswith("file:"):
        wanted["MLFLOW_ALLOW_FILE_STORE"] = "true"
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """MLflow's reader makes several objects per metric point; pausing the cyclic GC
    while a page is read makes it 2-3x faster (they hold no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _pages(fetch: Callable[[str | None], Any]) -> Iterator[Any]:
    """Every item of an MLflow paged search, ``fetch(page_token)`` returning a PagedList."""
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


# -- the importer ---------------------------------------------------------------------------


class MlflowImporter(BaseImporter):
    """Imports an MLflow store: runs through the shared driver, then the logged models no
    imported run brought, then the model registry (:meth:`import_all` does all three).

    The source is a tracking URI or a local store, given to the constructor: MLflow
    sources are not paths, so :meth:`discover` takes none.
    """

    tool = "mlflow"
    id_prefix = "mlflow"
    default_project = "mlflow"

    def __init__(self, source: str) -> None:
        self.source = source
        self.uri = tracking_uri(source)
        self._client: Any = None
        self._experiments: dict[str, Any] = {}
        #: Logged models by source run id, imported with their run.
        self._run_models: dict[str, list[Any]] = {}
        #: Logged models no discovered run brings (none, or a deleted one).
        self.unowned_models: list[Any] = []
        #: (registered model, its versions), found by :meth:`discover`.
        self.registered: list[tuple[Any, list[Any]]] = []
        self._skipped: Counter[tuple[str, str]] = Counter()
        self._runs_size = 0

    # -- discovery ------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            tracking = mlflow_module("mlflow.tracking")
            self._client = tracking.MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        return self._client

    @property
    def total_size(self) -> int:
        """Progress units of everything :meth:`discover` found (runs, models, versions)."""
        return (
            self._runs_size
            + len(self.unowned_models)
            + sum(len(versions) for _, versions in self.registered)
        )

    def discover(self, paths: Sequence[Path] = ()) -> list[SourceRun]:
        """The source's active runs, experiment by experiment, oldest first; also lists
        its logged models and registered models for :meth:`import_all`.

        Raises: InvalidArgument when the source cannot be read; MissingDependency when
        mlflow is not installed.
        """
        if paths:
            raise InvalidArgument("the MLflow importer reads the source given to it, not paths")
        if self.uri.startswith(("http://", "https://")):
            _check_server(self.uri)
        with _mlflow_environment(self.uri):
            try:
                return self._discover()
            except HeadwayError:
                raise
            except Exception as exc:  # MlflowException, a database error, …
                raise InvalidArgument(f"MLflow could not read {self.source}: {exc}") from None

    def _discover(self) -> list[SourceRun]:
        entities = mlflow_module("mlflow.entities")
        view = entities.ViewType
        client = self.client
        self._experiments, self._run_models, self._skipped = {}, {}, Counter()
        self.unowned_models, self.registered = [], []
        runs: list[SourceRun] = []
        active: list[str] = []
        for e in _pages(
            lambda t: client.search_experiments(view_type=view.ALL, max_results=_PAGE, page_token=t)
        ):
            self._experiments[e.experiment_id] = e
            if e.lifecycle_stage == "deleted":
                self._skipped[("experiment", "deleted in MLflow")] += 1
                continue
            active.append(e.experiment_id)
        for experiment_id in sorted(active, key=_numeric_first):
            e = self._experiments[experiment_id]
            found = list(self._search_runs(experiment_id, view.ACTIVE_ONLY))
            deleted = sum(1 for _ in self._search_runs(experiment_id, view.DELETED_ONLY))
            if deleted:
                self._skipped[("run", "deleted in MLflow")] += deleted
            if e.tags:
                self._skipped[
                    ("experiment tag", "Headway projects have no tags (run tags are kept)")
                ] += len(e.tags)
            found.sort(key=lambda r: (r.info.start_time or 0, r.info.run_id))
            for run in found:
                runs.append(self._source_run(e, run))
        run_ids = {s.identity for s in runs}
        models = []
        if active:
            models = list(
                _pages(
                    lambda t: client.search_logged_models(
                        experiment_ids=active, max_results=_PAGE, page_token=t
                    )
                )
            )
        used = {s.extra["experiment_id"] for s in runs}
        for lm in models:
            if lm.source_run_id in run_ids:
                self._run_models.setdefault(lm.source_run_id, []).append(lm)
            else:
                self.unowned_models.append(lm)
            used.add(lm.experiment_id)
        self._skipped[("experiment", "it has no runs")] += len(set(active) - used)
        runs = [replace(s, size=s.size + len(self._run_models.get(s.identity, []))) for s in runs]
        self._runs_size = sum(s.size for s in runs)
        self.registered = [
            (rm, self._versions_of(rm.name))
            for rm in _pages(
                lambda t: client.search_registered_models(max_results=_PAGE, page_token=t)
            )
        ]
        return runs

    def _search_runs(self, experiment_id: str, view: Any) -> Iterator[Any]:
        return _pages(
            lambda t: self.client.search_runs(
                [experiment_id], run_view_type=view, max_results=_PAGE, page_token=t
            )
        )

    def _versions_of(self, name: str) -> list[Any]:
        quoted = f"'{name}'" if "'" not in name else f'"{name}"'
        found = _pages(
            lambda t: self.client.search_model_versions(
                f"name={quoted}", max_results=_PAGE, page_token=t
            )
        )
        return sorted(found, key=lambda mv: int(mv.version))

    def _source_run(self, experiment: Any, run: Any) -> SourceRun:
        return SourceRun(
            identity=run.info.run_id,
            path=Path(experiment.name),
            name=run.info.run_name or run.info.run_id,
            # Progress units: the run's attributes, each metric, its files.
            size=2 + len(run.data.metrics),
            project=project_name_like(experiment.name),
            extra={"run": run, "experiment_id": experiment.experiment_id},
        )

    def run_id(self, source: SourceRun, project: str) -> str:
        return source.identity  # MLflow's run id: valid in Headway, and unique anyway

    # -- the whole import -------------------------------------------------------------------
    def import_all(
        self,
        backend: BaseBackend,
        sources: Sequence[SourceRun],
        options: ImportOptions | None = None,
        *,
        progress: ProgressHook | None = None,
    ) -> ImportReport:
        """Runs (with their files and logged models), the other logged models, then the
        registry. Raises only when the target or the installation fails."""
        options = options or ImportOptions()
        with _mlflow_environment(self.uri):
            report = self.import_runs(backend, sources, options, progress=progress)
            report.skipped.update(self._skipped)
            models = ModelImport(self, backend, options, report, progress)
            models.other_models()
            models.registry()
        return report

    # -- one run ------------------------------------------------------------------------------
    def read(self, source: SourceRun, sink: RunSink) -> None:
        run = source.extra["run"]
        info, data = run.info, run.data
        tags = {k: val for k, val in data.tags.items() if k != RUN_NAME_TAG}
        experiment = self._experiments[source.extra["experiment_id"]]
        metadata: dict[str, Any] = {
            "source": "mlflow",
            "mlflow": {
                "tracking_uri": self.uri,
                "experiment_id": experiment.experiment_id,
                "experiment": experiment.name,
            },
        }
        outputs = getattr(run, "outputs", None)
        model_outputs = list(getattr(outputs, "model_outputs", None) or [])
        if model_outputs:
            metadata[OUTPUTS] = [{"model_id": o.model_id, "step": o.step} for o in model_outputs]
        sink.describe(
            name=source.name,
            kv_tags=tags,
            notes=tags.get(NOTE_TAG),
            parent_id=tags.get(PARENT_TAG),
            created_at=info.start_time / 1000 if info.start_time else None,
            metadata=metadata,
        )
        self._params(sink, data.params)
        inputs = getattr(run, "inputs", None)
        if datasets := len(getattr(inputs, "dataset_inputs", None) or []):
            sink.skip("dataset input", "MLflow dataset inputs are not imported", datasets)
        sink.advance(1)
        for key in sorted(data.metrics):
            for steps, times, values in self._history(info.run_id, key):
                sink.points(key, steps, times, values)
            sink.advance(1)
        sink.flush()  # the run must exist before artifacts name it as their producer
        self._run_files(sink, info.run_id)
        sink.advance(1)
        for lm in self._run_models.get(info.run_id, []):
            note = import_logged_model(self, sink.backend, sink.project, lm, info.run_id)
            if note.skipped:
                sink.skip(*note.skipped)
            else:
                sink.outcome.details.append(note.line)
            sink.advance(1)
        state = _STATES.get(info.status, RunState.CRASHED)  # RUNNING/SCHEDULED: never ended
        sink.finish(state, end_time=info.end_time / 1000 if info.end_time else None)

    def _params(self, sink: RunSink, params: dict[str, str]) -> None:
        """Params as config values; dotted keys nest, so a param that is also the section
        of another ("model" and "model.depth") cannot be kept and is counted."""
        keys = sorted(params)
        taken = set(keys)
        for key in keys:
            parts = key.split(".")
            sections = {".".join(parts[:i]) for i in range(1, len(parts))}
            if sections & taken:
                sink.skip(
                    "param",
                    "its key is also a section of another param's dotted key in Headway's config",
                )
                continue
            sink.config({key: param_value(params[key])})

    def _history(
        self, run_id: str, key: str
    ) -> Iterator[tuple[list[int], list[float], list[float]]]:
        """Every point of a metric as (steps, wall times in seconds, values), page by page
        through the client's store (``MlflowClient.get_metric_history`` would hold the
        whole history as objects at once)."""
        tracking = getattr(self.client, "_tracking_client", None)
        store = getattr(tracking, "store", None)
        kind = type(store).__name__
        if store is None or kind == "FileStore":  # the file store reads it all per page
            with _gc_paused():
                whole = (store or self.client).get_metric_history(run_id, key)
                columns = _columns(whole)
            yield columns
            return
        size = _REST_PAGE if kind == "RestStore" else _SQL_PAGE
        token = None
        while True:
            with _gc_paused():
                page = store.get_metric_history(run_id, key, max_results=size, page_token=token)
                columns = _columns(page)
            yield columns
            token = getattr(page, "token", None)
            if not token:
                return

    def _run_files(self, sink: RunSink, run_id: str) -> None:
        if not self.client.list_artifacts(run_id):
            return
        with tempfile.TemporaryDirectory(prefix="headway-mlflow-") as tmp:
            root = Path(self.client.download_artifacts(run_id, "", tmp))
            version, count = commit_folder(
                sink.backend,
                sink.project,
                root,
                name=f"files-{run_id}",
                type=RUN_FILES_TYPE,
                run_id=run_id,
                metadata={"mlflow_run_id": run_id},
            )
        if version is not None:
            sink.outcome.files += count
            sink.outcome.details.append(
                f"{count:,} artifact file{'s' if count != 1 else ''} -> "
                f"{version.project}/{version.qualified_name}"
            )

    def project_of(self, experiment_id: str, options: ImportOptions) -> str:
        """The target project of an experiment's objects (as the driver picks a run's)."""
        e = self._experiments.get(experiment_id)
        raw = project_name_like(e.name) if e is not None else ""
        return v.project_name(options.project or project_name(raw, self.default_project))


def _numeric_first(experiment_id: str) -> tuple[int, str]:
    return (int(experiment_id), "") if experiment_id.isdigit() else (2**63, experiment_id)


def _columns(page: Sequence[Any]) -> tuple[list[int], list[float], list[float]]:
    values = [m.value for m in page]
    if _MAX_FLOAT in values or -_MAX_FLOAT in values:
        # MLflow's SQL store writes ±infinity as ±the largest float; give them back.
        values = [_INFINITIES.get(x, x) for x in values]
    return ([m.step for m in page], [m.timestamp / 1000 for m in page], values)
