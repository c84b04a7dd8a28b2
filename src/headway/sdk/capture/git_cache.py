"""Git capture once per working-tree state, not once per run.

A process that starts many runs (a sweep, a loop over seeds) would otherwise spawn
several git processes per run. The cached capture is reused while a stat signature of
the tree is unchanged: HEAD and the ref it points to, the index, and the size and mtime
of every tracked file — any edit, stage, commit or checkout invalidates it, so the
recorded diff is always the tree's current one.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from headway.sdk.capture.git import GitInfo, capture_git

Signature = tuple[tuple[str, int, int], ...]

_lock = threading.Lock()
_cache: dict[Path, tuple[Signature, GitInfo | None, tuple[str, ...]]] = {}
#: Above this many tracked files, stat-ing them costs about as much as asking git.
MAX_TRACKED_FILES = 20_000


def capture_git_cached(path: Path) -> GitInfo | None:
    """Like ``capture_git``, reusing the last capture of the same unchanged tree."""
    folder = path if path.is_dir() else path.parent
    resolved = folder.resolve()
    git_dir = _find_git_dir(resolved)
    if git_dir is None:
        if _outside_any_repository(resolved):
            return None  # what git would answer, without starting it for every run
        return capture_git(path)
    root = git_dir.parent
    with _lock:
        cached = _cache.get(root)
    if cached is not None:
        signature, info, files = cached
        if _signature(git_dir, files) == signature:
            return info
    info = capture_git(path)
    tracked = _tracked_files(root)
    if tracked is not None:
        with _lock:
            _cache[root] = (_signature(git_dir, tracked), info, tracked)
    return info


def _find_git_dir(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        git = candidate / ".git"
        if git.is_dir():  # worktrees and submodules (a .git file) are not cached
            return git
    return None


def _outside_any_repository(folder: Path) -> bool:
    """No ``.git`` entry in ``folder`` or above, and no git environment pointing elsewhere."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return False
    return not any((candidate / ".git").exists() for candidate in (folder, *folder.parents))


def _tracked_files(root: Path) -> tuple[str, ...] | None:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, env=env, capture_output=True, timeout=5, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = tuple(str(root / name) for name in out.decode("utf-8", "replace").split("\0") if name)
    return files if len(files) <= MAX_TRACKED_FILES else None


def _stat(path: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, st.st_mtime_ns, st.st_size)


def _signature(git_dir: Path, files: tuple[str, ...]) -> Signature:
    head = git_dir / "HEAD"
    parts = [_stat(str(head)), _stat(str(git_dir / "index")), _stat(str(git_dir / "packed-refs"))]
    try:
        ref = head.read_text().strip()
    except OSError:
        ref = ""
    if ref.startswith("ref: "):
        parts.append(_stat(str(git_dir / ref[5:])))
    parts.append((ref, 0, 0))
    parts.extend(_stat(name) for name in files)
    return tuple(parts)
