"""The command line a sweep runs for a trial: W&B's macros, expanded.

The default command is ``${env} ${interpreter} ${program} ${args}``. ``${args}`` is one
``--name=value`` per parameter (nested parameters by dotted name), ``${args_no_hyphens}``
the same without dashes, ``${args_no_boolean_flags}`` turns ``True`` into a bare flag and
drops ``False``, ``${args_json}`` is the config as one JSON argument and
``${args_json_file}`` the path of a file holding it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

from headway.entities.config import flatten
from headway.errors import InvalidArgument

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return json.dumps(value)


def build_command(
    sweep_config: Mapping[str, Any], trial_config: dict[str, Any], workdir: str | None = None
) -> list[str]:
    """The argv for one trial. Raises InvalidArgument when the sweep has nothing to run."""
    command = sweep_config.get("command")
    program = sweep_config.get("program")
    parts = list(command) if command else list(DEFAULT_COMMAND)
    if program is None and any("${program}" in p for p in parts):
        raise InvalidArgument(
            "this sweep has no program or command to run: add program: train.py (or a "
            "command) to the sweep file, or run a Python function with "
            "headway.agent(sweep_id, function=train)"
        )
    params = flatten(trial_config)
    argv: list[str] = []
    for part in parts:
        if part == "${env}":
            env = shutil.which("env")
            if env and os.name != "nt":
                argv.append(env)
        elif part == "${interpreter}":
            argv.append(sys.executable)
        elif part == "${program}":
            argv.append(str(program))
        elif part == "${args}":
            argv.extend(f"--{k}={_text(v)}" for k, v in params.items())
        elif part == "${args_no_hyphens}":
            argv.extend(f"{k}={_text(v)}" for k, v in params.items())
        elif part == "${args_no_boolean_flags}":
            for k, v in params.items():
                if v is True:
                    argv.append(f"--{k}")
                elif v is not False:
                    argv.append(f"--{k}={_text(v)}")
        elif part == "${args_json}":
            argv.append(json.dumps(trial_config))
        elif part == "${args_json_file}":
            with tempfile.NamedTemporaryFile(
                "w", suffix=".json", prefix="headway-trial-", dir=workdir, delete=False
            ) as handle:
                json.dump(trial_config, handle)
            argv.append(handle.name)
        else:
            argv.append(part.replace("${program}", str(program or "")))
    return argv


def param_env(trial_config: dict[str, Any]) -> dict[str, str]:
    """Each parameter as ``HEADWAY_PARAM_<NAME>`` (dots and dashes as underscores)."""
    out: dict[str, str] = {}
    for key, value in flatten(trial_config).items():
        name = "".join(c if c.isalnum() else "_" for c in key).upper()
        out[f"HEADWAY_PARAM_{name}"] = _text(value)
    return out
