"""Fixtures shared by all test suites: the bootstrap's Pulumi CLI and the Railway API emulator, and
the markers every test gets from what it uses.

Markers follow use, so `-m "not emulator"` leaves out every test that starts an emulator: a test
using the `emulator`/`emulator_factory` fixtures, or in a module that imports the emulator, is
marked `emulator`; one using `pulumi_cli` is marked `engine`. In the fast tier (`scripts/test --fast`
sets RAILSTACK_TEST_TIER=fast) starting an emulator, the Pulumi CLI or a Docker client fails the
test, so a slow test that escaped its marker shows instead of slowing the fast loop down.
"""

from __future__ import annotations

import os
import sys
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


_EMULATOR_FIXTURES = {"emulator", "emulator_factory"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse-order",
        action="store_true",
        help="run the tests of each module in reverse order: a test that leans on an earlier one fails",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-order"):
        modules: dict[str, list[pytest.Item]] = {}
        for item in items:
            modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
        items[:] = [item for group in modules.values() for item in reversed(group)]
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module = getattr(item, "module", None)
        imports_emulator = module is not None and any(
            str(value.__name__ if isinstance(value, type(os)) else getattr(value, "__module__", "")).startswith(
                "railway_emulator"
            )
            for value in vars(module).values()
        )
        if fixtures & _EMULATOR_FIXTURES or imports_emulator:
            item.add_marker(pytest.mark.emulator)
        if "pulumi_cli" in fixtures:
            item.add_marker(pytest.mark.engine)


class _SlowInFastTier(RuntimeError):
    """A test of the fast tier reached for something slow."""


@pytest.fixture(autouse=True)
def _fast_tier_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("RAILSTACK_TEST_TIER") != "fast":
        return

    def refuse(what: str) -> Callable[..., object]:
        def refused(*_args: object, **_kwargs: object) -> object:
            raise _SlowInFastTier(f"{what} in the fast tier: mark the test (engine, emulator or docker)")

        return refused

    monkeypatch.setattr(EmulatorServer, "start", refuse("an emulator"))
    if "docker" in sys.modules:
        monkeypatch.setattr(sys.modules["docker"], "from_env", refuse("a Docker client"))
    monkeypatch.setattr("support.pulumi_cli.PulumiWorkspace.run", refuse("the Pulumi CLI"))
