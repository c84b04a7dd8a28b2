"""Artifact transfers in server mode, end to end: SDK -> HttpBackend -> real server -> store.

Each test runs twice: with the server keeping blobs in a local folder (parts travel
through the API) and in S3 (moto over HTTP: the API hands out presigned URLs and never
sees the bytes). Thresholds are scaled down (see ``s3_server.PART_MIN_SIZE``) so that a
file of about a MiB goes in five parts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headway.backend import http_artifacts
from headway.backend.http import HttpBackend
from headway.backend.local import LocalBackend
from headway.entities.artifacts import ArtifactCommit, ManifestEntry, UploadPlan, UploadTarget
from headway.errors import NotFound
from headway.sdk.artifacts.builder import Artifact
from headway.sdk.artifacts.logger import log_artifact
from headway.sdk.artifacts.version import ArtifactVersion
from headway.server.app import create_app
from headway.settings import Settings
from headway.store.blobstore import BaseBlobStore, CorruptBlob, digest_bytes, digest_file
from headway.store.blobstore.s3 import S3BlobStore
from s3_server import PART_MIN_SIZE, S3Server

PART = PART_MIN_SIZE
#: Blobs from this size go in parts to S3 (smaller ones: one presigned PUT).
THRESHOLD = 2 * PART
#: Five parts: four full ones and a short last one.
BIG = 4 * PART + 12_345
PROJECT = "transfer"
_PART_ROUTE = re.compile(r"^/api/v1/uploads/[^/]+/blobs/[0-9a-f]{64}/parts/\d+$")


# -- what the API sees ------------------------------------------------------------------------
@dataclass
class Request:
    method: str
    path: str
    status: int = 0
    body_bytes: int = 0


class Traffic:
    """ASGI wrapper recording every request the API receives, with its body size."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[Request] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = Request(scope["method"], scope["path"])
        self.requests.append(seen)

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen.body_bytes += len(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.status = int(message["status"])
            await send(message)

        await self.app(scope, counting_receive, recording_send)

    def reset(self) -> None:
        self.requests.clear()

    def parts(self) -> list[Request]:
        return [r for r in self.requests if r.method == "PUT" and _PART_ROUTE.match(r.path)]

    def body_bytes(self) -> int:
        return sum(r.body_bytes for r in self.requests)

    def blob_gets(self) -> list[Request]:
        return [
            r for r in self.requests if r.method == "GET" and r.path.startswith("/api/v1/blobs/")
        ]


# -- what the client does ---------------------------------------------------------------------
@dataclass
class Spy:
    """Records the client's plans, parts and downloads; can cut the network for parts."""

    plans: list[UploadPlan] = field(default_factory=list)
    #: (digest, part number or None for a single PUT, url, bytes)
    sent: list[tuple[str, int | None, str, int]] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    #: Parts refused (digest, number) while set: an interrupted upload.
    cut: Callable[[str, int | None], bool] | None = None

    def reset(self) -> None:
        self.plans.clear()
        self.sent.clear()
        self.fetched.clear()

    def parts_of(self, digest: str) -> set[int | None]:
        return {n for d, n, _u, _b in self.sent if d == digest}

    def target(self, digest: str) -> UploadTarget:
        (plan,) = self.plans
        (target,) = [t for t in plan.missing if t.digest == digest]
        return target


class NetworkDown(Exception):
    pass


def install_spy(http: HttpBackend, monkeypatch: pytest.MonkeyPatch) -> Spy:
    spy = Spy()
    arts = http.artifacts
    begin, send_part, fetch = arts.begin_upload, arts._send_part, arts.fetch_blob

    def spy_begin(project: str, blobs: Any) -> UploadPlan:
        plan = begin(project, blobs)
        spy.plans.append(plan)
        return plan

    def spy_send(
        session_id: str, target: UploadTarget, number: int | None, url: str, data: bytes
    ) -> str:
        if spy.cut is not None and spy.cut(target.digest, number):
            raise NetworkDown(f"connection lost sending part {number} of {target.digest}")
        etag = send_part(session_id, target, number, url, data)
        spy.sent.append((target.digest, number, url, len(data)))
        return etag

    def spy_fetch(digest: str, dest: Path) -> None:
        spy.fetched.append(digest)
        fetch(digest, dest)

    monkeypatch.setattr(arts, "begin_upload", spy_begin)
    monkeypatch.setattr(arts, "_send_part", spy_send)
    monkeypatch.setattr(arts, "fetch_blob", spy_fetch)
    return spy


# -- the server -------------------------------------------------------------------------------
@dataclass
class Env:
    kind: str
    http: HttpBackend
    server: LocalBackend
    traffic: Traffic
    spy: Spy
    tmp: Path
    #: The S3 endpoint when the server keeps blobs in S3.
    s3_endpoint: str | None
    corrupt: Callable[[str, bytes], None]

    @property
    def blobs(self) -> BaseBlobStore:
        return self.server.artifact_service.blobs

    def files(self, name: str, content: dict[str, bytes]) -> Path:
        root = self.tmp / "src" / name
        for path, data in content.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        return root

    def log(self, name: str, folder: Path) -> tuple[Any, bool]:
        return log_artifact(
            self.http, PROJECT, Artifact(name, "dataset").add_dir(folder), run_id=None
        )

    def checkout(self, name: str, version: int, cache: str = "cache") -> ArtifactVersion:
        entity = self.http.artifacts.get_version(PROJECT, name, version)
        return ArtifactVersion(self.http, entity, self.tmp / cache)


@pytest.fixture(params=["local", "s3"])
def env(
    request: pytest.FixtureRequest,
    live_server: Any,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Env]:
    configured = settings.replace(
        multipart_threshold=THRESHOLD,
        multipart_part_size=PART,
        # Parts through the API must fit the request cap; this one leaves them whole.
        max_request_bytes=4 * PART,
        cache_dir=tmp_path / "default-cache",
    )
    endpoint: str | None = None
    if request.param == "s3":
        s3: S3Server = request.getfixturevalue("s3_server")
        endpoint = s3.use_env(monkeypatch)
        bucket = s3.create_bucket()
        configured = configured.replace(
            artifacts_url=f"s3://{bucket}/headway", s3_endpoint_url=endpoint
        )
        admin = s3.client()

        def corrupt(digest: str, data: bytes) -> None:
            store = server.artifact_service.blobs
            assert isinstance(store, S3BlobStore)
            admin.put_object(Bucket=bucket, Key=store.key(digest), Body=data)
    else:
        configured = configured.replace(artifacts_url=str(tmp_path / "server-blobs"))

        def corrupt(digest: str, data: bytes) -> None:
            path = tmp_path / "server-blobs" / "blobs" / digest[:2] / digest[2:4] / digest
            assert path.is_file()
            path.write_bytes(data)

    server = LocalBackend(configured, migrate=True)
    traffic = Traffic(create_app(configured, server))
    live_server.app = traffic
    http = HttpBackend(live_server.url, timeout=30)
    spy = install_spy(http, monkeypatch)
    try:
        yield Env(request.param, http, server, traffic, spy, tmp_path, endpoint, corrupt)
    finally:
        live_server.app = None
        http.close()
        server.close()


def noise(size: int, seed: int = 0) -> bytes:
    """Incompressible bytes (gzip cannot hide them from the byte count)."""
    return bytes([seed % 256]) + os.urandom(size - 1) if size else b""


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


# -- tests ------------------------------------------------------------------------------------
def test_log_and_download_round_trip(env: Env) -> None:
    content = {
        "big.bin": noise(BIG, 1),
        "notes/small.txt": b"hello, artifacts\n" * 10,
        "notes/empty.txt": b"",
    }
    digests = {p: digest_bytes(d) for p, d in content.items()}
    version, created = env.log("data", env.files("v1", content))
    assert created and version.version == 0  # versions count from v0
    assert version.size == sum(len(d) for d in content.values())
    assert version.file_count == 3

    big = env.spy.target(digests["big.bin"])
    assert big.method == "multipart" and big.part_size == PART
    assert sorted(big.parts) == [1, 2, 3, 4, 5] and big.done_parts == {}
    assert env.spy.parts_of(digests["big.bin"]) == {1, 2, 3, 4, 5}
    total = sum(len(d) for d in content.values())
    urls = [url for _d, _n, url, _b in env.spy.sent]
    if env.kind == "s3":
        assert env.s3_endpoint is not None
        small = env.spy.target(digests["notes/small.txt"])
        assert small.method == "put"  # below the threshold: one presigned PUT
        assert all(url.startswith(env.s3_endpoint + "/") for url in urls)
        # The bytes went to the object store: no part reached the API, and the API
        # received only small JSON bodies.
        assert env.traffic.parts() == []
        assert env.traffic.body_bytes() < 20_000 < total
    else:
        assert all(url.startswith("/uploads/") for url in urls)
        assert len(env.traffic.parts()) == 5 + 1 + 1  # big, small, and the empty file
        assert all(r.status == 200 for r in env.traffic.parts())
        assert env.traffic.body_bytes() >= total
    assert env.blobs.missing(digests.values()) == set()

    env.traffic.reset()
    root = env.checkout("data", 0).download(env.tmp / "out")
    got = {p: (root / p).read_bytes() for p in content}
    assert got == content
    assert sorted(env.spy.fetched) == sorted(digests.values())
    statuses = {r.status for r in env.traffic.blob_gets()}
    assert statuses == ({307} if env.kind == "s3" else {200})  # S3: redirected to moto


def test_relogging_identical_content_uploads_nothing(env: Env) -> None:
    folder = env.files("v1", {"big.bin": noise(BIG, 2), "b.txt": b"b" * 100})
    first, created = env.log("data", folder)
    assert created
    env.spy.reset()
    env.traffic.reset()

    again, created = env.log("data", folder)

    assert created is False
    assert again.version == first.version and again.digest == first.digest
    (plan,) = env.spy.plans
    assert plan.missing == ()
    assert env.spy.sent == []
    assert env.traffic.parts() == []
    assert env.traffic.body_bytes() < 10_000
    assert [v.version for v in env.http.artifacts.list_versions(PROJECT, "data")] == [0]


def test_interrupted_upload_resumes_where_it_stopped(env: Env) -> None:
    data = noise(BIG, 3)
    digest = digest_bytes(data)
    folder = env.files("v1", {"big.bin": data})
    env.spy.cut = lambda d, n: d == digest and n is not None and n >= 3

    with pytest.raises(NetworkDown):
        env.log("data", folder)

    assert env.spy.parts_of(digest) == {1, 2}
    first = env.spy.target(digest)
    # Nothing is visible: no version, and no blob under the digest.
    with pytest.raises(NotFound):
        env.http.artifacts.get_version(PROJECT, "data", "latest")
    assert env.http.artifacts.list_artifacts(PROJECT) == []
    assert not env.blobs.exists(digest)

    env.spy.cut = None
    env.spy.reset()
    env.traffic.reset()
    version, created = env.log("data", folder)

    assert created and version.version == 0
    resumed = env.spy.target(digest)
    assert resumed.upload_id == first.upload_id
    assert sorted(resumed.done_parts) == [1, 2]
    assert sorted(resumed.parts) == [3, 4, 5]
    assert env.spy.parts_of(digest) == {3, 4, 5}  # only the missing parts were sent
    if env.kind == "local":
        assert len(env.traffic.parts()) == 3
    else:
        assert env.traffic.parts() == []
    root = env.checkout("data", 0).download(env.tmp / "out")
    assert (root / "big.bin").read_bytes() == data


def test_download_shares_the_cache_and_takes_a_path_prefix(env: Env) -> None:
    shared = noise(BIG, 4)
    env.log(
        "data",
        env.files("v1", {"data/big.bin": shared, "data/a.txt": b"a" * 10, "meta/m.json": b"{}"}),
    )
    env.log("data", env.files("v2", {"data/big.bin": shared, "data/b.txt": b"b" * 20}))
    d = {name: digest_bytes(x) for name, x in [("big", shared), ("a", b"a" * 10), ("b", b"b" * 20)]}
    d["m"] = digest_bytes(b"{}")

    root1 = env.checkout("data", 0).download(env.tmp / "out1")
    assert sorted(env.spy.fetched) == sorted([d["big"], d["a"], d["m"]])
    cached = env.tmp / "cache" / "blobs" / d["big"][:2] / d["big"][2:4] / d["big"]
    assert digest_file(cached) == (d["big"], len(shared))

    # Another version sharing the big file: only its new file is fetched.
    env.spy.fetched.clear()
    root2 = env.checkout("data", 1).download(env.tmp / "out2")
    assert env.spy.fetched == [d["b"]]
    assert (root2 / "data" / "big.bin").read_bytes() == shared
    assert (root2 / "data" / "b.txt").read_bytes() == b"b" * 20
    assert (root1 / "meta" / "m.json").read_bytes() == b"{}"

    # Part of a version, with an empty cache: only the files under the prefix.
    env.spy.fetched.clear()
    part = env.checkout("data", 0, cache="fresh-cache")
    root3 = part.download(env.tmp / "out3", path_prefix="data/a")
    assert env.spy.fetched == [d["a"]]
    assert sorted(p.relative_to(root3).as_posix() for p in root3.rglob("*") if p.is_file()) == [
        "data/a.txt"
    ]
    with pytest.raises(NotFound):
        part.download(env.tmp / "out4", path_prefix="nothing/")


def test_a_blob_corrupted_in_the_store_fails_the_download(env: Env) -> None:
    data = noise(BIG, 5)
    digest = digest_bytes(data)
    env.log("data", env.files("v1", {"big.bin": data, "ok.txt": b"fine"}))
    env.corrupt(digest, flip(data, 100_000))  # same size: only the digest can tell

    version = env.checkout("data", 0)
    with pytest.raises(CorruptBlob) as caught:
        version.download(env.tmp / "out", path_prefix="big")
    assert caught.value.details["digest"] == digest
    assert not (env.tmp / "out" / "big.bin").exists()
    cached = env.tmp / "cache" / "blobs" / digest[:2] / digest[2:4]
    assert not cached.exists() or [p.name for p in cached.iterdir()] == []

    report = version.verify()  # re-reads the stored blobs
    assert not report.ok
    assert report.problems == [f"big.bin: stored blob {digest} is corrupted"]


def test_gc_reclaims_unreferenced_blobs_but_not_those_of_open_sessions(env: Env) -> None:
    kept = b"committed" * 100
    env.log("data", env.files("v1", {"kept.bin": kept}))
    # An orphan: stored, but no version and no session names it.
    orphan = noise(PART, 6)
    orphan_digest = digest_bytes(orphan)
    env.blobs.put_stream(orphan_digest, [orphan])
    # An upload in flight: its session is open, its blob stored, not committed yet.
    pending = noise(BIG, 7)
    pending_digest = digest_bytes(pending)
    pending_path = env.files("pending", {"p.bin": pending}) / "p.bin"
    plan = env.http.artifacts.begin_upload(PROJECT, [(pending_digest, len(pending))])
    env.http.artifacts.upload(plan, {pending_digest: pending_path})
    assert env.blobs.exists(pending_digest)

    recent = env.http.artifacts.gc(grace_seconds=3600, dry_run=False)
    assert recent.blobs_deleted == 0 and recent.blobs_kept_recent == 1
    preview = env.http.artifacts.gc(grace_seconds=0, dry_run=True)
    assert (preview.blobs_deleted, preview.bytes_freed, preview.dry_run) == (1, len(orphan), True)
    assert env.blobs.exists(orphan_digest)

    env.traffic.reset()
    report = env.http.artifacts.gc(grace_seconds=0, dry_run=False)

    assert [(r.method, r.path) for r in env.traffic.requests] == [("POST", "/api/v1/admin/gc")]
    assert (report.blobs_deleted, report.bytes_freed, report.dry_run) == (1, len(orphan), False)
    assert not env.blobs.exists(orphan_digest)
    assert env.blobs.exists(pending_digest)
    assert env.blobs.exists(digest_bytes(kept))

    # The session can still commit what it uploaded, and the content is intact.
    version, created = env.http.artifacts.commit(
        plan.session_id,
        ArtifactCommit(
            project=PROJECT,
            name="pending",
            type="dataset",
            entries=(ManifestEntry("p.bin", len(pending), pending_digest),),
        ),
    )
    assert created
    root = env.checkout("pending", version.version).download(env.tmp / "out")
    assert (root / "p.bin").read_bytes() == pending
    # Committed, the session is closed, and the version now protects the blob.
    assert env.http.artifacts.gc(grace_seconds=0, dry_run=False).blobs_deleted == 0


def test_a_file_changed_during_the_upload_is_refused(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = noise(BIG, 8)
    digest = digest_bytes(data)
    folder = env.files("v1", {"big.bin": data})
    read = http_artifacts._read

    def edited_meanwhile(path: Path, start: int, length: int) -> bytes:
        chunk = read(path, start, length)  # the file was hashed, then edited before sending
        return flip(chunk, len(chunk) - 1) if start + length == len(data) else chunk

    monkeypatch.setattr(http_artifacts, "_read", edited_meanwhile)
    with pytest.raises(CorruptBlob):
        env.log("data", folder)
    assert env.http.artifacts.list_artifacts(PROJECT) == []
    assert not env.blobs.exists(digest)

    first = env.spy.target(digest)
    env.spy.reset()

    monkeypatch.setattr(http_artifacts, "_read", read)
    version, created = env.log("data", folder)  # logging it again as it is now works
    assert created
    # The bad parts were dropped: the retry started a new upload and sent every part.
    retry = env.spy.target(digest)
    assert retry.upload_id != first.upload_id and retry.done_parts == {}
    assert env.spy.parts_of(digest) == {1, 2, 3, 4, 5}
    root = env.checkout("data", version.version).download(env.tmp / "out")
    assert (root / "big.bin").read_bytes() == data
