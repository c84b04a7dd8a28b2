"""``HttpBackend``: every ``BaseBackend`` call over HTTP to ``headway server``.

Errors come back as the class the server raised (``error_from_dict`` on the
``{"error": {...}}`` body); a server that cannot be reached is ``Unavailable``. There
are no retries here: the SDK's writer owns retrying, with its spool behind it.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any, TypeVar
from urllib.parse import quote

import httpx

from headway.backend import codec, lifecycle_wire
from headway.backend.base import BaseBackend
from headway.backend.http_alerts import HttpAlerts
from headway.backend.http_artifacts import USER_HEADER, HttpArtifacts, HttpRegistry
from headway.backend.http_monitoring import HttpMonitoring
from headway.backend.http_sweeps import HttpSweeps
from headway.entities import (
    ConsoleLine,
    Envelope,
    LogBatch,
    Project,
    Run,
    RunCreate,
    RunPage,
    RunState,
    RunUpdate,
    SearchQuery,
    Series,
)
from headway.errors import (
    HeadwayError,
    InvalidArgument,
    NotFound,
    PayloadTooLarge,
    Unavailable,
    error_from_dict,
)
from headway.tracking import validation

#: Bodies above this size are gzip-compressed when that makes them meaningfully smaller.
GZIP_MIN_BYTES = 64 * 1024
_API = "/api/v1"
T = TypeVar("T")


class HttpBackend(BaseBackend):
    """Talks to ``headway server`` at ``url``. Thread-safe: one pooled ``httpx.Client``."""

    # About 0.8 MB a request: small enough that a server shared by many busy writers
    # answers each within tens of milliseconds, large enough to reach 1M points/s.
    max_batch_points = 32_768

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        token: str | None = None,
        user: str | None = None,
    ) -> None:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise InvalidArgument(f"invalid server URL {url!r}: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidArgument(
                f"invalid server URL {url!r}: expected http://host:port or https://host"
            )
        self.url = url.rstrip("/")
        self.timeout = timeout
        headers = {"User-Agent": f"headway-python/{_version()}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if user:
            headers[USER_HEADER] = user
        self._client = httpx.Client(
            base_url=self.url + _API, timeout=timeout, headers=headers, follow_redirects=False
        )
        # Presigned object-store URLs: no base URL, and never our Authorization header.
        self._plain = httpx.Client(timeout=max(timeout, 300.0), follow_redirects=True)
        self.artifacts = HttpArtifacts(self)
        self.registry = HttpRegistry(self)
        self.monitoring = HttpMonitoring(self)
        self.alerts = HttpAlerts(self)
        self.sweeps = HttpSweeps(self)

    def close(self) -> None:
        self._client.close()
        self._plain.close()

    def health(self) -> dict[str, Any]:
        """The server's status, version and schema version."""
        health: dict[str, Any] = self._get("/health")
        return health

    # -- projects -------------------------------------------------------------------------
    def list_projects(self) -> list[Project]:
        body = self._get("/projects")
        return self._parse(lambda: [_project(p) for p in body["projects"]])

    def get_project(self, name: str) -> Project:
        body = self._get(f"/projects/{_project_segment(name)}")
        return self._parse(lambda: _project(body))

    def ensure_project(self, name: str) -> Project:
        body = self._json("POST", "/projects", {"name": name})
        return self._parse(lambda: _project(body))

    # -- runs -----------------------------------------------------------------------------
    def create_run(self, spec: RunCreate) -> Run:
        payload = lifecycle_wire.create_to_wire(spec)
        payload["config"] = validation.config_tree(spec.config)
        return self._run("POST", "/runs", payload)

    def get_run(self, run_id: str) -> Run:
        return self._run("GET", _run_path(run_id))

    def update_run(self, run_id: str, update: RunUpdate) -> Run:
        return self._run("PATCH", _run_path(run_id), lifecycle_wire.update_to_wire(update))

    def resume_run(self, run_id: str) -> Run:
        return self._run("POST", _run_path(run_id, "resume"))

    def finish_run(
        self,
        run_id: str,
        state: RunState,
        *,
        exit_code: int | None = None,
        error: str | None = None,
    ) -> Run:
        payload = {"state": _state(state), "exit_code": exit_code, "error": error}
        return self._run("POST", _run_path(run_id, "finish"), payload)

    def delete_run(self, run_id: str) -> None:
        self._send("DELETE", _run_path(run_id))

    def restore_run(self, run_id: str) -> Run:
        return self._run("POST", _run_path(run_id, "restore"))

    # -- ingestion ------------------------------------------------------------------------
    def log_batch(self, run_id: str, batch: LogBatch) -> bool:
        response = self._send(
            "POST",
            _run_path(run_id, "log"),
            content=codec.encode_batch(batch),
            content_type=codec.BATCH_MEDIA_TYPE,
        )
        body = self._decode(response)
        return self._parse(lambda: bool(body["applied"]))

    def update_config(
        self, run_id: str, values: dict[str, Any], *, allow_val_change: bool = False
    ) -> Run:
        # The shared input rules run here too, so unstorable values fail with the same
        # message as in embedded mode instead of being mangled by JSON on the way.
        payload = {"values": validation.config_tree(values), "allow_val_change": allow_val_change}
        return self._run("PATCH", _run_path(run_id, "config"), payload)

    def update_summary(self, run_id: str, values: dict[str, Any]) -> Run:
        return self._run("PATCH", _run_path(run_id, "summary"), {"values": values})

    def put_files(self, run_id: str, files: dict[str, bytes]) -> None:
        for path, content in files.items():
            self._send(
                "PUT",
                _run_path(run_id, "files", _file_path(path)),
                content=bytes(content),
                content_type="application/octet-stream",
            )

    def get_file(self, run_id: str, path: str) -> bytes:
        return self._send("GET", _run_path(run_id, "files", _file_path(path))).content

    def list_files(self, run_id: str) -> list[str]:
        body = self._get(_run_path(run_id, "files"))
        return self._parse(lambda: [str(f) for f in body["files"]])

    # -- reads ----------------------------------------------------------------------------
    def metric_keys(self, run_id: str) -> list[str]:
        body = self._get(_run_path(run_id, "metrics"))
        return self._parse(lambda: [str(k) for k in body["keys"]])

    def get_history(
        self,
        run_id: str,
        keys: Sequence[str],
        *,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, Series]:
        payload = {
            "run_ids": [run_id],
            "keys": list(keys),
            "min_step": min_step,
            "max_step": max_step,
        }
        response = self._send("POST", "/history", payload=payload, accept=codec.SERIES_MEDIA_TYPE)
        return self._parse(lambda: codec.decode_history(response.content)[run_id])

    def get_envelopes(
        self,
        run_ids: Sequence[str],
        keys: Sequence[str],
        *,
        buckets: int,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, dict[str, Envelope]]:
        payload = {
            "run_ids": list(run_ids),
            "keys": list(keys),
            "buckets": buckets,
            "min_step": min_step,
            "max_step": max_step,
        }
        body = self._json("POST", "/history/envelope", payload)
        return self._parse(
            lambda: {
                run_id: {key: codec.envelope_from_wire(key, raw) for key, raw in by_key.items()}
                for run_id, by_key in body["runs"].items()
            }
        )

    def get_console(
        self, run_id: str, *, offset: int = 0, limit: int = 10_000
    ) -> list[ConsoleLine]:
        body = self._get(_run_path(run_id, "console"), params={"offset": offset, "limit": limit})
        return self._parse(
            lambda: [
                ConsoleLine(float(x["time"]), str(x["stream"]), str(x["text"]))
                for x in body["lines"]
            ]
        )

    def search_runs(self, query: SearchQuery) -> RunPage:
        payload = {
            "filter": query.filter,
            "order": list(query.order),
            "limit": query.limit,
            "cursor": query.cursor,
            "columns": None if query.columns is None else list(query.columns),
            "include_deleted": query.include_deleted,
        }
        body = self._json(
            "POST", f"/projects/{_project_segment(query.project)}/runs/search", payload
        )
        return self._parse(
            lambda: RunPage(
                runs=tuple(_run(r) for r in body["runs"]),
                next_cursor=body["next_cursor"],
                total=int(body["total"]),
            )
        )

    def export_project(self, project: str, dest: Path) -> list[Path]:
        path = f"/projects/{_project_segment(project)}/export"
        with tempfile.TemporaryFile() as archive:
            with self._stream("GET", path) as response:
                for chunk in response.iter_bytes():
                    archive.write(chunk)
            archive.seek(0)
            return self._parse(lambda: _unzip(archive, Path(dest)))

    # -- transport ------------------------------------------------------------------------
    def _get(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return self._decode(self._send("GET", path, params=params))

    def _json(self, method: str, path: str, payload: dict[str, Any]) -> Any:
        return self._decode(self._send(method, path, payload=payload))

    def _run(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Run:
        body = self._decode(self._send(method, path, payload=payload))
        return self._parse(lambda: _run(body))

    def _send(
        self,
        method: str,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, Any] | None = None,
        accept: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        request = self._build(method, path, payload, content, content_type, params)
        if headers:
            request.headers.update(headers)
        if accept is not None:
            request.headers["Accept"] = accept
            # Binary columns of floats barely compress; gzip would cost more than it saves.
            request.headers["Accept-Encoding"] = "identity"
        with self._translate(method, path):
            response = self._client.send(request)
        if not response.is_success:
            raise self._error(response)
        return response

    @contextmanager
    def _stream(
        self, method: str, path: str, *, headers: dict[str, str] | None = None
    ) -> Iterator[httpx.Response]:
        request = self._build(method, path, None, None, None, None)
        if headers:
            request.headers.update(headers)
        with self._translate(method, path):
            response = self._client.send(request, stream=True)
            try:
                if not response.is_success:
                    response.read()
                    raise self._error(response)
                yield response
            finally:
                response.close()

    def _build(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None,
        content: bytes | None,
        content_type: str | None,
        params: dict[str, Any] | None,
    ) -> httpx.Request:
        headers: dict[str, str] = {}
        if payload is not None:
            content, content_type = codec.dumps(codec.to_wire(payload)), codec.JSON_MEDIA_TYPE
        if content_type is not None:
            headers["Content-Type"] = content_type
        if content is not None and len(content) > GZIP_MIN_BYTES:
            packed = gzip.compress(content, compresslevel=1, mtime=0)
            if len(packed) < 0.9 * len(content):
                content = packed
                headers["Content-Encoding"] = "gzip"
        return self._client.build_request(
            method, path, content=content, headers=headers, params=params
        )

    @contextmanager
    def _translate(self, method: str, path: str) -> Iterator[None]:
        """Transport failures, the one place they become ``Unavailable``."""
        where = f"{self.url}{_API}{path}"
        try:
            yield
        except httpx.TimeoutException as exc:
            raise Unavailable(
                f"the Headway server at {self.url} did not answer {method} {path} within "
                f"{self.timeout:g} s ({type(exc).__name__})",
                details={"url": where},
            ) from exc
        except httpx.TransportError as exc:
            raise Unavailable(
                f"cannot reach the Headway server at {self.url}: {exc or type(exc).__name__}",
                details={"url": where},
            ) from exc

    def _error(self, response: httpx.Response) -> HeadwayError:
        try:
            info = codec.loads(response.content)["error"]
            if isinstance(info, dict) and isinstance(info.get("code"), str):
                return error_from_dict(info)
        except (HeadwayError, KeyError, TypeError):
            pass
        # Not our error shape: a proxy or load balancer in between, or a wrong URL.
        status = response.status_code
        text = response.text[:200].strip()
        message = f"HTTP {status} from {response.request.url}: {text or response.reason_phrase}"
        if status == 413:
            return PayloadTooLarge(message)
        if status in (502, 503, 504):
            return Unavailable(message)
        if status == 404:
            return NotFound(message + " (is this the URL of a Headway server?)")
        return HeadwayError(message)

    def _decode(self, response: httpx.Response) -> Any:
        try:
            return codec.loads(response.content)
        except HeadwayError:
            raise self._bad_response(response.request.url, "not JSON") from None

    def _parse(self, build: Callable[[], T]) -> T:
        """Run ``build`` on a decoded body; a malformed answer is a server bug, not ours."""
        try:
            return build()
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._bad_response(self.url, f"{type(exc).__name__}: {exc}") from exc

    def _bad_response(self, url: object, why: str) -> HeadwayError:
        return HeadwayError(
            f"unexpected response from the Headway server at {url} ({why}); "
            "are the client and server versions compatible?"
        )


# -- wire -> entities ----------------------------------------------------------------------


def _project(d: dict[str, Any]) -> Project:
    return Project(
        name=str(d["name"]),
        created_at=_datetime(d["created_at"]),
        run_count=int(d["run_count"]),
        last_activity=_optional_datetime(d.get("last_activity")),
    )


def _run(d: dict[str, Any]) -> Run:
    return Run(
        id=str(d["id"]),
        project=str(d["project"]),
        name=str(d["name"]),
        state=RunState(d["state"]),
        created_at=_datetime(d["created_at"]),
        updated_at=_datetime(d["updated_at"]),
        config=dict(d["config"]),
        summary=codec.from_wire(d["summary"]),
        metrics=codec.from_wire(d["metrics"]),
        tags=tuple(d["tags"]),
        kv_tags=dict(d.get("kv_tags") or {}),
        notes=str(d["notes"]),
        group=d.get("group"),
        job_type=d.get("job_type"),
        parent_id=d.get("parent_id"),
        finished_at=_optional_datetime(d.get("finished_at")),
        heartbeat_at=_optional_datetime(d.get("heartbeat_at")),
        deleted_at=_optional_datetime(d.get("deleted_at")),
        metadata=codec.from_wire(d.get("metadata") or {}),
        error=d.get("error"),
        exit_code=d.get("exit_code"),
        last_step=int(d.get("last_step", -1)),
    )


def _datetime(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _optional_datetime(value: Any) -> datetime | None:
    return None if value is None else _datetime(value)


def _state(state: RunState | str) -> str:
    return state.value if isinstance(state, RunState) else str(state)


def _unzip(archive: IO[bytes], dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"the export is not a zip archive: {exc}") from None
    with zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or name.is_absolute() or ".." in name.parts:
                raise ValueError(f"unexpected entry {info.filename!r} in the export archive")
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            written.append(target)
    return written


# -- paths -----------------------------------------------------------------------------------
# Starlette routes on the percent-decoded path, so a value containing "/" cannot travel as
# one path segment. Such values are invalid anyway; raise what the domain would raise.


def _segment(value: str) -> str:
    quoted = quote(value, safe="")
    # httpx collapses literal "." and ".." segments; escaped, they reach the server as sent.
    return quoted.replace(".", "%2E") if value in (".", "..") else quoted


def _run_path(run_id: str, *rest: str) -> str:
    if not isinstance(run_id, str) or not run_id or "/" in run_id:
        raise NotFound(f"run {run_id!r} does not exist")
    return "/".join(("/runs", _segment(run_id), *rest))


def _project_segment(name: str) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        validation.project_name(name)  # raises InvalidArgument naming the rule
    return _segment(name)


def _file_path(path: str) -> str:
    # The server checks the path; dot segments are escaped so they reach it unchanged.
    return "/".join(_segment(part) if part else "" for part in str(path).split("/"))


def _version() -> str:
    try:
        return metadata.version("headway")
    except metadata.PackageNotFoundError:
        return "0+unknown"
