"""Fixtures shared by all test suites: the bootstrap's Pulumi CLI and the Railway API emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from railway_emulator import EmulatorServer
from support.pulumi_cli import TOOLS_BIN
from tests.shared_emulator import emulator_server


@pytest.fixture(scope="session")
def pulumi_cli() -> None:
    """The bootstrap's Pulumi CLI; its absence is a failure, never a skip."""
    if not (TOOLS_BIN / "pulumi").exists():
        pytest.fail("the Pulumi CLI is missing from .tools/bin: run scripts/bootstrap (scripts/test does)")


@pytest.fixture(scope="session")
def emulator_factory() -> Callable[..., EmulatorServer]:
    """Builds an emulator with options, accepting EMULATOR_TOKEN (tests/shared_emulator.py):
    `with emulator_factory(strict=True, plan="hobby") as emu:`. The caller's `with` serves it, so a test
    or a fixture of any scope can use it."""
    return emulator_server


@pytest.fixture(scope="module")
def emulator(emulator_factory: Callable[..., EmulatorServer]) -> Iterator[EmulatorServer]:
    """One emulator with the default options for the whole test module, accepting EMULATOR_TOKEN.

    Its tests share its state, so they compare counters before and after rather than absolute ones. A
    module that needs other options overrides this fixture with `emulator_factory(...)`; tests/emulator
    overrides it with a fresh one per test."""
    with emulator_factory() as emu:
        yield emu
