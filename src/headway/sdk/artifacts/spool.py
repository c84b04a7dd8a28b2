"""Artifacts of runs without a reachable store: staged in the run's spool, sent by sync.

An offline run (or one whose store is down) copies each logged artifact's files into
``<spool>/artifacts/<n>-<name>/blobs/<digest>`` with a ``pending.json`` describing the
commit. ``headway sync`` uploads and commits them after the run's own records, then
writes ``done.json``. Repeating a sync is harmless: a commit of identical content returns
the version already made.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from headway.backend.base import BaseBackend
from headway.entities.artifacts import ArtifactCommit, ArtifactVersion, ManifestEntry
from headway.sdk.artifacts.builder import Artifact
from headway.store.blobstore.digest import digest_file

FOLDER = "artifacts"
PENDING = "pending.json"
DONE = "done.json"


def spool_artifact(
    spool_dir: Path, artifact: Artifact, *, aliases: Sequence[str], tags: Sequence[str]
) -> Path:
    """Stage the artifact's files and commit request; returns its folder."""
    root = spool_dir / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    number = sum(1 for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    entries: list[dict[str, Any]] = []
    try:
        (staging / "blobs").mkdir()
        for path, item in artifact.staged().items():
            if item.entry is not None:
                e = item.entry
                entries.append(
                    {"path": path, "size": e.size, "digest": e.digest, "ref": e.ref, "etag": e.etag}
                )
                continue
            assert item.source is not None
            tmp = staging / "blobs" / ".copy"
            shutil.copyfile(item.source, tmp)
            digest, size = digest_file(tmp)  # the copy, so what is sent is what was logged
            os.replace(tmp, staging / "blobs" / digest)
            entries.append({"path": path, "size": size, "digest": digest})
        request = {
            "name": artifact.name,
            "type": artifact.type,
            "description": artifact.description,
            "metadata": artifact.metadata,
            "aliases": list(aliases),
            "tags": list(tags),
            "entries": entries,
        }
        (staging / PENDING).write_text(json.dumps(request))
        final = root / f"{number:04d}-{artifact.name}"
        os.replace(staging, final)
        return final
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def pending_artifacts(spool_dir: Path) -> list[Path]:
    root = spool_dir / FOLDER
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / PENDING).is_file() and not (p / DONE).is_file())


def sync_artifacts(
    backend: BaseBackend, spool_dir: Path, *, project: str, run_id: str
) -> list[ArtifactVersion]:
    """Upload and commit every pending artifact of a run's spool, in logging order."""
    done: list[ArtifactVersion] = []
    for folder in pending_artifacts(spool_dir):
        request = json.loads((folder / PENDING).read_text())
        entries = tuple(
            ManifestEntry(e["path"], int(e["size"]), e.get("digest"), e.get("ref"), e.get("etag"))
            for e in request["entries"]
        )
        blobs = sorted({(e.digest, e.size) for e in entries if e.ref is None and e.digest})
        session = None
        if blobs:
            plan = backend.artifacts.begin_upload(project, blobs)
            session = plan.session_id
            backend.artifacts.upload(plan, {d: folder / "blobs" / d for d, _ in blobs})
        version, _created = backend.artifacts.commit(
            session,
            ArtifactCommit(
                project=project,
                name=request["name"],
                type=request["type"],
                entries=entries,
                description=request.get("description"),
                metadata=request.get("metadata") or {},
                aliases=tuple(request.get("aliases") or ()),
                tags=tuple(request.get("tags") or ()),
                run_id=run_id,
            ),
        )
        (folder / DONE).write_text(json.dumps({"version": version.version}))
        shutil.rmtree(folder / "blobs", ignore_errors=True)
        done.append(version)
    return done
