"""Hand-built policy inputs, shaped as the engine sends them: properties behind pulumi-policy's
unknown-checking proxy, with the Railway package's types (`railway:index:Service`) and camelCase
property names, unknown values as the engine's sentinels, secrets as SecretText, Railway objects
linked to their service through property dependencies (`serviceId`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi_policy.policy as policy_module
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policy.inventory import CONTAINER, RAILWAY_TYPE_PREFIX
from policy.values import SecretText

__all__ = ["CONTAINER"]
UNKNOWN_TEXT = UNKNOWN_STRING_VALUE
secret = SecretText


def railway(name: str) -> str:
    """The type token of the Railway package's resource `name`: railway("Service") is railway:index:Service."""
    return f"{RAILWAY_TYPE_PREFIX}{name}"


SERVICE_INSTANCE = railway("ServiceInstance")
VARIABLE_COLLECTION = railway("VariableCollection")


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def urn(name: str, rtype: str) -> str:
    return f"urn:pulumi:test::railstack::{rtype}::{name}"


@dataclass
class Stack:
    """Resources of a stack under construction, for stack policies."""

    resources: list[PolicyResource] = field(default_factory=list)

    def add(
        self,
        name: str,
        props: dict[str, Any],
        rtype: str,
        protect: bool = False,
        service: PolicyResource | None = None,
    ) -> PolicyResource:
        deps = {"serviceId": [service]} if service is not None else {}
        resource = PolicyResource(
            rtype, unknown_checking_proxy(props), urn(name, rtype), name, options(protect), None, None, [], deps
        )
        self.resources.append(resource)
        return resource

    def project(self, environment: str = "staging") -> PolicyResource:
        return self.add("project", {"name": "p", "defaultEnvironmentName": environment}, railway("Project"))

    def service(
        self,
        name: str,
        variables: dict[str, Any] | None = None,
        protect: bool = False,
        role: str | None = None,
        **settings: Any,
    ) -> PolicyResource:
        """A Railway service with its settings and (when given) its variables; serviceId unknown, as
        in the preview of a new stack. `role` is what the components record (default: the role the
        stack's own naming gives, e.g. worker for worker-logs)."""
        svc = self.add(
            name,
            {"name": name, "role": role or conventional_role(name), "serviceId": UNKNOWN_TEXT},
            railway("Service"),
            protect=protect,
        )
        # Limits are written by the deployment step (with the source), everything else by the settings.
        limits = {key: settings.pop(key) for key in ("vcpus", "memoryGb") if key in settings}
        self.add(f"{name}-settings", {"serviceId": UNKNOWN_TEXT, **settings}, SERVICE_INSTANCE, service=svc)
        self.add(f"{name}-deployment", {"serviceId": UNKNOWN_TEXT, **limits}, railway("ServiceDeployment"), service=svc)
        if variables is not None:
            self.add(
                f"{name}-variables",
                {"serviceId": UNKNOWN_TEXT, "variables": variables},
                VARIABLE_COLLECTION,
                service=svc,
            )
        return svc

    def attach(
        self, name: str, rtype: str, service: PolicyResource, protect: bool = False, **props: Any
    ) -> PolicyResource:
        """A Railway resource of type `rtype` attached to `service` (camelCase `props`)."""
        return self.add(name, {"serviceId": UNKNOWN_TEXT, **props}, rtype, protect=protect, service=service)

    def container(
        self, role: str, envs: list[str] | None = None, kind: str | None = None, **props: Any
    ) -> PolicyResource:
        labels = [{"label": "railstack.role", "value": role}]
        if (kind := kind or conventional_role(role)) is not None:
            labels.append({"label": "railstack.kind", "value": kind})
        return self.add(role, {"name": role, "labels": labels, "envs": envs or [], **props}, CONTAINER)


def conventional_role(name: str) -> str | None:
    """The role railstack's components record for a service or container they name `name`."""
    lowered = name.lower()
    for role in ("api", "beat", "flower", "postgres", "redis", "worker"):
        if lowered == role or lowered.startswith(role + "-"):
            return role
    return None


def app_variables(service_type: str, **overrides: Any) -> dict[str, Any]:
    return {
        "SERVICE_TYPE": secret(service_type),
        "DATABASE_URL": secret("${{Postgres.DATABASE_URL}}"),
        "REDIS_URL": secret("${{Redis.REDIS_URL}}"),
        "CELERY_BROKER_URL": secret("${{Redis.REDIS_URL}}"),
        "CELERY_RESULT_BACKEND": secret("${{Redis.REDIS_URL}}"),
        **overrides,
    }


NOT_APPLICABLE = "not applicable"


def violations(policy: ResourceValidationPolicy | StackValidationPolicy, args: Any) -> list[str] | str:
    """The messages `policy` reports on `args`, or NOT_APPLICABLE."""
    found: list[str] = []
    try:
        policy.validate(args, lambda message, urn=None: found.append(message))
    except policy_module._NotApplicableError:
        return NOT_APPLICABLE
    return found


def check_stack(policy: StackValidationPolicy, stack: Stack, config: dict | None = None) -> list[str] | str:
    return violations(policy, StackValidationArgs(stack.resources, config or {}))


def check_resource(
    policy: ResourceValidationPolicy, props: dict[str, Any], rtype: str, name: str = "subject"
) -> list[str] | str:
    args = ResourceValidationArgs(rtype, unknown_checking_proxy(props), urn(name, rtype), name, options(), None, {})
    return violations(policy, args)
