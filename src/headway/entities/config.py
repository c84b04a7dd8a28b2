from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optimizer": {"lr": 0.1}}`` → ``{"optimizer.lr": 0.1}`` (the run's params)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


# MLflow's params are strings; Headway's config keeps numbers and bools as such. These
# two keep a param's text exact both ways (the MLflow API and the MLflow importer).
def param_text(value: Any) -> str:
    """How a config value reads as an MLflow param (params are strings)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value)


def param_value(text: str) -> Any:
    """A param's config value: a number or bool only when it prints back exactly as sent,
    so ``lr = "0.01"`` is searchable as a number and still reads as ``"0.01"``."""
    if text in ("True", "False"):
        return text == "True"
    try:
        as_int_value = int(text)
        if str(as_int_value) == text:
            return as_int_value
    except ValueError:
        pass
    try:
        as_float = float(text)
        if math.isfinite(as_float) and str(as_float) == text:
            return as_float
    except ValueError:
        pass
    return text
