from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from headway.sdk.capture import git as git_capture
from headway.sdk.capture.git import DIFF_TRUNCATED_MARKER, capture_git, strip_credentials

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Neither the developer's git config nor a repository above tmp_path may leak in.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch", "main")
    (root / "train.py").write_text("print('v1')\n")
    (root / "data.csv").write_text("a,b\n1,2\n")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "first")
    return root


def test_clean_repository(repo: Path) -> None:
    info = capture_git(repo)

    assert info is not None
    assert info.commit == git(repo, "rev-parse", "HEAD")
    assert info.branch == "main"
    assert info.remote is None
    assert info.dirty is False
    assert info.diff == ""
    assert info.root == repo.resolve()


def test_modified_and_staged_changes_are_in_the_diff(repo: Path) -> None:
    (repo / "train.py").write_text("print('v2')\n")
    (repo / "data.csv").write_text("a,b\n1,3\n")
    git(repo, "add", "data.csv")

    info = capture_git(repo / "train.py")  # a file inside the tree works too

    assert info is not None
    assert info.dirty is True
    assert "-print('v1')" in info.diff and "+print('v2')" in info.diff
    assert "+1,3" in info.diff  # staged


def test_untracked_files_do_not_make_it_dirty(repo: Path) -> None:
    (repo / "notes.txt").write_text("scratch\n")

    info = capture_git(repo)

    assert info is not None
    assert info.dirty is False


def test_from_a_subfolder_root_is_the_top(repo: Path) -> None:
    sub = repo / "src" / "pkg"
    sub.mkdir(parents=True)

    info = capture_git(sub)

    assert info is not None
    assert info.root == repo.resolve()


def test_remote_credentials_are_stripped(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://alice:s3cret@git.example.com/team/model.git")

    info = capture_git(repo)

    assert info is not None
    assert info.remote == "https://git.example.com/team/model.git"
    assert "s3cret" not in repr(info)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@github.com/a/b.git", "https://github.com/a/b.git"),
        ("https://ghp_token@github.com/a/b.git", "https://github.com/a/b.git"),
        ("http://u:p@host:8080/a", "http://host:8080/a"),
        ("ssh://git@host/a/b.git", "ssh://git@host/a/b.git"),
        ("ssh://u:p@host:22/a", "ssh://host:22/a"),
        ("git@github.com:a/b.git", "git@github.com:a/b.git"),
        ("/srv/git/a.git", "/srv/git/a.git"),
    ],
)
def test_strip_credentials(url: str, expected: str) -> None:
    assert strip_credentials(url) == expected


def test_detached_head_has_no_branch(repo: Path) -> None:
    git(repo, "checkout", "--quiet", "--detach")

    info = capture_git(repo)

    assert info is not None
    assert info.branch is None
    assert info.commit == git(repo, "rev-parse", "HEAD")


def test_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet", "--initial-branch", "dev")
    (tmp_path / "a.py").write_text("x = 1\n")
    git(tmp_path, "add", "a.py")

    info = capture_git(tmp_path)

    assert info is not None
    assert info.commit is None
    assert info.branch == "dev"
    assert info.dirty is True
    assert "+x = 1" in info.diff


def test_large_diff_is_truncated_with_a_marker(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(git_capture, "DIFF_LIMIT_BYTES", 1000)
    (repo / "train.py").write_text("".join(f"print({i})\n" for i in range(2000)))

    info = capture_git(repo)

    assert info is not None
    assert info.dirty is True
    assert info.diff.endswith(DIFF_TRUNCATED_MARKER)
    assert len(info.diff.encode()) <= 1000 + len(DIFF_TRUNCATED_MARKER)


def test_outside_a_repository_is_none(tmp_path: Path) -> None:
    assert capture_git(tmp_path) is None


def test_missing_folder_is_none(tmp_path: Path) -> None:
    assert capture_git(tmp_path / "does-not-exist") is None


def test_without_git_installed_is_none(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin-here"))

    assert capture_git(repo) is None
