"""AppService on local Docker: one app role (api, a worker, beat, flower) as containers of the one
app image, with the same variable contract as on Railway and values pointing at the stack's
containers.

The API runs the migrations before it serves (the image's `api` role), and its healthcheck is its
own `/health`; workers and beat, which serve nothing, are checked by the image's
`healthcheck-worker` role (a worker answers a Celery ping; beat ticked recently).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from components.docker.container import LOOPBACK, ContainerSpec, Healthcheck, LocalPlacement, build_container
from components.roles import Role
from stacks.model import ApiRole


@dataclass(frozen=True)
class AppServiceArgs:
    role: Role
    api: ApiRole
    image: pulumi.Input[str]
    environment: dict[str, pulumi.Input[str]]
    """The role's full variable contract (see components.roles.role_environment)."""
    placement: LocalPlacement
    host_port: int | None = None
    """Publish the role's port on 127.0.0.1 at this host port (the API, Flower)."""


def healthcheck(role: Role, api: ApiRole) -> Healthcheck:
    if role.kind == "api":
        url = f"http://127.0.0.1:{role.port}{api.healthcheck_path}"
        return Healthcheck(
            # Any answer but 2xx (503 when the database or Redis is down) raises: unhealthy.
            test=["CMD", "python3", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=4)"],
            interval="5s",
            retries=5,
            start_period="30s",
        )
    if role.kind == "flower":
        # Flower asks for basic auth: a 401 still proves it serves.
        return Healthcheck(
            test=["CMD", "python3", "-c",
                  "import socket; socket.create_connection(('127.0.0.1', %d), timeout=4).close()" % role.port],
            interval="10s",
            start_period="30s",
        )  # fmt: skip
    return Healthcheck(
        test=["CMD", "/app/entrypoint", "healthcheck-worker"],
        interval="15s",
        timeout="10s",
        retries=3,
        start_period="30s",
    )


def container_spec(role: Role, api: ApiRole, image: pulumi.Input[str], environment: dict[str, pulumi.Input[str]],
                   host_port: int | None, replica: int | None = None) -> ContainerSpec:
    """One container of an app role (also what bench/compose.py renders as its Compose twin)."""
    return ContainerSpec(
        role=role.name,
        image=image,
        sizing=role.sizing,
        environment=environment,
        healthcheck=healthcheck(role, api),
        ports={role.port: host_port} if role.port and host_port else {},
        replica=replica,
    )


class AppService(pulumi.ComponentResource):
    """One app role as Docker containers (one per replica)."""

    containers: list[docker.Container]
    """The role's containers."""
    container_names: list[pulumi.Output[str]]
    """Their Docker names."""
    url: pulumi.Output[str] | None
    """http URL on 127.0.0.1 of a role with a published port (the API, Flower), else None."""
    variable_names: list[str]
    """Names of the role's variables (the values include secrets)."""

    def __init__(self, name: str, args: AppServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:docker:AppService", name, None, opts)
        role = args.role
        replicas = role.sizing.replicas
        self.containers = []
        for index in range(1, replicas + 1):
            spec = container_spec(role, args.api, args.image, args.environment, args.host_port,
                                  index if replicas > 1 else None)
            suffix = f"-{index}" if replicas > 1 else ""
            self.containers.append(build_container(self, f"{name}-container{suffix}", spec, args.placement))
        self.container_names = [c.name for c in self.containers]
        self.url = pulumi.Output.from_input(f"http://{LOOPBACK}:{args.host_port}") if args.host_port else None
        self.variable_names = sorted(args.environment)
        self.register_outputs(
            {"container_names": self.container_names, "url": self.url, "variable_names": self.variable_names}
        )
