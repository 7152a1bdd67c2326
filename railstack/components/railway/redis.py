"""RedisCache on Railway: the official Redis image with a required password and a volume."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from railstack.components.commands import as_text, shell_exec
from railstack.components.railway.service import Placement, ServiceSpec, build_service
from railstack.plan import DataStore


@dataclass(frozen=True)
class RedisCacheArgs:
    store: DataStore
    password_rotation: str
    placement: Placement


class RedisCache(pulumi.ComponentResource):
    """The Redis service. Apps reach it as `${{Redis.REDIS_URL}}`."""

    service_id: pulumi.Output[str]
    """Railway service id."""
    deployment: pulumi.Resource
    """Redis's deployment step (apps deploy after it)."""

    def __init__(self, name: str, args: RedisCacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:railway:RedisCache", name, None, opts)
        redis = args.store
        # The variables the plan's offers name (railstack/plan.py: ${redis.url} is REDIS_URL, ...).
        spec = ServiceSpec(
            service_name=redis.service_name,
            role=redis.name,
            source={"source_image": redis.image},
            sizing=redis.sizing,
            variables={
                "REDIS_PASSWORD": "${{shared.REDIS_PASSWORD}}",
                "REDISUSER": redis.user,
                "REDISPASSWORD": "${{REDIS_PASSWORD}}",
                "REDISHOST": "${{RAILWAY_PRIVATE_DOMAIN}}",
                "REDISPORT": str(redis.port),
                "REDIS_URL": f"redis://{redis.user}:"
                + "${{REDIS_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:"
                + str(redis.port),
            },
            # A password is mandatory: Redis must never accept unauthenticated clients. Railway runs
            # the start command in exec form without expanding variables, so a shell expands the
            # password (railstack/components/commands.py).
            settings={
                "start_command": as_text(
                    shell_exec('redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes --dir /data')
                ),
                "restart_policy_type": "ALWAYS",
            },
            secrets_used={"redis_password": args.password_rotation},
            volume_mount=redis.mount,
        )
        built = build_service(self, name, spec, args.placement)
        self.service_id = built.service.service_id
        self.deployment = built.deployment
        self.register_outputs({"service_id": self.service_id})
