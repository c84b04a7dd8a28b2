from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

import headway
from headway.cli.main import cli
from headway.store.sql.schema import head_revision

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(group: click.Group, prefix: str = "headway") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


@pytest.mark.parametrize(("path", "command"), _commands(cli))
def test_every_command_has_help_and_docs(path: str, command: click.Command) -> None:
    args = path.split()[1:]
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert command.help, f"{path} has no help text"
    assert f"`{path}" in DOCS.read_text(), f"{path} is missing from docs/cli.md"


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEADWAY_CAPTURE_SYSTEM_METRICS", "false")
    monkeypatch.setenv("HEADWAY_CAPTURE_CONSOLE", "false")
    for i in range(3):
        with headway.init(project="cli", dir=tmp_path, name=f"run{i}", config={"lr": i}) as run:
            run.log({"acc": i / 10})
    return tmp_path


def test_runs_ls_show_delete_restore(filled: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(
        cli, ["runs", "ls", "cli", "--dir", str(filled), "-o", "-summary.acc", "--json"]
    )
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["name"] for r in rows] == ["run2", "run1", "run0"]
    shown = runner.invoke(cli, ["runs", "show", rows[0]["id"], "--dir", str(filled)])
    assert json.loads(shown.output)["metric_keys"] == ["acc"]
    assert (
        runner.invoke(cli, ["runs", "delete", rows[0]["id"], "--dir", str(filled)]).exit_code == 0
    )
    table = runner.invoke(cli, ["runs", "ls", "cli", "--dir", str(filled)])
    assert "2 of 2 runs" in table.output
    assert (
        runner.invoke(cli, ["runs", "restore", rows[0]["id"], "--dir", str(filled)]).exit_code == 0
    )
    assert "3 of 3 runs" in runner.invoke(cli, ["runs", "ls", "cli", "--dir", str(filled)]).output


def test_bad_filter_is_a_clear_error(filled: Path) -> None:
    out = CliRunner().invoke(cli, ["runs", "ls", "cli", "--dir", str(filled), "-f", "config.lr <"])
    assert out.exit_code != 0
    assert re.search(r"position \d+", str(out.exception))


def test_export_and_db_upgrade(filled: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["export", "cli", "--dir", str(filled), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "runs.parquet")) == 3
    fresh = tmp_path / "fresh"
    upgraded = runner.invoke(cli, ["db", "upgrade", "--dir", str(fresh)])
    assert upgraded.exit_code == 0 and head_revision() in upgraded.output
