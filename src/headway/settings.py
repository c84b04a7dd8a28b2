"""One typed settings object, built in one place and passed down.

Only :func:`Settings.from_env` reads the environment; every other module takes a
``Settings`` (or the few values it needs) as an argument.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headway.errors import InvalidArgument

STORE_DIR_NAME = ".headway"
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024


def find_store_dir(start: Path | None = None) -> Path:
    """The ``.headway`` folder in ``start`` or its nearest parent that has one.

    Falls back to ``start/.headway`` (created on first write) when no parent has one.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / STORE_DIR_NAME
        if candidate.is_dir():
            return candidate
    return here / STORE_DIR_NAME


def _env_bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise InvalidArgument(f"expected a boolean (true/false) but got {value!r}")


def _env_float(name: str, value: str | None, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise InvalidArgument(f"{name} must be a number, got {value!r}") from None


@dataclass(frozen=True)
class Settings:
    """Everything configurable in Headway. Environment names are ``HEADWAY_<FIELD>``."""

    #: Folder of the embedded store: the SQLite database, spools and blobs.
    dir: Path
    #: SQLAlchemy URL of the metadata database; default: SQLite inside ``dir``.
    db_url: str
    #: Where blobs go: a local folder path or an ``s3://bucket/prefix`` URL.
    artifacts_url: str
    #: A team server's URL; when set, the SDK talks HTTP to it instead of the local store.
    url: str | None = None
    #: Seconds between run heartbeats sent by the SDK.
    heartbeat_interval: float = 10.0
    #: A running run whose last heartbeat is older than this many seconds is marked crashed.
    crash_timeout: float = 120.0
    #: Seconds the background writer waits before shipping a partial batch.
    flush_interval: float = 0.25
    #: Seconds between system-metrics samples.
    system_metrics_interval: float = 5.0
    capture_git: bool = True
    capture_code: bool = True
    capture_packages: bool = True
    capture_console: bool = True
    capture_system_metrics: bool = True
    #: Largest request body the server accepts, in bytes.
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    #: Disables the one-line warnings the SDK prints when the backend is unreachable.
    silent: bool = False
    #: Who is acting, recorded in artifact and registry history (until auth provides it).
    user: str = "unknown"
    #: Shared, content-addressed cache of downloaded artifact files.
    cache_dir: Path = field(default_factory=lambda: Path("~/.cache/headway").expanduser())
    #: Endpoint of an S3-compatible store (MinIO, moto, …); default: AWS.
    s3_endpoint_url: str | None = None
    #: Key that encrypts webhook secrets at rest (Fernet, urlsafe base64); default: a key
    #: file created in ``dir``. Several servers sharing a database must share this key.
    secret_key: str | None = None
    #: Where people open the web UI (e.g. ``https://headway.school.edu``): alerts link
    #: back to their page under it. ``headway server``/``ui`` default it to their address.
    public_url: str | None = None
    #: Files at least this large are uploaded to an object store in parts.
    multipart_threshold: int = 64 * 1024 * 1024
    #: Part size of multipart uploads (S3's minimum is 5 MiB).
    multipart_part_size: int = 64 * 1024 * 1024

    @property
    def spool_dir(self) -> Path:
        return self.dir / "spool"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, cwd: Path | None = None, **overrides: Any
    ) -> Settings:
        """Build settings from ``HEADWAY_*`` variables; keyword overrides win."""
        e = os.environ if env is None else env
        raw_dir = overrides.pop("dir", None) or e.get("HEADWAY_DIR")
        store_dir = Path(raw_dir).expanduser().resolve() if raw_dir else find_store_dir(cwd)
        db_url = overrides.pop("db_url", None) or e.get("HEADWAY_DB_URL") or sqlite_url(store_dir)
        artifacts = (
            overrides.pop("artifacts_url", None)
            or e.get("HEADWAY_ARTIFACTS_URL")
            or str(store_dir / "artifacts")
        )
        values: dict[str, Any] = {
            "url": e.get("HEADWAY_URL") or None,
            "heartbeat_interval": _env_float(
                "HEADWAY_HEARTBEAT_INTERVAL", e.get("HEADWAY_HEARTBEAT_INTERVAL"), 10.0
            ),
            "crash_timeout": _env_float(
                "HEADWAY_CRASH_TIMEOUT", e.get("HEADWAY_CRASH_TIMEOUT"), 120.0
            ),
            "flush_interval": _env_float(
                "HEADWAY_FLUSH_INTERVAL", e.get("HEADWAY_FLUSH_INTERVAL"), 0.25
            ),
            "system_metrics_interval": _env_float(
                "HEADWAY_SYSTEM_METRICS_INTERVAL", e.get("HEADWAY_SYSTEM_METRICS_INTERVAL"), 5.0
            ),
            "max_request_bytes": int(
                _env_float(
                    "HEADWAY_MAX_REQUEST_BYTES",
                    e.get("HEADWAY_MAX_REQUEST_BYTES"),
                    DEFAULT_MAX_REQUEST_BYTES,
                )
            ),
            "silent": _env_bool(e.get("HEADWAY_SILENT"), False),
            "user": e.get("HEADWAY_USER") or _login_name(),
            "cache_dir": Path(
                e.get("HEADWAY_CACHE_DIR") or Path("~/.cache/headway").expanduser()
            ).expanduser(),
            "s3_endpoint_url": e.get("HEADWAY_S3_ENDPOINT_URL") or None,
            "secret_key": e.get("HEADWAY_SECRET_KEY") or None,
            "public_url": (e.get("HEADWAY_PUBLIC_URL") or "").rstrip("/") or None,
        }
        for name in ("multipart_threshold", "multipart_part_size"):
            raw = e.get(f"HEADWAY_{name.upper()}")
            if raw:
                values[name] = int(_env_float(f"HEADWAY_{name.upper()}", raw, 0))
        for flag in ("git", "code", "packages", "console", "system_metrics"):
            name = f"capture_{flag}"
            values[name] = _env_bool(e.get(f"HEADWAY_{name.upper()}"), True)
        values.update(overrides)
        return cls(dir=store_dir, db_url=db_url, artifacts_url=artifacts, **values)


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def sqlite_url(store_dir: Path) -> str:
    return f"sqlite:///{store_dir / 'headway.db'}"
