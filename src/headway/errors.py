"""The one exception tree of Headway.

Every error a user can cause is a ``HeadwayError`` with a stable ``code`` (used as the
HTTP API's error code) and a message that names what was wrong. Each boundary translates
into this tree once: SQL errors in the store's session helper, these errors to HTTP in the
server, and HTTP back into the same classes in ``HttpBackend``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class HeadwayError(Exception):
    """Base of every Headway error."""

    code: ClassVar[str] = "internal"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidArgument(HeadwayError, ValueError):
    """The caller gave a value that is not allowed (bad name, type, step, expression…)."""

    code = "invalid_argument"
    http_status = 400


class NotFound(HeadwayError, LookupError):
    code = "not_found"
    http_status = 404


class AlreadyExists(HeadwayError):
    code = "already_exists"
    http_status = 409


class Conflict(HeadwayError):
    """The request is valid but clashes with stored state (e.g. changing a set config value)."""

    code = "conflict"
    http_status = 409


class PermissionDenied(HeadwayError):
    code = "permission_denied"
    http_status = 403


class PayloadTooLarge(HeadwayError):
    code = "payload_too_large"
    http_status = 413


class StorageError(HeadwayError):
    """The store could not complete an operation (database or blob store failure)."""

    code = "storage_error"
    http_status = 503


class CorruptBlob(StorageError):
    """Stored or transferred bytes do not match their digest; never returned as content."""

    code = "corrupt_blob"


class SchemaOutOfDate(StorageError):
    """The database schema is older or newer than this version of Headway expects."""

    code = "schema_out_of_date"


class Unavailable(HeadwayError):
    """A server could not be reached; the SDK keeps data in its spool and retries."""

    code = "unavailable"
    http_status = 503


ERROR_CLASSES: dict[str, type[HeadwayError]] = {
    cls.code: cls
    for cls in (
        HeadwayError,
        InvalidArgument,
        NotFound,
        AlreadyExists,
        Conflict,
        PermissionDenied,
        PayloadTooLarge,
        StorageError,
        CorruptBlob,
        SchemaOutOfDate,
        Unavailable,
    )
}


def error_from_dict(payload: dict[str, Any]) -> HeadwayError:
    """Rebuild the error a server sent, as the same class it was raised as."""
    cls = ERROR_CLASSES.get(str(payload.get("code", "")), HeadwayError)
    return cls(str(payload.get("message", "unknown error")), details=payload.get("details") or {})
