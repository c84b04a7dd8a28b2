"""Short random run ids and readable run names."""

from __future__ import annotations

import re
import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_ADJECTIVES = [
    "amber",
    "bold",
    "brisk",
    "calm",
    "clever",
    "crisp",
    "curious",
    "daring",
    "eager",
    "fair",
    "gentle",
    "glad",
    "golden",
    "keen",
    "lively",
    "lucid",
    "mellow",
    "merry",
    "nimble",
    "noble",
    "patient",
    "quiet",
    "rapid",
    "serene",
    "sharp",
    "steady",
    "sunny",
    "swift",
    "tidy",
    "vivid",
    "warm",
    "wise",
]
_NOUNS = [
    "atlas",
    "brook",
    "canyon",
    "cedar",
    "comet",
    "delta",
    "ember",
    "field",
    "fjord",
    "forest",
    "garden",
    "glacier",
    "harbor",
    "island",
    "lake",
    "lantern",
    "meadow",
    "mesa",
    "orbit",
    "prairie",
    "quartz",
    "river",
    "summit",
    "thunder",
    "tide",
    "valley",
    "willow",
]


def new_run_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def new_run_name() -> str:
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{secrets.randbelow(1000):03d}"


_NOT_PROJECT_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def project_name_like(text: str) -> str:
    """A valid project name close to ``text`` (an MLflow experiment name, a folder):
    ``/Shared/Essay scoring`` -> ``Shared-Essay-scoring``. Callers add a suffix if taken."""
    base = _NOT_PROJECT_CHARS.sub("-", text).strip("-._")[:120] or "experiment"
    return base if base[0].isalnum() else f"e-{base}"[:120]
