"""Request bodies: a size cap that holds for chunked and gzip-encoded bodies too.

Every handler needs its whole body anyway, so the middleware reads it once, counting
bytes as they arrive and inflating gzip incrementally with a bounded output, and then
replays it to the app with ``Content-Encoding`` removed. A gzip bomb therefore costs at
most ``max_bytes`` of memory before it is rejected with 413.
"""

from __future__ import annotations

import zlib

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headway.errors import HeadwayError, InvalidArgument, PayloadTooLarge
from headway.server.errors import error_response

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
_GZIP = frozenset({"gzip", "x-gzip"})


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"request body is larger than the server's limit of {limit} bytes "
        f"({limit / 2**20:g} MiB); send smaller batches or raise HEADWAY_MAX_REQUEST_BYTES "
        "on the server",
        details={"limit": limit},
    )


class _Gunzip:
    """Incremental gzip decoder whose output never exceeds ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []
        self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> None:
        try:
            while data:
                # One byte more than allowed is enough to know the limit is exceeded.
                out = self._inflater.decompress(data, self.limit - self.size + 1)
                self.size += len(out)
                if self.size > self.limit:
                    raise too_large(self.limit)
                self.parts.append(out)
                if not self._inflater.eof:
                    data = self._inflater.unconsumed_tail
                    continue
                data = self._inflater.unused_data
                if data:  # concatenated gzip members (``cat a.gz b.gz``) are one body
                    self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        except zlib.error as exc:
            raise InvalidArgument(f"request body is not valid gzip: {exc}") from None

    def finish(self) -> bytes:
        if not self._inflater.eof:
            raise InvalidArgument("request body is truncated gzip (the stream did not end)")
        return b"".join(self.parts)


class RequestBodyMiddleware:
    """``streamed`` path prefixes are left alone: their handlers stream the body to storage
    themselves (MLflow's artifact PUTs, which carry whole model files of any size)."""

    def __init__(self, app: ASGIApp, max_bytes: int, streamed: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in _NO_BODY
            or (self.streamed and scope["path"].startswith(self.streamed))
        ):
            await self.app(scope, receive, send)
            return
        try:
            body, scope = await self._read(scope, receive)
        except HeadwayError as exc:
            await error_response(exc)(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # later calls wait for the disconnect, as usual

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> tuple[bytes, Scope]:
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise InvalidArgument(f"invalid Content-Length header {declared!r}")
            if int(declared) > self.max_bytes:
                raise too_large(self.max_bytes)
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in _GZIP and encoding not in ("", "identity"):
            raise InvalidArgument(
                f"unsupported Content-Encoding {encoding!r}; send gzip or an unencoded body"
            )
        gunzip = _Gunzip(self.max_bytes) if encoding in _GZIP else None
        parts: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise InvalidArgument("the client disconnected before sending the whole body")
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                raise too_large(self.max_bytes)
            if gunzip is not None:
                gunzip.feed(chunk)
            else:
                parts.append(chunk)
            if not message.get("more_body", False):
                break
        if gunzip is None:
            return b"".join(parts), scope
        body = gunzip.finish() if received else b""
        # Handlers see the decoded body, so the headers must describe it.
        raw_headers = [
            (k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")
        ]
        raw_headers.append((b"content-length", str(len(body)).encode()))
        return body, {**scope, "headers": raw_headers}
