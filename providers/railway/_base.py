"""Plumbing shared by every Railway dynamic provider: configuration, the client, diffing, lookups.

A Railway resource's provider runs in Pulumi's dynamic-provider process, not in the program: it
gets the Railway token from the stack's configuration (`railway:token`, a secret) through
`configure`, or from the environment, so the token is never an input and never reaches the state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from pulumi.dynamic import ConfigureRequest, DiffResult, ResourceProvider
from pulumi.runtime import rpc

from providers.railway.client import AmbiguousWriteError, RailwayClient, RailwayError, client_from_settings

T = TypeVar("T")

#: How many times a create is attempted when Railway's answer was lost (timeout, 5xx after sending).
CREATE_ATTEMPTS = 4


class RailwayResourceProvider(ResourceProvider):
    """Base of railstack's Railway providers.

    Subclasses set KIND (an input and an output of every resource, so policy packs can tell the kinds
    apart), REPLACE_ON (inputs whose change needs a new object) and UPDATE_ON (inputs changed in
    place). Inputs in neither set are ignored by diff.
    """

    KIND: ClassVar[str]
    REPLACE_ON: ClassVar[frozenset[str]] = frozenset()
    UPDATE_ON: ClassVar[frozenset[str]] = frozenset()

    _token: str | None = None
    _api_url: str | None = None
    _client_instance: RailwayClient | None = None

    _token_kind: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        # Stack config: railway:token (secret), railway:tokenKind (account|project), railway:apiUrl.
        self._token = req.config.get("railway:token")
        self._token_kind = req.config.get("railway:tokenKind")
        self._api_url = req.config.get("railway:apiUrl")

    @property
    def client(self) -> RailwayClient:
        if self._client_instance is None:
            self._client_instance = client_from_settings(self._token, self._api_url, self._token_kind)
        return self._client_instance

    # -- diff ------------------------------------------------------------------------------------
    def normalize(self, key: str, value: Any) -> Any:
        """The value of an input as it compares: subclasses fold platform defaults here."""
        return value

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = []
        for key in sorted(self.REPLACE_ON | self.UPDATE_ON):
            new = news.get(key)
            if new == rpc.UNKNOWN or self.normalize(key, olds.get(key)) != self.normalize(key, new):
                changed.append(key)
        replaces = [k for k in changed if k in self.REPLACE_ON]
        stables = sorted((self.REPLACE_ON | self.UPDATE_ON) - set(changed))
        return DiffResult(changes=bool(changed), replaces=replaces, stables=stables, delete_before_replace=True)

    # -- helpers for subclasses ------------------------------------------------------------------
    def outputs(self, props: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
        """Outputs are the inputs as given plus what Railway assigned, and the stable kind."""
        return {**props, **extra, "kind": self.KIND}

    def create_once(self, create: Callable[[], T], find_existing: Callable[[], T | None]) -> T:
        """Runs a create so that a lost answer never makes a duplicate.

        When Railway's answer to a create is lost (AmbiguousWriteError), the object may exist:
        look it up by its natural key and adopt it, else create again.
        """
        existing = find_existing()
        if existing is not None:
            return existing
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return create()
            except AmbiguousWriteError:
                found = find_existing()
                if found is not None:
                    return found
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def write(self, operation: str, variables: dict[str, Any], verify: Callable[[], bool] | None = None) -> None:
        """A write that is safe to repeat (updates with the full desired value, deletes).

        A lost answer is retried; `verify`, if given, is asked first whether it already took effect.
        """
        for attempt in range(CREATE_ATTEMPTS):
            try:
                self.client.execute(operation, variables)
                return
            except AmbiguousWriteError:
                if verify is not None and verify():
                    return
                if attempt == CREATE_ATTEMPTS - 1:
                    raise

    def delete_quietly(self, operation: str, variables: dict[str, Any]) -> None:
        """A delete; an object that is already gone counts as deleted."""
        try:
            self.write(operation, variables)
        except RailwayError as err:
            if not err.is_gone:
                raise

    def read_or_gone(self, operation: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        """A read; None when Railway says the object does not exist."""
        try:
            return self.client.execute(operation, variables)
        except RailwayError as err:
            if err.is_gone:
                return None
            raise


def edges(connection: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The nodes of a Relay connection."""
    return [edge["node"] for edge in (connection or {}).get("edges", [])]


def paginate(fetch: Callable[[str | None], Mapping[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every node of a Relay connection, page by page; `fetch(after)` returns the connection."""
    after: str | None = None
    while True:
        connection = fetch(after)
        yield from edges(connection)
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")
