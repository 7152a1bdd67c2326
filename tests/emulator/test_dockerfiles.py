"""Where a repository build finds its Dockerfile and which build arguments it declares
(railway_emulator/runtime/build.py; docs/railway-api.md, "Repository builds"), without an engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from railway_emulator.runtime.build import BuildRefused, declared_args, locate_dockerfile


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for name in ("Dockerfile", "backend/Dockerfile", "backend/Dockerfile.railway", "build/Dockerfile"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("FROM scratch\n")
    (tmp_path / "docs").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("root", "path", "context", "dockerfile"),
    [
        (None, None, ".", "Dockerfile"),
        ("/backend", None, "backend", "backend/Dockerfile"),
        ("backend", "Dockerfile.railway", "backend", "backend/Dockerfile.railway"),
        ("/backend", "/build/Dockerfile", "backend", "build/Dockerfile"),
        (None, "backend/Dockerfile.railway", ".", "backend/Dockerfile.railway"),
    ],
)
def test_the_dockerfile_is_read_from_the_root_directory_or_from_the_repository_root_with_a_slash(
    checkout: Path, root: str | None, path: str | None, context: str, dockerfile: str
) -> None:
    found = locate_dockerfile(checkout, root, path, "dockerfilePath", "RAILPACK")
    assert found == ((checkout / context).resolve(), (checkout / dockerfile).resolve())


def test_the_guides_form_is_refused_naming_both_readings(checkout: Path) -> None:
    with pytest.raises(BuildRefused) as refused:
        locate_dockerfile(checkout, "backend", "backend/Dockerfile.railway", "RAILWAY_DOCKERFILE_PATH", "RAILPACK")
    message = " ".join(refused.value.lines)
    assert "RAILWAY_DOCKERFILE_PATH" in message
    assert "/backend/backend/Dockerfile.railway, which does not exist" in message
    assert "/backend/Dockerfile.railway, which exists" in message


@pytest.mark.parametrize(
    ("root", "path", "words"),
    [
        ("/docs", None, ["No Dockerfile", "NIXPACKS", "cannot run"]),
        ("/nowhere", None, ["root directory /nowhere does not exist"]),
        ("/backend", "../../etc/passwd", ["no such file"]),
        (None, "/missing/Dockerfile", ["/missing/Dockerfile: no such file from the repository root"]),
    ],
)
def test_what_cannot_be_built_is_refused_saying_why(
    checkout: Path, root: str | None, path: str | None, words: list[str]
) -> None:
    with pytest.raises(BuildRefused) as refused:
        locate_dockerfile(checkout, root, path, "dockerfilePath", "NIXPACKS")
    assert all(word in " ".join(refused.value.lines) for word in words), refused.value.lines


def test_only_the_names_declared_with_arg_in_any_stage_are_build_arguments() -> None:
    dockerfile = (
        "ARG BASE=python:3.11\n"
        "FROM $BASE AS build\n"
        "arg GREETING\n"
        "RUN echo $NOT_DECLARED\n"
        "FROM scratch\n"
        "ARG FIRST=1 \\\n"
        "    SECOND\n"
        "# ARG COMMENTED\n"
        "ENV ARG_LIKE=1\n"
    )
    assert declared_args(dockerfile) == {"BASE", "GREETING", "FIRST", "SECOND"}
