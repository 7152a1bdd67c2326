"""railstack's Railway API emulator: Railway's public GraphQL API, in memory, held to Railway's schema.

Tests run the provider against it instead of Railway. `EmulatorServer` serves it on a background thread;
`python -m railway_emulator` (or `scripts/railway-emulator`) serves it as a process. See README.md.
"""

from railway_emulator.core import Emulator
from railway_emulator.server import EmulatorServer

__all__ = ["Emulator", "EmulatorServer"]
