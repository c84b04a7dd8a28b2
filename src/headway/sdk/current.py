"""The process's current run, and the hooks that end it the right way.

An uncaught exception marks it failed with its traceback, Ctrl-C or SIGTERM marks it
killed, a normal exit marks it finished. A run that dies without any of these (kill -9,
power loss) stops sending heartbeats, and the store marks it crashed.
"""

from __future__ import annotations

import atexit
import signal
import sys
import threading
import types
from typing import TYPE_CHECKING, Any

from headway.entities import RunState

if TYPE_CHECKING:
    from headway.sdk.run import Run

_lock = threading.Lock()
_runs: list[Run] = []
_installed = False
_previous_excepthook = sys.excepthook
_previous_sigterm: Any = None


def get() -> Run | None:
    with _lock:
        return _runs[-1] if _runs else None


def attach(run: Run) -> None:
    with _lock:
        _runs.append(run)
    _install_hooks()


def detach(run: Run) -> None:
    with _lock:
        if run in _runs:
            _runs.remove(run)


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: types.TracebackType | None
) -> None:
    for run in list(_runs):
        run._record_outcome(exc_type, exc, tb)
    _previous_excepthook(exc_type, exc, tb)


def _on_sigterm(signum: int, frame: types.FrameType | None) -> None:
    for run in list(_runs):
        run.finish(
            exit_code=128 + signum, state=RunState.KILLED, error=f"killed by signal {signum}"
        )
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
    else:
        raise SystemExit(128 + signum)


def _at_exit() -> None:
    for run in list(reversed(_runs)):
        run.finish()


def _install_hooks() -> None:
    global _installed, _previous_excepthook, _previous_sigterm
    if _installed:
        return
    _installed = True
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    atexit.register(_at_exit)
    if threading.current_thread() is threading.main_thread():
        try:
            previous = signal.getsignal(signal.SIGTERM)
            _previous_sigterm = (
                previous if previous not in (signal.SIG_DFL, signal.SIG_IGN) else None
            )
            signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):
            pass  # not allowed here (embedded interpreter); the heartbeat still covers it
