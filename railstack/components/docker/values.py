"""What the plan's references are on the local Docker engine: values, not references.

A secret is the value itself (the caller says where secrets come from: pulumi-random outputs in
the dev stack, plain test values in the bench's Compose twin); a data store's offer is its Docker
value (`postgres`, `5432`, a URL built from the password); a role's address is its network alias,
its port, or for the public domain the loopback address and port it is published on (the public
host: the address alone). Used by the dev stack (railstack/components/docker/app_stack.py) and the
Compose twin (bench/compose.py), so both mean the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from railstack.components.docker.container import LOOPBACK
from railstack.plan import Plan, Ref, Value

V = TypeVar("V")


def docker_parts(plan: Plan, value: Value, secret: Callable[[str], V], host_ports: Mapping[str, int]) -> list[str | V]:
    """`value` as literal text and secret values, its references resolved (through the stores' offers too).

    `secret(name)` gives a generated secret (lowercase name) or a shared one (its variable name;
    REDIS_URL for an external Redis); `host_ports` the published loopback port by role kind."""
    parts: list[str | V] = []
    for part in value.parts:
        if isinstance(part, str):
            parts.append(part)
            continue
        found = _resolve(plan, part, secret, host_ports)
        if isinstance(found, Value):
            parts.extend(docker_parts(plan, found, secret, host_ports))
        else:
            parts.append(found)
    return parts


def _resolve(plan: Plan, ref: Ref, secret: Callable[[str], V], host_ports: Mapping[str, int]) -> V | str | Value:
    if ref.source == "secrets":
        return secret(ref.name)
    store = plan.stores.get(ref.source)
    if store is not None:
        return store.offers[ref.name].docker
    if ref.source == "redis" and plan.external_redis:
        return secret("REDIS_URL")  # the external URL, from the stack's secret config
    target = plan.workload(ref.source)
    if ref.name == "private_domain":
        return target.name  # the container's network alias
    if ref.name == "port":
        return str(target.port)
    if ref.name == "public_host":
        return LOOPBACK  # a host name without the port, as host allow-lists match it
    return f"{LOOPBACK}:{host_ports[target.kind]}"  # public_domain: the published loopback port
