"""``S3BlobStore``: blobs in any S3-compatible object store (AWS, MinIO, moto, …).

Uploads from the SDK in server mode never pass through the API process: the server hands
out presigned URLs (one PUT for small blobs, multipart parts for large ones) and the
client sends bytes straight here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from headway.errors import InvalidArgument, NotFound, StorageError
from headway.store.blobstore.base import (
    BaseBlobStore,
    BlobInfo,
    CorruptBlob,
    blob_key,
    write_verified,
)
from headway.store.blobstore.digest import StreamHasher, is_digest

_CHUNK = 8 * 1024 * 1024
#: S3 refuses multipart parts under 5 MiB (except the last one).
MIN_PART_SIZE = 5 * 1024 * 1024


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> (bucket, "some/prefix")."""
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise InvalidArgument(f"invalid S3 URL {url!r}: expected s3://bucket/prefix")
    return bucket, prefix.strip("/")


def s3_client(endpoint_url: str | None = None) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:  # pragma: no cover - depends on the installation
        raise InvalidArgument("S3 storage needs boto3: pip install 'headway[s3]'") from None
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or None,
        config=Config(
            signature_version="s3v4",
            retries={"max_attempts": 5, "mode": "standard"},
            max_pool_connections=32,
        ),
    )


class S3BlobStore(BaseBlobStore):
    supports_presign = True

    def __init__(self, url: str, *, endpoint_url: str | None = None) -> None:
        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        self.client = s3_client(endpoint_url)

    def describe(self) -> str:
        return self.url

    def key(self, digest: str) -> str:
        key = blob_key(digest)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound", "NoSuchUpload"):
                raise NotFound(f"{what}: not found in {self.url}") from exc
            raise StorageError(f"{what} failed on {self.url}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{what} failed on {self.url}: {exc}") from exc

    def exists(self, digest: str) -> bool:
        try:
            self._call("HEAD", self.client.head_object, Bucket=self.bucket, Key=self.key(digest))
        except NotFound:
            return False
        return True

    def missing(self, digests: Iterable[str]) -> set[str]:
        wanted = sorted(set(digests))
        if len(wanted) < 4:
            return {d for d in wanted if not self.exists(d)}
        with ThreadPoolExecutor(16) as pool:
            present = list(pool.map(self.exists, wanted))
        return {d for d, ok in zip(wanted, present, strict=True) if not ok}

    def put_file(self, digest: str, path: Path) -> None:
        from boto3.s3.transfer import TransferConfig

        hasher = StreamHasher()
        # Hash while boto3 reads, so a file that changed after it was hashed is caught.
        with open(path, "rb") as f:
            reader = _HashingReader(f, hasher)
            self._call(
                "upload",
                self.client.upload_fileobj,
                Fileobj=reader,
                Bucket=self.bucket,
                Key=self.key(digest),
                Config=TransferConfig(multipart_chunksize=64 * 1024 * 1024, max_concurrency=8),
            )
        if hasher.hexdigest() != digest:
            self.delete(digest)
            raise CorruptBlob(
                f"{path} changed while it was being uploaded (digest {hasher.hexdigest()}, "
                f"expected {digest}); log it again",
                details={"digest": digest},
            )

    def put_stream(self, digest: str, chunks: Iterable[bytes]) -> int:
        self.key(digest)  # an invalid digest is refused before any byte is read
        with tempfile.NamedTemporaryFile(prefix="headway-upload-") as tmp:
            hasher = StreamHasher()
            for chunk in chunks:
                hasher.update(chunk)
                tmp.write(chunk)
            tmp.flush()
            if hasher.hexdigest() != digest:
                raise CorruptBlob(
                    f"uploaded bytes hash to {hasher.hexdigest()}, not {digest}",
                    details={"digest": digest},
                )
            self.put_file(digest, Path(tmp.name))
            return hasher.size

    def get_file(self, digest: str, dest: Path) -> None:
        write_verified(self.iter_chunks(digest), dest, digest, self.url)

    def iter_chunks(self, digest: str) -> Iterator[bytes]:
        body = self._call(
            f"GET blob {digest}", self.client.get_object, Bucket=self.bucket, Key=self.key(digest)
        )["Body"]
        try:
            yield from body.iter_chunks(_CHUNK)
        finally:
            body.close()

    def delete(self, digest: str) -> None:
        self._call("DELETE", self.client.delete_object, Bucket=self.bucket, Key=self.key(digest))

    def iter_blobs(self) -> Iterator[BlobInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = f"{self.prefix}/blobs/" if self.prefix else "blobs/"
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = str(item["Key"]).rsplit("/", 1)[-1]
                if is_digest(name):
                    yield BlobInfo(name, int(item["Size"]), item["LastModified"])

    # -- presigned transfers ----------------------------------------------------------------
    def presign_get(self, digest: str, expires: int = 3600) -> str:
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self.key(digest)},
                ExpiresIn=expires,
            )
        )

    def presign_put(self, digest: str, expires: int = 3600) -> str:
        return str(
            self.client.generate_presigned_url(
                "put_object",
                Params={"Bucket": self.bucket, "Key": self.key(digest)},
                ExpiresIn=expires,
            )
        )

    def start_multipart(self, digest: str) -> str:
        answer = self._call(
            "start multipart upload",
            self.client.create_multipart_upload,
            Bucket=self.bucket,
            Key=self.key(digest),
        )
        return str(answer["UploadId"])

    def presign_part(self, digest: str, upload_id: str, number: int, expires: int = 3600) -> str:
        return str(
            self.client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self.bucket,
                    "Key": self.key(digest),
                    "UploadId": upload_id,
                    "PartNumber": number,
                },
                ExpiresIn=expires,
            )
        )

    def list_parts(self, digest: str, upload_id: str) -> dict[int, str] | None:
        parts: dict[int, str] = {}
        marker = 0
        while True:
            try:
                answer = self._call(
                    "list parts",
                    self.client.list_parts,
                    Bucket=self.bucket,
                    Key=self.key(digest),
                    UploadId=upload_id,
                    PartNumberMarker=marker,
                )
            except NotFound:
                return None
            for part in answer.get("Parts", []):
                parts[int(part["PartNumber"])] = str(part["ETag"])
            if not answer.get("IsTruncated"):
                return parts
            marker = int(answer["NextPartNumberMarker"])

    def complete_multipart(self, digest: str, upload_id: str, parts: dict[int, str]) -> None:
        self._call(
            "complete multipart upload",
            self.client.complete_multipart_upload,
            Bucket=self.bucket,
            Key=self.key(digest),
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": parts[n]} for n in sorted(parts)]},
        )

    def abort_multipart(self, digest: str, upload_id: str) -> None:
        with contextlib.suppress(NotFound):
            self._call(
                "abort multipart upload",
                self.client.abort_multipart_upload,
                Bucket=self.bucket,
                Key=self.key(digest),
                UploadId=upload_id,
            )


class _HashingReader:
    """A file object that hashes what is read from it (boto3 reads it sequentially)."""

    def __init__(self, f: Any, hasher: StreamHasher) -> None:
        self._f = f
        self._hasher = hasher

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self._f.read(size)
        self._hasher.update(chunk)
        return chunk
