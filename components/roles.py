"""The app's roles and their variable contract, the same on every target.

One image runs every role; `SERVICE_TYPE` picks the role. This module decides which roles a stack
has and which plain variables each gets; the targets add the connection strings and secrets (as
references on Railway, as values pointing at containers on Docker) under the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from stacks.model import Sizing, StackConfig

RoleKind = Literal["api", "worker", "beat", "flower"]

#: Secrets every app role receives; the API also gets the admin password, Flower its own.
APP_SECRETS = ("secret_key", "jwt_secret_key")

#: The connection variables every app role receives: the database, and Redis as cache, broker and
#: result backend.
CONNECTION_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")

#: Flower's basic-auth user; the password is the generated flower_password.
FLOWER_USER = "admin"

V = TypeVar("V")


@dataclass(frozen=True)
class Role:
    name: str
    """Resource and service name: api, worker-<queue>, beat, flower."""
    kind: RoleKind
    service_type: str
    """Value of SERVICE_TYPE, read by the image's entrypoint."""
    sizing: Sizing
    variables: dict[str, str]
    """Plain (non-secret) variables of the role."""
    secrets: tuple[str, ...]
    """Names of the generated secrets the role receives."""
    port: int | None = None
    """Port the role listens on, if it serves HTTP (api, flower)."""
    draining_seconds: int | None = None
    """Seconds between SIGTERM and SIGKILL when the role's deployment is replaced (None: the platform's)."""


def app_roles(config: StackConfig) -> list[Role]:
    """Every app role of the stack, the API first (workers deploy after it)."""
    extra = dict(config.variables)
    api = config.api
    roles = [
        Role(
            name="api",
            kind="api",
            service_type="api",
            sizing=api.sizing,
            variables={
                **extra,
                "SERVICE_TYPE": "api",
                "PORT": str(api.port),
                "WEB_CONCURRENCY": str(api.web_concurrency),
                "THREADS": str(api.threads),
            },
            secrets=(*APP_SECRETS, "admin_password"),
            port=api.port,
            draining_seconds=api.draining_seconds,
        )
    ]
    for queue, worker in config.workers.items():
        roles.append(
            Role(
                name=f"worker-{queue.replace('_', '-')}",
                kind="worker",
                service_type=f"celery_{queue}",
                sizing=worker.sizing,
                variables={
                    **extra,
                    "SERVICE_TYPE": f"celery_{queue}",
                    "CELERY_QUEUES": queue,
                    "CELERY_CONCURRENCY": str(worker.concurrency),
                    "CELERY_MAX_TASKS_PER_CHILD": str(worker.max_tasks_per_child),
                },
                secrets=APP_SECRETS,
                draining_seconds=worker.draining_seconds,
            )
        )
    roles.append(
        Role(
            name="beat",
            kind="beat",
            service_type="beat",
            sizing=config.beat.sizing,
            variables={**extra, "SERVICE_TYPE": "beat"},
            secrets=APP_SECRETS,
            draining_seconds=config.beat.draining_seconds,
        )
    )
    if config.flower.enabled:
        roles.append(
            Role(
                name="flower",
                kind="flower",
                service_type="flower",
                sizing=config.flower.sizing,
                variables={**extra, "SERVICE_TYPE": "flower", "PORT": str(config.flower.port)},
                secrets=(*APP_SECRETS, "flower_password"),
                port=config.flower.port,
            )
        )
    return roles


def role_environment(
    role: Role,
    *,
    database_url: V,
    redis_url: V,
    secret: Callable[[str], V],
    extra_secrets: Mapping[str, V],
    prefixed: Callable[[str, V], V],
) -> dict[str, str | V]:
    """The full variable contract of an app role, the same names on every target.

    Targets differ only in how a value is written: Railway passes `${{...}}` references,
    Docker the values themselves (secret outputs). `secret(name)` writes a generated secret,
    `prefixed(text, value)` writes `text` followed by a value (Flower's `user:password`).
    """
    variables: dict[str, str | V] = dict(role.variables)
    variables["DATABASE_URL"] = database_url
    for name in CONNECTION_VARIABLES[1:]:
        variables[name] = redis_url
    for name in role.secrets:
        variables[name.upper()] = secret(name)
    variables.update(extra_secrets)
    if role.kind == "flower":
        variables["FLOWER_BASIC_AUTH"] = prefixed(f"{FLOWER_USER}:", secret("flower_password"))
    return variables
