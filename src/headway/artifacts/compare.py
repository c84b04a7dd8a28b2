"""Versions side by side: what produced each, how it scored, and which data it used.

"LR vs random forest vs gradient boosting trained on student_data_cleaned:v1, accuracy
and recall per student group" is one call: each row carries its version's metadata, the
producing run's config and summary, and the artifact versions that run used.
"""

from __future__ import annotations

from collections.abc import Sequence

from headway.entities.artifacts import ComparedVersion
from headway.errors import InvalidArgument, NotFound
from headway.store.sql.store import SqlStore

MAX_ITEMS = 50


def compare_versions(
    store: SqlStore, items: Sequence[tuple[str, str, int]], model_refs: Sequence[str | None]
) -> list[ComparedVersion]:
    """``items`` are (project, artifact name, version); ``model_refs`` label them."""
    if not items:
        raise InvalidArgument("compare needs at least one version")
    if len(items) > MAX_ITEMS:
        raise InvalidArgument(f"compare at most {MAX_ITEMS} versions at once")
    ids = [store.artifacts.version_id(p, n, v) for p, n, v in items]
    versions = store.artifacts.versions_by_ids(ids)
    producers = {vid: versions[vid].run_id for vid in ids}
    run_ids = sorted({r for r in producers.values() if r})
    edges = store.lineage.edges_of_runs(run_ids)
    used = store.artifacts.versions_by_ids(sorted({v for _r, v, d in edges if d == "input"}))
    inputs: dict[str, list[str]] = {}
    for run_id, vid, direction in edges:
        if direction == "input" and vid in used:
            a = used[vid]
            inputs.setdefault(run_id, []).append(f"{a.project}/{a.qualified_name}")
    rows = []
    for vid, label in zip(ids, model_refs, strict=True):
        version = versions[vid]
        producer = producers[vid]
        run = None
        if producer:
            try:
                run = store.get_run(producer)
            except NotFound:  # the producing run was deleted for good
                run = None
        rows.append(
            ComparedVersion(
                version=version,
                model_ref=label,
                run_id=producer,
                run_name=run.name if run else None,
                config=dict(run.config) if run else {},
                summary=dict(run.summary) if run else {},
                inputs=tuple(sorted(inputs.get(producer or "", []))),
            )
        )
    return rows
