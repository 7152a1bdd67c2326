"""AppStack on local Docker: the whole stack of the `dev` environment on one Docker engine.

The same model as on Railway, rendered as a network, named volumes and one container per role.
Start order is the dependency order of the containers, each waited for until healthy:
Postgres and Redis, then the API (which runs the migrations), then the workers, beat and Flower.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from railstack.components.docker import postgres as pg
from railstack.components.docker import redis as rd
from railstack.components.docker.app_image import AppImage, AppImageArgs
from railstack.components.docker.app_service import AppService, AppServiceArgs
from railstack.components.docker.container import LocalPlacement, label_args
from railstack.components.docker.values import docker_parts
from railstack.components.secrets import SecretSet, SecretSetArgs
from railstack.plan import Plan, Value


@dataclass(frozen=True)
class AppStackArgs:
    plan: Plan
    """What runs and how (railstack/plan.py): the renderer's only view of the model."""
    stack: str
    prefix: str
    """Prefix of every Docker name of the stack, e.g. railstack-dev."""
    extra_secrets: dict[str, pulumi.Output[str]]
    """Values of the stack's extra secret variables (from secret stack config), by variable name."""
    external_redis_url: pulumi.Output[str] | None = None
    """The external Redis URL (secret) when redis.mode is external."""
    provided_secrets: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    """Values of the secrets the config says are provided (`secrets.provided`), not generated."""


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
        plan = args.plan
        local, source = plan.local, plan.source
        if local is None or source is None:
            raise ValueError(f"the plan of {plan.stack} is not one for the local engine (target {plan.target})")
        child = pulumi.ResourceOptions(parent=self)
        secrets = SecretSet(
            f"{name}-secrets",
            SecretSetArgs(
                names=plan.generated_secrets,
                length=plan.secrets.length,
                rotation={**plan.secrets.rotation},
                provided=args.provided_secrets,
            ),
            opts=child,
        )
        network = docker.Network(
            f"{name}-network",
            name=args.prefix,
            driver="bridge",
            labels=label_args(
                {"railstack.stack": args.stack, "railstack.prefix": args.prefix}, docker.NetworkLabelArgs
            ),
            opts=child,
        )

        def placement(start_after: list[pulumi.Resource]) -> LocalPlacement:
            return LocalPlacement(args.prefix, args.stack, network.name, start_after, local.start_timeout)

        def base_image(resource: str, reference: str) -> pulumi.Output[str]:
            # Shared with other stacks and the user's own work: never removed by this stack.
            return docker.RemoteImage(resource, name=reference, keep_locally=True, opts=child).image_id

        pg_store = plan.stores["postgres"]
        postgres = pg.PostgresDatabase(
            f"{name}-postgres",
            pg.PostgresDatabaseArgs(
                store=pg_store,
                image=base_image(f"{name}-postgres-image", pg_store.image),
                password=secrets.values[pg_store.password_secret],
                placement=placement([]),
                host_port=local.postgres_port,
                keep_volume=local.keep_volumes,
            ),
            opts=child,
        )
        live: dict[str, list[pulumi.Resource]] = {"postgres": [postgres.container]}
        self.volume_names = [postgres.volume_name] if postgres.volume_name is not None else []
        self.container_names = {"postgres": [postgres.container.name]}
        if "redis" in plan.stores:
            rd_store = plan.stores["redis"]
            redis = rd.RedisCache(
                f"{name}-redis",
                rd.RedisCacheArgs(
                    store=rd_store,
                    image=base_image(f"{name}-redis-image", rd_store.image),
                    password=secrets.values[rd_store.password_secret],
                    placement=placement([]),
                    host_port=local.redis_port,
                    keep_volume=local.keep_volumes,
                ),
                opts=child,
            )
            live["redis"] = [redis.container]
            self.container_names["redis"] = [redis.container.name]
            if redis.volume_name is not None:
                self.volume_names.append(redis.volume_name)

        image = AppImage(f"{name}-app-image", AppImageArgs(source, f"{args.prefix}-app:latest"), opts=child)
        host_ports = plan.host_ports

        def secret(name: str) -> pulumi.Input[str]:
            if name in secrets.values:
                return secrets.values[name]
            if name == "REDIS_URL" and args.external_redis_url is not None:
                return args.external_redis_url
            return args.extra_secrets[name.upper()]

        def concat(value: Value) -> pulumi.Input[str]:
            parts = docker_parts(plan, value, secret, host_ports)
            if all(isinstance(p, str) for p in parts):
                return "".join(parts)  # type: ignore[arg-type]
            joined = pulumi.Output.concat(*parts)
            return pulumi.Output.secret(joined) if value.secret else joined

        self.variable_names = {}
        self.flower_url = None
        for workload in plan.workloads:
            environment = {name_: concat(value) for name_, value in workload.variables.items()}
            service = AppService(
                f"{name}-{workload.name}",
                AppServiceArgs(
                    workload=workload,
                    image=image.image_id,
                    environment=environment,
                    placement=placement([r for after in workload.deploy_after for r in live[after]]),
                    host_port=host_ports.get(workload.kind) if workload.port else None,
                ),
                opts=child,
            )
            live[workload.name] = service.alive
            if workload.kind == "api":
                assert service.url is not None
                self.api_url = service.url
            if workload.kind == "flower":
                self.flower_url = service.url
            self.container_names[workload.name] = service.container_names
            self.variable_names[workload.name] = service.variable_names
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
