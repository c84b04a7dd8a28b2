"""MLflow's proto-JSON conventions: milliseconds, quoted non-finite doubles, string ids,
``[{key, value}]`` lists, and the request fields every handler reads.

A request's fields come from the query string (GET) or the JSON body (POST, PATCH,
DELETE: the client sends DELETE arguments in the body too); ``Fields`` reads both the
same way and names a missing or mistyped field the way MLflow does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from headway.errors import InvalidArgument
from headway.server.mlflow.search_syntax import decode_page_token, encode_page_token

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def millis(when: datetime | None) -> int | None:
    return None if when is None else round(when.timestamp() * 1000)


def from_millis(value: int | float) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def double(value: float) -> float | str:
    """A double as proto JSON writes it: non-finite values are quoted strings."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def key_values(items: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in items.items()]


def missing(name: str) -> InvalidArgument:
    return InvalidArgument(
        f"Missing value for required parameter '{name}'. "
        "See the API docs for more information about request parameters."
    )


class Fields:
    """The fields of one request, from its query string or its JSON body."""

    def __init__(self, data: Mapping[str, Any], *, from_query: bool) -> None:
        self.data = data
        self.from_query = from_query

    def __contains__(self, name: str) -> bool:
        return self.data.get(name) is not None

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, *, required: bool = False, default: str | None = None) -> Any:
        value = self.data.get(name)
        if isinstance(value, list) and self.from_query:
            value = value[-1] if value else None
        if value is None:
            if required:
                raise missing(name)
            return default
        if not isinstance(value, str):
            raise InvalidArgument(
                f"Invalid value {value!r} for parameter '{name}' supplied: expected a string"
            )
        if required and value == "":
            raise missing(name)
        return value

    def integer(self, name: str, *, required: bool = False, default: int | None = None) -> Any:
        value = self.data.get(name)
        if isinstance(value, list) and self.from_query:
            value = value[-1] if value else None
        if value is None:
            if required:
                raise missing(name)
            return default
        return as_int(value, name)

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if isinstance(value, list) and self.from_query:
            value = value[-1] if value else None
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidArgument(f"Invalid value {value!r} for parameter '{name}': expected a bool")

    def strings(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, str):
                raise InvalidArgument(
                    f"Invalid value {item!r} for parameter '{name}' supplied: expected strings"
                )
        return list(values)

    def objects(self, name: str) -> list[dict[str, Any]]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InvalidArgument(
                f"Invalid value for parameter '{name}' supplied: expected a list of objects"
            )
        return value

    def tags(self, name: str = "tags") -> dict[str, str]:
        """``[{key, value}]`` as a dict; a missing value is the empty string, as in proto."""
        out: dict[str, str] = {}
        for i, item in enumerate(self.objects(name)):
            key = item.get("key")
            if not isinstance(key, str):
                raise missing(f"{name}[{i}].key")
            value = item.get("value", "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise InvalidArgument(
                    f"Invalid value {value!r} for parameter '{name}[{i}].value': expected a string"
                )
            out[key] = value
        return out


def as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidArgument(
            f"Invalid value {value!r} for parameter '{name}': expected an integer"
        )
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise InvalidArgument(f"Invalid value {value!r} for parameter '{name}': expected an integer")


def as_double(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise InvalidArgument(f"Invalid value {value!r} for parameter '{name}': expected a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if value in _NON_FINITE:
            return _NON_FINITE[value]
        try:
            return float(value)
        except ValueError:
            pass
    raise InvalidArgument(
        f"Invalid value {value!r} for parameter '{name}' supplied: expected a number"
    )


def paging(f: Fields, *, cap: int, default: int) -> tuple[int, int]:
    """``max_results`` (1..cap) and the offset its ``page_token`` carries."""
    max_results = f.integer("max_results", default=default)
    if not 1 <= max_results <= cap:
        raise InvalidArgument(
            f"Invalid value {max_results} for parameter 'max_results' supplied. It must be "
            f"at most {cap}, but got value {max_results}"
        )
    return max_results, decode_page_token(f.text("page_token"))


def page_of(
    field: str, items: Sequence[dict[str, Any]], offset: int, max_results: int, total: int
) -> dict[str, Any]:
    """One page of results, with the token of the next one unless it is the last."""
    out: dict[str, Any] = {field: list(items)}
    if offset + max_results < total:
        out["next_page_token"] = encode_page_token(offset + max_results)
    return out
