"""RedisCache on local Docker: the Redis image (official by default) with a required password,
append-only persistence on a named volume, healthy once an authenticated PING answers.
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
from railstack.stores import server_argv

ROLE = "redis"


@dataclass(frozen=True)
class RedisCacheArgs:
    store: DataStore
    image: pulumi.Input[str]
    """Image id to run (the component's caller resolves `store.image`)."""
    password: pulumi.Input[str]
    placement: LocalPlacement
    host_port: int | None = None
    """Publish 6379 on 127.0.0.1 at this port (None: reachable only on the stack's network)."""
    keep_volume: bool = False


def container_spec(
    config: DataStore,
    image: pulumi.Input[str],
    password: pulumi.Input[str],
    host_port: int | None,
    mounts: dict[str, pulumi.Input[str]],
) -> ContainerSpec:
    """The Redis container (also what bench/compose.py renders as its Compose twin)."""
    return ContainerSpec(
        role=ROLE,
        image=image,
        sizing=config.sizing,
        environment={"REDIS_PASSWORD": password},
        # The store's command (railstack/stores.py): the shell expands the password inside the container,
        # so it is in no container config. Listening on every interface of the stack's network.
        command=server_argv(config.spec, "--bind", "0.0.0.0"),
        # The official image and railstack/redis both have the redis user owning /data.
        user="redis",
        healthcheck=Healthcheck(
            test=["CMD-SHELL", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping | grep -q PONG'],
            interval="3s",
            retries=10,
        ),
        ports={config.port: host_port} if host_port else {},
        mounts=mounts,
        kind=ROLE,
    )


class RedisCache(pulumi.ComponentResource):
    """The Redis container. Apps reach it as `redis:6379` on the stack's network."""

    container: docker.Container
    """The Redis container (apps start after it is healthy)."""
    volume_name: pulumi.Output[str] | None
    """Docker volume holding the append-only file, or None without a volume."""

    def __init__(self, name: str, args: RedisCacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:docker:RedisCache", name, None, opts)
        redis = args.store
        placement = args.placement
        mounts: dict[str, pulumi.Input[str]] = {}
        self.volume_name = None
        if redis.mount is not None:
            volume = data_volume(self, f"{name}-data", placement, ROLE, False, args.keep_volume)
            mounts[redis.mount] = volume.name
            self.volume_name = volume.name
        spec = container_spec(redis, args.image, args.password, args.host_port, mounts)
        self.container = build_container(self, f"{name}-container", spec, placement)
        # Secret values stay attributes, never registered outputs: the Python SDK writes registered
        # outputs to its debug log in clear text, and `pulumi preview --json` streams that log.
        self.register_outputs({"volume_name": self.volume_name})
