"""Adoption's third step: `railstack:stack`, the stack's configuration, from the placed services.

Values the model or the environment's profile already has are left out (the API's default start
command, replicas equal to the profile's, the default region), so the written file holds what this
project does differently; notes say what the next `pulumi up` changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adopt.common import Findings, Placed, Role, resolve
from adopt.inventory import Inventory, ServiceInfo
from adopt.roles import Source, app_config
from adopt.stores import Stores
from railstack.stacks.model import DEFAULT_REGION, StackConfig

#: The API's start command in the model (railstack/stacks/model.py ApiRole); written only when it differs.
DEFAULT_API_COMMAND = "/app/entrypoint api"


def default_workers() -> tuple[str, ...]:
    """The workers the model defines when a stack names none (logs, content_generation)."""
    return tuple(StackConfig.model_fields["workers"].get_default(call_default_factory=True))


def stack_region(placed: Sequence[Placed]) -> str:
    """Where most services run (the first found, on a tie); the model's default when none says."""
    regions = Counter(item.service.region for item in placed if item.service.region)
    return regions.most_common(1)[0][0] if regions else DEFAULT_REGION


def port_of(service: ServiceInfo, inventory: Inventory) -> int | None:
    """The port a service listens on: its PORT variable, else the one its domains route to."""
    value = resolve(service.variables.get("PORT"), service, inventory)
    if value is not None and value.strip().isdigit() and 1 <= int(value) <= 65535:
        return int(value)
    for domain in (*service.service_domains, *service.custom_domains):
        if domain.target_port:
            return domain.target_port
    return None


def profile_replicas(profile: Mapping[str, Any], *path: str) -> int:
    """The replicas the profile gives the role at `path` (1 when it says nothing)."""
    node: Any = profile
    for part in (*path, "sizing", "replicas"):
        node = node.get(part) if isinstance(node, Mapping) else None
    return int(node) if isinstance(node, int) else 1


@dataclass(frozen=True)
class Sizer:
    """`sizing:` of a role: what differs from the profile and the stack's region."""

    profile: Mapping[str, Any]
    region: str
    findings: Findings

    def of(self, item: Placed, *profile_path: str, replicas: bool = True) -> dict[str, Any]:
        sizing: dict[str, Any] = {}
        service = item.service
        if replicas and service.replicas != profile_replicas(self.profile, *profile_path):
            sizing["replicas"] = service.replicas
            self.findings.notes.append(f"{service.name} keeps its {service.replicas} replicas (sizing.replicas)")
        if service.region and service.region != self.region:
            sizing["region"] = service.region
        return {"sizing": sizing} if sizing else {}


def one(placed: Sequence[Placed], role: Role) -> Placed | None:
    return next((p for p in placed if p.role == role), None)


def api_config(api: Placed, inventory: Inventory, sizer: Sizer) -> dict[str, Any]:
    """`api:` of the stack; railstack's health check and the domains it manages are noted."""
    service, notes = api.service, sizer.findings.notes
    config: dict[str, Any] = {"service_name": service.name}
    if service.start_command != DEFAULT_API_COMMAND:
        config["start_command"] = service.start_command
    config["pre_deploy_command"] = service.pre_deploy_command
    port = port_of(service, inventory)
    if port is not None:
        config["port"] = port
    path = service.healthcheck_path or "/health"
    config["liveness"] = {"kind": "http", "path": path if path.startswith("/") else f"/{path}"}
    if not service.healthcheck_path:
        notes.append(f"{service.name} has no healthcheck path: railstack checks GET /health; the API must answer it")
    config["public_domain"] = bool(service.service_domains)
    config["custom_domains"] = [d.domain for d in service.custom_domains]
    config.update(sizer.of(api, "api"))
    if len(service.service_domains) > 1:
        notes.append(
            f"{service.name} has {len(service.service_domains)} Railway domains; railstack manages the first "
            f"({service.service_domains[0].domain}) and leaves the others alone"
        )
    return config


def workers_config(workers: Sequence[Placed], profile: Mapping[str, Any], sizer: Sizer) -> dict[str, Any]:
    """`workers:` of the stack: the workers found, and null for each default or profile worker not found
    (removing it). No worker found: railstack's defaults run."""
    config: dict[str, Any] = {}
    profile_workers = profile.get("workers") if isinstance(profile.get("workers"), Mapping) else {}
    found = {item.worker for item in workers}
    if workers:
        for name in (*default_workers(), *(profile_workers or {})):
            if name not in found and name not in config:
                config[name] = None
    else:
        sizer.findings.notes.append(
            f"no Celery worker service found: railstack creates its default workers ({', '.join(default_workers())})"
        )
    for item in workers:
        assert item.worker is not None
        config[item.worker] = {
            "service_name": item.service.name,
            "queues": list(item.queues),
            "start_command": item.service.start_command,
            **sizer.of(item, "worker_defaults"),
        }
    return config


def beat_config(beat: Placed, sizer: Sizer) -> dict[str, Any]:
    """`beat:` of the stack; its replicas are never written: railstack runs exactly one."""
    service = beat.service
    if service.replicas != 1:
        sizer.findings.notes.append(
            f"{service.name} runs {service.replicas} replicas: railstack runs exactly 1 beat "
            "(more run every scheduled task more than once), so `pulumi up` scales it to 1"
        )
    return {"service_name": service.name, "start_command": service.start_command, **sizer.of(beat, replicas=False)}


def flower_config(flower: Placed | None, inventory: Inventory, sizer: Sizer) -> dict[str, Any]:
    """`flower:` of the stack: enabled when a Flower service was found."""
    if flower is None:
        return {"enabled": False}
    config: dict[str, Any] = {
        "enabled": True,
        "service_name": flower.service.name,
        "start_command": flower.service.start_command,
    }
    port = port_of(flower.service, inventory)
    if port is not None:
        config["port"] = port
    config.update(sizer.of(flower, "flower"))
    return config


def stack_config(
    inventory: Inventory,
    environment: str,
    source: Source,
    placed: Sequence[Placed],
    stores: Stores,
    profile: Mapping[str, Any],
    findings: Findings,
) -> dict[str, Any]:
    """The step: `railstack:stack` of the placed services, `placed` in the order they were found."""
    region = stack_region(placed)
    sizer = Sizer(profile, region, findings)
    config: dict[str, Any] = {"environment": environment, "target": "railway", "project_name": inventory.project_name}
    if region != DEFAULT_REGION:
        config["region"] = region
    config["app"] = app_config(source)
    api = one(placed, "api")
    assert api is not None, "placing the app services found no API, yet no problem"
    config["api"] = api_config(api, inventory, sizer)
    workers = workers_config([p for p in placed if p.role == "worker"], profile, sizer)
    if workers:
        config["workers"] = workers
    beat = one(placed, "beat")
    if beat is not None:
        config["beat"] = beat_config(beat, sizer)
    else:
        findings.notes.append("no beat service found: railstack creates one (beat)")
    config["flower"] = flower_config(one(placed, "flower"), inventory, sizer)
    for role, store_config in stores.config.items():
        store = next(item for item in stores.placed if item.role == role)
        config[role] = {**store_config, **sizer.of(store, replicas=False)}
    provided = [name for name in ("postgres_password", "redis_password") if name in stores.passwords]
    if provided:
        config["secrets"] = {"provided": provided}
    return config
