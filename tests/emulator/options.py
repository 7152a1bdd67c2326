"""Helpers for tests that need an emulator with options, or a clock they control."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import TOKEN, RailwayClient
from tests.shared_emulator import emulator_server

SCOPED_TOKEN = "emulator-scoped-token-77aa"


class FakeClock:
    """A clock the test moves by hand: `clock.advance(5)`."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def served(
    http: httpx.Client, *, clock: FakeClock | None = None, **options: Any
) -> Iterator[tuple[EmulatorServer, RailwayClient]]:
    """An emulator built with `options`, and a client holding the main token; the registration delay
    is 0 unless `register_delay` is given (see the `emulator` fixture in conftest.py)."""
    options.setdefault("register_delay", 0.0)
    with emulator_server(**options) as server:
        if clock is not None:
            server.emulator.state.clock = clock
        yield server, RailwayClient(http, server.url, TOKEN)


def scoped_client(http: httpx.Client, server: EmulatorServer) -> RailwayClient:
    return RailwayClient(http, server.url, SCOPED_TOKEN)
