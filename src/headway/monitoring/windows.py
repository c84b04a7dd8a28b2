"""Windows: by time (``1h``, ``6h``, ``1d``, ``7d``, ``1w``) or by row count (``5000rows``).

Time windows are aligned to the Unix epoch in UTC, so ``1d`` windows start at midnight UTC
and every process computes the same boundaries. Row-count windows cut the predictions,
ordered by timestamp, into consecutive blocks of that many rows; the last block may be
partial and is recomputed as it fills.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from headway.errors import InvalidArgument

_TIME = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_ROWS = re.compile(r"^\s*(\d+)\s*rows?\s*$")
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WindowSpec:
    text: str
    seconds: int | None = None
    rows: int | None = None

    @property
    def by_time(self) -> bool:
        return self.seconds is not None


def parse_window(text: object) -> WindowSpec:
    """Raises InvalidArgument naming the accepted forms."""
    if isinstance(text, str):
        m = _TIME.match(text)
        if m and int(m.group(1)) > 0:
            seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
            if seconds <= 366 * 86400:
                return WindowSpec(text.strip(), seconds=seconds)
        m = _ROWS.match(text)
        if m and 0 < int(m.group(1)) <= 100_000_000:
            return WindowSpec(text.strip(), rows=int(m.group(1)))
    raise InvalidArgument(
        f"invalid window {text!r}: use a duration such as '1h', '6h', '1d', '7d' or '1w' "
        "(at most a year), or a row count such as '5000rows'",
        details={"field": "window"},
    )


def window_start(spec: WindowSpec, at: datetime) -> datetime:
    assert spec.seconds is not None
    offset = int((at - EPOCH).total_seconds()) // spec.seconds * spec.seconds
    return EPOCH + timedelta(seconds=offset)


def time_windows(
    spec: WindowSpec, first: datetime, last: datetime
) -> list[tuple[datetime, datetime]]:
    """Every window from the one holding ``first`` to the one holding ``last``."""
    assert spec.seconds is not None
    step = timedelta(seconds=spec.seconds)
    out = []
    start = window_start(spec, first)
    while start <= last:
        out.append((start, start + step))
        start += step
    return out


def window_codes(spec: WindowSpec, micros: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The window index of each timestamp (microseconds since the epoch), vectorised."""
    assert spec.seconds is not None
    return micros // (spec.seconds * 1_000_000)


def day_partition(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")
