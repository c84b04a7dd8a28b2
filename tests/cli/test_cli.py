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


def test_artifact_and_model_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWAY_CACHE_DIR", str(tmp_path / "cache"))
    store = ["--dir", str(tmp_path / "store")]
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x\n1\n")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, [*args, *store])
        assert result.exit_code == 0, result.output
        return result.output

    assert "created p/students:v0" in run(
        "artifact", "put", str(data), "-p", "p", "-n", "students", "-a", "raw", "-m", '{"rows": 1}'
    )
    assert "unchanged, same content as p/students:v0" in run(
        "artifact", "put", str(data), "-p", "p", "-n", "students"
    )
    (data / "b.csv").write_text("y\n2\n")
    run("artifact", "put", str(data), "-p", "p", "-n", "students")
    assert "students:v1" in run("artifact", "ls", "p", "students")
    assert "raw=v0" in run("artifact", "ls", "p")
    out = run("artifact", "diff", "p/students:v0", "p/students:v1")
    assert "+ b.csv" in out and "metadata.rows: 1 -> None" in out
    target = tmp_path / "got"
    run("artifact", "get", "p/students:raw", "-r", str(target))
    assert (target / "a.csv").read_text() == "x\n1\n"
    assert "all intact" in run("artifact", "verify", "students:v1", "-p", "p")
    (target / "a.csv").write_text("changed")
    bad = runner.invoke(cli, ["artifact", "verify", "p/students:v0", "-r", str(target), *store])
    assert bad.exit_code == 1 and "content differs" in bad.output

    model = tmp_path / "model.bin"
    for i in range(2):
        model.write_bytes(bytes([i]))
        run("artifact", "put", str(model), "-p", "p", "-n", "clf", "-t", "model")
        headway.Api(dir=tmp_path / "store").registry.link(
            "risk", project="p", artifact="clf", selector=i
        )
    assert "risk@production -> v1" in run("model", "promote", "risk", "1")
    assert "(was v1)" in run("model", "promote", "risk", "2")
    assert "rolled back from v2" in run("model", "rollback", "risk")
    assert "production=v1" in run("model", "ls")
    history = run("model", "history", "risk", "-a", "production")
    assert "[rollback]" in history.splitlines()[0]
    assert "v1" in run("model", "history", "risk", "-a", "production", "--at", "2999-01-01")
    assert "was not set" in run(
        "model", "history", "risk", "-a", "production", "--at", "2000-01-01"
    )
    assert "needs role approver" in run(
        "model", "protect", "risk", "production", "--role", "approver"
    )
    denied = runner.invoke(cli, ["model", "promote", "risk", "2", *store])
    assert denied.exit_code != 0 and "requires role 'approver'" in str(denied.exception)
    assert "clf:v1" in run("model", "compare", "risk:1", "risk:2")
    assert "p/clf:v1" in run("model", "show", "risk")

    run("artifact", "delete", "p/students:v1")
    assert "would delete 1 blobs" in run("gc", "--dry-run", "--grace", "0")
    assert "deleted 1 blobs" in run("gc", "--grace", "0")
    gone = runner.invoke(cli, ["artifact", "restore", "p/students:v1", *store])
    assert gone.exit_code != 0 and "cannot be restored" in str(gone.exception)


def test_model_rename_and_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWAY_CACHE_DIR", str(tmp_path / "cache"))
    store = ["--dir", str(tmp_path / "store")]
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> str:
        result = runner.invoke(cli, [*args, *store], input=input)
        assert result.exit_code == 0, result.output
        return result.output

    model = tmp_path / "model.bin"
    for i in range(3):
        model.write_bytes(bytes([i]))
        run("artifact", "put", str(model), "-p", "p", "-n", "clf", "-t", "model")
        headway.Api(dir=tmp_path / "store").registry.link(
            "risk", project="p", artifact="clf", selector=i
        )
    run("model", "promote", "risk", "3", "-a", "staging")
    assert "renamed risk -> risk-2027" in run("model", "rename", "risk", "risk-2027")
    assert "model_renamed" in run("model", "history", "risk-2027")

    # Answering no keeps the version; yes deletes it with its alias.
    kept = runner.invoke(cli, ["model", "delete", "risk-2027:v3", *store], input="n\n")
    assert kept.exit_code == 1 and "and its aliases staging?" in kept.output
    assert "v3" in run("model", "show", "risk-2027")
    assert "deleted risk-2027:v3" in run("model", "delete", "risk-2027:v3", input="y\n")
    assert "staging" not in run("model", "ls")
    history = run("model", "history", "risk-2027")
    assert "version_deleted -> v3" in history and "alias_removed staging" in history
    bad = runner.invoke(cli, ["model", "delete", "risk-2027@production", "--yes", *store])
    assert bad.exit_code != 0

    run("model", "protect", "risk-2027", "production", "--role", "approver")
    denied = runner.invoke(cli, ["model", "delete", "risk-2027", "--yes", *store])
    assert denied.exit_code != 0 and "requires role 'approver'" in str(denied.exception)
    prompt = run("model", "delete", "risk-2027", "--role", "approver", input="y\n")
    assert "with its 2 versions" in prompt and "deleted risk-2027" in prompt
    assert "risk-2027" not in run("model", "ls")
    assert "clf:v2" in run("artifact", "ls", "p", "clf")
