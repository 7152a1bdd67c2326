"""Every script answers `--help` (issue 26 item 11): it prints what it does and exits 0 at once,
without building, starting or writing anything."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Sourced, not run: `. scripts/activate`.
SOURCED = {"activate"}
SCRIPTS = sorted(p.name for p in (ROOT / "scripts").iterdir() if p.is_file() and p.name not in SOURCED)


def _status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_answers_help_and_does_nothing_else(script: str) -> None:
    before = _status()
    result = subprocess.run(
        [str(ROOT / "scripts" / script), "--help"], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stdout[-1000:] + result.stderr[-1000:]
    text = result.stdout + result.stderr
    assert len(text.strip().splitlines()) >= 1 and "error" not in text.lower().split("\n")[0], text[:500]
    assert _status() == before, f"scripts/{script} --help changed the checkout"
