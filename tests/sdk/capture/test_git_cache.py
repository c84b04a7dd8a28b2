from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from headway.sdk.capture import git_cache
from headway.sdk.capture.git_cache import capture_git_cached


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _committed_repo(repo: Path, name: str, text: str) -> Path:
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@e.st")
    _git(repo, "config", "user.name", "T")
    (repo / name).write_text(text)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")
    return repo


def test_cache_follows_edits_stages_and_commits(tmp_path: Path) -> None:
    repo = _committed_repo(tmp_path / "repo", "train.py", "lr = 0.1\n")

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


def test_outside_a_repository_git_is_not_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(git_cache, "capture_git", lambda path: calls.append(path))
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    assert capture_git_cached(tmp_path) is None
    assert calls == []


def test_git_dir_from_the_environment_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _committed_repo(tmp_path / "repo", "a.py", "x = 1\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(repo))
    info = capture_git_cached(elsewhere)
    assert info is not None and info.commit is not None


def test_a_worktree_is_asked_of_git(tmp_path: Path) -> None:
    repo = _committed_repo(tmp_path / "repo", "a.py", "x = 1\n")
    _git(repo, "worktree", "add", "-q", str(tmp_path / "wt"))
    assert (tmp_path / "wt" / ".git").is_file()
    info = capture_git_cached(tmp_path / "wt")
    assert info is not None and info.commit is not None
