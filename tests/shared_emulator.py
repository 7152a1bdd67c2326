"""The Railway API emulator as the test suites start it: one token, options per caller.

The fixtures `emulator` and `emulator_factory` (tests/conftest.py) build their servers with
`emulator_server`; a test that needs the token as a value (`railway:token`, RAILWAY_API_TOKEN, a
bearer header) imports EMULATOR_TOKEN from here rather than from a conftest.
"""

from __future__ import annotations

from typing import Any

from railway_emulator import EmulatorServer

#: The token every emulator the tests start accepts. Distinctive, so that a test can assert it never
#: reaches an output, a log or the emulator's request records.
EMULATOR_TOKEN = "railstack-tests-emulator-token"


def emulator_server(**options: Any) -> EmulatorServer:
    """An emulator accepting EMULATOR_TOKEN, built with `EmulatorServer`'s keyword `options` (`strict=True`,
    `plan="hobby"`, `scoped_token=...`), not started yet: `with emulator_server(...) as emu:` serves it for
    the block, so the caller decides how long it lives."""
    return EmulatorServer(token=EMULATOR_TOKEN, **options)
