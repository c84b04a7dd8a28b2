"""``BaseBlobStore``: bytes stored once under their content digest.

Keys are ``blobs/ab/cd/<digest>``. A blob is written under a temporary name and moved
into place only after its digest checks out, so a reader never sees a partial or wrong
blob; reads are verified too, so corruption at rest is reported, never returned.

Thread safety: every method may be called from several threads at once.
"""

from __future__ import annotations

import abc
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from headway.errors import CorruptBlob, InvalidArgument, StorageError
from headway.store.blobstore.digest import StreamHasher, is_digest

__all__ = [
    "BaseBlobStore",
    "BlobInfo",
    "CorruptBlob",
    "blob_key",
    "open_blob_store",
    "write_verified",
]


@dataclass(frozen=True)
class BlobInfo:
    digest: str
    size: int
    modified: datetime


def blob_key(digest: str) -> str:
    if not is_digest(digest):
        raise InvalidArgument(f"invalid blob digest {digest!r}: expected 64 hex characters")
    return f"blobs/{digest[:2]}/{digest[2:4]}/{digest}"


class BaseBlobStore(abc.ABC):
    #: True when clients can upload and download with presigned URLs (object stores).
    supports_presign = False

    @abc.abstractmethod
    def describe(self) -> str:
        """Where blobs live, for messages (a path or ``s3://bucket/prefix``)."""

    @abc.abstractmethod
    def exists(self, digest: str) -> bool: ...

    def missing(self, digests: Iterable[str]) -> set[str]:
        """The digests among ``digests`` the store does not have."""
        return {d for d in set(digests) if not self.exists(d)}

    @abc.abstractmethod
    def put_file(self, digest: str, path: Path) -> None:
        """Store a file's bytes under ``digest``.

        Raises: CorruptBlob if the bytes do not hash to ``digest`` (the file changed after
        it was hashed); nothing is stored then.
        """

    @abc.abstractmethod
    def put_stream(self, digest: str, chunks: Iterable[bytes]) -> int:
        """Store streamed bytes, verifying them; returns the size. Raises: CorruptBlob."""

    @abc.abstractmethod
    def get_file(self, digest: str, dest: Path) -> None:
        """Write the blob to ``dest`` (atomically), verified.

        Raises: NotFound if absent; CorruptBlob if the stored bytes do not match.
        """

    @abc.abstractmethod
    def iter_chunks(self, digest: str) -> Iterator[bytes]:
        """The blob's bytes, unverified (callers that stream must verify at the end)."""

    @abc.abstractmethod
    def delete(self, digest: str) -> None:
        """Remove a blob; absent blobs are ignored."""

    @abc.abstractmethod
    def iter_blobs(self) -> Iterator[BlobInfo]:
        """Every stored blob, in no particular order."""

    # -- presigned transfers (object stores only) -----------------------------------------
    def presign_get(self, digest: str, expires: int = 3600) -> str:
        raise StorageError(f"{self.describe()} does not support presigned URLs")

    def presign_put(self, digest: str, expires: int = 3600) -> str:
        raise StorageError(f"{self.describe()} does not support presigned URLs")

    def start_multipart(self, digest: str) -> str:
        raise StorageError(f"{self.describe()} does not support multipart uploads")

    def put_part(self, upload_id: str, number: int, chunks: Iterable[bytes]) -> str:
        """Store one part of a multipart upload sent through the API; returns its ETag."""
        raise StorageError(f"{self.describe()} takes parts at presigned URLs, not the API")

    def presign_part(self, digest: str, upload_id: str, number: int, expires: int = 3600) -> str:
        raise StorageError(f"{self.describe()} does not support multipart uploads")

    def list_parts(self, digest: str, upload_id: str) -> dict[int, str] | None:
        """Parts uploaded so far (number -> ETag), or None if the upload is gone."""
        raise StorageError(f"{self.describe()} does not support multipart uploads")

    def complete_multipart(self, digest: str, upload_id: str, parts: dict[int, str]) -> None:
        raise StorageError(f"{self.describe()} does not support multipart uploads")

    def abort_multipart(self, digest: str, upload_id: str) -> None:
        raise StorageError(f"{self.describe()} does not support multipart uploads")


def write_verified(chunks: Iterable[bytes], dest: Path, digest: str, where: str) -> None:
    """Stream ``chunks`` into ``dest`` atomically, only if they hash to ``digest``.

    Raises CorruptBlob naming ``where`` the bytes came from; ``dest`` is then untouched.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    hasher = StreamHasher()
    fd, tmp = tempfile.mkstemp(prefix=".download-", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                hasher.update(chunk)
                out.write(chunk)
        if hasher.hexdigest() != digest:
            raise CorruptBlob(
                f"blob {digest} from {where} is corrupted (its bytes hash to "
                f"{hasher.hexdigest()}); the stored copy or the transfer is damaged",
                details={"digest": digest},
            )
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_blob_store(url: str, *, s3_endpoint_url: str | None = None) -> BaseBlobStore:
    """A blob store for a settings ``artifacts_url``: a folder path or ``s3://bucket/prefix``."""
    if url.startswith("s3://"):
        from headway.store.blobstore.s3 import S3BlobStore

        return S3BlobStore(url, endpoint_url=s3_endpoint_url)
    if "://" in url and not url.startswith("file://"):
        raise InvalidArgument(
            f"unsupported artifacts URL {url!r}: use a folder path or s3://bucket/prefix"
        )
    from headway.store.blobstore.local import LocalBlobStore

    return LocalBlobStore(Path(url.removeprefix("file://")))
