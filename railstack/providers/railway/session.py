"""What the provider process shares across its resource handlers: one Railway client and one
deployment watch per configuration.

The plugin makes a handler per RPC, and the engine runs many RPCs at once; sharing the client keeps
one connection pool and one view of Railway's request budget, and sharing the watch makes every
awaited deployment's status one request per tick, whatever the number of services (issue 19).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from railstack.providers.railway.client import RailwayClient
from railstack.providers.railway.watch import DeploymentWatch

_lock = threading.Lock()
_sessions: dict[tuple[object, ...], Session] = {}


class Session:
    def __init__(self, client: RailwayClient) -> None:
        self.client = client
        self.watch = DeploymentWatch(client)


def session_for(key: tuple[object, ...], make_client: Callable[[], RailwayClient]) -> Session:
    """The process's session for a configuration (`key` holds the token: it never leaves this module)."""
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = _sessions[key] = Session(make_client())
        return session
