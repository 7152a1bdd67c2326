"""What the outside world can reach: only the API gets a public domain; workers, beat and Flower
get none, and on Docker every published port listens on the loopback interface only."""

from __future__ import annotations

import ipaddress

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.inventory import BACKGROUND_ROLES, CONTAINER, Inventory
from policy.values import UNKNOWN, get

PUBLIC_KINDS = {
    "railway:ServiceDomain": "a public Railway domain",
    "railway:CustomDomain": "a custom domain",
    "railway:TcpProxy": "a public TCP proxy",
}


def _not_exposed(args: StackValidationArgs, report: ReportViolation) -> None:
    inventory = Inventory.of(args.resources)
    for service in inventory.services_with_role(*BACKGROUND_ROLES):
        for attached in service.of_kind(*PUBLIC_KINDS):
            report(
                f"service {service.name} ({service.role}) has {PUBLIC_KINDS[attached.kind]}: "
                f"{service.role} serves nobody from outside. Fix: remove it; only the API is public.",
                attached.urn,
            )
    for container in inventory.containers_with_role("worker", "beat"):
        ports = container.props.get("ports")
        if isinstance(ports, list) and ports:
            report(
                f"container {container.role_name} ({container.role}) publishes {len(ports)} port(s): "
                f"{container.role} listens on no port. Fix: remove its ports.",
                container.urn,
            )


background_roles_not_exposed = StackValidationPolicy(
    name="background-roles-not-exposed",
    description="Workers, beat and Flower have no public domain, custom domain, TCP proxy or published port.",
    validate=_not_exposed,
)


def _loopback(address: object) -> bool:
    try:
        return isinstance(address, str) and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _on_loopback(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CONTAINER:
        return
    ports = get(args.props, "ports")
    for port in ports if isinstance(ports, list) else []:
        if not isinstance(port, dict):
            continue
        ip = port.get("ip")
        if ip is UNKNOWN or _loopback(ip):
            continue
        where = "every interface (no ip given)" if ip in (None, "") else f"{ip}"
        report(
            f"{args.name}: container port {port.get('internal')} is published on host port "
            f"{port.get('external')} at {where}, reachable from the network. "
            "Fix: bind it to 127.0.0.1 (ip: 127.0.0.1).",
            None,
        )


docker_ports_on_loopback = ResourceValidationPolicy(
    name="docker-ports-on-loopback",
    description="Ports published by local Docker containers are bound to 127.0.0.1 only.",
    validate=_on_loopback,
)
