"""The git state of the code a run was started from.

Uses the ``git`` command rather than a library so that it sees exactly what the user's own
git sees (config, worktrees, submodules) and adds no dependency. Every failure means "no
git information": a run must start even where git is missing, slow or broken.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger(__name__)

#: Largest diff kept; a bigger one is cut here and ends with :data:`DIFF_TRUNCATED_MARKER`.
DIFF_LIMIT_BYTES = 5 * 1024 * 1024
DIFF_TRUNCATED_MARKER = "\n[headway: diff truncated at 5 MB]\n"
#: Seconds allowed for each git command; a huge repository on a network drive must not
#: hold up the start of a run.
GIT_TIMEOUT = 5.0


@dataclass(frozen=True)
class GitInfo:
    #: Full SHA of HEAD; ``None`` in a repository with no commits yet.
    commit: str | None
    #: Short branch name; ``None`` for a detached HEAD.
    branch: str | None
    #: URL of the ``origin`` remote without credentials; ``None`` when there is none.
    remote: str | None
    #: Whether tracked files differ from HEAD (staged or not). Untracked files do not count.
    dirty: bool
    #: ``git diff HEAD`` (staged and unstaged changes of tracked files), possibly truncated.
    diff: str
    #: Top folder of the working tree.
    root: Path


def capture_git(path: Path) -> GitInfo | None:
    """The git state of the working tree containing ``path``, or ``None``.

    ``None`` when ``path`` is not inside a git working tree, git is not installed, or git
    fails or times out. Never raises.
    """
    try:
        return _capture(path)
    except Exception:  # a broken git must never stop a run from starting
        logger.debug("git capture failed for %s", path, exc_info=True)
        return None


def _capture(path: Path) -> GitInfo | None:
    folder = path if path.is_dir() else path.parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if not top:
        return None
    root = Path(top)
    commit = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    branch = _git(root, "symbolic-ref", "--short", "--quiet", "HEAD")
    remote_url = _git(root, "config", "--get", "remote.origin.url")
    diff = _diff(root, has_head=commit is not None)
    return GitInfo(
        commit=commit or None,
        branch=branch or None,
        remote=strip_credentials(remote_url) if remote_url else None,
        dirty=bool(diff),
        diff=diff,
        root=root,
    )


def strip_credentials(url: str) -> str:
    """``url`` without a password, or without any user name over HTTP(S).

    Tokens are often put in the user-name part of HTTPS URLs
    (``https://<token>@github.com/...``), so HTTP(S) loses all user info. SSH keeps a
    plain user name (``ssh://git@host/...``) because that is not a secret. scp-like
    addresses (``git@host:org/repo``) have no password field and are returned unchanged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    secret = parts.scheme.lower() in {"http", "https"} or ":" in userinfo
    user = "" if secret else userinfo
    netloc = f"{user}@{hostport}" if user else hostport
    return urlunsplit(parts._replace(netloc=netloc))


def _diff(root: Path, *, has_head: bool) -> str:
    # --no-ext-diff / --no-color / --no-textconv: the user's git config must not change
    # what we store, and an external diff tool could be slow or interactive.
    options = ("--no-ext-diff", "--no-color", "--no-textconv")
    if has_head:
        raw = _git_bytes(root, "diff", *options, "HEAD")
    else:
        # No HEAD to compare with: staged changes are against the empty tree.
        staged = _git_bytes(root, "diff", *options, "--cached") or b""
        unstaged = _git_bytes(root, "diff", *options) or b""
        raw = staged + unstaged
    if not raw:
        return ""
    if len(raw) > DIFF_LIMIT_BYTES:
        # "ignore" drops a multi-byte character the cut may have split.
        text = raw[:DIFF_LIMIT_BYTES].decode("utf-8", errors="ignore")
        return text + DIFF_TRUNCATED_MARKER
    return raw.decode("utf-8", errors="replace")


def _git(cwd: Path, *args: str) -> str | None:
    out = _git_bytes(cwd, *args)
    if out is None:
        return None
    return out.decode("utf-8", errors="replace").strip()


def _git_bytes(cwd: Path, *args: str) -> bytes | None:
    """Stdout of ``git args`` (at most one byte over the diff limit), or ``None`` on failure.

    Reads incrementally and kills git once the limit is passed, so a multi-gigabyte diff
    costs neither the memory nor the time to produce it in full.
    """
    env = dict(os.environ)
    # Never prompt for credentials, and never take the index lock: a run starting in the
    # background must not make the user's own `git commit` fail.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    try:
        proc = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    except OSError:  # git not installed, or cwd gone
        return None
    timer = threading.Timer(GIT_TIMEOUT, proc.kill)
    timer.daemon = True
    timer.start()
    try:
        assert proc.stdout is not None
        chunks: list[bytes] = []
        size = 0
        while size <= DIFF_LIMIT_BYTES:
            chunk = proc.stdout.read(min(1 << 20, DIFF_LIMIT_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        truncated = size > DIFF_LIMIT_BYTES
        if truncated:
            proc.kill()
        proc.stdout.close()
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if truncated:
        return b"".join(chunks)
    if code != 0:  # includes being killed by the timeout
        return None
    return b"".join(chunks)
