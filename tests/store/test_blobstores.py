"""The ``BaseBlobStore`` contract, held by a local folder and by S3 (moto, over HTTP).

One test class runs against both stores; the few places where the two differ by design
(how a blob is corrupted behind the store's back, how a multipart part is sent) go through
a small harness, not through branches in the tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from headway.errors import InvalidArgument, NotFound, StorageError
from headway.store.blobstore import BaseBlobStore, CorruptBlob, digest_bytes, open_blob_store
from headway.store.blobstore.local import LocalBlobStore
from headway.store.blobstore.s3 import S3BlobStore
from s3_server import PART_MIN_SIZE, S3Server

PART = PART_MIN_SIZE


@dataclass
class Harness:
    kind: str
    store: BaseBlobStore
    #: Replace a stored blob's bytes behind the store's back (bit rot, a bad copy).
    corrupt: Callable[[str, bytes], None]
    #: Send one part of a multipart upload the way a client would; returns its ETag.
    send_part: Callable[[str, str, int, bytes], str]


def _local(tmp_path: Path) -> Harness:
    store = LocalBlobStore(tmp_path / "blobs-root")

    def corrupt(digest: str, data: bytes) -> None:
        store.path(digest).write_bytes(data)

    def send_part(digest: str, upload_id: str, number: int, data: bytes) -> str:
        # Parts sent through the API: the server streams them into the store.
        return store.put_part(
            upload_id, number, iter([data[: len(data) // 2], data[len(data) // 2 :]])
        )

    return Harness("local", store, corrupt, send_part)


def _s3(server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Harness:
    endpoint = server.use_env(monkeypatch)
    bucket = server.create_bucket()
    store = open_blob_store(f"s3://{bucket}/team/blobs-prefix", s3_endpoint_url=endpoint)
    assert isinstance(store, S3BlobStore)
    admin = server.client()

    def corrupt(digest: str, data: bytes) -> None:
        admin.put_object(Bucket=bucket, Key=store.key(digest), Body=data)

    def send_part(digest: str, upload_id: str, number: int, data: bytes) -> str:
        # Presigned: the bytes go from the client straight to the object store.
        url = store.presign_part(digest, upload_id, number)
        assert url.startswith(endpoint)
        response = httpx.put(url, content=data, timeout=30)
        assert response.status_code == 200, response.text
        return str(response.headers["ETag"])

    return Harness("s3", store, corrupt, send_part)


@pytest.fixture(params=["local", "s3"])
def h(request: pytest.FixtureRequest) -> Harness:
    """Each store in turn: the contract holds for both."""
    return request.getfixturevalue(f"{request.param}_h")  # type: ignore[no-any-return]


@pytest.fixture
def local_h(tmp_path: Path) -> Harness:
    return _local(tmp_path)


@pytest.fixture
def s3_h(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return _s3(s3_server, monkeypatch)


def blob(seed: int, size: int = 1000) -> tuple[str, bytes]:
    data = (bytes([seed % 256]) + os.urandom(7)) * (size // 8) + bytes(size % 8)
    return digest_bytes(data), data


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def chunked(data: bytes, size: int = 333) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


BAD_DIGESTS = [
    "",
    "abc",
    "0" * 63,
    "0" * 65,
    "A" * 64,  # upper case is not the canonical form
    "g" * 64,
    "../" * 21 + "a",
    "/etc/passwd".ljust(64, "0"),
]


class TestBlobStoreContract:
    def test_put_file_exists_missing_get_file_round_trip(self, h: Harness, tmp_path: Path) -> None:
        digest, data = blob(1, 50_000)
        other, _ = blob(2)
        assert not h.store.exists(digest)
        assert h.store.missing([digest, other]) == {digest, other}

        h.store.put_file(digest, write(tmp_path / "src" / "a.bin", data))

        assert h.store.exists(digest)
        assert h.store.missing([digest, other, digest]) == {other}
        dest = tmp_path / "out" / "nested" / "a.bin"
        h.store.get_file(digest, dest)
        assert dest.read_bytes() == data
        assert leftovers(dest.parent) == ["a.bin"]  # no temporary file left behind
        assert b"".join(h.store.iter_chunks(digest)) == data

    def test_putting_the_same_blob_twice_is_harmless(self, h: Harness, tmp_path: Path) -> None:
        digest, data = blob(3)
        src = write(tmp_path / "a.bin", data)
        h.store.put_file(digest, src)
        h.store.put_file(digest, src)
        assert h.store.put_stream(digest, chunked(data)) == len(data)
        assert [b.digest for b in h.store.iter_blobs()] == [digest]

    def test_empty_blob(self, h: Harness, tmp_path: Path) -> None:
        digest = digest_bytes(b"")
        assert h.store.put_stream(digest, iter([])) == 0
        h.store.get_file(digest, tmp_path / "empty")
        assert (tmp_path / "empty").read_bytes() == b""

    def test_missing_checks_many_digests(self, h: Harness, tmp_path: Path) -> None:
        # S3 asks in parallel from four digests on: cover both paths.
        blobs = [blob(10 + i, 100) for i in range(6)]
        for digest, data in blobs[:3]:
            h.store.put_stream(digest, [data])
        wanted = [d for d, _ in blobs]
        assert h.store.missing(wanted) == set(wanted[3:])
        assert h.store.missing(wanted[:3]) == set()
        assert h.store.missing([]) == set()

    def test_put_stream_verifies_and_returns_the_size(self, h: Harness, tmp_path: Path) -> None:
        digest, data = blob(4, 123_457)
        assert h.store.put_stream(digest, chunked(data, 10_000)) == len(data)
        h.store.get_file(digest, tmp_path / "x")
        assert (tmp_path / "x").read_bytes() == data

    def test_put_stream_refuses_bytes_of_another_digest(self, h: Harness, tmp_path: Path) -> None:
        digest, data = blob(5, 4096)
        with pytest.raises(CorruptBlob) as caught:
            h.store.put_stream(digest, chunked(data[:-1] + b"\x00"))
        assert caught.value.details["digest"] == digest
        assert not h.store.exists(digest)
        assert list(h.store.iter_blobs()) == []
        if isinstance(h.store, LocalBlobStore):  # the temporary file went too
            assert leftovers(h.store.path(digest).parent) == []

    def test_put_file_refuses_a_file_that_changed_after_hashing(
        self, h: Harness, tmp_path: Path
    ) -> None:
        digest, data = blob(6, 20_000)
        changed = write(tmp_path / "a.bin", data[:100] + b"!" + data[101:])
        with pytest.raises(CorruptBlob):
            h.store.put_file(digest, changed)
        assert not h.store.exists(digest)
        assert list(h.store.iter_blobs()) == []

    def test_a_blob_corrupted_at_rest_is_detected_and_never_returned(
        self, h: Harness, tmp_path: Path
    ) -> None:
        digest, data = blob(7, 30_000)
        h.store.put_stream(digest, [data])
        # Same size, one byte flipped: only the digest can tell.
        h.corrupt(digest, data[:500] + bytes([data[500] ^ 0xFF]) + data[501:])
        dest = tmp_path / "out" / "a.bin"
        with pytest.raises(CorruptBlob) as caught:
            h.store.get_file(digest, dest)
        assert caught.value.details["digest"] == digest
        assert leftovers(dest.parent) == []  # neither the file nor a temporary one

        # A good copy already at ``dest`` is not replaced by the bad bytes either.
        write(dest, data)
        with pytest.raises(CorruptBlob):
            h.store.get_file(digest, dest)
        assert dest.read_bytes() == data

        # Truncation is corruption too.
        h.corrupt(digest, data[:1000])
        with pytest.raises(CorruptBlob):
            h.store.get_file(digest, tmp_path / "out" / "b.bin")
        assert not (tmp_path / "out" / "b.bin").exists()

    def test_get_of_an_absent_blob_is_not_found(self, h: Harness, tmp_path: Path) -> None:
        digest, _ = blob(8)
        dest = tmp_path / "out" / "a.bin"
        with pytest.raises(NotFound):
            h.store.get_file(digest, dest)
        assert leftovers(dest.parent) == []
        with pytest.raises(NotFound):
            list(h.store.iter_chunks(digest))

    def test_delete_and_iter_blobs(self, h: Harness, tmp_path: Path) -> None:
        assert list(h.store.iter_blobs()) == []
        blobs = dict(blob(20 + i, 100 * (i + 1)) for i in range(3))
        for digest, data in blobs.items():
            h.store.put_stream(digest, [data])

        listed = {b.digest: b for b in h.store.iter_blobs()}
        assert set(listed) == set(blobs)
        assert {d: b.size for d, b in listed.items()} == {d: len(v) for d, v in blobs.items()}
        assert all(b.modified.tzinfo is not None for b in listed.values())

        gone = sorted(blobs)[0]
        h.store.delete(gone)
        h.store.delete(gone)  # absent blobs are ignored
        assert not h.store.exists(gone)
        assert {b.digest for b in h.store.iter_blobs()} == set(blobs) - {gone}
        with pytest.raises(NotFound):
            h.store.get_file(gone, tmp_path / "gone")

    def test_iter_blobs_skips_what_is_not_a_blob(self, h: Harness) -> None:
        digest, data = blob(30)
        h.store.put_stream(digest, [data])
        if isinstance(h.store, LocalBlobStore):
            # An upload in flight: a temporary file next to the blobs.
            write(h.store.path(digest).parent / ".upload-abc123", b"partial")
        else:
            assert isinstance(h.store, S3BlobStore)
            client = h.store.client
            # Stray keys under the prefix, and a blob-looking key outside it.
            client.put_object(
                Bucket=h.store.bucket, Key=f"{h.store.prefix}/blobs/README", Body=b"x"
            )
            client.put_object(Bucket=h.store.bucket, Key=f"other/blobs/aa/bb/{'a' * 64}", Body=b"x")
        assert [b.digest for b in h.store.iter_blobs()] == [digest]

    @pytest.mark.parametrize("bad", BAD_DIGESTS)
    def test_invalid_digests_are_rejected(self, h: Harness, tmp_path: Path, bad: str) -> None:
        src = write(tmp_path / "a.bin", b"data")
        calls: list[Callable[[], object]] = [
            lambda: h.store.exists(bad),
            lambda: h.store.missing([bad]),
            lambda: h.store.put_file(bad, src),
            lambda: h.store.put_stream(bad, [b"data"]),
            lambda: h.store.get_file(bad, tmp_path / "out"),
            lambda: list(h.store.iter_chunks(bad)),
            lambda: h.store.delete(bad),
        ]
        for call in calls:
            with pytest.raises(InvalidArgument):
                call()
        assert list(h.store.iter_blobs()) == []
        assert not (tmp_path / "out").exists()

    # -- multipart --------------------------------------------------------------------------
    def test_multipart_parts_resume_and_complete(self, h: Harness, tmp_path: Path) -> None:
        digest, data = blob(40, 2 * PART + 12_345)
        pieces = {n: data[(n - 1) * PART : n * PART] for n in (1, 2, 3)}
        upload_id = h.store.start_multipart(digest)
        assert h.store.list_parts(digest, upload_id) == {}

        etags = {n: h.send_part(digest, upload_id, n, pieces[n]) for n in (1, 3)}
        # The client stops here. Resuming, the store says which parts it already has.
        done = h.store.list_parts(digest, upload_id)
        assert done is not None and set(done) == {1, 3}
        if h.kind == "s3":
            assert done == etags
        assert not h.store.exists(digest)  # nothing visible before completion

        etags[2] = h.send_part(digest, upload_id, 2, pieces[2])
        # Sending a part again (a retry) replaces it.
        etags[3] = h.send_part(digest, upload_id, 3, pieces[3])
        assert set(h.store.list_parts(digest, upload_id) or {}) == {1, 2, 3}
        h.store.complete_multipart(digest, upload_id, etags)

        assert h.store.exists(digest)
        h.store.get_file(digest, tmp_path / "joined")
        assert (tmp_path / "joined").read_bytes() == data
        assert h.store.list_parts(digest, upload_id) is None  # the upload is gone
        assert [(b.digest, b.size) for b in h.store.iter_blobs()] == [(digest, len(data))]

    def test_abort_multipart(self, h: Harness) -> None:
        digest, data = blob(41, PART + 10)
        upload_id = h.store.start_multipart(digest)
        h.send_part(digest, upload_id, 1, data[:PART])
        h.store.abort_multipart(digest, upload_id)
        assert h.store.list_parts(digest, upload_id) is None
        h.store.abort_multipart(digest, upload_id)  # twice is harmless
        assert not h.store.exists(digest)
        assert list(h.store.iter_blobs()) == []

    def test_multipart_with_wrong_bytes_is_never_served(self, h: Harness, tmp_path: Path) -> None:
        digest, data = blob(42, PART + 100)
        wrong = data[:-1] + bytes([data[-1] ^ 1])
        upload_id = h.store.start_multipart(digest)
        etags = {
            1: h.send_part(digest, upload_id, 1, wrong[:PART]),
            2: h.send_part(digest, upload_id, 2, wrong[PART:]),
        }
        if h.kind == "local":
            # The join is verified before the blob is moved into place.
            with pytest.raises(CorruptBlob):
                h.store.complete_multipart(digest, upload_id, etags)
            assert not h.store.exists(digest)
            assert list(h.store.iter_blobs()) == []
        else:
            # S3 joins parts without knowing BLAKE3: the object appears, but every read
            # is verified, so the wrong bytes are still never handed out.
            h.store.complete_multipart(digest, upload_id, etags)
        with pytest.raises(NotFound if h.kind == "local" else CorruptBlob):
            h.store.get_file(digest, tmp_path / "out")
        assert not (tmp_path / "out").exists()

    def test_local_join_refuses_gaps(self, local_h: Harness) -> None:
        # (S3 joins any ascending part numbers it is given; the client sends them all.)
        h = local_h
        digest, data = blob(43, 2 * PART + 1)
        upload_id = h.store.start_multipart(digest)
        h.send_part(digest, upload_id, 1, data[:PART])
        h.send_part(digest, upload_id, 3, data[2 * PART :])
        with pytest.raises(InvalidArgument, match="incomplete"):
            h.store.complete_multipart(digest, upload_id, {})
        assert not h.store.exists(digest)
        # The parts are kept: sending the missing one finishes the upload.
        h.send_part(digest, upload_id, 2, data[PART : 2 * PART])
        h.store.complete_multipart(digest, upload_id, {})
        assert h.store.exists(digest)
        with pytest.raises(NotFound):  # completed uploads take no more parts
            h.send_part(digest, upload_id, 4, b"late")

    def test_s3_enforces_the_minimum_part_size(self, s3_h: Harness) -> None:
        # (A local folder joins parts of any size.)
        h = s3_h
        digest, data = blob(44, PART + 100)
        upload_id = h.store.start_multipart(digest)
        small = PART - 1  # a non-last part under the minimum
        etags = {
            1: h.send_part(digest, upload_id, 1, data[:small]),
            2: h.send_part(digest, upload_id, 2, data[small:]),
        }
        with pytest.raises(StorageError, match="EntityTooSmall"):
            h.store.complete_multipart(digest, upload_id, etags)
        assert not h.store.exists(digest)

    # -- presigned transfers ----------------------------------------------------------------
    def test_presigned_urls(self, h: Harness, tmp_path: Path) -> None:
        digest, data = blob(50, 5000)
        if not h.store.supports_presign:
            with pytest.raises(StorageError, match="presigned"):
                h.store.presign_put(digest)
            with pytest.raises(StorageError, match="presigned"):
                h.store.presign_get(digest)
            return
        response = httpx.put(h.store.presign_put(digest), content=data, timeout=30)
        assert response.status_code == 200, response.text
        assert h.store.exists(digest)
        got = httpx.get(h.store.presign_get(digest), timeout=30)
        assert got.status_code == 200 and got.content == data
        h.store.get_file(digest, tmp_path / "a")
        assert (tmp_path / "a").read_bytes() == data
