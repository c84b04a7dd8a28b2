"""A thread that delivers automation webhooks as events queue them, retrying with backoff."""

from __future__ import annotations

import logging
import threading

from headway.registry.service import RegistryService

log = logging.getLogger("headway")


class DeliveryDispatcher:
    def __init__(self, service: RegistryService, *, poll: float = 1.0) -> None:
        self.service = service
        self.poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="headway-webhooks", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.service.wakeup.clear()
            try:
                while self.service.dispatch_due():
                    pass
            except Exception as exc:  # a broken receiver or database blip must not kill it
                log.warning("headway: webhook delivery failed: %r", exc)
            self.service.wakeup.wait(self.poll)

    def stop(self, *, drain: float = 5.0) -> None:
        """Stop, first delivering what is due now (retries wait for the next process)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self.service.wakeup.set()
        thread.join(timeout=drain)
        try:
            self.service.dispatch_due()
        except Exception as exc:
            log.debug("headway: final webhook delivery failed: %r", exc)
