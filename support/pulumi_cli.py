"""Runs the real Pulumi CLI that scripts/bootstrap put in .tools/, isolated per test or benchmark run.

Each workspace gets its own file backend and passphrase, shares the bootstrap's plugin cache
(PULUMI_HOME) and forbids plugin downloads, so a test proves the toolchain works air-gapped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = ROOT / ".tools" / "bin"
PULUMI_HOME = ROOT / ".tools" / "pulumi-home"
VENV = ROOT / ".venv"

TEST_PASSPHRASE = "railstack-tests-only"


def write_program(directory: Path, program: str, name: str = "tiny") -> Path:
    """A Python Pulumi project in `directory` running `program` in the repository's virtualenv."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "__main__.py").write_text(program)
    (directory / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: {VENV}\n"
    )
    return directory


#: What the railstack program is made of (copied, never modified in place, by tests).
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "railstack", "app", "policy")


def copy_project(dest: Path, stack: str) -> Path:
    """A copy of the railstack project in `dest` with `stack`'s config file, using the repository's venv."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, dest / name)
    stack_file = ROOT / f"Pulumi.{stack}.yaml"
    text = stack_file.read_text() if stack_file.exists() else "config: {}\n"
    # A salt someone's `pulumi stack init` wrote belongs to their passphrase, not the tests'.
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("encryptionsalt:"))
    (dest / stack_file.name).write_text(text)
    (dest / ".venv").symlink_to(VENV)
    return dest


def edit_stack_config(project_dir: Path, stack: str, overrides: dict, *, replace: bool = False) -> None:
    """Merges `overrides` into (or with `replace`, puts them in place of) `railstack:stack` of the
    copy's `Pulumi.<stack>.yaml`."""
    import yaml

    path = project_dir / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text()) if path.exists() else None
    document = document or {}
    config = document.setdefault("config", {})
    if replace or not isinstance(config.get("railstack:stack"), dict):
        config["railstack:stack"] = dict(overrides)
    else:
        config["railstack:stack"].update(overrides)
    path.write_text(yaml.safe_dump(document))


class PulumiError(AssertionError):
    """A pulumi command failed; the message carries the command and its output."""


@dataclass
class PulumiWorkspace:
    """A Pulumi project directory with its own state backend."""

    project_dir: Path
    state_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PATH=f"{TOOLS_BIN}{os.pathsep}{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            PULUMI_HOME=str(PULUMI_HOME),
            PULUMI_BACKEND_URL=f"file://{self.state_dir}",
            PULUMI_CONFIG_PASSPHRASE=TEST_PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="1",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="true",
            NO_COLOR="1",
        )
        env.pop("PULUMI_ACCESS_TOKEN", None)
        env.update(self.extra_env)
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(TOOLS_BIN / "pulumi"), *args, "--non-interactive"],
            cwd=self.project_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            # The diagnostics say why; the outputs after them can be long enough to push them out.
            start = proc.stdout.find("Diagnostics:")
            diagnostics = proc.stdout[start : start + 6000] if start >= 0 else ""
            raise PulumiError(
                f"`pulumi {' '.join(args)}` exited {proc.returncode}\n--- diagnostics ---\n{diagnostics}\n"
                f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
            )
        return proc

    def json(self, *args: str) -> Any:
        """The command's `--json` output, parsed: JSON is as dynamically typed as `json.loads` says."""
        return json.loads(self.run(*args, "--json").stdout)
