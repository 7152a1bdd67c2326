"""One emulated Railway API: GraphQL-over-HTTP semantics, auth, faults and bookkeeping, minus the socket.

`Emulator.handle_graphql` turns a request body and headers into an HTTP status, headers and body, in
Railway's order: a document that does not parse or validate against the schema is HTTP 400 with
graphql-core's messages; an armed fault answers next (it stands for Railway's edge, which fails before
any authentication); a missing or wrong token is HTTP 200 with "Not Authorized" and null data; then the
operation runs. One lock guards the state, the faults and the journal; a `slow` fault sleeps outside it,
so other requests proceed meanwhile.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from railway_emulator.budget import RequestBudget
from railway_emulator.errors import NOT_AUTHORIZED
from railway_emulator.faults import Fault, Faults, parse_fault
from railway_emulator.journal import Journal
from railway_emulator.registry import Context, resolve_attribute
from railway_emulator.resolvers.deployments import parse_script
from railway_emulator.schema import load_schema
from railway_emulator.state import PLANS, State, new_id

JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass
class HttpAnswer:
    """What the HTTP layer sends back."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON_HEADERS))


@dataclass
class _Request:
    """What the emulator knows of a GraphQL request; partly filled when it is rejected early."""

    document: DocumentNode = field(default_factory=lambda: DocumentNode(definitions=()))
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    fields: list[str] = field(default_factory=list)


class _RequestError(Exception):
    """A request rejected before execution (HTTP 400), with the messages to answer."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.request = _Request()


OUTSIDE_KINDS = ("github_push", "image_update", "dashboard_redeploy")
"""What else starts a deployment on Railway: a push to a connected branch (docs deployments/github-autodeploys.md),
an image auto-update (docs deployments/image-auto-updates.md), a redeploy from the dashboard."""

DEFAULT_REGISTER_DELAY = (0.2, 3.0)
"""Seconds before a deployment Railway starts by itself shows in lists: Railway registers deployments
asynchronously (railwayapp/cli PR #743 waits for it: "backend may not have registered the deployment
yet"); how long is not documented, so the default is a seeded random span long enough to catch a
client that reads once."""


def _delay_range(delay: float | tuple[float, float] | None) -> tuple[float, float]:
    if delay is None:
        return DEFAULT_REGISTER_DELAY
    low, high = (delay, delay) if isinstance(delay, (int, float)) else delay
    if not 0 <= low <= high:
        raise ValueError("register_delay must be seconds >= 0, or a (low, high) span with low <= high")
    return (float(low), float(high))


class Emulator:
    """Railway's GraphQL API over in-memory workspaces, for one token (and optionally a scoped one).

    Options (README "Options"): `strict` turns the stricter readings on (`source_deploys`,
    `soft_deletes`, `drop_num_replicas` default to True and `workspaces` to 2; explicit values win);
    `workspaces` is how many workspaces the token sees; `scoped_token` is a second token whose only
    workspace is a separate, empty one; `plan` is free, hobby or pro.
    """

    def __init__(
        self,
        token: str,
        *,
        schema_path: Path | None = None,
        deploy_seconds: float = 0.0,
        strict: bool = False,
        workspaces: int | None = None,
        scoped_token: str | None = None,
        source_deploys: bool | None = None,
        soft_deletes: bool | None = None,
        drop_num_replicas: bool | None = None,
        plan: str = "pro",
        run_containers: bool = False,
        image_map: dict[str, str] | None = None,
        repo_map: dict[str, str] | None = None,
        patch_deploys: bool = True,
        register_delay: float | tuple[float, float] | None = None,
        seed: int = 0,
        requests_per_hour: int | None = None,
    ) -> None:
        if not token:
            raise ValueError("the emulator needs a non-empty token")
        if scoped_token is not None and (not scoped_token or scoped_token == token):
            raise ValueError("the scoped token must be non-empty and differ from the token")
        workspaces = (2 if strict else 1) if workspaces is None else workspaces
        if not isinstance(workspaces, int) or isinstance(workspaces, bool) or workspaces < 1:
            raise ValueError("workspaces must be a positive integer")
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        self._token = token
        self._scoped_token = scoped_token
        self.lock = threading.RLock()
        self.schema = load_schema(schema_path)
        self.strict = strict
        self.source_deploys = strict if source_deploys is None else source_deploys
        self.patch_deploys = patch_deploys
        self.plan = plan
        self._workspace_ids = [new_id() for _ in range(workspaces)]
        self._scoped_workspace_id = new_id() if scoped_token is not None else None
        self._state_options: dict[str, Any] = {
            "deploy_seconds": deploy_seconds,
            "workspace_ids": self._workspace_ids,
            "scoped_workspace_id": self._scoped_workspace_id,
            "plan": plan,
            "repo_map": dict(repo_map or {}),
            "soft_deletes": strict if soft_deletes is None else soft_deletes,
            "drop_num_replicas": strict if drop_num_replicas is None else drop_num_replicas,
            "register_delay": _delay_range(register_delay),
            "seed": seed,
        }
        self.runtime = None
        if run_containers:
            from railway_emulator.runtime import ContainerRuntime

            self.runtime = ContainerRuntime(self.lock, image_map, repo_map)
        self.state = State(**self._state_options)
        self.state.runtime = self.runtime
        self.faults = Faults()
        self.journal = Journal()
        self.budget = RequestBudget(plan, clock=lambda: self.state.now(), per_hour=requests_per_hour)

    def runtime_view(self) -> dict[str, Any]:
        """Container mode: each deployment run (service, status, duration, containers) and what the
        runtime owns on the engine; `{"running": false}` otherwise."""
        if self.runtime is None:
            return {"running": False}
        with self.lock:
            return {"running": True, "deployments": self.runtime.timings(), "owned": self.runtime.owned()}

    def close(self) -> None:
        """Stop and remove every container, network and volume container mode started."""
        if self.runtime is not None:
            self.runtime.close()

    @property
    def workspace_ids(self) -> list[str]:
        """The workspaces the main token sees; the first is `state.workspace_id`."""
        return list(self._workspace_ids)

    def __repr__(self) -> str:
        # Never show the token, not even in a traceback's locals.
        return f"Emulator(projects={len(self.state.projects)})"

    # --- the GraphQL endpoint ------------------------------------------------------------------------

    def handle_graphql(self, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        try:
            request = self._prepare(body)
        except _RequestError as rejected:
            self._record(rejected.request, 400, None, rejected.messages, [])
            return _json(400, {"errors": [{"message": message} for message in rejected.messages]})

        with self.lock:
            fault = self.faults.take(request.fields, request.operation_name)
        fault_kind = fault.kind if fault else None
        if fault is not None and not fault.after:
            if fault.kind != "slow":
                return self._fault_answer(fault, request, [])
            time.sleep(fault.delay)

        account = _bearer_matches(headers.get("authorization"), self._token)
        project = _matches(headers.get("project-access-token"), self._token)
        # The scoped token is a Bearer token of another workspace (docs/railway-api.md, "Not Authorized also means a wrong token": "Not
        # Authorized" also means a wrong-scope token); it is not accepted as a project token.
        scoped = (
            not (account or project)
            and self._scoped_token is not None
            and _bearer_matches(headers.get("authorization"), self._scoped_token)
        )
        if not (account or project or scoped):
            self._record(request, 200, fault_kind, [NOT_AUTHORIZED], [])
            return _json(200, {"data": None, "errors": [{"message": NOT_AUTHORIZED}]})

        verdict = self.budget.take()
        if not verdict.allowed:
            self._record(request, 429, "budget", ["rate limited"], [])
            answer = _json(429, {"errors": [{"message": "You have exceeded the rate limit. Please try again later."}]})
            answer.headers.update(verdict.headers)
            return answer

        with self.lock:
            state = self.state
            seen = [self._scoped_workspace_id] if scoped else list(self._workspace_ids)
            context = Context(
                state=state,
                account_token=account or scoped,
                workspaces=[w for w in seen if w is not None],
                source_deploys=self.source_deploys,
                patch_deploys=self.patch_deploys,
            )
            state.scope = frozenset(context.workspaces)
            try:
                result = execute(
                    self.schema,
                    request.document,
                    context_value=context,
                    variable_values=request.variables,
                    operation_name=request.operation_name,
                    field_resolver=resolve_attribute,
                )
            finally:
                state.scope = None
        assert isinstance(result, ExecutionResult), "every resolver is synchronous"
        status, payload = _payload(result)

        if fault is not None and fault.after:
            if fault.kind != "slow":
                return self._fault_answer(fault, request, context.writes)
            time.sleep(fault.delay)
        self._record(
            request, status, fault_kind, [error["message"] for error in payload.get("errors", [])], context.writes
        )
        answer = _json(status, payload)
        answer.headers.update(verdict.headers)
        return answer

    def _prepare(self, body: bytes) -> _Request:
        """The request parsed and validated against the schema, or `_RequestError` (HTTP 400)."""
        request = _Request()
        try:
            query, request.variables, request.operation_name = _read_body(body)
            try:
                request.document = parse(query)
            except GraphQLError as error:
                raise _RequestError([error.message]) from error
            errors = validate(self.schema, request.document)
            if errors:
                raise _RequestError([error.message for error in errors])
            operation = get_operation_ast(request.document, request.operation_name)
            if operation is None:
                if request.operation_name:
                    raise _RequestError([f"Unknown operation named '{request.operation_name}'."])
                raise _RequestError(["Must provide operation name if query contains multiple operations."])
        except _RequestError as rejected:
            rejected.request = request
            raise
        request.fields = _root_fields(request.document, operation)
        # The operation's own name counts when the body names none (a document with one operation).
        request.operation_name = operation.name.value if operation.name else None
        return request

    def _fault_answer(self, fault: Fault, request: _Request, writes: list[str]) -> HttpAnswer:
        status, headers, body = fault.response()
        self._record(request, status, fault.kind, [], writes)
        return HttpAnswer(status=status, body=body, headers=headers)

    def _record(self, request: _Request, status: int, fault: str | None, errors: list[str], writes: list[str]) -> None:
        with self.lock:
            self.journal.record(
                timestamp=time.time(),
                fields=request.fields,
                operation_name=request.operation_name,
                status=status,
                variables=request.variables,
                fault=fault,
                errors=errors,
                writes=writes,
            )

    # --- test-facing controls ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return self.state.snapshot()

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(entry) for entry in self.journal.entries]

    def counters(self) -> dict[str, Any]:
        with self.lock:
            counts = self.journal.counters(deployments=self.state.deployments_created)
            counts["builds"] = self.runtime.builds if self.runtime is not None else 0
            return counts

    def inject(self, spec: Any) -> dict[str, Any]:
        """Arm a fault described as in `POST /_emulator/faults`; raises `FaultSpecError` when invalid."""
        fault = parse_fault(spec)
        with self.lock:
            self.faults.arm(fault)
        return fault.describe()

    def armed_faults(self) -> list[dict[str, Any]]:
        with self.lock:
            return self.faults.describe()

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def script_deployments(
        self,
        service: str,
        outcome: str,
        count: int = 1,
        seconds: float | None = None,
        logs: list[str] | None = None,
        approval: str | None = None,
    ) -> dict[str, Any]:
        """Script the next `count` deployments of services named `service` (any project); ValueError when
        the spec is bad. Returns the armed script as `GET /_emulator/deployments` lists it. `approval`
        (NEEDS_APPROVAL or WAITING) holds each one until `deploymentApprove`."""
        return self.script_deployments_spec(
            {
                "service": service,
                "outcome": outcome,
                "count": count,
                "seconds": seconds,
                "logs": logs,
                "approval": approval,
            }
        )

    def deploy_from_outside(self, service_id: str, environment_id: str, kind: str = "github_push") -> str:
        """A deployment railstack did not cause: a GitHub push (`github_push`, with a commit), an image
        update (`image_update`) or a redeploy from the dashboard (`dashboard_redeploy`). Railway starts
        it by itself, so it registers late like any such one; returns its id."""
        from railway_emulator.resolvers.deployments import deploy, settings_snapshot

        if kind not in OUTSIDE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(OUTSIDE_KINDS)}")
        with self.lock:
            instance = self.state.instances[(service_id, environment_id)]
            meta = settings_snapshot(self.state, instance)
            meta["trigger"] = kind
            if kind == "github_push" and (instance.source or {}).get("repo") not in self.state.repos:
                meta.update(commitHash=new_id().replace("-", "")[:40], commitMessage="a push to the branch")
            found = deploy(self.state, instance, "outside", meta=meta)
            if kind == "dashboard_redeploy":
                found.meta["reason"] = "redeploy"
                found.creator = {
                    "id": new_id(),
                    "email": "teammate@emulator.invalid",
                    "name": "A Teammate",
                    "avatar": None,
                }
            return found.id

    def push(self, repo: str, branch: str) -> dict[str, Any]:
        """GitHub's push webhook, after the caller committed to the mapped repository (see
        `railway_emulator.pushes.push`); ValueError for an unmapped repository or a missing branch."""
        from railway_emulator.pushes import push

        with self.lock:
            return push(self.state, repo, branch)

    def checks(self, repo: str, sha: str, conclusion: str) -> dict[str, Any]:
        """The check suites of commit `sha` concluded (see `railway_emulator.pushes.checks`)."""
        from railway_emulator.pushes import checks

        with self.lock:
            return checks(self.state, repo, sha, conclusion)

    def script_deployments_spec(self, spec: Any) -> dict[str, Any]:
        """`script_deployments` from the JSON body of `POST /_emulator/deployments`."""
        script = parse_script(spec)
        with self.lock:
            self.state.deployment_scripts.append(script)
        return dict(script)

    def deployment_scripts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(script) for script in self.state.deployment_scripts]

    def clear_deployment_scripts(self) -> None:
        with self.lock:
            self.state.deployment_scripts.clear()

    def reset(self) -> None:
        """Forget every object, fault, script, logged request and count, as a fresh emulator would be
        (the workspace ids stay, so a test's handle on them stays valid)."""
        with self.lock:
            if self.runtime is not None:
                self.runtime.reset()
            self.state = State(**self._state_options)
            self.state.runtime = self.runtime
            self.faults.clear()
            self.journal = Journal()
            self.budget = RequestBudget(self.plan, clock=lambda: self.state.now(), per_hour=self.budget.per_hour)


def _read_body(body: bytes) -> tuple[str, dict[str, Any] | None, str | None]:
    try:
        request = json.loads(body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _RequestError([f"Request body is not valid JSON: {error}"]) from error
    if not isinstance(request, dict):
        raise _RequestError(["Request body must be a JSON object with a query"])
    query = request.get("query")
    if not isinstance(query, str) or not query.strip():
        raise _RequestError(["Must provide query string."])
    variables = request.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise _RequestError(["Variables must be provided as a JSON object."])
    operation_name = request.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _RequestError(["operationName must be a string."])
    return query, variables, operation_name


def _root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> list[str]:
    """The operation's root field names (not aliases), looking through fragments, in document order."""
    fragments = {
        definition.name.value: definition.selection_set
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    names: list[str] = []

    def walk(selection_set: SelectionSetNode, seen: frozenset[str]) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__") and selection.name.value not in names:
                    names.append(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    walk(fragments[name], seen | {name})

    walk(operation.selection_set, frozenset())
    return names


def _matches(given: str | None, expected: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, credentials = (header or "").strip().partition(" ")
    return scheme.lower() == "bearer" and _matches(credentials, token)


def _payload(result: ExecutionResult) -> tuple[int, dict[str, Any]]:
    errors = [error.formatted for error in result.errors or []]
    if result.data is None and errors and all("path" not in error or error["path"] is None for error in errors):
        # No field ran: the variables did not coerce. GraphQL over HTTP answers that as a bad request.
        return 400, {"errors": errors}
    payload: dict[str, Any] = {"data": result.data}
    if errors:
        payload["errors"] = errors
    return 200, payload


def _json(status: int, payload: Any) -> HttpAnswer:
    return HttpAnswer(status=status, body=json.dumps(payload).encode())
