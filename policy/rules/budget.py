"""Each role stays within the environment's budget: replicas, vCPUs and memory per role, set per
environment in policy/config/<stack>.json, independently of the stack's own profile, so a typo in a
profile (8 GB for a worker on staging) is caught before it is billed. A role with no limit at all
runs at the plan's maximum, which exceeds any budget."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policy.inventory import Container, Inventory
from policy.values import UNKNOWN, number_text

LIMITS = ("replicas", "vcpus", "memory_gb")
ROLES = ("api", "worker", "beat", "flower", "postgres", "redis")


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check(
    report: ReportViolation, what: str, role: str, urn: str, used: dict[str, Any], budget: dict[str, Any]
) -> None:
    for limit in LIMITS:
        allowed = budget.get(limit)
        value = used.get(limit)
        if allowed is None or value is UNKNOWN:
            continue
        if value is None:
            report(
                f"{what} ({role}) sets no {limit} limit, so it may use the plan's maximum; the budget is "
                f"{number_text(allowed)}. Fix: set {role} sizing.{limit} within the budget.",
                urn,
            )
        elif (number := _number(value)) is not None and number > float(allowed):
            report(
                f"{what} ({role}) asks for {limit} {number_text(value)}, over this environment's budget of {number_text(allowed)}. "
                f"Fix: lower sizing.{limit}, or raise the budget in policy/config.",
                urn,
            )


def _docker_usage(containers: list[Container]) -> dict[str, Any]:
    first = containers[0].props
    memory = first.get("memory")
    return {
        "replicas": len(containers),
        "vcpus": first.get("cpus"),
        "memory_gb": memory if memory in (None, UNKNOWN) else float(memory) / 1024,
    }


def _within_budget(args: StackValidationArgs, report: ReportViolation) -> None:
    budgets: dict[str, dict[str, Any]] = args.get_config().get("budgets") or {}
    if not budgets:
        args.not_applicable("no budgets configured for this environment")
    inventory = Inventory.of(args.resources)
    for service in inventory.services:
        budget = budgets.get(service.role or "")
        if not budget:
            continue
        props = service.instance.props if service.instance else {}
        limits = service.release.props if service.release else {}
        used = {
            "replicas": props.get("numReplicas") or 1,
            "vcpus": limits.get("vcpus"),
            "memory_gb": limits.get("memoryGb"),
        }
        _check(
            report,
            f"service {service.name}",
            service.role or "",
            service.instance.urn if service.instance else service.urn,
            used,
            budget,
        )
    groups: dict[str, list[Container]] = defaultdict(list)
    for container in inventory.containers:
        groups[container.role_name].append(container)
    for name, containers in sorted(groups.items()):
        role = containers[0].role or ""
        budget = budgets.get(role)
        if budget:
            _check(report, f"container {name}", role, containers[0].urn, _docker_usage(containers), budget)


_LIMIT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "replicas": {"type": "integer", "minimum": 1},
        "vcpus": {"type": "number", "exclusiveMinimum": 0},
        "memory_gb": {"type": "number", "exclusiveMinimum": 0},
    },
}

role_budget = StackValidationPolicy(
    name="role-budget",
    description="Each role's replicas, vCPUs and memory stay within the environment's budget.",
    validate=_within_budget,
    config_schema=PolicyConfigSchema(
        properties={
            "budgets": {
                "type": "object",
                "description": "Per role (api, worker, beat, flower, postgres, redis): the most replicas, vcpus, memory_gb.",
                "additionalProperties": False,
                "properties": {role: _LIMIT_SCHEMA for role in ROLES},
            }
        }
    ),
)
