"""``LocalBlobStore``: blobs as files in a folder (the embedded default)."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from headway.errors import InvalidArgument, NotFound
from headway.store.blobstore.base import BaseBlobStore, BlobInfo, CorruptBlob, blob_key
from headway.store.blobstore.digest import StreamHasher, digest_file, is_digest

_CHUNK = 4 * 1024 * 1024


class LocalBlobStore(BaseBlobStore):
    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()

    def describe(self) -> str:
        return str(self.root)

    def path(self, digest: str) -> Path:
        return self.root / blob_key(digest)

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def put_file(self, digest: str, path: Path) -> None:
        # The kernel copies (sendfile/copy_file_range), then the copy is hashed with BLAKE3's
        # memory-mapped, multi-threaded path: what is verified is exactly what is stored,
        # at several times the speed of a Python read/hash/write loop.
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            found, _size = digest_file(tmp)
            if found != digest:
                raise CorruptBlob(
                    f"{path} changed while it was being logged (its bytes now hash to "
                    f"{found}, not {digest}); nothing was stored: log it again",
                    details={"digest": digest},
                )
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_stream(self, digest: str, chunks: Iterable[bytes]) -> int:
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        hasher = StreamHasher()
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    hasher.update(chunk)
                    out.write(chunk)
            if hasher.hexdigest() != digest:
                raise CorruptBlob(
                    f"uploaded bytes hash to {hasher.hexdigest()}, not {digest}: the file "
                    "changed while it was being logged, or was damaged in transit",
                    details={"digest": digest},
                )
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return hasher.size

    def get_file(self, digest: str, dest: Path) -> None:
        source = self.path(digest)
        if not source.is_file():
            raise NotFound(f"blob {digest} is missing from {self.root}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".download-", dir=dest.parent)
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            found, _size = digest_file(tmp)
            if found != digest:
                raise CorruptBlob(
                    f"stored blob {digest} is corrupted (its bytes hash to {found}); restore "
                    "it from a backup or re-log the artifact",
                    details={"digest": digest, "path": str(source)},
                )
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def iter_chunks(self, digest: str) -> Iterator[bytes]:
        source = self.path(digest)
        try:
            f = open(source, "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise NotFound(f"blob {digest} is missing from {self.root}") from None
        with f:
            while chunk := f.read(_CHUNK):
                yield chunk

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def iter_blobs(self) -> Iterator[BlobInfo]:
        base = self.root / "blobs"
        if not base.is_dir():
            return
        for dirpath, _dirs, names in os.walk(base):
            for name in names:
                if not is_digest(name):
                    continue  # temporary files of uploads in flight
                try:
                    st = (Path(dirpath) / name).stat()
                except FileNotFoundError:
                    continue
                yield BlobInfo(name, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    # -- multipart (through the API: parts land here, then are joined and verified) -----
    def _parts_dir(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise InvalidArgument(f"invalid upload id {upload_id!r}")
        return self.root / "uploads" / upload_id

    def start_multipart(self, digest: str) -> str:
        upload_id = secrets.token_hex(16)
        self._parts_dir(upload_id).mkdir(parents=True, exist_ok=True)
        return upload_id

    def put_part(self, upload_id: str, number: int, chunks: Iterable[bytes]) -> str:
        """Store one part atomically; returns its ETag (the part's digest)."""
        folder = self._parts_dir(upload_id)
        if not folder.is_dir():
            raise NotFound(f"upload {upload_id} does not exist (it was completed or aborted)")
        hasher = StreamHasher()
        fd, tmp = tempfile.mkstemp(prefix=".part-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    hasher.update(chunk)
                    out.write(chunk)
            os.replace(tmp, folder / str(number))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return hasher.hexdigest()

    def list_parts(self, digest: str, upload_id: str) -> dict[int, str] | None:
        folder = self._parts_dir(upload_id)
        if not folder.is_dir():
            return None
        return {int(p.name): str(p.stat().st_size) for p in folder.iterdir() if p.name.isdigit()}

    def complete_multipart(self, digest: str, upload_id: str, parts: dict[int, str]) -> None:
        folder = self._parts_dir(upload_id)
        numbers = sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())
        if not numbers or numbers != list(range(1, len(numbers) + 1)):
            raise InvalidArgument(
                f"upload {upload_id} is incomplete: parts {numbers} are present, "
                "expected 1..N without gaps"
            )

        def chunks() -> Iterator[bytes]:
            for n in numbers:
                with open(folder / str(n), "rb") as f:
                    while chunk := f.read(_CHUNK):
                        yield chunk

        self.put_stream(digest, chunks())
        shutil.rmtree(folder, ignore_errors=True)

    def abort_multipart(self, digest: str, upload_id: str) -> None:
        shutil.rmtree(self._parts_dir(upload_id), ignore_errors=True)
