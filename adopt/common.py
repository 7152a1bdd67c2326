"""What the parts of adoption share: the results (a placed service, a problem, the adoption) and
reading a hand-made project's values, whose `${{...}}` references render from its own variables."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from adopt.inventory import Inventory, ServiceInfo

Role = Literal["postgres", "redis", "api", "worker", "beat", "flower"]
AppRole = Literal["api", "worker", "beat", "flower"]
STORE_ROLES: tuple[Role, ...] = ("postgres", "redis")
_REFERENCE = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that keeps the project from being adopted: what (`subject`) and why."""

    subject: str
    why: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.why}"


@dataclass
class Findings:
    """What adoption's steps found, in the order found: problems (any one and nothing is written) and
    notes on what the next `pulumi up` changes or leaves alone."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, subject: str, why: str) -> None:
        self.problems.append(Problem(subject, why))


def project_subject(inventory: Inventory) -> str:
    """How a problem of the project itself names it."""
    return f'project "{inventory.project_name}" ({inventory.project_id})'


HINT = (
    "Fix these in the Railway dashboard (set SERVICE_TYPE=api, beat, flower or celery_<worker> on a service to "
    "say which role it plays; remove or move what railstack does not manage), or choose another environment "
    "with --environment; then run scripts/adopt again. Nothing was written."
)


class Unmappable(Exception):
    """The project cannot be adopted; `problems` lists every reason."""

    def __init__(self, project: str, stack: str, problems: Sequence[Problem]) -> None:
        self.project = project
        self.stack = stack
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"adopt: {self.project} cannot be adopted as stack {self.stack}:"]
        lines += [f"  - {problem}" for problem in self.problems]
        lines.append(HINT)
        return "\n".join(lines)


@dataclass(frozen=True)
class Placed:
    """A service and the railstack role it plays."""

    service: ServiceInfo
    role: Role
    how: str
    """What placed it (`SERVICE_TYPE=api`, `its start command`, `its name`, `its image ...`)."""
    worker: str | None = None
    """The worker's railstack name (role worker)."""
    queues: tuple[str, ...] = ()

    @property
    def component(self) -> str:
        """The railstack component's name: postgres, redis, api, worker-<name>, beat, flower."""
        if self.role == "worker":
            assert self.worker is not None
            return f"worker-{self.worker.replace('_', '-')}"
        return self.role

    @property
    def describe(self) -> str:
        if self.role == "worker":
            return f"worker {self.worker} (queues: {', '.join(self.queues)})"
        return self.role


@dataclass(frozen=True)
class Adoption:
    """What adopting the project as `stack` writes."""

    stack: str
    inventory: Inventory
    placed: tuple[Placed, ...]
    config: dict[str, Any]
    """`railstack:stack`: the stack's configuration."""
    imports: dict[str, str]
    """`railstack:import`: Pulumi resource name -> import ID."""
    kept_secrets: Mapping[str, str] = field(repr=False)
    """Secret stack config (without the `railstack:` namespace) -> its value: the stores' passwords
    (`postgres_password`, `redis_password`) and the app services' secret variables (`SENTRY_DSN`)."""
    notes: tuple[str, ...] = ()
    """What the next `pulumi up` changes or leaves alone, worth reading before it (no secret values)."""
    variables: tuple[CarriedVariables, ...] = ()
    """What became of each app service's variables (names only)."""


@dataclass(frozen=True)
class CarriedVariables:
    """What adoption does with one app service's variables: names only, never a value."""

    service: str
    role: str
    plain: tuple[str, ...] = ()
    """Literal values, written as they are (`<role>.variables`, or `variables` when every role has it)."""
    secret: tuple[str, ...] = ()
    """Secrets: listed in `sensitive_variables`, their values kept as `railstack:<NAME>`."""
    translated: tuple[str, ...] = ()
    """Values with Railway references, written with railstack's (`${postgres.url}`, ...)."""
    replaced: tuple[str, ...] = ()
    """railstack's own variables for the role (DATABASE_URL, SECRET_KEY, SERVICE_TYPE, PORT, ...): railstack
    sets them, by its references and generated secrets, instead of the hand-made values."""

    def describe(self) -> str:
        """`roadmap-api: plain LOG_LEVEL; secret SENTRY_DSN; ...; replaced by railstack DATABASE_URL`."""
        groups = (
            ("plain", self.plain),
            ("secret", self.secret),
            ("translated", self.translated),
            ("replaced by railstack", self.replaced),
        )
        listed = "; ".join(f"{label} {', '.join(names)}" for label, names in groups if names)
        return f"{self.service} ({self.role}): {listed or 'no variables'}"


# --- reading values ------------------------------------------------------------------------------


def literal(value: str | None) -> str | None:
    """The value when it holds no `${{...}}` reference."""
    if value is None or _REFERENCE.search(value):
        return None
    return value


def resolve(
    value: str | None,
    service: ServiceInfo,
    inventory: Inventory,
    extra: Mapping[str, str] | None = None,
    depth: int = 0,
) -> str | None:
    """`value` with its references rendered from the project's own variables (`${{shared.X}}`,
    `${{Service.X}}`, `${{X}}` of the same service; `extra` for Railway's provided ones), or None when
    one of them cannot be."""
    if value is None or depth > 8:
        return None
    unresolved = False

    def render(match: re.Match[str]) -> str:
        nonlocal unresolved
        ref = match.group(1)
        owner: ServiceInfo | None = service
        scope: Mapping[str, str]
        if ref.startswith('"') and '".' in ref:
            name, _, key = ref[1:].partition('".')
            owner = next((s for s in inventory.services if s.name == name), None)
            scope = owner.variables if owner else {}
        elif "." in ref:
            name, _, key = ref.partition(".")
            if name == "shared":
                owner, scope = None, inventory.shared_variables
            else:
                owner = next((s for s in inventory.services if s.name == name), None)
                scope = owner.variables if owner else {}
        else:
            key, scope = ref, {**(extra or {}), **service.variables}
        if key not in scope:
            unresolved = True
            return ""
        found = resolve(scope[key], owner or service, inventory, extra if owner is service else None, depth + 1)
        if found is None:
            unresolved = True
            return ""
        return found

    rendered = _REFERENCE.sub(render, value)
    return None if unresolved else rendered
