"""Names, aliases, selectors and file paths of artifacts, validated before any write."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from headway.errors import InvalidArgument
from headway.tracking import validation as v

ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
TYPE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_VERSION = re.compile(r"^v(\d{1,9})$")
MAX_PATH = 1024
#: Aliases Headway maintains itself; users cannot set them.
RESERVED_ALIASES = frozenset({"latest"})


def artifact_name(name: object) -> str:
    if not isinstance(name, str) or not ARTIFACT_NAME.match(name):
        raise InvalidArgument(
            f"invalid artifact name {name!r}: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def artifact_type(value: object) -> str:
    if not isinstance(value, str) or not TYPE_NAME.match(value):
        raise InvalidArgument(
            f"invalid artifact type {value!r}: use 1-64 letters, digits, '.', '_' or '-' "
            "(e.g. dataset, model)"
        )
    return value


def alias(value: object) -> str:
    if isinstance(value, str) and ("/" in value or ":" in value):
        raise InvalidArgument(
            f"invalid alias {value!r}: an alias names a version of this artifact; a version "
            "of another artifact or project cannot be aliased here"
        )
    if not isinstance(value, str) or not ALIAS.match(value):
        raise InvalidArgument(
            f"invalid alias {value!r}: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if value in RESERVED_ALIASES or _VERSION.match(value):
        raise InvalidArgument(
            f"alias {value!r} is reserved: 'latest' and 'vN' are maintained by Headway"
        )
    return value


def aliases(values: object) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple | set | frozenset):
        raise InvalidArgument(f"aliases must be a list of strings, got {type(values).__name__}")
    return tuple(dict.fromkeys(alias(a) for a in values))


@dataclass(frozen=True)
class Selector:
    """``[project/]name[:vN|:latest|:alias]``."""

    project: str | None
    name: str
    #: a version number, ``"latest"`` or an alias
    version: int | str

    def __str__(self) -> str:
        ver = f"v{self.version}" if isinstance(self.version, int) else self.version
        prefix = f"{self.project}/" if self.project else ""
        return f"{prefix}{self.name}:{ver}"


def parse_selector(text: object, *, default_project: str | None = None) -> Selector:
    if not isinstance(text, str) or not text:
        raise InvalidArgument(
            f"invalid artifact reference {text!r}: expected 'name:v3', 'name:latest' or "
            "'name:<alias>', optionally prefixed with 'project/'"
        )
    project = default_project
    rest = text
    if "/" in text:
        project, _, rest = text.partition("/")
        v.project_name(project)
    name, sep, ver = rest.partition(":")
    artifact_name(name)
    if not sep or ver == "latest":
        return Selector(project, name, "latest")
    match = _VERSION.match(ver)
    if match:
        return Selector(project, name, int(match.group(1)))
    if not ALIAS.match(ver):
        raise InvalidArgument(f"invalid version or alias {ver!r} in {text!r}")
    return Selector(project, name, ver)


def version_selector(text: object) -> int | str:
    """``"v3"`` or ``"3"`` -> 3; ``"latest"`` and aliases stay strings."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise InvalidArgument(f"invalid version {text}: versions start at v0")
        return text
    if not isinstance(text, str) or not text:
        raise InvalidArgument(f"invalid version {text!r}: expected 'v3', 'latest' or an alias")
    match = _VERSION.match(text)
    if match:
        return int(match.group(1))
    if text.isdigit():
        return int(text)
    if text == "latest":
        return text
    if not ALIAS.match(text):
        raise InvalidArgument(f"invalid version or alias {text!r}")
    return text


def file_path(path: object) -> str:
    """A path inside an artifact: relative, '/'-separated, no '..', no empty parts."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH:
        raise InvalidArgument(
            f"invalid artifact file path {path!r}: must be 1-{MAX_PATH} characters"
        )
    if "\\" in path or "\x00" in path or path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise InvalidArgument(
            f"invalid artifact file path {path!r}: must be relative and use '/' separators"
        )
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidArgument(
            f"invalid artifact file path {path!r}: '..', '.' and empty segments would "
            "escape or confuse the artifact root"
        )
    return str(PurePosixPath(path))


def reference_uri(uri: object) -> str:
    if not isinstance(uri, str) or not re.match(r"^(s3|https?|file)://", uri):
        raise InvalidArgument(
            f"invalid reference {uri!r}: expected an s3://, https://, http:// or file:// URI"
        )
    return uri
