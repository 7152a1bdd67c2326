"""Fixtures of the emulator suite: a fresh emulator per test, served over real HTTP on 127.0.0.1.

Every test in tests/emulator carries the `emulator` marker (registered in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import TOKEN, RailwayClient

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.emulator)


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the whole suite: building one costs more than most tests."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def emulator(emulator_factory: Callable[..., EmulatorServer]) -> Iterator[EmulatorServer]:
    """A fresh emulator per test (the suites elsewhere share one per module): these tests count requests
    and objects from zero. Each checks one behaviour right after the write that causes it, so Railway's
    registration delay is pinned to 0 here; test_deployment_timing.py holds the delay itself, and every
    other suite runs the emulator's default (late) mode."""
    with emulator_factory(register_delay=0.0) as server:
        yield server


@pytest.fixture
def railway(http: httpx.Client, emulator: EmulatorServer) -> RailwayClient:
    return RailwayClient(http, emulator.url, TOKEN)
