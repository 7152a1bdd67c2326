"""The repository map: local git repositories standing for the GitHub repositories services deploy from.

`--repo-map OWNER/NAME=PATH` (`Emulator(repo_map={...})`) says which local repository stands for
`github.com/OWNER/NAME`. The emulator reads it only through `git` (rev-parse, archive, diff, ls-tree),
never its working tree: what a deployment builds is a commit, as Railway builds the commit a push or a
deploy names (docs/railway-api.md, "Repository builds").
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from pathlib import Path

REPO_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
"""OWNER/NAME, as GitHub spells a repository (and as `serviceConnect`'s `repo` is written)."""

COMMIT_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
"""A git commit SHA, abbreviated (at least 7 hex digits) or full."""

REPO_MAP_FORM = "OWNER/NAME=PATH, e.g. acme/app=/src/app (PATH a local git repository)"


class RepoError(RuntimeError):
    """A repository, branch or commit the emulator cannot resolve; the message names it."""


def parse_repo_pair(pair: str) -> tuple[str, str]:
    """`OWNER/NAME=PATH` -> (OWNER/NAME, PATH); ValueError naming the expected form."""
    name, sep, path = pair.partition("=")
    if not sep or not REPO_NAME.match(name) or not path:
        raise ValueError(f"--repo-map {pair!r}: expected {REPO_MAP_FORM}")
    return name, path


def not_mapped(repo: str) -> str:
    return (
        f"repository {repo} is not mapped to a local git repository: the emulator builds only mapped "
        f"repositories; start it with --repo-map {repo}=PATH (EmulatorServer(repo_map={{{repo!r}: PATH}}))"
    )


class Repos:
    """The mapped repositories, read through `git`."""

    def __init__(self, repo_map: dict[str, str] | None = None) -> None:
        self.paths: dict[str, Path] = {}
        for name, path in (repo_map or {}).items():
            if not REPO_NAME.match(name):
                raise ValueError(f"repo_map key {name!r}: expected {REPO_MAP_FORM}")
            folder = Path(path).expanduser().resolve()
            try:
                self._git(folder, "rev-parse", "--git-dir")
            except RepoError as error:
                raise ValueError(f"repo_map {name}={path}: not a git repository ({error})") from error
            self.paths[name] = folder

    def __contains__(self, repo: object) -> bool:
        return repo in self.paths

    @staticmethod
    def _git(folder: Path, *args: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RepoError(f"git {args[0]} failed: {error}") from error
        if done.returncode != 0:
            raise RepoError(done.stderr.strip() or f"git {args[0]} exited with {done.returncode}")
        return done.stdout

    def path(self, repo: str) -> Path:
        found = self.paths.get(repo)
        if found is None:
            raise RepoError(not_mapped(repo))
        return found

    def head(self, repo: str, branch: str) -> str:
        """The full SHA `refs/heads/<branch>` points at."""
        folder = self.path(repo)
        try:
            return self._git(folder, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}").strip()
        except RepoError as error:
            raise RepoError(f"branch {branch} does not exist in repository {repo}") from error

    def commit(self, repo: str, sha: str) -> str:
        """The full SHA of the commit `sha` (abbreviated or full) names."""
        if not COMMIT_SHA.match(sha):
            raise RepoError(f"commit {sha!r} is not a git commit SHA (7 to 40 hex digits)")
        folder = self.path(repo)
        try:
            return self._git(folder, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}").strip()
        except RepoError as error:
            raise RepoError(f"commit {sha} does not exist in repository {repo}") from error

    def resolve(self, repo: str, branch: str, sha: str | None) -> str:
        """The commit a deployment builds: `sha` when given, else the branch's head."""
        return self.commit(repo, sha) if sha else self.head(repo, branch)

    def changed_files(self, repo: str, old: str | None, new: str) -> list[str]:
        """Paths from the repository root that differ between `old` and `new`; every file when `old` is
        None (a branch never seen before)."""
        folder = self.path(repo)
        if old is None:
            out = self._git(folder, "ls-tree", "-r", "--name-only", "-z", new)
        else:
            out = self._git(folder, "diff", "--name-only", "--no-renames", "-z", old, new)
        return [name for name in out.split("\0") if name]

    def export(self, repo: str, sha: str, destination: Path) -> None:
        """The commit's tree (never the working tree) written into `destination`."""
        folder = self.path(repo)
        try:
            archive = subprocess.run(
                ["git", "-C", str(folder), "archive", "--format=tar", sha],
                capture_output=True,
                timeout=300,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RepoError(f"git archive failed: {error}") from error
        if archive.returncode != 0:
            raise RepoError(archive.stderr.decode(errors="replace").strip() or "git archive failed")
        with tarfile.open(fileobj=io.BytesIO(archive.stdout), mode="r:") as tar:
            tar.extractall(destination, filter="data")
