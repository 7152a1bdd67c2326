"""The stack as the policies see it: Railway services with everything attached to them, and Docker
containers, each with its role.

Railway objects are separate resources of railstack's `railway` package (`railway:index:Service`,
its settings, its variables, its domains, its volume) linked by `serviceId`; the engine, and so the
pack, sees the package schema's camelCase property names. During a preview of a new stack that id is
unknown, so the link is taken from the engine's property dependencies (which resource the
`serviceId` input came from), and from the id itself once it is known.

A role is what the service runs (api, worker, beat, flower, postgres, redis), as the components
record it from the plan (railstack/plan.py): the Railway service's `role` input, the Docker
container's `railstack.kind` label. Nothing is inferred from names or from an app's variables, so
every rule holds for any app, whatever it calls its services or variables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from policy.values import UNKNOWN, environment_list, get, plain

#: Type tokens of railstack's Railway package: `railway:index:Service`, `railway:index:Volume`, ...
RAILWAY_TYPE_PREFIX = "railway:index:"
CONTAINER = "docker:index/container:Container"

#: The roles that serve nobody from outside: no domain, no public port.
BACKGROUND_ROLES = ("worker", "beat", "flower")
APP_ROLES = ("api", "worker", "beat", "flower")


def railway_kind(resource_type: str) -> str | None:
    """`railway:Service`, `railway:ServiceInstance`, ... for a resource of type `railway:index:Service`,
    `railway:index:ServiceInstance`, ...; None for anything else (the package's provider included)."""
    if not resource_type.startswith(RAILWAY_TYPE_PREFIX):
        return None
    name = resource_type[len(RAILWAY_TYPE_PREFIX) :]
    return f"railway:{name}" if name else None


def recorded_role(value: Any) -> str | None:
    """The role a component recorded, if it is one railstack knows."""
    return value if isinstance(value, str) and value in (*APP_ROLES, "postgres", "redis") else None


@dataclass
class Attached:
    """A Railway resource attached to a service (settings, variables, domain, volume)."""

    resource: PolicyResource
    kind: str
    props: dict[str, Any]

    @property
    def urn(self) -> str:
        return self.resource.urn


@dataclass
class RailwayService:
    resource: PolicyResource
    name: str
    attached: list[Attached] = field(default_factory=list)

    @property
    def urn(self) -> str:
        return self.resource.urn

    def of_kind(self, *kinds: str) -> list[Attached]:
        return [a for a in self.attached if a.kind in kinds]

    @property
    def instance(self) -> Attached | None:
        found = self.of_kind("railway:ServiceInstance")
        return found[0] if found else None

    @property
    def release(self) -> Attached | None:
        """The deployment step, which also writes the source and the CPU/memory limits."""
        found = self.of_kind("railway:ServiceDeployment")
        return found[0] if found else None

    @property
    def variables(self) -> dict[str, Any]:
        found = self.of_kind("railway:VariableCollection")
        values = found[0].props.get("variables") if found else None
        return values if isinstance(values, dict) else {}

    @property
    def role(self) -> str | None:
        return recorded_role(get(self.resource.props, "role"))

    @property
    def protected(self) -> bool:
        return bool(self.resource.opts and self.resource.opts.protect)


@dataclass
class Container:
    resource: PolicyResource
    props: dict[str, Any]

    @property
    def urn(self) -> str:
        return self.resource.urn

    @property
    def labels(self) -> dict[str, Any]:
        pairs = self.props.get("labels")
        if not isinstance(pairs, list):
            return {}
        # Labels are looked up by name: an entry without one names nothing.
        return {name: p.get("value") for p in pairs if isinstance(p, dict) and isinstance(name := p.get("label"), str)}

    @property
    def env(self) -> dict[str, Any]:
        return environment_list(self.props.get("envs"))

    @property
    def role(self) -> str | None:
        return recorded_role(self.labels.get("railstack.kind"))

    @property
    def role_name(self) -> str:
        """The role's name as the stack names it (worker-logs), for per-role counts."""
        label = self.labels.get("railstack.role")
        return label if isinstance(label, str) else self.resource.name


@dataclass
class Inventory:
    projects: list[Attached] = field(default_factory=list)
    services: list[RailwayService] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)

    @classmethod
    def of(cls, resources: Iterable[PolicyResource]) -> Inventory:
        inventory = cls()
        by_urn: dict[str, RailwayService] = {}
        by_id: dict[str, RailwayService] = {}
        pending: list[Attached] = []
        for resource in resources:
            props = plain(resource.props)
            if resource.resource_type == CONTAINER:
                inventory.containers.append(Container(resource, props))
                continue
            kind = railway_kind(resource.resource_type)
            if kind == "railway:Project":
                inventory.projects.append(Attached(resource, kind, props))
            elif kind == "railway:Service":
                service = RailwayService(resource, str(props.get("name") or resource.name))
                inventory.services.append(service)
                by_urn[resource.urn] = service
                if isinstance(props.get("serviceId"), str):
                    by_id[props["serviceId"]] = service
            elif kind is not None and "serviceId" in props:
                pending.append(Attached(resource, kind, props))
        for item in pending:
            owner = _owner(item, by_urn, by_id)
            if owner is not None:
                owner.attached.append(item)
        return inventory

    def services_with_role(self, *roles: str) -> list[RailwayService]:
        return [s for s in self.services if s.role in roles]

    def containers_with_role(self, *roles: str) -> list[Container]:
        return [c for c in self.containers if c.role in roles]

    @property
    def production(self) -> bool:
        return any(p.props.get("defaultEnvironmentName") == "production" for p in self.projects)


def _owner(
    item: Attached, by_urn: dict[str, RailwayService], by_id: dict[str, RailwayService]
) -> RailwayService | None:
    for dependency in item.resource.property_dependencies.get("serviceId", []) or []:
        if dependency.urn in by_urn:
            return by_urn[dependency.urn]
    service_id = item.props.get("serviceId")
    if isinstance(service_id, str) and service_id is not UNKNOWN:
        return by_id.get(service_id)
    return None
