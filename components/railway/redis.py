"""RedisCache on Railway: the official Redis image with a required password and a volume."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.commands import as_text, shell_exec
from components.railway.service import Placement, ServiceSpec, build_service
from stacks.model import Redis

SERVICE_NAME = "Redis"
IMAGE = "redis:{version}"


@dataclass(frozen=True)
class RedisCacheArgs:
    config: Redis
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
        redis = args.config
        spec = ServiceSpec(
            service_name=SERVICE_NAME,
            source={"source_image": redis.image or IMAGE.format(version=redis.version)},
            sizing=redis.sizing,
            variables={
                "REDIS_PASSWORD": "${{shared.REDIS_PASSWORD}}",
                "REDISUSER": "default",
                "REDISPASSWORD": "${{REDIS_PASSWORD}}",
                "REDISHOST": "${{RAILWAY_PRIVATE_DOMAIN}}",
                "REDISPORT": "6379",
                "REDIS_URL": "redis://default:${{REDIS_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:6379",
            },
            # A password is mandatory: Redis must never accept unauthenticated clients. Railway runs
            # the start command in exec form without expanding variables, so a shell expands the
            # password (components/commands.py).
            settings={
                "start_command": as_text(
                    shell_exec('redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes --dir /data')
                ),
                "restart_policy_type": "ALWAYS",
            },
            secrets_used={"redis_password": args.password_rotation},
            volume_mount="/data" if redis.volume else None,
        )
        built = build_service(self, name, spec, args.placement)
        self.service_id = built.service.service_id
        self.deployment = built.deployment
        self.register_outputs({"service_id": self.service_id})
