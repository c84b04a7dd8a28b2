"""``headway.Api``: query projects, runs and histories (embedded store or a server)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from headway.backend.artifacts import BaseRegistry
from headway.backend.base import BaseBackend
from headway.entities import Envelope, Project, Run, SearchQuery
from headway.entities.artifacts import ArtifactSummary
from headway.entities.sweeps import Sweep, Trial
from headway.errors import InvalidArgument
from headway.sdk.artifacts.version import ArtifactVersion
from headway.sdk.connect import backend_for, make_settings

if TYPE_CHECKING:
    import pandas as pd

_SCAN_PAGE = 100_000


class ApiRun:
    """A stored run: attributes of the run plus its history as pandas."""

    def __init__(self, backend: BaseBackend, run: Run) -> None:
        self._backend = backend
        self._run = run

    def __getattr__(self, name: str) -> Any:
        return getattr(self._run, name)

    def __repr__(self) -> str:
        run = self._run
        return f"<ApiRun {run.project}/{run.id} {run.name!r} {run.state.value}>"

    @property
    def entity(self) -> Run:
        return self._run

    def refresh(self) -> ApiRun:
        self._run = self._backend.get_run(self._run.id)
        return self

    def metric_keys(self) -> list[str]:
        return self._backend.metric_keys(self._run.id)

    def history(
        self,
        keys: Sequence[str] | None = None,
        *,
        x: str = "step",
        min_step: int | None = None,
        max_step: int | None = None,
        samples: int | None = None,
    ) -> pd.DataFrame:
        """Points as a DataFrame with columns ``step``, ``_time`` and one per key.

        Points of different keys at the same step share a row. ``x`` names another
        column to index by (any logged metric, e.g. ``"epoch"``). ``samples`` limits the
        rows by keeping every point of an exact min/max envelope instead of all points.
        """
        keys = list(keys) if keys is not None else self.metric_keys()
        wanted = list(dict.fromkeys([*keys, *([x] if x not in ("step", "_time") else [])]))
        if samples is not None:
            return self._sampled(wanted, samples, min_step, max_step, x)
        import pandas as pd  # imported when first needed: it costs a quarter second

        series = self._backend.get_history(
            self._run.id, wanted, min_step=min_step, max_step=max_step
        )
        parts = [
            pd.DataFrame({"step": s.steps, "_time": s.times, key: s.values})
            for key, s in series.items()
            if len(s)
        ]
        if not parts:
            return pd.DataFrame(columns=["step", "_time", *wanted])
        if len(parts) == 1:
            frame = parts[0]
        elif all(p["step"].is_unique for p in parts):
            frame = parts[0]
            for part in parts[1:]:
                frame = frame.merge(part, on="step", how="outer", suffixes=("", "_other"))
                frame["_time"] = frame["_time"].fillna(frame.pop("_time_other"))
        else:
            # Repeated steps: keep every point as its own row rather than guess a pairing.
            frame = pd.concat(parts, ignore_index=True)
        if not (len(parts) == 1 and bool(np.all(np.diff(parts[0]["step"].to_numpy()) >= 0))):
            frame = frame.sort_values("step", kind="stable")
        frame = frame.reset_index(drop=True)
        if x not in ("step", "_time") and x in frame:
            frame = frame.dropna(subset=[x]).reset_index(drop=True)
        return frame

    def _sampled(
        self, keys: list[str], samples: int, min_step: int | None, max_step: int | None, x: str
    ) -> pd.DataFrame:
        envs = self.envelope(
            keys, buckets=max(1, samples // 2), min_step=min_step, max_step=max_step
        )
        rows: dict[int, dict[str, float]] = {}
        for key, env in envs.items():
            full = env.count > 0
            for steps, values in (
                (env.first_step[full], env.first[full]),
                (env.last_step[full], env.last[full]),
            ):
                for step, value in zip(steps.tolist(), values.tolist(), strict=True):
                    rows.setdefault(step, {})[key] = value
        import pandas as pd

        frame = pd.DataFrame.from_dict(rows, orient="index").sort_index()
        frame.index.name = "step"
        return frame.reset_index()

    def envelope(
        self,
        keys: Sequence[str],
        *,
        buckets: int = 1000,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, Envelope]:
        """Exact min/max/first/last per bucket of the step range, per key."""
        result = self._backend.get_envelopes(
            [self._run.id], list(keys), buckets=buckets, min_step=min_step, max_step=max_step
        )
        return result[self._run.id]

    def scan_history(
        self, keys: Sequence[str] | None = None, *, page_steps: int = _SCAN_PAGE
    ) -> Iterator[dict[str, Any]]:
        """Every point of every key, one dict per point, in step order, page by page."""
        keys = list(keys) if keys is not None else self.metric_keys()
        last = self.refresh()._run.last_step
        start = 0
        while start <= last:
            end = start + page_steps - 1
            series = self._backend.get_history(self._run.id, keys, min_step=start, max_step=end)
            for key, s in series.items():
                order = np.argsort(s.steps, kind="stable")
                for i in order.tolist():
                    yield {
                        "key": key,
                        "step": int(s.steps[i]),
                        "_time": float(s.times[i]),
                        "value": float(s.values[i]),
                    }
            start = end + 1

    def console(self, offset: int = 0, limit: int = 10_000) -> list[tuple[float, str, str]]:
        return [
            (c.time, c.stream, c.text)
            for c in self._backend.get_console(self._run.id, offset=offset, limit=limit)
        ]

    def file(self, path: str) -> bytes:
        return self._backend.get_file(self._run.id, path)

    def files(self) -> list[str]:
        return self._backend.list_files(self._run.id)


class Runs:
    """A lazy, iterable search result; pages are fetched as you iterate."""

    def __init__(self, backend: BaseBackend, query: SearchQuery, limit: int | None) -> None:
        self._backend = backend
        self._query = query
        self._limit = limit

    @cached_property
    def _runs(self) -> list[ApiRun]:
        out: list[ApiRun] = []
        for run in self._backend.iter_runs(self._query):
            out.append(ApiRun(self._backend, run))
            if self._limit is not None and len(out) >= self._limit:
                break
        return out

    def __iter__(self) -> Iterator[ApiRun]:
        return iter(self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def __getitem__(self, index: int) -> ApiRun:
        return self._runs[index]

    def to_pandas(self) -> pd.DataFrame:
        """One row per run: attributes, ``config.*`` (flattened) and ``summary.*`` columns."""
        import pandas as pd

        from headway.entities.config import flatten

        records = []
        for r in self._runs:
            run = r.entity
            record: dict[str, Any] = {
                "id": run.id,
                "name": run.name,
                "state": run.state.value,
                "created_at": run.created_at,
                "group": run.group,
                "job_type": run.job_type,
                "tags": list(run.tags),
            }
            record.update({f"config.{k}": val for k, val in flatten(run.config).items()})
            record.update({f"summary.{k}": val for k, val in run.summary.items()})
            records.append(record)
        return pd.DataFrame.from_records(records)


class Api:
    """Read access to tracked data: ``Api()`` uses the embedded store of this folder
    (or ``HEADWAY_DIR``); ``Api(url=...)`` (or ``HEADWAY_URL``) a team server."""

    def __init__(self, url: str | None = None, dir: str | os.PathLike[str] | None = None) -> None:
        self.settings = make_settings(Path(dir) if dir is not None else None, url)
        self.backend = backend_for(self.settings)

    def projects(self) -> list[Project]:
        return self.backend.list_projects()

    def runs(
        self,
        project: str,
        filter: str = "",
        order: Sequence[str] = (),
        limit: int | None = None,
        *,
        columns: Sequence[str] | None = None,
        include_deleted: bool = False,
    ) -> Runs:
        if isinstance(order, str):
            order = [order]
        if limit is not None and limit < 1:
            raise InvalidArgument(f"limit must be at least 1, got {limit}")
        page = min(limit, 1000) if limit is not None else 1000
        query = SearchQuery(
            project=project,
            filter=filter,
            order=tuple(order),
            limit=page,
            columns=tuple(columns) if columns is not None else None,
            include_deleted=include_deleted,
        )
        return Runs(self.backend, query, limit)

    def run(self, run_id: str) -> ApiRun:
        """A run by id (``project/id`` is accepted too)."""
        return ApiRun(self.backend, self.backend.get_run(run_id.rsplit("/", 1)[-1]))

    # -- sweeps -------------------------------------------------------------------------------
    def sweep(self, sweep_id: str) -> Sweep:
        """A sweep with its progress (``counts``) and ``best`` trial (the Pareto front for
        several metrics); ``sweep_trials`` lists every trial."""
        return self.backend.sweeps.get_sweep(sweep_id)

    def sweeps(self, project: str) -> list[Sweep]:
        return self.backend.sweeps.list_sweeps(project)

    def sweep_trials(self, sweep_id: str) -> list[Trial]:
        return self.backend.sweeps.list_trials(sweep_id)

    # -- artifacts and the registry ---------------------------------------------------------
    def artifact(self, ref: str, project: str | None = None) -> ArtifactVersion:
        """A version by reference, read-only: ``"project/name:v3"``, or ``"name:latest"``
        / ``"name:<alias>"`` with ``project=``."""
        from headway.artifacts.names import parse_selector

        sel = parse_selector(ref, default_project=project)
        if sel.project is None:
            raise InvalidArgument(f"{ref!r} names no project: use 'project/{ref}' or project=")
        found = self.backend.artifacts.get_version(sel.project, sel.name, sel.version)
        return ArtifactVersion(self.backend, found, self.settings.cache_dir)

    def artifacts(self, project: str, type: str | None = None) -> list[ArtifactSummary]:
        return self.backend.artifacts.list_artifacts(project, type)

    def artifact_versions(self, project: str, name: str) -> list[ArtifactVersion]:
        return [
            ArtifactVersion(self.backend, a, self.settings.cache_dir)
            for a in self.backend.artifacts.list_versions(project, name)
        ]

    @property
    def registry(self) -> BaseRegistry:
        """The model registry: ``api.registry.set_alias("dropout-risk", "production", 3)``."""
        return self.backend.registry

    def model_version(self, ref: str) -> ArtifactVersion:
        """The artifact behind a registered model version: ``"dropout-risk@production"``,
        ``"dropout-risk:v3"`` or ``"dropout-risk"`` (latest)."""
        name, selector = _model_ref(ref)
        mv = self.backend.registry.get_version(name, selector)
        found = self.backend.artifacts.get_version(mv.project, mv.artifact, mv.artifact_version)
        return ArtifactVersion(self.backend, found, self.settings.cache_dir)


def _model_ref(ref: str) -> tuple[str, int | str]:
    from headway.artifacts.names import version_selector

    if "@" in ref:
        name, _, alias = ref.partition("@")
        return name, alias
    if ":" in ref:
        name, _, ver = ref.partition(":")
        return name, version_selector(ver)
    return ref, "latest"
