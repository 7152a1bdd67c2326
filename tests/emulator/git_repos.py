"""Small local git repositories standing for GitHub ones in the emulator's repo-source tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **_IDENTITY},
    )
    return done.stdout.strip()


def commit(folder: Path, files: dict[str, str], message: str = "a change", branch: str = "main") -> str:
    """Write `files` (path -> text) on `branch` and commit them; the new head's full SHA."""
    if not (folder / ".git").exists():
        folder.mkdir(parents=True, exist_ok=True)
        git(folder, "init", "--quiet", f"--initial-branch={branch}")
    elif git(folder, "rev-parse", "--abbrev-ref", "HEAD") != branch:
        existing = git(folder, "branch", "--list", branch)
        git(folder, "checkout", "--quiet", *(() if existing else ("-b",)), branch)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(folder, "add", "--all")
    git(folder, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(folder, "rev-parse", "HEAD")
