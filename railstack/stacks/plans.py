"""What a Railway plan can hold, checked before any resource is touched.

A stack the workspace's plan cannot hold fails half-way through a real `pulumi up` (a volume refused
after the services exist, backups answered "Not Authorized"). `railway:plan` in the stack's config
names the plan (default pro); `check_plan` lists every problem at once, in the same
`<stack>: <key path> = <value>: <reason>` form as the configuration errors, and
`check_request_budget` holds an `up`'s estimated API requests (railstack/components/railway/requests.py)
against the plan's hourly budget.

Sources: Railway docs pricing/plans.md ("Default plan resources", per service, "include replica
multiplication"), volumes/reference.md ("Volume limits per project"); backups refused on Hobby is
docs/railway-api.md, "Plans" (observed once), so railstack refuses them there and on Free.
"""

from __future__ import annotations

from dataclasses import dataclass

from railstack.stacks.load import ConfigError
from railstack.stacks.model import Sizing, StackConfig


@dataclass(frozen=True)
class Plan:
    name: str
    replicas: int
    """Most replicas of one service."""
    vcpus: float
    """Most vCPUs of one service, all its replicas together."""
    memory_gb: float
    """Most memory of one service, all its replicas together."""
    volumes: int
    """Most volumes in one project."""
    backups: bool
    """Whether volume backups can be scheduled."""
    requests_per_hour: int
    """Railway API requests a token may send in an hour (docs/railway-api.md, "Request budget")."""


PLANS = {
    "free": Plan("free", replicas=1, vcpus=1, memory_gb=0.5, volumes=1, backups=False, requests_per_hour=100),
    "hobby": Plan("hobby", replicas=6, vcpus=48, memory_gb=48, volumes=10, backups=False, requests_per_hour=1_000),
    "pro": Plan("pro", replicas=42, vcpus=1000, memory_gb=1000, volumes=20, backups=True, requests_per_hour=10_000),
}

#: The Pulumi config key naming the plan (a `railway:` setting, like the token).
PLAN_KEY = "railway:plan"


def plan_named(stack: str, name: str | None) -> Plan:
    if name is None:
        return PLANS["pro"]
    if name.lower() not in PLANS:
        raise ConfigError(stack, [f"{stack}: {PLAN_KEY} = {name!r}: allowed values are {', '.join(PLANS)}"])
    return PLANS[name.lower()]


def _sizings(config: StackConfig) -> list[tuple[str, Sizing]]:
    found = [("postgres.sizing", config.postgres.sizing), ("api.sizing", config.api.sizing)]
    if config.redis.mode == "service":
        found.append(("redis.sizing", config.redis.sizing))
    found += [(f"workers.{queue}.sizing", worker.sizing) for queue, worker in config.workers.items()]
    found.append(("beat.sizing", config.beat.sizing))
    if config.flower.enabled:
        found.append(("flower.sizing", config.flower.sizing))
    return found


def check_plan(stack: str, config: StackConfig, plan: Plan) -> None:
    """Raises ConfigError listing what `config` asks for beyond `plan`; nothing for a Docker stack."""
    if config.target != "railway":
        return
    problems: list[str] = []
    where = f"the {plan.name.capitalize()} plan ({PLAN_KEY} = {plan.name})"
    if config.postgres.backups and not plan.backups:
        problems.append(
            f"{stack}: postgres.backups = {list(config.postgres.backups)}: {where} cannot schedule "
            "volume backups; remove them or use a Pro workspace"
        )
    volumes = int(config.postgres.volume) + int(config.redis.mode == "service" and config.redis.volume)
    if volumes > plan.volumes:
        problems.append(
            f"{stack}: postgres.volume and redis.volume = true: {volumes} volumes, {where} allows "
            f"{plan.volumes} per project; set redis.volume: false or use a larger plan"
        )
    for path, sizing in _sizings(config):
        if sizing.replicas > plan.replicas:
            problems.append(f"{stack}: {path}.replicas = {sizing.replicas}: {where} allows at most {plan.replicas}")
        for key, per_replica, most in (
            ("vcpus", sizing.vcpus, plan.vcpus),
            ("memory_gb", sizing.memory_gb, plan.memory_gb),
        ):
            if per_replica * sizing.replicas > most:
                problems.append(
                    f"{stack}: {path}.{key} = {per_replica:g}: {sizing.replicas} replica(s) need "
                    f"{per_replica * sizing.replicas:g}, {where} allows {most:g} per service"
                )
    if problems:
        raise ConfigError(stack, problems)


def check_request_budget(stack: str, plan: Plan, requests: int, breakdown: str) -> str | None:
    """Fails (ConfigError) when an `up` estimated at `requests` Railway API requests cannot fit the
    plan's hourly budget; returns a warning when it takes more than half of it, else None."""
    where = (
        f"the {plan.name.capitalize()} plan's {plan.requests_per_hour:,} requests an hour ({PLAN_KEY} = {plan.name})"
    )
    if requests > plan.requests_per_hour:
        raise ConfigError(
            stack,
            [
                f"{stack}: an up from empty needs about {requests:,} Railway API requests ({breakdown}), more than "
                f"{where}; use a larger plan, fewer services, or set deployments.expected_seconds if your "
                "deployments are quicker than assumed"
            ],
        )
    if requests > plan.requests_per_hour / 2:
        return (
            f"{stack}: an up from empty needs about {requests:,} Railway API requests ({breakdown}), more than half "
            f"of {where}: a second up within the hour may be refused (HTTP 429)"
        )
    return None
