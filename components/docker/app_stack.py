"""AppStack on local Docker: the whole stack of the `dev` environment on one Docker engine.

The same model as on Railway, rendered as a network, named volumes and one container per role.
Start order is the dependency order of the containers, each waited for until healthy:
Postgres and Redis, then the API (which runs the migrations), then the workers, beat and Flower.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from components.docker import postgres as pg
from components.docker import redis as rd
from components.docker.app_image import AppImage, AppImageArgs
from components.docker.app_service import AppService, AppServiceArgs
from components.docker.container import LocalPlacement, label_args
from components.roles import app_roles, role_environment
from components.secrets import FLOWER_SECRET, SECRET_NAMES, SecretSet, SecretSetArgs
from stacks.model import StackConfig


@dataclass(frozen=True)
class AppStackArgs:
    config: StackConfig
    stack: str
    prefix: str
    """Prefix of every Docker name of the stack, e.g. railstack-dev."""
    extra_secrets: dict[str, pulumi.Output[str]]
    """Values of the stack's extra secret variables (from secret stack config), by variable name."""
    external_redis_url: pulumi.Output[str] | None = None
    """The external Redis URL (secret) when redis.mode is external."""


class AppStack(pulumi.ComponentResource):
    """Postgres, Redis and every app role as containers on one network of the local engine."""

    api_url: pulumi.Output[str]
    """http URL of the API on 127.0.0.1."""
    flower_url: pulumi.Output[str] | None
    """http URL of Flower on 127.0.0.1, when enabled."""
    network_name: pulumi.Output[str]
    """The stack's Docker network."""
    container_names: dict[str, list[pulumi.Output[str]]]
    """Docker names of every role's containers, by role name."""
    volume_names: list[pulumi.Output[str]]
    """The stack's named volumes."""
    variable_names: dict[str, list[str]]
    """Names of every app role's variables (the contract; values are secret)."""

    def __init__(self, name: str, args: AppStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:docker:AppStack", name, None, opts)
        config = args.config
        local = config.docker
        child = pulumi.ResourceOptions(parent=self)
        names = SECRET_NAMES + ((FLOWER_SECRET,) if config.flower.enabled else ())
        secrets = SecretSet(
            f"{name}-secrets",
            SecretSetArgs(names=names, length=config.secrets.length, rotation=dict(config.secrets.rotation)),
            opts=child,
        )
        network = docker.Network(
            f"{name}-network",
            name=args.prefix,
            driver="bridge",
            labels=label_args({"railstack.stack": args.stack, "railstack.prefix": args.prefix}, docker.NetworkLabelArgs),
            opts=child,
        )

        def placement(start_after: list[pulumi.Resource]) -> LocalPlacement:
            return LocalPlacement(args.prefix, args.stack, network.name, start_after, local.start_timeout)

        def base_image(resource: str, reference: str) -> pulumi.Output[str]:
            # Shared with other stacks and the user's own work: never removed by this stack.
            return docker.RemoteImage(resource, name=reference, keep_locally=True, opts=child).image_id

        postgres = pg.PostgresDatabase(
            f"{name}-postgres",
            pg.PostgresDatabaseArgs(
                config=config.postgres,
                image=base_image(f"{name}-postgres-image", pg.image_reference(config.postgres)),
                password=secrets.values["postgres_password"],
                placement=placement([]),
                host_port=local.postgres_port,
                keep_volume=local.keep_volumes,
            ),
            opts=child,
        )
        backing: list[pulumi.Resource] = [postgres.container]
        self.volume_names = [postgres.volume_name] if postgres.volume_name is not None else []
        if config.redis.mode == "service":
            redis = rd.RedisCache(
                f"{name}-redis",
                rd.RedisCacheArgs(
                    config=config.redis,
                    image=base_image(f"{name}-redis-image", rd.image_reference(config.redis)),
                    password=secrets.values["redis_password"],
                    placement=placement([]),
                    host_port=local.redis_port,
                    keep_volume=local.keep_volumes,
                ),
                opts=child,
            )
            backing.append(redis.container)
            redis_url = redis.redis_url
            if redis.volume_name is not None:
                self.volume_names.append(redis.volume_name)
        else:
            assert args.external_redis_url is not None, "redis.mode external needs the external URL"
            redis_url = args.external_redis_url

        image = AppImage(f"{name}-app-image", AppImageArgs(config.app, f"{args.prefix}-app:latest"), opts=child)

        self.container_names = {"postgres": [postgres.container.name]}
        if config.redis.mode == "service":
            self.container_names["redis"] = [redis.container.name]
        self.variable_names = {}
        self.flower_url = None
        api_started: list[pulumi.Resource] = []
        host_ports = {"api": local.api_port, "flower": local.flower_port}
        for role in app_roles(config):
            environment = role_environment(
                role,
                database_url=postgres.database_url,
                redis_url=redis_url,
                secret=lambda s: secrets.values[s],
                extra_secrets=args.extra_secrets,
                prefixed=lambda text, value: pulumi.Output.concat(text, value),
            )
            service = AppService(
                f"{name}-{role.name}",
                AppServiceArgs(
                    role=role,
                    api=config.api,
                    image=image.image_id,
                    environment=environment,  # type: ignore[arg-type]
                    # The API runs the migrations: everything else starts once it is healthy.
                    placement=placement(backing if role.kind == "api" else [*backing, *api_started]),
                    host_port=host_ports.get(role.kind),
                ),
                opts=child,
            )
            if role.kind == "api":
                api_started.extend(service.containers)
                assert service.url is not None
                self.api_url = service.url
            if role.kind == "flower":
                self.flower_url = service.url
            self.container_names[role.name] = service.container_names
            self.variable_names[role.name] = service.variable_names
        self.network_name = network.name
        self.register_outputs(
            {
                "api_url": self.api_url,
                "flower_url": self.flower_url,
                "network_name": self.network_name,
                "container_names": self.container_names,
                "volume_names": self.volume_names,
                "variable_names": self.variable_names,
            }
        )
