"""RedisCache on Railway: the official Redis image with a required password and a volume."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from railstack.components.commands import as_text
from railstack.components.railway.service import Placement, ServiceSpec, build_service
from railstack.plan import DataStore
from railstack.stores import server_argv


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
        # Its offers as the store defines them (railstack/stores.py: ${redis.url} is REDIS_URL, ...).
        spec = ServiceSpec(
            service_name=redis.service_name,
            role=redis.name,
            source={"source_image": redis.image},
            sizing=redis.sizing,
            variables={
                "REDIS_PASSWORD": "${{shared.REDIS_PASSWORD}}",
                **{offer.railway_variable: offer.railway_value for offer in redis.spec.offers},
            },
            # The store's command, shell-wrapped (railstack/stores.py): the password is mandatory.
            settings={"start_command": as_text(server_argv(redis.spec) or []), "restart_policy_type": "ALWAYS"},
            secrets_used={"redis_password": args.password_rotation},
            volume_mount=redis.mount,
        )
        built = build_service(self, name, spec, args.placement)
        self.service_id = built.service.service_id
        self.deployment = built.deployment
        self.register_outputs({"service_id": self.service_id})
