"""The repository stands on its own (issue 20, section 1): nothing it builds, tests or runs reads
outside the checkout. Railway's schema is in it (railway_emulator/railway_schema/), the facts its code
relies on are in docs/railway-api.md, every citation of that page names one of its sections, and a
clone with no sibling folders runs the emulator's suite."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT / "docs" / "railway-api.md"
# Spelled in two parts so that this file does not name them itself.
OUTSIDE = ("API-" + "NOTES", "../" + "shared")
CITATION = re.compile(r'docs/railway-api\.md,?\s+"([^"]+)"')


def tracked_text_files() -> dict[str, str]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = {}
    for name in names.split():
        path = ROOT / name
        if path.is_symlink() or not path.is_file() or path.suffix in (".png", ".gz", ".whl"):
            continue
        try:
            files[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return files


def sections() -> set[str]:
    return {line[3:].strip() for line in FACTS.read_text().splitlines() if line.startswith("## ")}


def citations(text: str) -> list[str]:
    """The sections cited as `docs/railway-api.md, "<section>"`, a citation wrapped over comment lines
    read as one line."""
    joined = re.sub(r"\s*\n\s*(?:#|//|\*|-)?\s*", " ", text)
    return CITATION.findall(joined)


def test_no_file_points_outside_the_checkout() -> None:
    found = [
        f"{name}: {marker}"
        for name, text in tracked_text_files().items()
        for marker in OUTSIDE
        if marker in text and name != "tests/repo/test_self_contained.py"
    ]
    assert found == [], "files that cite or read what is not in the repository: " + ", ".join(found)


def test_every_cited_section_of_the_railway_facts_exists() -> None:
    known = sections()
    cited = {
        (name, section)
        for name, text in tracked_text_files().items()
        if name not in ("tests/repo/test_self_contained.py", "docs/railway-api.md")
        for section in citations(text)
        if not (section.startswith("<") and section.endswith(">"))  # how to cite, as ARCHITECTURE.md shows it
    }
    assert len(cited) >= 10, f"the code cites the facts page: {sorted(cited)}"
    missing = sorted(f"{name}: {section!r}" for name, section in cited if section not in known)
    assert missing == [], f"cited sections missing from docs/railway-api.md (it has {sorted(known)}): {missing}"


def test_the_citation_reader_joins_a_citation_wrapped_over_comment_lines() -> None:
    wrapped = '# (docs/railway-api.md, "Deployments register\n    # late")'
    assert citations(wrapped) == ["Deployments register late"]
    assert citations('see docs/railway-api.md "Plans", observed once') == ["Plans"]


def test_railway_s_schema_is_in_the_repository_with_its_provenance() -> None:
    from railway_emulator.schema import DEFAULT_SCHEMA_PATH

    assert DEFAULT_SCHEMA_PATH.is_relative_to(ROOT) and DEFAULT_SCHEMA_PATH.is_file()
    assert (DEFAULT_SCHEMA_PATH.parent / "PROVENANCE.md").is_file()
    assert "MIT" in (DEFAULT_SCHEMA_PATH.parent / "LICENSE-railwayapp-cli").read_text()


@pytest.mark.emulator
def test_a_clone_without_sibling_folders_runs_the_emulator_suite(tmp_path: Path) -> None:
    """The committed HEAD, cloned where nothing sits beside it, runs the emulator's tests (those that
    need no Docker) with this checkout's Python environment and no schema path given."""
    clone = tmp_path / "alone" / "railstack"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["railstack"]
    # The installed Python packages are the checkout's own (scripts/bootstrap makes .venv inside it).
    (clone / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if k not in ("RAILWAY_SCHEMA_PATH", "PYTHONPATH")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/emulator", "-m", "not docker", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env={**env, "PYTHONPATH": str(clone)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout), result.stdout[-2000:]
