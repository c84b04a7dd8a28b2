"""Real processes logging one artifact name at once; interrupted uploads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from headway.backend.local import LocalBackend
from headway.entities.artifacts import ArtifactCommit, ManifestEntry
from headway.errors import NotFound
from headway.settings import Settings
from headway.store.blobstore.digest import digest_file

WRITER = textwrap.dedent(
    """
    import sys, pathlib, headway
    worker, count, root = int(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3])
    with headway.init(project="race", name=f"w{worker}") as run:
        for i in range(count):
            f = root / f"w{worker}-{i}.txt"
            f.write_text(f"worker {worker} item {i}")
            version = run.log_artifact(headway.Artifact("shared", "dataset").add_file(f, name="x"))
            print(version.version, flush=True)
    """
)


def test_concurrent_processes_get_distinct_consecutive_versions(tmp_path: Path) -> None:
    env = {
        "HEADWAY_DIR": str(tmp_path / ".headway"),
        "HEADWAY_CAPTURE_SYSTEM_METRICS": "false",
        "HEADWAY_CAPTURE_CONSOLE": "false",
        "HEADWAY_CAPTURE_GIT": "false",
        "HEADWAY_CAPTURE_PACKAGES": "false",
        "PATH": "/usr/bin:/bin",
    }
    workers, each = 4, 6
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(w), str(each), str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    seen: list[int] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        seen.extend(int(line) for line in out.split())
    assert sorted(seen) == list(range(workers * each))
    backend = LocalBackend(Settings.from_env(env={}, dir=str(tmp_path / ".headway")))
    try:
        versions = backend.artifacts.list_versions("race", "shared")
        assert [v.version for v in versions] == list(range(workers * each - 1, -1, -1))
        contents = set()
        for v in versions:
            (entry,) = backend.artifacts.files("race", "shared", v.version)
            out = tmp_path / "check" / f"{v.version}"
            assert entry.digest is not None
            backend.artifacts.fetch_blob(entry.digest, out)
            contents.add(out.read_text())
        assert len(contents) == workers * each  # no lost, duplicated or half-written version
    finally:
        backend.close()


def test_an_interrupted_upload_leaves_nothing_visible_and_resumes(
    tmp_path: Path, local_backend: LocalBackend
) -> None:
    files = []
    for i in range(3):
        f = tmp_path / f"part{i}.bin"
        f.write_bytes(bytes([i]) * (1000 + i))
        files.append(f)
    digests = [digest_file(f) for f in files]
    plan = local_backend.artifacts.begin_upload("p", digests)
    # The process dies after sending one blob and before committing.
    first = plan.missing[0]
    local_backend.artifacts.upload(
        type(plan)(plan.session_id, (first,)),
        {first.digest: files[[d for d, _ in digests].index(first.digest)]},
    )
    with pytest.raises(NotFound):
        local_backend.artifacts.get_version("p", "data", "latest")
    # Logging again resumes: only the two blobs not yet stored are missing.
    retry = local_backend.artifacts.begin_upload("p", digests)
    assert len(retry.missing) == 2
    local_backend.artifacts.upload(retry, {d: f for (d, _), f in zip(digests, files, strict=True)})
    entries = tuple(
        ManifestEntry(f.name, size, digest)
        for (digest, size), f in zip(digests, files, strict=True)
    )
    version, created = local_backend.artifacts.commit(
        retry.session_id, ArtifactCommit(project="p", name="data", type="dataset", entries=entries)
    )
    assert created and version.file_count == 3


def test_an_abandoned_upload_is_cleaned_up_by_gc(
    tmp_path: Path, local_backend: LocalBackend
) -> None:
    from datetime import UTC, datetime, timedelta

    from headway.artifacts.gc import collect_garbage

    orphan = tmp_path / "orphan.bin"
    orphan.write_bytes(b"sent, never committed")
    digest = digest_file(orphan)
    plan = local_backend.artifacts.begin_upload("p", [digest])
    local_backend.artifacts.upload(plan, {digest[0]: orphan})
    service = local_backend.artifact_service
    # While the session is open, its blob is protected even past the grace period.
    soon = collect_garbage(service.store, service.blobs, grace=timedelta(0))
    assert (soon.blobs_deleted, soon.sessions_expired) == (0, 0)
    later = datetime.now(UTC) + timedelta(hours=25)
    report = collect_garbage(service.store, service.blobs, grace=timedelta(0), now=later)
    assert (report.sessions_expired, report.blobs_deleted) == (1, 1)
    assert not service.blobs.exists(digest[0])
