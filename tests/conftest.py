"""Fixtures shared by all test suites."""

from __future__ import annotations

import pytest

from tests.pulumi_cli import TOOLS_BIN


@pytest.fixture(scope="session")
def pulumi_cli() -> None:
    """The bootstrap's Pulumi CLI; its absence is a failure, never a skip."""
    if not (TOOLS_BIN / "pulumi").exists():
        pytest.fail("the Pulumi CLI is missing from .tools/bin: run scripts/bootstrap (scripts/test does)")
