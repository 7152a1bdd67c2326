"""How app services reach Postgres and Redis.

On Railway every connection string with a password is a reference (`${{Postgres.DATABASE_URL}}`,
`${{Redis.REDIS_URL}}`), under whatever name the app reads it: a copied string goes stale when a
password rotates and spreads the password to every service's variables. On Docker, where there are
no references, the value must at least be a secret. Every Redis URL carries a password, and one that leaves the platform uses TLS (rediss://).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policy.inventory import CONTAINER, railway_kind
from policy.values import UNKNOWN, environment_list, get, has_reference, is_secret, url_host, url_password


def variables_of(args: ResourceValidationArgs) -> tuple[str, dict[str, Any], bool] | None:
    """("railway" | "docker", the variables, whether every name is known) of a Railway variable
    collection or a Docker container. During a preview a Docker variable built from a value not
    known yet is unknown as a whole, name included."""
    if railway_kind(args.resource_type) == "railway:VariableCollection":
        variables = get(args.props, "variables")
        return ("railway", variables, True) if isinstance(variables, dict) else None
    if args.resource_type == CONTAINER:
        envs = get(args.props, "envs")
        if not isinstance(envs, list):
            return None
        return "docker", environment_list(envs), not any(entry is UNKNOWN for entry in envs)
    return None


def _by_reference(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Judged by value, whatever the app calls its variables: a connection string carrying a password."""
    found = variables_of(args)
    if found is None:
        return
    target, variables, _ = found
    if target == "railway" and get(args.props, "serviceId") is None:
        return  # the environment's shared variables: where secrets live as values, referenced by every service
    for name, value in sorted(variables.items()):
        if not isinstance(value, str) or value is UNKNOWN or url_password(value) is None:
            continue
        if target == "railway" and not has_reference(value):
            report(
                f"{args.name}: {name} is a copied connection string, not a reference: it goes stale when a "
                f"password rotates and copies the password into the service. Fix: {name}: ${{postgres.url}} "
                "(or ${redis.url}, ...), which Railway receives as ${{Postgres.DATABASE_URL}}.",
                None,
            )
        elif target == "docker" and not is_secret(value):
            report(
                f"{args.name}: {name} is a plain value that embeds a password; it must come from the "
                "stack's generated secrets (a secret output). Fix: build it from a reference such as ${postgres.url}.",
                None,
            )


connections_by_reference = ResourceValidationPolicy(
    name="connections-by-reference",
    description="A connection string with a password reaches a service as a Railway reference (on Docker: "
    "as a secret), never as a copied value, whatever the variable is called.",
    validate=_by_reference,
)


def internal_host(host: str | None) -> bool:
    """A host inside the platform: a Railway reference or private domain, a Docker alias, loopback."""
    if host is None:
        return True
    if has_reference(host) or host.endswith(".railway.internal") or host in ("localhost", "127.0.0.1", "::1"):
        return True
    return "." not in host  # a single-label name resolves on the Docker network only


def _redis_authenticated(args: ResourceValidationArgs, report: ReportViolation) -> None:
    found = variables_of(args)
    if found is None:
        return
    for name, value in sorted(found[1].items()):
        if not isinstance(value, str) or value is UNKNOWN:
            continue
        stripped = value.strip()
        scheme = stripped.split("://", 1)[0].lower() if "://" in stripped else ""
        if scheme not in ("redis", "rediss"):
            continue
        if url_password(stripped) is None:
            report(
                f"{args.name}: {name} is a Redis URL without a password: anyone on the network can use "
                "the broker. Fix: redis://default:<password>@host:port, the password from a secret.",
                None,
            )
        host = url_host(stripped)
        if scheme == "redis" and not internal_host(host):
            report(
                f"{args.name}: {name} reaches an external Redis without TLS: the password and every task "
                "cross the internet in clear text. Fix: use the provider's rediss:// URL.",
                None,
            )


redis_authenticated = ResourceValidationPolicy(
    name="redis-authenticated",
    description="Every Redis URL carries a password, and a Redis outside the platform is reached over TLS (rediss://).",
    validate=_redis_authenticated,
)
