"""How a run's config may change: new keys freely, set values only when allowed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headway.entities.config import flatten
from headway.errors import Conflict, InvalidArgument


def merge_config(
    old: Mapping[str, Any], new: Mapping[str, Any], *, allow_val_change: bool
) -> dict[str, Any]:
    """Deep-merge ``new`` into ``old``; Conflict names the first key whose value changes."""
    if not allow_val_change:
        old_flat = flatten(old)
        for key, value in flatten(new).items():
            if key in old_flat and old_flat[key] != value:
                raise Conflict(
                    f"config {key!r} is already {old_flat[key]!r}; refusing to change it to "
                    f"{value!r} (pass allow_val_change=True to change it)",
                    details={"key": key},
                )
    return _deep_merge(dict(old), new)


def _deep_merge(base: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in new.items():
        current = base.get(key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            base[key] = _deep_merge(dict(current), value)
        elif isinstance(current, dict) and current and not isinstance(value, Mapping):
            raise InvalidArgument(f"config {key!r} is a section; it cannot become a value")
        else:
            base[key] = value
    return base
