"""Plumbing shared by every Railway resource handler: configuration, the client, diffing, lookups.

A handler is the create/read/update/delete of one Railway object, served by the provider plugin
(`railstack/providers/railway/plugin.py`, `pulumi-resource-railway`). It runs in the plugin's process, not in
the program: it gets the Railway token from the provider's configuration (`railway:token`, a secret)
or from the environment, so the token is never an input and never reaches the state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from railstack.providers.railway.client import (
    AmbiguousWriteError,
    RailwayClient,
    RailwayError,
    RetryPolicy,
    client_from_settings,
    dig,
)
from railstack.providers.railway.schema import Prop, Props, State
from railstack.providers.railway.session import Session, session_for

T = TypeVar("T")
A = TypeVar("A", bound=Props)
S = TypeVar("S", bound=State[Any])

#: How many times a create is attempted when Railway's answer was lost (timeout, 5xx after sending).
CREATE_ATTEMPTS = 4


class _Unknown:
    """A value not known yet (a preview of an input computed by another resource)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class CreateResult:
    def __init__(self, id_: str, outs: dict[str, Any]) -> None:
        self.id = id_
        self.outs = outs


class ReadResult:
    """`id` None: the object is gone."""

    def __init__(self, id_: str | None, outs: dict[str, Any] | None = None) -> None:
        self.id = id_
        self.outs = outs or {}


class UpdateResult:
    def __init__(self, outs: dict[str, Any]) -> None:
        self.outs = outs


@dataclass(frozen=True)
class Created(Generic[S]):
    """What a typed create returns: Railway's id of the object and the resource's state."""

    id: str
    state: S


@dataclass(frozen=True)
class Where:
    """Where an object lives, for `confirmed_gone`: its project (and the workspace a project is in),
    and, for what lives in one, the environment and the service; `object_id` is the object's own id
    when it can be deleted on its own while its service lives on (a domain, a proxy, a volume)."""

    project_id: str | None = None
    workspace_id: str | None = None
    environment_id: str | None = None
    service_id: str | None = None
    object_id: str | None = None


@dataclass
class DiffResult:
    changes: bool
    replaces: list[str] = field(default_factory=list[str])
    stables: list[str] = field(default_factory=list[str])
    delete_before_replace: bool = True
    changed: list[str] = field(default_factory=list[str])
    """Every input that differs, replacing or not (the preview's detailed diff)."""


class RailwayResourceProvider:
    """Base of railstack's Railway resource handlers: what the plugin calls (`handle_*`, with its
    snake_case dicts) and the plumbing every handler shares. Handlers subclass `Handler`.

    A handler declares TYPE (the schema token is `railway:index:<TYPE>`), DESCRIPTION, IMPORT_ID (the
    form of the ID `pulumi import` takes) and STATE; INPUTS and OUTPUTS (`Prop`s by snake_case name)
    are read off STATE's fields, and so are the diff sets, from the inputs' `change`: REPLACE_ON (a
    change needs a new object) and UPDATE_ON (changed in place); inputs with neither are railstack's
    own records and never compared.
    """

    TYPE: ClassVar[str]
    DESCRIPTION: ClassVar[str]
    IMPORT_ID: ClassVar[str]
    INPUTS: ClassVar[dict[str, Prop]]
    OUTPUTS: ClassVar[dict[str, Prop]] = {}
    REPLACE_ON: ClassVar[frozenset[str]] = frozenset()
    UPDATE_ON: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        inputs: dict[str, Prop] | None = cls.__dict__.get("INPUTS")
        if inputs is not None:
            # Set once per class, at its creation: constants of the class from then on.
            cls.REPLACE_ON = frozenset(k for k, p in inputs.items() if p.change == "replace")  # pyright: ignore[reportConstantRedefinition]
            cls.UPDATE_ON = frozenset(k for k, p in inputs.items() if p.change == "update")  # pyright: ignore[reportConstantRedefinition]

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        # Provider config (snake_case): token (secret), token_kind (account|project), api_url,
        # max_retry_wait_seconds (the longest Retry-After waited out), workspace_id.
        config = config or {}
        self._token: str | None = config.get("token")
        self._token_kind: str | None = config.get("token_kind")
        self._api_url: str | None = config.get("api_url")
        wait = config.get("max_retry_wait_seconds")
        self._max_retry_wait: str | None = None if wait is None else str(wait)
        self.workspace_id: str | None = config.get("workspace_id")
        self.approve_deployments = str(config.get("approve_deployments", "")).lower() in ("true", "1")
        self.urn: str | None = None
        """The resource's URN during a create or update (set by the plugin), for progress messages."""

    # -- what the plugin calls, with its snake_case values (a typed handler converts them) ---------
    def handle_create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError

    def handle_read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise NotImplementedError

    def handle_update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        raise NotImplementedError

    def handle_delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError

    def handle_diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        raise NotImplementedError

    def handle_check(self, news: dict[str, Any]) -> list[tuple[str, str]]:
        """Failures (input name, reason) of inputs no Railway object could take; [] when fine."""
        raise NotImplementedError

    def handle_import(self, import_id: str) -> tuple[str, dict[str, Any]]:
        """The object's id and the state a read needs, from the ID given to `pulumi import`."""
        raise NotImplementedError

    def split_id(self, import_id: str, parts: int) -> list[str]:
        pieces = import_id.split(":")
        if len(pieces) != parts or not all(pieces):
            raise RailwayError(
                "import",
                f"{self.TYPE} import ID {import_id!r}: expected {self.IMPORT_ID} ({parts} parts joined by ':')",
            )
        return pieces

    def project_of(self, environment_id: str) -> str:
        """The project of an environment (import IDs name the environment, reads need its project)."""
        environment = self.client.execute("Environment", {"id": environment_id}).get("environment")
        if environment is None or environment.get("deletedAt"):
            raise RailwayError("import", f"environment {environment_id} does not exist")
        return environment["projectId"]

    @property
    def client(self) -> RailwayClient:
        return self.session.client

    @property
    def session(self) -> Session:
        """The provider process's client and deployment watch for this configuration (session.py)."""
        environment = tuple(os.environ.get(name) for name in ("RAILWAY_API_TOKEN", "RAILWAY_TOKEN", "RAILWAY_API_URL"))
        key = (self._token, self._token_kind, self._api_url, self._max_retry_wait, *environment)
        return session_for(key, self._make_client)

    def _make_client(self) -> RailwayClient:
        retry = RetryPolicy()
        if self._max_retry_wait not in (None, ""):
            try:
                retry = RetryPolicy(max_retry_wait=float(self._max_retry_wait))
            except ValueError:
                raise RailwayError(
                    "configure",
                    f"railway:maxRetryWaitSeconds = {self._max_retry_wait!r}: must be a number of seconds",
                ) from None
        return client_from_settings(self._token, self._api_url, self._token_kind, retry)

    # -- helpers for subclasses ------------------------------------------------------------------
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

    def delete_quietly(self, operation: str, variables: dict[str, Any], where: Where) -> None:
        """A delete; an object that is already gone counts as deleted. "Not Authorized" counts only
        when another read confirms the object is gone (`confirmed_gone`), else the delete fails and
        the resource stays in the state."""
        try:
            self.write(operation, variables)
        except RailwayError as err:
            if err.is_gone or (err.is_denied and self.confirmed_gone(where)):
                return
            if err.is_denied:
                raise self.access_error(operation, err) from None
            raise

    def read_or_gone(self, operation: str, variables: dict[str, Any], where: Where) -> dict[str, Any] | None:
        """A read; None when the object is gone: Railway says it does not exist, or answers "Not
        Authorized" and `confirmed_gone` proves it deleted. A "Not Authorized" that nothing confirms
        (a wrong token, another workspace's token) fails the read, so a refresh never drops a
        resource from the state on that answer alone."""
        try:
            return self.client.execute(operation, variables)
        except RailwayError as err:
            if err.is_gone or (err.is_denied and self.confirmed_gone(where)):
                return None
            if err.is_denied:
                raise self.access_error(operation, err) from None
            raise

    def access_error(self, operation: str, err: RailwayError) -> RailwayError:
        what = self.TYPE
        return RailwayError(
            operation,
            f"Railway answered {err.railway_message!r} for this {what}, and railstack could not confirm that it "
            "was deleted: the token is probably wrong or cannot see this project (another workspace's token, or "
            "a project token of another project). Nothing was removed from the state. Check railway:token "
            "(or RAILWAY_API_TOKEN / RAILWAY_TOKEN) and railway:workspaceId",
            status=err.status,
        )

    # -- is it really gone? -----------------------------------------------------------------------
    def confirmed_gone(self, where: Where) -> bool:
        """Whether the object `where` locates is provably deleted: its project reads fine (so the
        token may see it) and no longer lists its service or environment, or the project itself is
        deleted (`deletedAt`), or, for a project, its workspace is visible to the token and does
        not list it."""
        project_id = where.project_id
        if not project_id:
            return False
        try:
            project = self.client.execute("ProjectMembers", {"id": project_id}).get("project")
        except RailwayError as err:
            if err.is_gone:
                return True
            if err.is_denied:
                return self.project_gone_from_workspace(project_id, where.workspace_id)
            raise
        if project is None or project.get("deletedAt"):
            return True
        service_id, environment_id = where.service_id, where.environment_id
        if isinstance(service_id, str) and service_id not in {s["id"] for s in edges(project.get("services"))}:
            return True
        environments = {e["id"] for e in edges(project.get("environments"))}
        return isinstance(environment_id, str) and environment_id not in environments

    def missing_from(self, where: Where, listing: Callable[[], Iterable[Mapping[str, Any]]]) -> bool:
        """True when the object (`where.object_id`) is not in `listing`, a read that must succeed: for
        objects deleted on their own (a domain, a proxy, a volume) while their service lives on."""
        if not where.object_id:
            return False
        try:
            return all(item["id"] != where.object_id for item in listing())
        except RailwayError:
            return False

    def token_workspaces(self) -> list[dict[str, str]] | None:
        """The workspaces ({id, name}) the token can act in; None when Railway does not say."""
        try:
            return self.client.execute("ApiTokenWorkspaces", {})["apiToken"]["workspaces"]
        except RailwayError:
            return None

    def project_gone_from_workspace(self, project_id: str, workspace_id: str | None) -> bool:
        """A project is provably deleted when the token sees its workspace and the workspace does not
        list it; a token that does not see the workspace proves nothing."""
        if not workspace_id:
            return False
        visible = self.token_workspaces()
        if visible is None or workspace_id not in {w["id"] for w in visible}:
            return False

        def page(after: str | None) -> dict[str, Any]:
            return self.client.execute("Projects", {"workspaceId": workspace_id, "after": after})["projects"]

        return all(node["id"] != project_id for node in paginate(page))


class Handler(RailwayResourceProvider, Generic[A, S]):
    """A typed handler: `STATE` (a `State[XArgs]`) declares the resource; INPUTS, OUTPUTS and the diff
    sets are read off its fields, and CRUD receives `XArgs` (the inputs) and `S` (the state)."""

    STATE: ClassVar[type[State[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        state = cls.__dict__.get("STATE")
        if state is not None:
            cls.INPUTS = state.ARGS.declared()
            cls.OUTPUTS = state.declared()
        super().__init_subclass__(**kwargs)

    # -- the object's life (each handler defines what it has) -------------------------------------
    def create(self, args: A) -> Created[S]:
        raise NotImplementedError

    def read(self, id_: str, state: S) -> S | None:
        """The object as Railway has it now; None: it is gone."""
        raise NotImplementedError

    def update(self, id_: str, olds: S, news: A) -> S:
        # Only inputs declared change="update" reach here; a handler with none never gets an update.
        raise RailwayError("update", f"a {self.TYPE} has nothing that changes in place")

    def delete(self, id_: str, state: S) -> None:
        raise NotImplementedError

    def check(self, news: A) -> list[tuple[str, str]]:
        return [(k, "is required") for k, p in self.INPUTS.items() if p.required and getattr(news, k) in (None, "")]

    def import_state(self, import_id: str) -> tuple[str, S]:
        """The object's id and what of its state the import ID names (the read finds the rest)."""
        return import_id, self.blank()

    def blank(self) -> S:
        """A state of which nothing is known yet (every field None), for an import to fill in."""
        return self.state_from({})

    def diff(self, id_: str, olds: S, news: A) -> DiffResult:
        compared = self.REPLACE_ON | self.UPDATE_ON
        changed: list[str] = []
        for key in sorted(compared):
            new = getattr(news, key)
            if new is UNKNOWN or olds.args.compared(key) != news.compare(key, new):
                changed.append(key)
        replaces = [k for k in changed if k in self.REPLACE_ON]
        stables = sorted(compared - set(changed))
        return DiffResult(changes=bool(changed), replaces=replaces, stables=stables, changed=changed)

    def read_id(self, id_: str, state: S) -> str:
        """The object's id after a read: the id asked for, unless the handler's import ID is not Railway's."""
        return id_

    # -- the plugin's dicts to the declared types and back ------------------------------------------
    def args_from(self, props: Mapping[str, Any]) -> A:
        return self.STATE.ARGS.from_props(props)  # type: ignore[return-value]

    def state_from(self, props: Mapping[str, Any]) -> S:
        return self.STATE.from_state(props)  # type: ignore[return-value]

    def handle_create(self, props: dict[str, Any]) -> CreateResult:
        created = self.create(self.args_from(props))
        return CreateResult(id_=created.id, outs=created.state.to_props())

    def handle_read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = self.read(id_, self.state_from(props))
        return ReadResult(None, {}) if state is None else ReadResult(self.read_id(id_, state), state.to_props())

    def handle_update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.update(id_, self.state_from(olds), self.args_from(news)).to_props())

    def handle_delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete(id_, self.state_from(props))

    def handle_diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return self.diff(id_, self.state_from(olds), self.args_from(news))

    def handle_check(self, news: dict[str, Any]) -> list[tuple[str, str]]:
        return self.check(self.args_from(news))

    def handle_import(self, import_id: str) -> tuple[str, dict[str, Any]]:
        object_id, state = self.import_state(import_id)
        return object_id, state.to_props()


def edges(connection: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The nodes of a Relay connection."""
    found: list[dict[str, Any]] = dig(connection, "edges") or []
    return [edge["node"] for edge in found]


def paginate(fetch: Callable[[str | None], Mapping[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every node of a Relay connection, page by page; `fetch(after)` returns the connection."""
    after: str | None = None
    while True:
        connection = fetch(after)
        yield from edges(connection)
        if not dig(connection, "pageInfo", "hasNextPage"):
            return
        after = dig(connection, "pageInfo", "endCursor")
