"""Artifacts and the registry over HTTP, sharing ``HttpBackend``'s transport.

Bytes never pass through JSON: blobs go to presigned object-store URLs, or in parts to
the server's upload routes when it keeps blobs in a local folder, and downloads follow
the server's redirect to a presigned URL. Every download is verified against its digest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from headway.backend import codec
from headway.backend.artifacts import BaseArtifacts, BaseRegistry, Progress
from headway.entities.artifacts import (
    ArtifactCommit,
    ArtifactEvent,
    ArtifactPatch,
    ArtifactSummary,
    ArtifactVersion,
    ComparedVersion,
    Direction,
    FileChange,
    GcReport,
    LineageEdge,
    LineageGraph,
    LineageNode,
    ManifestEntry,
    UploadPlan,
    UploadTarget,
    VersionDiff,
)
from headway.entities.registry import (
    Automation,
    Delivery,
    ModelVersion,
    RegisteredModel,
    RegistryEvent,
)
from headway.errors import HeadwayError, InvalidArgument, StorageError, Unavailable
from headway.store.blobstore.base import CorruptBlob, write_verified
from headway.store.blobstore.digest import StreamHasher

if TYPE_CHECKING:
    from headway.backend.http import HttpBackend

USER_HEADER = "X-Headway-User"
_PART_RETRIES = 4


def _seg(value: str) -> str:
    if not isinstance(value, str) or not value or "/" in value:
        raise InvalidArgument(f"invalid name {value!r}")
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if value in (".", "..") else quoted


def _sel(selector: int | str) -> str:
    return f"v{selector}" if isinstance(selector, int) else _seg(selector)


def _number(version: int) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidArgument(f"a version number must be an integer, got {version!r}")
    return version


def _art(project: str, name: str, *rest: str) -> str:
    return "/".join((f"/projects/{_seg(project)}/artifacts/{_seg(name)}", *rest))


def _dt(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _opt_dt(value: Any) -> datetime | None:
    return None if value is None else _dt(value)


def version_from_wire(d: dict[str, Any]) -> ArtifactVersion:
    return ArtifactVersion(
        project=str(d["project"]),
        name=str(d["name"]),
        type=str(d["type"]),
        version=int(d["version"]),
        digest=str(d["digest"]),
        size=int(d["size"]),
        file_count=int(d["file_count"]),
        created_at=_dt(d["created_at"]),
        created_by=str(d["created_by"]),
        description=d.get("description"),
        metadata=codec.from_wire(d.get("metadata") or {}),
        tags=tuple(d.get("tags") or ()),
        aliases=tuple(d.get("aliases") or ()),
        run_id=d.get("run_id"),
        deleted_at=_opt_dt(d.get("deleted_at")),
    )


def _entry(d: dict[str, Any]) -> ManifestEntry:
    return ManifestEntry(
        str(d["path"]), int(d["size"]), d.get("digest"), d.get("ref"), d.get("etag")
    )


def _entries_of(body: Any) -> Any:
    return lambda: [_entry(f) for f in body["files"]]


def _entry_wire(e: ManifestEntry) -> dict[str, Any]:
    return {"path": e.path, "size": e.size, "digest": e.digest, "ref": e.ref, "etag": e.etag}


def _model(d: dict[str, Any]) -> RegisteredModel:
    return RegisteredModel(
        name=str(d["name"]),
        description=str(d["description"]),
        tags=dict(d["tags"]),
        created_at=_dt(d["created_at"]),
        updated_at=_dt(d["updated_at"]),
        version_count=int(d["version_count"]),
        latest_version=d.get("latest_version"),
        aliases={str(k): int(v) for k, v in d["aliases"].items()},
        protected=dict(d.get("protected") or {}),
    )


def _model_version(d: dict[str, Any]) -> ModelVersion:
    return ModelVersion(
        model=str(d["model"]),
        version=int(d["version"]),
        project=str(d["project"]),
        artifact=str(d["artifact"]),
        artifact_version=int(d["artifact_version"]),
        created_at=_dt(d["created_at"]),
        created_by=str(d["created_by"]),
        run_id=d.get("run_id"),
        description=str(d.get("description") or ""),
        tags=dict(d.get("tags") or {}),
        aliases=tuple(d.get("aliases") or ()),
    )


def _event(d: dict[str, Any]) -> RegistryEvent:
    return RegistryEvent(
        id=int(d["id"]),
        model=str(d["model"]),
        at=_dt(d["at"]),
        actor=str(d["actor"]),
        action=str(d["action"]),
        version=d.get("version"),
        alias=d.get("alias"),
        previous_version=d.get("previous_version"),
        details=codec.from_wire(d.get("details") or {}),
    )


def _automation(d: dict[str, Any]) -> Automation:
    return Automation(
        id=int(d["id"]),
        model=d.get("model"),
        name=str(d["name"]),
        events=tuple(d["events"]),
        url=str(d["url"]),
        enabled=bool(d["enabled"]),
        created_at=_dt(d["created_at"]),
        has_secret=bool(d["has_secret"]),
    )


class _HttpHalf:
    """Shared by the artifact and registry halves: the transport and the acting user."""

    #: Prepended to every path this half calls.
    prefix = ""

    def __init__(self, http: HttpBackend, user: str | None = None) -> None:
        self.http = http
        self._headers = {USER_HEADER: user} if user else None

    def with_user(self, user: str) -> Any:
        return type(self)(self.http, user)

    def _call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = self.http._send(
            method, self.prefix + path, payload=payload, params=params, headers=self._headers
        )
        return None if response.status_code == 204 else self.http._decode(response)


class HttpArtifacts(_HttpHalf, BaseArtifacts):
    def with_user(self, user: str) -> HttpArtifacts:
        return HttpArtifacts(self.http, user)

    def _version(
        self, method: str, path: str, payload: dict[str, Any] | None = None
    ) -> ArtifactVersion:
        body = self._call(method, path, payload)
        return self.http._parse(lambda: version_from_wire(body))

    # -- uploads --------------------------------------------------------------------------
    def begin_upload(self, project: str, blobs: Sequence[tuple[str, int]]) -> UploadPlan:
        return self.begin_remote_upload(project, blobs)

    def begin_remote_upload(self, project: str, blobs: Sequence[tuple[str, int]]) -> UploadPlan:
        payload = {"blobs": [{"digest": d, "size": s} for d, s in blobs]}
        body = self._call("POST", f"/projects/{_seg(project)}/artifacts/uploads", payload)
        return self.http._parse(
            lambda: UploadPlan(
                session_id=str(body["session_id"]),
                missing=tuple(
                    UploadTarget(
                        digest=str(t["digest"]),
                        size=int(t["size"]),
                        method=str(t["method"]),
                        url=t.get("url"),
                        upload_id=t.get("upload_id"),
                        part_size=int(t.get("part_size") or 0),
                        parts={int(k): str(u) for k, u in (t.get("parts") or {}).items()},
                        done_parts={int(k): str(e) for k, e in (t.get("done_parts") or {}).items()},
                    )
                    for t in body["missing"]
                ),
            )
        )

    def put_part(
        self, session_id: str, digest: str, upload_id: str, number: int, data: bytes
    ) -> str:
        response = self.http._send(
            "PUT",
            f"/uploads/{_seg(session_id)}/blobs/{_seg(digest)}/parts/{number}",
            content=data,
            content_type="application/octet-stream",
            params={"upload_id": upload_id},
            headers=self._headers,
        )
        return str(self.http._decode(response)["etag"])

    def complete_blob(self, session_id: str, digest: str, parts: dict[int, str]) -> None:
        self._call(
            "POST",
            f"/uploads/{_seg(session_id)}/blobs/{_seg(digest)}/complete",
            {"parts": {str(k): v for k, v in parts.items()}},
        )

    def abort_blob(self, session_id: str, digest: str) -> None:
        self._call("POST", f"/uploads/{_seg(session_id)}/blobs/{_seg(digest)}/abort")

    def upload(
        self,
        plan: UploadPlan,
        files: Mapping[str, Path],
        *,
        workers: int = 8,
        progress: Progress | None = None,
    ) -> None:
        # Parts are read in order on this thread and hashed as they are read, then sent by
        # the pool: the digest checked before completing is that of the bytes actually sent,
        # so a file edited during the upload is refused instead of stored under a digest it
        # does not have (object stores cannot check BLAKE3 themselves).
        slots = threading.BoundedSemaphore(max(1, workers))
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for target in plan.missing:
                if target.method not in ("put", "multipart"):
                    raise HeadwayError(
                        f"the server asked for an unknown upload method {target.method!r}"
                    )
                self._upload_one(
                    plan.session_id, target, files[target.digest], pool, slots, progress
                )

    def _upload_one(
        self,
        session_id: str,
        target: UploadTarget,
        path: Path,
        pool: ThreadPoolExecutor,
        slots: threading.BoundedSemaphore,
        progress: Progress | None,
    ) -> None:
        hasher = StreamHasher()
        pending: list[Future[tuple[int, str]]] = []

        def send(number: int | None, url: str, data: bytes) -> tuple[int, str]:
            try:
                etag = self._send_part(session_id, target, number, url, data)
            finally:
                slots.release()
            if progress is not None:
                progress(len(data))
            return (number or 0, etag)

        if target.method == "put":
            data = _read(path, 0, target.size)
            hasher.update(data)
            self._check_sent(target, hasher, path)
            slots.acquire()
            send(None, target.url or "", data)
            return
        count = max(1, -(-target.size // target.part_size))
        for number in range(1, count + 1):
            start = (number - 1) * target.part_size
            data = _read(path, start, min(target.part_size, target.size - start))
            hasher.update(data)
            if number in target.done_parts:
                continue
            slots.acquire()
            pending.append(pool.submit(send, number, target.parts[number], data))
        etags = dict(target.done_parts)
        etags.update(f.result() for f in pending)
        try:
            self._check_sent(target, hasher, path)
        except CorruptBlob:
            # The parts sent hold bytes of no consistent file: never resume from them.
            self.abort_blob(session_id, target.digest)
            raise
        self.complete_blob(session_id, target.digest, etags)

    @staticmethod
    def _check_sent(target: UploadTarget, hasher: StreamHasher, path: Path) -> None:
        if hasher.hexdigest() != target.digest:
            raise CorruptBlob(
                f"{path} changed while it was being uploaded (its bytes now hash to "
                f"{hasher.hexdigest()}, not {target.digest}); nothing was committed: log it again",
                details={"digest": target.digest},
            )

    def _send_part(
        self, session_id: str, target: UploadTarget, number: int | None, url: str, data: bytes
    ) -> str:
        for attempt in range(_PART_RETRIES):
            try:
                if url.startswith("/"):  # a part for the server itself
                    assert number is not None and target.upload_id is not None
                    return self.put_part(session_id, target.digest, target.upload_id, number, data)
                response = self.http._plain.put(url, content=data)
                if response.status_code >= 500:
                    raise Unavailable(f"object store answered HTTP {response.status_code}")
                if not response.is_success:
                    raise StorageError(
                        f"object store refused the upload of {target.digest}: HTTP "
                        f"{response.status_code} {response.text[:300]}"
                    )
                return str(response.headers.get("ETag", ""))
            except (Unavailable, httpx.TransportError) as exc:
                if attempt == _PART_RETRIES - 1:
                    raise Unavailable(f"uploading {target.digest} failed: {exc}") from exc
                time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def commit(
        self, session_id: str | None, commit: ArtifactCommit
    ) -> tuple[ArtifactVersion, bool]:
        payload = {
            "session_id": session_id,
            "type": commit.type,
            "entries": [_entry_wire(e) for e in commit.entries],
            "description": commit.description,
            "metadata": codec.to_wire(commit.metadata),
            "aliases": list(commit.aliases),
            "tags": list(commit.tags),
            "run_id": commit.run_id,
        }
        body = self._call("POST", _art(commit.project, commit.name, "versions"), payload)
        return self.http._parse(lambda: (version_from_wire(body["version"]), bool(body["created"])))

    # -- reads ----------------------------------------------------------------------------
    def get_version(
        self, project: str, name: str, selector: int | str, *, include_deleted: bool = False
    ) -> ArtifactVersion:
        body = self._call(
            "GET",
            _art(project, name, "versions", _sel(selector)),
            params={"include_deleted": include_deleted} if include_deleted else None,
        )
        return self.http._parse(lambda: version_from_wire(body))

    def list_artifacts(self, project: str, type: str | None = None) -> list[ArtifactSummary]:
        body = self._call(
            "GET", f"/projects/{_seg(project)}/artifacts", params={"type": type} if type else None
        )
        return self.http._parse(
            lambda: [
                ArtifactSummary(
                    project=str(a["project"]),
                    name=str(a["name"]),
                    type=str(a["type"]),
                    description=a.get("description"),
                    version_count=int(a["version_count"]),
                    latest_version=a.get("latest_version"),
                    created_at=_dt(a["created_at"]),
                    updated_at=_dt(a["updated_at"]),
                    aliases={str(k): int(v) for k, v in a["aliases"].items()},
                )
                for a in body["artifacts"]
            ]
        )

    def list_versions(
        self, project: str, name: str, *, include_deleted: bool = False
    ) -> list[ArtifactVersion]:
        body = self._call(
            "GET", _art(project, name, "versions"), params={"include_deleted": include_deleted}
        )
        return self.http._parse(lambda: [version_from_wire(v) for v in body["versions"]])

    def files(
        self,
        project: str,
        name: str,
        version: int,
        *,
        prefix: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ManifestEntry]:
        out: list[ManifestEntry] = []
        page = 10_000
        while True:
            want = page if limit is None else min(page, limit - len(out))
            if want <= 0:
                return out
            body = self._call(
                "GET",
                _art(project, name, "versions", f"v{version}", "files"),
                params={"prefix": prefix, "limit": want, "offset": offset + len(out)},
            )
            got: list[ManifestEntry] = self.http._parse(_entries_of(body))
            out.extend(got)
            if len(got) < want:
                return out

    def events(self, project: str, name: str) -> list[ArtifactEvent]:
        body = self._call("GET", _art(project, name, "events"))
        return self.http._parse(
            lambda: [
                ArtifactEvent(
                    _dt(e["at"]),
                    str(e["actor"]),
                    str(e["action"]),
                    e.get("version"),
                    codec.from_wire(e.get("details") or {}),
                )
                for e in body["events"]
            ]
        )

    def update(
        self, project: str, name: str, version: int, patch: ArtifactPatch
    ) -> ArtifactVersion:
        payload: dict[str, Any] = {
            "add_aliases": list(patch.add_aliases),
            "remove_aliases": list(patch.remove_aliases),
        }
        if patch.description is not None:
            payload["description"] = patch.description
        if patch.metadata is not None:
            payload["metadata"] = codec.to_wire(patch.metadata)
        if patch.tags is not None:
            payload["tags"] = list(patch.tags)
        return self._version("PATCH", _art(project, name, "versions", f"v{version}"), payload)

    def delete(self, project: str, name: str, version: int) -> ArtifactVersion:
        return self._version("DELETE", _art(project, name, "versions", f"v{version}"))

    def restore(self, project: str, name: str, version: int) -> ArtifactVersion:
        return self._version("POST", _art(project, name, "versions", f"v{version}", "restore"))

    def use(self, run_id: str, project: str, name: str, selector: int | str) -> ArtifactVersion:
        payload = {
            "project": project,
            "name": name,
            "selector": f"v{selector}" if isinstance(selector, int) else selector,
        }
        return self._version("POST", f"/runs/{_seg(run_id)}/artifacts/use", payload)

    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersion]]:
        body = self._call("GET", f"/runs/{_seg(run_id)}/artifacts")
        return self.http._parse(
            lambda: {
                "inputs": [version_from_wire(v) for v in body["inputs"]],
                "outputs": [version_from_wire(v) for v in body["outputs"]],
            }
        )

    def lineage(
        self,
        *,
        project: str | None = None,
        name: str | None = None,
        version: int | None = None,
        run_id: str | None = None,
        direction: Direction = Direction.BOTH,
        depth: int = 2,
    ) -> LineageGraph:
        params = {"direction": Direction(direction).value, "depth": depth}
        if run_id is not None:
            body = self._call("GET", f"/runs/{_seg(run_id)}/lineage", params=params)
        else:
            if project is None or name is None or version is None:
                raise InvalidArgument("lineage needs a run id, or a project, artifact and version")
            body = self._call(
                "GET", _art(project, name, "versions", f"v{version}", "lineage"), params=params
            )
        return self.http._parse(
            lambda: LineageGraph(
                root=str(body["root"]),
                nodes=tuple(
                    LineageNode(
                        str(n["kind"]),
                        str(n["id"]),
                        str(n["label"]),
                        n.get("type"),
                        n.get("state"),
                        int(n["depth"]),
                    )
                    for n in body["nodes"]
                ),
                edges=tuple(
                    LineageEdge(str(e["source"]), str(e["target"]), str(e["kind"]))
                    for e in body["edges"]
                ),
            )
        )

    def diff(
        self, project: str, name: str, old: int, new: int, *, new_name: str | None = None
    ) -> VersionDiff:
        params: dict[str, Any] = {"old": f"v{old}", "new": f"v{new}"}
        if new_name:
            params["new_name"] = new_name
        body = self._call("GET", _art(project, name, "diff"), params=params)
        return self.http._parse(
            lambda: VersionDiff(
                old=str(body["old"]),
                new=str(body["new"]),
                files=tuple(
                    FileChange(
                        str(f["path"]), str(f["status"]), f.get("old_size"), f.get("new_size")
                    )
                    for f in body["files"]
                ),
                metadata={
                    k: (codec.from_wire(p[0]), codec.from_wire(p[1]))
                    for k, p in body["metadata"].items()
                },
                unchanged_files=int(body["unchanged_files"]),
            )
        )

    # -- blobs ----------------------------------------------------------------------------
    def blob_url(self, digest: str) -> str | None:
        request = self.http._build("GET", f"/blobs/{_seg(digest)}", None, None, None, None)
        with self.http._translate("GET", "/blobs"):
            response = self.http._client.send(request, stream=True)
        try:
            if response.status_code == 307:
                return str(response.headers["location"])
            if not response.is_success:
                response.read()
                raise self.http._error(response)
            return None
        finally:
            response.close()

    def iter_blob(self, digest: str) -> Iterator[bytes]:
        request = self.http._build("GET", f"/blobs/{_seg(digest)}", None, None, None, None)
        with self.http._translate("GET", "/blobs"):
            response = self.http._client.send(request, stream=True)
        try:
            if response.status_code == 307:
                response.close()
                with self.http._plain.stream("GET", response.headers["location"]) as direct:
                    if not direct.is_success:
                        raise StorageError(
                            f"object store answered HTTP {direct.status_code} for blob {digest}"
                        )
                    yield from direct.iter_bytes(4 * 1024 * 1024)
                return
            if not response.is_success:
                response.read()
                raise self.http._error(response)
            yield from response.iter_bytes(4 * 1024 * 1024)
        finally:
            response.close()

    def fetch_blob(self, digest: str, dest: Path) -> None:
        write_verified(self.iter_blob(digest), dest, digest, self.http.url)

    def gc(
        self, *, grace_seconds: float = 3600, deleted_retention_seconds: float = 0, dry_run: bool
    ) -> GcReport:
        body = self._call(
            "POST",
            "/admin/gc",
            {
                "grace_seconds": grace_seconds,
                "deleted_retention_seconds": deleted_retention_seconds,
                "dry_run": dry_run,
            },
        )
        return self.http._parse(lambda: GcReport(**body))


def _read(path: Path, start: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(length)
    if len(data) != length:
        raise CorruptBlob(f"{path} changed size while it was being uploaded; log it again")
    return data


class HttpRegistry(_HttpHalf, BaseRegistry):
    prefix = "/registry"

    def with_user(self, user: str) -> HttpRegistry:
        return HttpRegistry(self.http, user)

    def _m(self, method: str, path: str, payload: dict[str, Any] | None = None) -> RegisteredModel:
        body = self._call(method, path, payload)
        return self.http._parse(lambda: _model(body))

    def _v(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
    ) -> ModelVersion:
        body = self._call(method, path, payload)
        return self.http._parse(lambda: _model_version(body))

    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        tags: dict[str, str] | None = None,
        exist_ok: bool = False,
    ) -> RegisteredModel:
        payload = {
            "name": name,
            "description": description,
            "tags": tags or {},
            "exist_ok": exist_ok,
        }
        return self._m("POST", "/models", payload)

    def get_model(self, name: str) -> RegisteredModel:
        return self._m("GET", f"/models/{_seg(name)}")

    def list_models(self, query: str | None = None) -> list[RegisteredModel]:
        body = self._call("GET", "/models", params={"q": query} if query else None)
        return self.http._parse(lambda: [_model(m) for m in body["models"]])

    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> RegisteredModel:
        payload = {
            "description": description,
            "set_tags": set_tags or {},
            "remove_tags": list(remove_tags),
        }
        return self._m("PATCH", f"/models/{_seg(name)}", payload)

    def rename_model(self, name: str, new_name: str) -> RegisteredModel:
        return self._m("POST", f"/models/{_seg(name)}/rename", {"new_name": new_name})

    def delete_model(self, name: str, *, role: str | None = None) -> None:
        self._call("DELETE", f"/models/{_seg(name)}", params={"role": role} if role else None)

    def link(
        self,
        name: str,
        *,
        project: str,
        artifact: str,
        selector: int | str,
        run_id: str | None = None,
        aliases: Sequence[str] = (),
        description: str = "",
        tags: dict[str, str] | None = None,
        role: str | None = None,
    ) -> ModelVersion:
        payload = {
            "project": project,
            "artifact": artifact,
            "selector": f"v{selector}" if isinstance(selector, int) else selector,
            "run_id": run_id,
            "aliases": list(aliases),
            "description": description,
            "tags": tags or {},
            "role": role,
        }
        return self._v("POST", f"/models/{_seg(name)}/versions", payload)

    def get_version(self, name: str, selector: int | str) -> ModelVersion:
        return self._v("GET", f"/models/{_seg(name)}/versions/{_sel(selector)}")

    def list_versions(self, name: str) -> list[ModelVersion]:
        body = self._call("GET", f"/models/{_seg(name)}/versions")
        return self.http._parse(lambda: [_model_version(v) for v in body["versions"]])

    def update_version(
        self,
        name: str,
        version: int,
        *,
        description: str | None = None,
        set_tags: dict[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> ModelVersion:
        payload = {
            "description": description,
            "set_tags": set_tags or {},
            "remove_tags": list(remove_tags),
        }
        return self._v("PATCH", f"/models/{_seg(name)}/versions/{version}", payload)

    def delete_version(self, name: str, version: int, *, role: str | None = None) -> None:
        self._call(
            "DELETE",
            f"/models/{_seg(name)}/versions/{_number(version)}",
            params={"role": role} if role else None,
        )

    def set_alias(
        self, name: str, alias: str, version: int, *, role: str | None = None
    ) -> ModelVersion:
        payload = {"version": version, "role": role}
        return self._v("PUT", f"/models/{_seg(name)}/aliases/{_seg(alias)}", payload)

    def rollback(self, name: str, alias: str, *, role: str | None = None) -> ModelVersion:
        return self._v(
            "POST", f"/models/{_seg(name)}/aliases/{_seg(alias)}/rollback", {"role": role}
        )

    def remove_alias(self, name: str, alias: str, *, role: str | None = None) -> None:
        self._call(
            "DELETE",
            f"/models/{_seg(name)}/aliases/{_seg(alias)}",
            params={"role": role} if role else None,
        )

    def protect(self, name: str, alias: str, role: str | None) -> RegisteredModel:
        return self._m("PUT", f"/models/{_seg(name)}/protected/{_seg(alias)}", {"role": role})

    def history(
        self,
        name: str,
        *,
        alias: str | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[RegistryEvent]:
        params: dict[str, Any] = {"limit": limit}
        if alias is not None:
            params["alias"] = alias
        if until is not None:
            params["until"] = until.isoformat()
        body = self._call("GET", f"/models/{_seg(name)}/history", params=params)
        return self.http._parse(lambda: [_event(e) for e in body["events"]])

    def alias_at(self, name: str, alias: str, when: datetime) -> ModelVersion | None:
        body = self._call(
            "GET",
            f"/models/{_seg(name)}/aliases/{_seg(alias)}/at",
            params={"time": when.isoformat()},
        )
        return self.http._parse(
            lambda: None if body["version"] is None else _model_version(body["version"])
        )

    def compare(
        self, *, artifacts: Sequence[str] = (), models: Sequence[str] = ()
    ) -> list[ComparedVersion]:
        response = self.http._send(
            "POST",
            "/compare",
            payload={"artifacts": list(artifacts), "models": list(models)},
            headers=self._headers,
        )
        body = self.http._decode(response)
        return self.http._parse(
            lambda: [
                ComparedVersion(
                    version=version_from_wire(r["version"]),
                    model_ref=r.get("model_ref"),
                    run_id=r.get("run_id"),
                    run_name=r.get("run_name"),
                    config=dict(r.get("config") or {}),
                    summary=codec.from_wire(r.get("summary") or {}),
                    inputs=tuple(r.get("inputs") or ()),
                )
                for r in body["versions"]
            ]
        )

    def create_automation(
        self,
        *,
        model: str | None,
        name: str,
        events: Sequence[str],
        url: str,
        secret: str | None = None,
    ) -> Automation:
        payload = {
            "model": model,
            "name": name,
            "events": list(events),
            "url": url,
            "secret": secret,
        }
        body = self._call("POST", "/automations", payload)
        return self.http._parse(lambda: _automation(body))

    def list_automations(self, model: str | None = None) -> list[Automation]:
        body = self._call("GET", "/automations", params={"model": model} if model else None)
        return self.http._parse(lambda: [_automation(a) for a in body["automations"]])

    def set_automation_enabled(self, automation_id: int, enabled: bool) -> Automation:
        body = self._call("PATCH", f"/automations/{int(automation_id)}", {"enabled": enabled})
        return self.http._parse(lambda: _automation(body))

    def delete_automation(self, automation_id: int) -> None:
        self._call("DELETE", f"/automations/{int(automation_id)}")

    def deliveries(self, automation_id: int) -> list[Delivery]:
        body = self._call("GET", f"/automations/{int(automation_id)}/deliveries")
        return self.http._parse(
            lambda: [
                Delivery(
                    id=int(d["id"]),
                    automation_id=int(d["automation_id"]),
                    event_id=int(d["event_id"]),
                    attempt=int(d["attempt"]),
                    at=_dt(d["at"]),
                    ok=bool(d["ok"]),
                    status_code=d.get("status_code"),
                    response=str(d["response"]),
                    error=d.get("error"),
                    duration_ms=float(d["duration_ms"]),
                )
                for d in body["deliveries"]
            ]
        )
