"""Walking the lineage graph: versions and runs, a level at a time, in batched queries.

One level is a run and its artifacts: upstream of a model version, level 1 is the run
that produced it and the versions that run used; level 2 adds the runs that produced
those, and so on. Downstream mirrors it (consumers, then what they produced).
"""

from __future__ import annotations

from headway.entities.artifacts import Direction, LineageEdge, LineageGraph, LineageNode
from headway.store.sql.store import SqlStore


def _vkey(project: str, name: str, version: int) -> str:
    return f"{project}/{name}:v{version}"


def walk_lineage(
    store: SqlStore,
    *,
    version_id: int | None = None,
    run_id: str | None = None,
    direction: Direction,
    depth: int,
) -> LineageGraph:
    directions = (
        [Direction.UPSTREAM, Direction.DOWNSTREAM] if direction is Direction.BOTH else [direction]
    )
    version_depth: dict[int, int] = {}
    run_depth: dict[str, int] = {}
    edges: set[tuple[str, int, str]] = set()
    if version_id is not None:
        version_depth[version_id] = 0
    if run_id is not None:
        run_depth[run_id] = 0
    for way in directions:
        # Runs are reached from versions (producer upstream, consumers downstream), and
        # versions from runs (inputs upstream, outputs downstream).
        run_side = "output" if way is Direction.UPSTREAM else "input"
        version_side = "input" if way is Direction.UPSTREAM else "output"
        versions = {version_id} if version_id is not None else set()
        runs = {run_id} if run_id is not None else set()
        for level in range(1, depth + 1):
            if versions:
                found = [
                    e for e in store.lineage.edges_of_versions(sorted(versions)) if e[2] == run_side
                ]
                edges.update(found)
                new_runs = {r for r, _v, _d in found if r not in run_depth}
                for r in new_runs:
                    run_depth[r] = level
                runs |= new_runs
            if not runs:
                break
            found = [e for e in store.lineage.edges_of_runs(sorted(runs)) if e[2] == version_side]
            edges.update(found)
            versions = {vid for _r, vid, _d in found if vid not in version_depth}
            for vid in versions:
                version_depth[vid] = level
            runs = set()
    entities = store.artifacts.versions_by_ids(sorted(version_depth))
    labels = store.lineage.run_labels(sorted(run_depth))
    nodes: list[LineageNode] = []
    keys: dict[int, str] = {}
    for vid, level in sorted(version_depth.items(), key=lambda kv: kv[1]):
        a = entities.get(vid)
        if a is None:
            continue
        keys[vid] = _vkey(a.project, a.name, a.version)
        nodes.append(
            LineageNode(
                kind="artifact",
                id=keys[vid],
                label=a.qualified_name,
                type=a.type,
                state="deleted" if a.deleted_at else None,
                depth=level,
            )
        )
    for rid, level in sorted(run_depth.items(), key=lambda kv: kv[1]):
        name, state = labels.get(rid, (rid, None))
        nodes.append(LineageNode(kind="run", id=rid, label=name, state=state, depth=level))
    out_edges = []
    for rid, vid, side in sorted(edges):
        if vid not in keys or rid not in run_depth:
            continue
        if side == "input":
            out_edges.append(LineageEdge(source=keys[vid], target=rid, kind="input"))
        else:
            out_edges.append(LineageEdge(source=rid, target=keys[vid], kind="output"))
    root = keys.get(version_id, "") if version_id is not None else (run_id or "")
    return LineageGraph(root=root, nodes=tuple(nodes), edges=tuple(out_edges))
