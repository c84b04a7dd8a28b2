"""References: objects tracked by URI (``file://``, ``https://``, ``s3://``), not copied.

A reference records what it pointed to when logged: the content digest (BLAKE3, when it
was hashed) or the object's version marker (ETag, S3 version id, file mtime). Fetching it
later checks that marker, so a reference whose target changed is reported, never
returned as if it were the logged content.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from headway.artifacts import names
from headway.entities.artifacts import ManifestEntry
from headway.errors import InvalidArgument, NotFound, StorageError
from headway.store.blobstore.base import CorruptBlob
from headway.store.blobstore.digest import StreamHasher, digest_file

_CHUNK = 4 * 1024 * 1024


def resolve_reference(uri: str, path: str, *, checksum: bool) -> ManifestEntry:
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return _file_entry(uri, path, checksum)
    if scheme in ("http", "https"):
        return _http_entry(uri, path, checksum)
    if scheme == "s3":
        return _s3_entry(uri, path, checksum)
    raise InvalidArgument(f"unsupported reference {uri!r}")


def _local_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def _file_entry(uri: str, path: str, checksum: bool) -> ManifestEntry:
    local = _local_path(uri)
    if not local.is_file():
        raise InvalidArgument(f"reference {uri!r}: {local} is not a file")
    if checksum:
        digest, size = digest_file(local)
        return ManifestEntry(path, size, digest, ref=uri)
    st = local.stat()
    return ManifestEntry(path, st.st_size, None, ref=uri, etag=f"mtime:{st.st_mtime_ns}")


def _http_entry(uri: str, path: str, checksum: bool) -> ManifestEntry:
    try:
        with httpx.Client(timeout=60, follow_redirects=True) as client:
            if checksum:
                hasher = StreamHasher()
                with client.stream("GET", uri) as response:
                    _check_http(uri, response)
                    for chunk in response.iter_bytes(_CHUNK):
                        hasher.update(chunk)
                return ManifestEntry(path, hasher.size, hasher.hexdigest(), ref=uri)
            response = client.head(uri)
            _check_http(uri, response)
    except httpx.HTTPError as exc:
        raise StorageError(f"cannot reach reference {uri!r}: {exc}") from exc
    size = int(response.headers.get("content-length") or 0)
    marker = response.headers.get("etag") or response.headers.get("last-modified")
    return ManifestEntry(path, size, None, ref=uri, etag=marker)


def _check_http(uri: str, response: httpx.Response) -> None:
    if response.status_code == 404:
        raise NotFound(f"reference {uri!r} does not exist (HTTP 404)")
    if not response.is_success:
        raise StorageError(f"reference {uri!r} answered HTTP {response.status_code}")


def _s3(uri: str) -> tuple[object, str, str]:
    from headway.store.blobstore.s3 import parse_s3_url, s3_client

    bucket, key = parse_s3_url(uri)
    if not key:
        raise InvalidArgument(f"reference {uri!r} names a bucket, not an object")
    # Settings are built in their one place, not read from the environment here.
    from headway.settings import Settings

    return s3_client(Settings.from_env().s3_endpoint_url), bucket, key


def _s3_entry(uri: str, path: str, checksum: bool) -> ManifestEntry:
    from botocore.exceptions import BotoCoreError, ClientError

    client, bucket, key = _s3(uri)
    try:
        head = client.head_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
    except ClientError as exc:
        raise NotFound(f"reference {uri!r} does not exist or is not readable: {exc}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"cannot reach reference {uri!r}: {exc}") from exc
    marker = None
    if checksum:
        marker = str(head.get("ETag", "")).strip('"')
        if head.get("VersionId"):
            marker += f";version={head['VersionId']}"
    return ManifestEntry(path, int(head["ContentLength"]), None, ref=uri, etag=marker)


def fetch_reference(entry: ManifestEntry, dest: Path) -> None:
    """Download a reference to ``dest``, checking it is still what was logged."""
    assert entry.ref is not None
    names.reference_uri(entry.ref)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            hasher = StreamHasher()
            marker = _copy_reference(entry.ref, out, hasher)
        if entry.digest is not None and hasher.hexdigest() != entry.digest:
            raise CorruptBlob(
                f"reference {entry.ref} changed since it was logged (content digest differs)",
                details={"path": entry.path},
            )
        if entry.digest is None and entry.etag and marker and marker != entry.etag:
            raise CorruptBlob(
                f"reference {entry.ref} changed since it was logged ({entry.etag} -> {marker})",
                details={"path": entry.path},
            )
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_reference(uri: str, out: object, hasher: StreamHasher) -> str | None:
    scheme = urlparse(uri).scheme

    def write(chunk: bytes) -> None:
        hasher.update(chunk)
        out.write(chunk)  # type: ignore[attr-defined]

    if scheme == "file":
        local = _local_path(uri)
        if not local.is_file():
            raise NotFound(f"reference {uri!r}: {local} no longer exists")
        with open(local, "rb") as f:
            while chunk := f.read(_CHUNK):
                write(chunk)
        return f"mtime:{local.stat().st_mtime_ns}"
    if scheme in ("http", "https"):
        try:
            with (
                httpx.Client(timeout=60, follow_redirects=True) as client,
                client.stream("GET", uri) as response,
            ):
                _check_http(uri, response)
                for chunk in response.iter_bytes(_CHUNK):
                    write(chunk)
                found = response.headers.get("etag") or response.headers.get("last-modified")
                return None if found is None else str(found)
        except httpx.HTTPError as exc:
            raise StorageError(f"cannot download reference {uri!r}: {exc}") from exc
    s3, bucket, key = _s3(uri)
    answer = s3.get_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
    body = answer["Body"]
    try:
        for chunk in body.iter_chunks(_CHUNK):
            write(chunk)
    finally:
        body.close()
    marker = str(answer.get("ETag", "")).strip('"')
    if answer.get("VersionId"):
        marker += f";version={answer['VersionId']}"
    return marker
