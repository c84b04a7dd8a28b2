"""``run.summary``: last/min/max/mean per metric kept automatically; user values override."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

import numpy as np

from headway.entities import Series
from headway.tracking.validation import metric_key

OnSet = Callable[[dict[str, Any]], None]


class Summary(MutableMapping[str, Any]):
    """What a run ends with. Reading a key gives the user's value if set, else the
    metric's value under its summary rule (``last`` unless ``define_metric`` says
    ``min``/``max``/``mean``). ``summary.stats(key)`` gives every aggregate.
    """

    def __init__(self, on_set: OnSet | None = None) -> None:
        self._user: dict[str, Any] = {}
        self._stats: dict[str, list[float]] = {}  # key → [last, min, max, sum, finite count, count]
        self._rules: list[tuple[str, str]] = []
        self._on_set = on_set

    def observe(self, series: Mapping[str, Series]) -> None:
        """Fold a batch into the aggregates; runs on the writer thread, vectorised."""
        for key, points in series.items():
            values = points.values
            if not values.shape[0]:
                continue
            s = self._stats.get(key)
            if s is None:
                s = self._stats[key] = [math.nan, math.inf, -math.inf, 0.0, 0.0, 0.0]
            s[0] = float(values[-1])
            not_nan = values[~np.isnan(values)]
            if not_nan.shape[0]:
                s[1] = min(s[1], float(not_nan.min()))
                s[2] = max(s[2], float(not_nan.max()))
                finite = not_nan[np.isfinite(not_nan)]
                s[3] += float(finite.sum())
                s[4] += finite.shape[0]
            s[5] += values.shape[0]

    def set_rule(self, pattern: str, rule: str) -> None:
        self._rules.append((pattern, rule))

    def _rule(self, key: str) -> str:
        rule = "last"
        for pattern, candidate in self._rules:
            if fnmatch.fnmatchcase(key, pattern):
                rule = candidate
        return rule

    def stats(self, key: str) -> dict[str, float | None]:
        s = self._stats.get(key)
        if s is None:
            raise KeyError(key)
        return {
            "last": s[0],
            "min": s[1] if s[1] != math.inf else None,
            "max": s[2] if s[2] != -math.inf else None,
            "mean": s[3] / s[4] if s[4] else None,
            "count": s[5],
        }

    def __getitem__(self, key: str) -> Any:
        if key in self._user:
            return self._user[key]
        stats = self.stats(key)
        return stats.get(self._rule(key), stats["last"])

    def __setitem__(self, key: str, value: Any) -> None:
        metric_key(key)
        self._user[key] = value
        if self._on_set is not None:
            self._on_set({key: value})

    def __delitem__(self, key: str) -> None:
        if key not in self._user:
            raise KeyError(key)
        del self._user[key]
        if self._on_set is not None:
            self._on_set({key: None})

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._stats, *self._user]))

    def __len__(self) -> int:
        return len(set(self._stats) | set(self._user))

    def __repr__(self) -> str:
        return f"Summary({dict(self)!r})"
