"""Tee ``sys.stdout`` and ``sys.stderr`` into console lines while the user still sees them.

Only Python-level writes through ``sys.stdout``/``sys.stderr`` are seen: output of child
processes and C extensions writing to the file descriptors directly, and handlers that
kept a reference to the old stream (a ``logging.StreamHandler`` made before
:meth:`ConsoleCapture.start`), bypass it.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO, cast

from headway.entities import ConsoleLine

logger = logging.getLogger(__name__)

#: Longer lines are cut into pieces of this many characters, so one endless line (a
#: progress bar without newlines, a dumped array) cannot grow a buffer without bound.
MAX_LINE_CHARS = 64 * 1024
STREAMS = ("stdout", "stderr")

_CONTROL = re.compile(r"([\r\n])")


class _LineAssembler:
    """Text in, completed lines out, with ``\\r`` handled the way a terminal shows it.

    ``\\r`` moves back to the start of the line and later text overwrites it, so a
    progress bar redrawn a thousand times becomes one line in its last state. Not
    thread-safe; the owning tee serialises calls.
    """

    def __init__(self, stream: str, emit: Callable[[ConsoleLine], None]) -> None:
        self._stream = stream
        self._emit = emit
        # Kept as pieces while only appended to, so many small writes stay linear.
        self._parts: list[str] = []
        self._length = 0
        self._column = 0
        self._started: float | None = None
        self._overwritten = False

    def feed(self, text: str, now: float) -> None:
        for piece in _CONTROL.split(text):
            if piece == "\n":
                self._end_line(now)
            elif piece == "\r":
                self._column = 0
            elif piece:
                self._put(piece, now)

    def flush_partial(self, now: float) -> None:
        if self._length:
            self._end_line(now)

    def _put(self, piece: str, now: float) -> None:
        if self._started is None:
            self._started = now
        if self._column == self._length:
            self._parts.append(piece)
            self._length += len(piece)
        else:
            self._overwritten = True
            line = "".join(self._parts)
            end = self._column + len(piece)
            line = line[: self._column] + piece + line[end:]
            self._parts = [line]
            self._length = len(line)
        self._column += len(piece)
        while self._length > MAX_LINE_CHARS:
            line = "".join(self._parts)
            self._send(line[:MAX_LINE_CHARS], self._started)
            rest = line[MAX_LINE_CHARS:]
            self._parts, self._length = [rest], len(rest)
            self._column = max(self._column - MAX_LINE_CHARS, 0)
            self._started = now

    def _end_line(self, now: float) -> None:
        text = "".join(self._parts)
        if self._overwritten:
            # Redraws pad with spaces to blank out a longer previous state; the terminal
            # shows those as nothing, so neither do we.
            text = text.rstrip(" ")
        self._send(text, self._started if self._started is not None else now)
        self._parts, self._length, self._column = [], 0, 0
        self._started = None
        self._overwritten = False

    def _send(self, text: str, started: float) -> None:
        self._emit(ConsoleLine(time=started, stream=self._stream, text=text))


class _Tee:
    """Stands in for a text stream: writes go through at once and are also recorded.

    Anything else (``isatty``, ``fileno``, ``encoding``, ``buffer``, ...) is the original
    stream's.
    """

    # Set per thread while recording, so output produced by `emit` itself (or by a signal
    # handler that interrupted a recording) passes through instead of deadlocking.
    _inside = threading.local()

    def __init__(self, original: TextIO, assembler: _LineAssembler) -> None:
        self._original = original
        self._assembler = assembler
        self._lock = threading.Lock()
        self._active = True

    @property
    def original(self) -> TextIO:
        return self._original

    def write(self, text: str) -> int:
        written = self._original.write(text)
        if self._active:
            self._record(text)
        return written

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._original.flush()

    def deactivate(self) -> None:
        """Become a plain pass-through and emit the unfinished line, if any."""
        self._active = False
        self._guarded(lambda: self._assembler.flush_partial(time.time()))

    def _record(self, text: str) -> None:
        if isinstance(text, str):  # the original already rejected anything else
            self._guarded(lambda: self._assembler.feed(text, time.time()))

    def _guarded(self, action: Callable[[], None]) -> None:
        if getattr(self._inside, "active", False):
            return
        self._inside.active = True
        try:
            with self._lock:
                action()
        except Exception:  # recording must never break the user's print()
            logger.debug("console capture failed", exc_info=True)
        finally:
            self._inside.active = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class ConsoleCapture:
    """Records ``sys.stdout``/``sys.stderr`` output as :class:`ConsoleLine` values.

    ``emit`` receives one line per completed line, with the wall time its first character
    was written, from whichever thread wrote it; it must be quick and must not block.
    Lines are cut at :data:`MAX_LINE_CHARS`; a line left unfinished is emitted by
    :meth:`stop`.
    """

    def __init__(self, emit: Callable[[ConsoleLine], None]) -> None:
        self._emit = emit
        self._tees: dict[str, _Tee] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Put the tees in place. No-op when already started."""
        with self._lock:
            if self._tees:
                return
            for name in STREAMS:
                original = getattr(sys, name)
                if original is None:  # pythonw and some services have no console
                    continue
                tee = _Tee(original, _LineAssembler(name, self._emit))
                self._tees[name] = tee
                setattr(sys, name, cast(TextIO, tee))

    def stop(self) -> None:
        """Put the original streams back and emit unfinished lines.

        A stream that something else replaced after :meth:`start` is left as it is (so
        that wrapper keeps working); our tee inside it just stops recording.
        """
        with self._lock:
            tees, self._tees = self._tees, {}
        for name, tee in tees.items():
            if getattr(sys, name) is tee:
                setattr(sys, name, tee.original)
            tee.deactivate()
