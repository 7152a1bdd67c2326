"""What the Docker resources share: the engine client and redaction of output."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Values shorter than this are not redacted (ports, flags, "1"): they would blank out ordinary words.
MIN_REDACTED = 6


def engine() -> Any:
    """A Docker SDK client for the engine the stack runs on (DOCKER_HOST, or the local socket)."""
    import docker

    return docker.from_env(timeout=120)


def redact(text: str, environment: Iterable[str]) -> str:
    """`text` with the value of every `NAME=value` of the container's environment hidden."""
    for entry in environment:
        _, _, value = str(entry).partition("=")
        if len(value) >= MIN_REDACTED:
            text = text.replace(value, "[redacted]")
    return text


def tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
