"""What ingestion has cost on this server: batch latencies and points, for operators."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

#: Latencies kept for the percentiles (the most recent batches).
WINDOW = 100_000


@dataclass(frozen=True)
class IngestSnapshot:
    batches: int
    points: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None


class IngestStats:
    """Thread-safe: handlers record from the server's worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latencies: deque[float] = deque(maxlen=WINDOW)
        self._batches = 0
        self._points = 0

    def record(self, seconds: float, points: int) -> None:
        with self._lock:
            self._latencies.append(seconds)
            self._batches += 1
            self._points += points

    def reset(self) -> None:
        with self._lock:
            self._latencies.clear()
            self._batches = self._points = 0

    def snapshot(self) -> IngestSnapshot:
        with self._lock:
            window = np.fromiter(self._latencies, dtype=np.float64)
            batches, points = self._batches, self._points
        if not window.size:
            return IngestSnapshot(batches, points, None, None, None)
        p50, p99 = np.percentile(window, [50, 99]) * 1000.0
        return IngestSnapshot(
            batches,
            points,
            round(float(p50), 3),
            round(float(p99), 3),
            round(float(window.max()) * 1000, 3),
        )
