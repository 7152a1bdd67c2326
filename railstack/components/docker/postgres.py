"""PostgresDatabase on local Docker: the Postgres image (official by default) on a named volume,
its password from the SecretSet, healthy only once it accepts TCP connections.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from railstack.components.docker.container import (
    ContainerSpec,
    Healthcheck,
    LocalPlacement,
    build_container,
    data_volume,
)
from railstack.plan import DataStore

ROLE = "postgres"


#: Healthy means what the apps need: a password login over TCP to the stack's database. (TCP, not
#: the socket: while the image initialises the cluster it listens on the socket only.)
#: The image applies POSTGRES_PASSWORD only when it creates the cluster, so a volume kept from an
#: earlier stack (docker.keep_volumes) still has that stack's password; when the login fails, the
#: check sets the password over the container's own socket (trusted locally, as in the official
#: image) and tries again. The password is read from the environment, never written into the check.
def healthcheck(user: str, database: str) -> str:
    return (
        f'login() {{ PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U {user} -d {database} -Atqc "select 1" >/dev/null 2>&1; }}; '
        f"login || {{ echo \"ALTER ROLE {user} PASSWORD :'pw';\" | "
        f'psql -h /var/run/postgresql -U {user} -d {database} -v pw="$POSTGRES_PASSWORD" -Atq >/dev/null 2>&1 && login; }}'
    )


@dataclass(frozen=True)
class PostgresDatabaseArgs:
    store: DataStore
    image: pulumi.Input[str]
    """Image id to run (the component's caller resolves `store.image`)."""
    password: pulumi.Input[str]
    placement: LocalPlacement
    host_port: int | None = None
    """Publish 5432 on 127.0.0.1 at this port (None: reachable only on the stack's network)."""
    keep_volume: bool = False
    """Leave the volume in place when the stack is destroyed."""


def container_spec(
    config: DataStore,
    image: pulumi.Input[str],
    password: pulumi.Input[str],
    host_port: int | None,
    mounts: dict[str, pulumi.Input[str]],
) -> ContainerSpec:
    """The database container (also what bench/compose.py renders as its Compose twin)."""
    return ContainerSpec(
        role=ROLE,
        image=image,
        sizing=config.sizing,
        environment={
            "POSTGRES_USER": config.user,
            "POSTGRES_PASSWORD": password,
            "POSTGRES_DB": config.database or config.user,
            # A subdirectory: the volume's root may hold lost+found, which initdb refuses.
            "PGDATA": f"{config.spec.data_dir}/pgdata",
        },
        healthcheck=Healthcheck(
            test=["CMD-SHELL", healthcheck(config.user, config.database or config.user)],
            interval="3s",
            retries=10,
            start_period="30s",
        ),
        kind=ROLE,
        ports={config.port: host_port} if host_port else {},
        mounts=mounts,
    )


class PostgresDatabase(pulumi.ComponentResource):
    """The database container. Apps reach it as `postgres:5432` on the stack's network."""

    container: docker.Container
    """The database container (apps start after it is healthy)."""
    volume_name: pulumi.Output[str] | None
    """Docker volume holding the data, or None without a volume."""

    def __init__(self, name: str, args: PostgresDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:docker:PostgresDatabase", name, None, opts)
        pg = args.store
        placement = args.placement
        mounts: dict[str, pulumi.Input[str]] = {}
        self.volume_name = None
        if pg.mount is not None:
            volume = data_volume(self, f"{name}-data", placement, ROLE, pg.protect, args.keep_volume)
            mounts[pg.mount] = volume.name
            self.volume_name = volume.name
        spec = container_spec(pg, args.image, args.password, args.host_port, mounts)
        self.container = build_container(self, f"{name}-container", spec, placement)
        # Secret values stay attributes, never registered outputs: the Python SDK writes registered
        # outputs to its debug log in clear text, and `pulumi preview --json` streams that log.
        self.register_outputs({"volume_name": self.volume_name})
