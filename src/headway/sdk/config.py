"""``run.config``: a nested dict with attribute access and change protection."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from headway.entities.config import flatten
from headway.errors import Conflict
from headway.tracking.validation import config_tree

OnChange = Callable[[dict[str, Any]], None]


class Config(MutableMapping[str, Any]):
    """Dict- and attribute-style config. ``config.optimizer.lr`` and
    ``config["optimizer"]["lr"]`` read the same value; flattened keys are the run's params.

    Setting a key that already holds a different value raises ``Conflict`` unless
    ``allow_val_change=True`` is passed to :meth:`update` (or set with
    :meth:`set`), so a typo never silently rewrites a hyperparameter of a finished
    experiment.
    """

    def __init__(
        self, data: Mapping[str, Any] | None = None, on_change: OnChange | None = None
    ) -> None:
        object.__setattr__(self, "_data", {})
        object.__setattr__(self, "_on_change", on_change)
        if data:
            self._data.update(config_tree(data))

    # -- reading ----------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(key)
            node = node[part]
        return _View(node, self, key) if isinstance(node, dict) else node

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"

    def as_dict(self) -> dict[str, Any]:
        import copy

        return copy.deepcopy(self._data)

    def flat(self) -> dict[str, Any]:
        return flatten(self._data)

    # -- writing ----------------------------------------------------------------------------
    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setattr__(self, name: str, value: Any) -> None:
        self.update({name: value})

    def __delitem__(self, key: str) -> None:
        raise TypeError("config keys cannot be removed once set; a run's config is its record")

    def set(self, key: str, value: Any, *, allow_val_change: bool = False) -> None:
        self.update({key: value}, allow_val_change=allow_val_change)

    def update(  # type: ignore[override]
        self,
        values: Mapping[str, Any] | None = None,
        /,
        *,
        allow_val_change: bool = False,
        **kw: Any,
    ) -> None:
        merged = dict(values or {})
        merged.update(kw)
        clean = config_tree(merged)
        if not allow_val_change:
            old = flatten(self._data)
            for key, value in flatten(clean).items():
                if key in old and old[key] != value:
                    raise Conflict(
                        f"config {key!r} is already {old[key]!r}; refusing to change it to "
                        f"{value!r} (use run.config.update({{...}}, allow_val_change=True))",
                        details={"key": key},
                    )
        _deep_merge(self._data, clean)
        if self._on_change is not None and clean:
            self._on_change(clean)


class _View(Mapping[str, Any]):
    """A read view of a config section that writes back through the root config."""

    def __init__(self, node: dict[str, Any], root: Config, prefix: str) -> None:
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_prefix", prefix)

    def __getitem__(self, key: str) -> Any:
        return self._root[f"{self._prefix}.{key}"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key {self._prefix}.{name!r}") from None

    def __setitem__(self, key: str, value: Any) -> None:
        self._root.update({f"{self._prefix}.{key}": value})

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __iter__(self) -> Iterator[str]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __eq__(self, other: object) -> bool:
        return dict(self._node) == other if isinstance(other, Mapping) else NotImplemented

    def __repr__(self) -> str:
        return repr(self._node)


def _deep_merge(base: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value
