"""A module's stack that is up whenever a test asks for it, with the emulator's counters around its `up`.

The engine modules' tests take their stack from a fixture built on `ModuleStack` instead of leaning on a
test that happened to run `pulumi up` before them, so they pass in any order (`--reverse-order`). The
stack is brought up once; a test that destroys it says so, and only then does the next test that needs it
bring it up again. That keeps the file order as fast as a chain of tests would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from railway_emulator import EmulatorServer
from support.pulumi_cli import PulumiWorkspace


@dataclass(frozen=True)
class Up:
    """A stack after an `up` from empty, with the emulator's counters before and after it."""

    workspace: PulumiWorkspace
    before: dict[str, Any]
    after: dict[str, Any]


class ModuleStack:
    """A module's stack: `up()` brings it up if it is down, `destroy()` takes it down."""

    def __init__(self, workspace: PulumiWorkspace, emulator: EmulatorServer) -> None:
        self.workspace = workspace
        self.emulator = emulator
        self._up: Up | None = None

    def up(self) -> Up:
        """The stack up, with the record of the `up` that brought it up from empty (run now if it is down)."""
        if self._up is None:
            before = self.emulator.counters()
            self.workspace.run("up", "--yes", "--skip-preview")
            self._up = Up(self.workspace, before, self.emulator.counters())
        return self._up

    def destroy(self) -> None:
        """Destroys the stack; the next `up()` starts from empty again, even if this destroy fails."""
        self._up = None
        self.workspace.run("destroy", "--yes", "--skip-preview")

    def close(self) -> None:
        """The module's teardown: nothing of the stack is left behind, whatever the tests did."""
        self._up = None
        self.workspace.run("destroy", "--yes", "--skip-preview", check=False)
