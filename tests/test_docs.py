"""Docs are part of the feature: every setting and doc page the README links exists."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from headway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_documented(field: str) -> None:
    sdk_doc = (ROOT / "docs" / "sdk.md").read_text()
    name = f"HEADWAY_{field.upper()}"
    if field.startswith("capture_"):
        name = "_" + field.removeprefix("capture_").upper()
    assert name in sdk_doc, f"{name} is not documented in docs/sdk.md"


def test_readme_links_resolve_and_show_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    for target in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / target).is_file(), f"README links to missing {target}"


def test_readme_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEADWAY_CAPTURE_SYSTEM_METRICS", "false")
    monkeypatch.setenv("HEADWAY_CAPTURE_CONSOLE", "false")
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 2
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    frame = namespace["best"].to_pandas()  # type: ignore[attr-defined]
    assert len(frame) == 1 and frame["summary.test/auc"].iloc[0] == 0.84


@pytest.mark.parametrize("page", ["artifacts.md", "registry.md", "monitoring.md", "sweeps.md"])
def test_capability_page_examples_run(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEADWAY_CAPTURE_SYSTEM_METRICS", "false")
    monkeypatch.setenv("HEADWAY_CAPTURE_CONSOLE", "false")
    monkeypatch.setenv("HEADWAY_CACHE_DIR", str(tmp_path / "cache"))
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / page).read_text(), re.S)
    assert blocks
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)
