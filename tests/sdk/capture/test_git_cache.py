from __future__ import annotations

import subprocess
import time
from pathlib import Path

from headway.sdk.capture import git_cache
from headway.sdk.capture.git_cache import capture_git_cached


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_cache_follows_edits_stages_and_commits(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@e.st")
    _git(repo, "config", "user.name", "T")
    (repo / "train.py").write_text("lr = 0.1\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")

    first = capture_git_cached(repo)
    assert first is not None and not first.dirty
    assert capture_git_cached(repo) is first  # unchanged tree: reused

    time.sleep(0.01)
    (repo / "train.py").write_text("lr = 0.2\n")
    edited = capture_git_cached(repo)
    assert edited is not None and edited.dirty and "lr = 0.2" in edited.diff

    _git(repo, "commit", "-qam", "two")
    committed = capture_git_cached(repo)
    assert committed is not None and not committed.dirty
    assert committed.commit != first.commit


def test_outside_a_repository(tmp_path: Path) -> None:
    git_cache._cache.clear()
    assert capture_git_cached(tmp_path) is None
