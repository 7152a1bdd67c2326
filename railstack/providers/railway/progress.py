"""Status messages while a resource is being created or updated: what `pulumi up` shows beside a
deployment while Railway builds and starts it (QUEUED, BUILDING, DEPLOYING, SUCCESS), instead of a
silent `creating (0s)` for minutes.

The plugin sends them to the engine as ephemeral log messages on the resource's URN, which is how
Pulumi's providers report progress (the engine's `Log` RPC with `ephemeral: true`: the display shows
the latest one on the resource's line and keeps none of them). Without an engine (a handler called
directly, as the tests do) the messages are kept in `Progress.sent` only.
"""

from __future__ import annotations

import contextlib
import threading

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc


class Progress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stub: engine_pb2_grpc.EngineStub | None = None
        self.sent: list[tuple[str, str]] = []
        """(urn, message) of every message, newest last (the last 200)."""

    def connect(self, engine_address: str) -> None:
        if engine_address:
            self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(engine_address))

    def report(self, urn: str | None, message: str) -> None:
        with self._lock:
            self.sent = [*self.sent[-199:], (urn or "", message)]
            stub = self._stub
        if stub is None or not urn:
            return
        # Progress is a courtesy: never fail a release over it.
        with contextlib.suppress(grpc.RpcError):
            request = engine_pb2.LogRequest(severity=engine_pb2.INFO, message=message, urn=urn, ephemeral=True)
            stub.Log(request)  # pyright: ignore[reportUnknownMemberType]  # pulumi's stubs leave the request type open


#: The plugin process's one channel to the engine.
PROGRESS = Progress()
