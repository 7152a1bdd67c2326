"""What the Docker resources share: the engine client and redaction of output."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from railstack.redaction import redact

#: Values shorter than this are not redacted (ports, flags, "1"): they would blank out ordinary words.
MIN_REDACTED = 6


def engine() -> Any:
    """A Docker SDK client for the engine the stack runs on (DOCKER_HOST, or the local socket)."""
    import docker

    return docker.from_env(timeout=120)


def redact_environment(text: str, environment: Iterable[str]) -> str:
    """`text` with the value of every `NAME=value` of the container's environment hidden."""
    return redact(text, (str(entry).partition("=")[2] for entry in environment), MIN_REDACTED)


def tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


class RunOnChange(ResourceProvider):
    """A resource that is an action: `run` on create and again whenever one of INPUTS changes (an
    update, never a replacement); its id is the input named ID_INPUT."""

    INPUTS: ClassVar[tuple[str, ...]]
    ID_INPUT: ClassVar[str]

    def run(self, props: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=props[self.ID_INPUT], outs=self.run(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in self.INPUTS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.run(news))
