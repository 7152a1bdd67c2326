"""What a Railway project holds, read with railstack's own client and read-only queries only.

`read_inventory` gathers, for one environment of the project, every service with its source, settings,
placement, latest deployment, unrendered variables, volume, domains and TCP proxies, and the
environment's shared variables. The result is plain data (`Inventory`) that `adopt.mapping` works on
without any I/O. Variable values are secrets: they are kept out of every `repr` and never printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from railstack.providers.railway._base import edges, paginate
from railstack.providers.railway.client import RailwayClient

#: Variables Railway provides to every service (RAILWAY_PRIVATE_DOMAIN, ...): not the project's own.
PROVIDED_PREFIX = "RAILWAY_"


@dataclass(frozen=True)
class EnvironmentInfo:
    id: str
    name: str


@dataclass(frozen=True)
class VolumeInfo:
    """A volume mounted on a service in the environment."""

    id: str
    name: str
    instance_id: str
    mount_path: str
    backups: tuple[str, ...] = ()
    """Backup schedule kinds (DAILY, WEEKLY, MONTHLY) of the volume instance."""


@dataclass(frozen=True)
class DomainInfo:
    id: str
    domain: str
    target_port: int | None = None


@dataclass(frozen=True)
class ServiceInfo:
    """One service as it is in the chosen environment."""

    id: str
    name: str
    image: str | None = None
    repo: str | None = None
    branch: str | None = None
    root_directory: str | None = None
    dockerfile_path: str | None = None
    start_command: str | None = None
    pre_deploy_command: str | None = None
    healthcheck_path: str | None = None
    replicas: int = 1
    region: str | None = None
    """The region of its replicas; None when unknown, or when they are spread over several regions."""
    regions: tuple[str, ...] = ()
    """Every region it has replicas in (more than one: a multi-region placement)."""
    variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Its own variables, unrendered (`${{...}}` references as written), Railway's RAILWAY_* left out."""
    volume: VolumeInfo | None = None
    service_domains: tuple[DomainInfo, ...] = ()
    custom_domains: tuple[DomainInfo, ...] = ()
    tcp_proxies: tuple[str, ...] = ()
    """Its TCP proxies, as `domain:port` (public access to a raw port)."""
    deployment_id: str | None = None
    """Its latest deployment in the environment; None: never deployed there."""

    @property
    def label(self) -> str:
        return f'service "{self.name}" ({self.id})'


@dataclass(frozen=True)
class Inventory:
    """A project's services in one environment."""

    project_id: str
    project_name: str
    environment: EnvironmentInfo
    environments: tuple[EnvironmentInfo, ...]
    services: tuple[ServiceInfo, ...]
    shared_variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The environment's shared variables (`${{shared.X}}`), unrendered."""
    elsewhere: tuple[str, ...] = ()
    """Names of the project's services that have no instance in this environment (ignored)."""

    @property
    def label(self) -> str:
        return f"{self.project_name} ({self.project_id})"


class InventoryError(Exception):
    """The project cannot be read as asked (no such project, no such environment)."""


def choose_environment(environments: list[EnvironmentInfo], requested: str | None) -> EnvironmentInfo:
    """`requested` by name; by default the project's only environment, else the one named production."""
    names = ", ".join(e.name for e in environments) or "none"
    if requested is not None:
        found = [e for e in environments if e.name == requested]
        if not found:
            raise InventoryError(f"the project has no environment named {requested!r} (it has: {names})")
        return found[0]
    if len(environments) == 1:
        return environments[0]
    production = [e for e in environments if e.name == "production"]
    if production:
        return production[0]
    raise InventoryError(
        f"the project has {len(environments)} environments ({names}) and none is named production: "
        "choose one with --environment <name>"
    )


def _meta(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def pre_deploy_text(value: Any) -> str | None:
    """Railway keeps preDeployCommand as JSON (a list of commands, or a string); one line of text."""
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        if value.startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        else:
            return value
    if isinstance(value, list):
        return " && ".join(str(v) for v in value if v) or None
    return str(value)


def _placement(instance: Mapping[str, Any]) -> tuple[int, tuple[str, ...]]:
    """Replicas and regions as the latest deployment ran them, else as the instance reports them."""
    manifest = _meta((instance.get("latestDeployment") or {}).get("meta")).get("serviceManifest") or {}
    regions = (manifest.get("deploy") or {}).get("multiRegionConfig")
    if isinstance(regions, dict) and regions:
        placed = {
            region: int((config or {}).get("numReplicas") or 0)
            for region, config in regions.items()
            if (config or {}).get("numReplicas")
        }
        if placed:
            return sum(placed.values()), tuple(sorted(placed))
    replicas = instance.get("numReplicas")
    region = instance.get("region")
    return (1 if replicas is None else int(replicas)), ((region,) if region else ())


def _own(variables: Mapping[str, Any] | None) -> dict[str, str]:
    return {k: str(v) for k, v in (variables or {}).items() if not k.startswith(PROVIDED_PREFIX)}


def read_inventory(client: RailwayClient, project_id: str, environment: str | None = None) -> Inventory:
    """Reads the project's services in `environment` (see `choose_environment`); queries only."""
    project = (client.execute("Project", {"id": project_id}) or {}).get("project")
    if not project or project.get("deletedAt"):
        raise InventoryError(f"project {project_id} does not exist or this token cannot see it")
    environments = [EnvironmentInfo(e["id"], e["name"]) for e in edges(project.get("environments"))]
    chosen = choose_environment(environments, environment)
    env_id = chosen.id

    def services_page(after: str | None) -> Mapping[str, Any]:
        data = client.execute("AdoptProjectServices", {"projectId": project_id, "after": after})
        return (data.get("project") or {}).get("services") or {}

    volumes: dict[str, VolumeInfo] = {}
    for volume in edges(
        (client.execute("ProjectVolumes", {"projectId": project_id}).get("project") or {}).get("volumes")
    ):
        for instance in edges(volume.get("volumeInstances")):
            if instance.get("environmentId") != env_id or not instance.get("serviceId"):
                continue
            schedules = client.execute("VolumeBackupSchedules", {"volumeInstanceId": instance["id"]})
            kinds = sorted({s["kind"] for s in schedules.get("volumeInstanceBackupScheduleList") or []})
            volumes[instance["serviceId"]] = VolumeInfo(
                id=volume["id"],
                name=volume.get("name") or "",
                instance_id=instance["id"],
                mount_path=instance.get("mountPath") or "",
                backups=tuple(kinds),
            )

    services: list[ServiceInfo] = []
    elsewhere: list[str] = []
    repo_services: list[int] = []
    for node in paginate(services_page):
        if node.get("deletedAt"):
            continue
        instance = next(
            (
                i
                for i in edges(node.get("serviceInstances"))
                if i.get("environmentId") == env_id and not i.get("deletedAt")
            ),
            None,
        )
        if instance is None:
            elsewhere.append(node["name"])
            continue
        ids = {"projectId": project_id, "environmentId": env_id, "serviceId": node["id"]}
        variables = _own(client.execute("Variables", ids).get("variables"))
        proxies = client.execute("TcpProxies", {"environmentId": env_id, "serviceId": node["id"]}).get("tcpProxies")
        source = instance.get("source") or {}
        domains = instance.get("domains") or {}
        replicas, regions = _placement(instance)
        deployment = instance.get("latestDeployment") or {}
        manifest_source = (_meta(deployment.get("meta")).get("serviceManifest") or {}).get("source") or {}
        if source.get("repo"):
            repo_services.append(len(services))
        services.append(
            ServiceInfo(
                id=node["id"],
                name=node["name"],
                image=source.get("image") or None,
                repo=source.get("repo") or None,
                branch=manifest_source.get("branch") or None,
                root_directory=instance.get("rootDirectory") or None,
                dockerfile_path=instance.get("dockerfilePath") or None,
                start_command=instance.get("startCommand") or None,
                pre_deploy_command=pre_deploy_text(instance.get("preDeployCommand")),
                healthcheck_path=instance.get("healthcheckPath") or None,
                replicas=replicas,
                region=regions[0] if len(regions) == 1 else None,
                regions=regions,
                variables=variables,
                volume=volumes.get(node["id"]),
                service_domains=tuple(
                    DomainInfo(d["id"], d["domain"], d.get("targetPort")) for d in domains.get("serviceDomains") or []
                ),
                custom_domains=tuple(
                    DomainInfo(d["id"], d["domain"], d.get("targetPort")) for d in domains.get("customDomains") or []
                ),
                tcp_proxies=tuple(f"{p.get('domain')}:{p.get('proxyPort')}" for p in proxies or []),
                deployment_id=deployment.get("id"),
            )
        )

    if repo_services:
        # A repo's branch is in the environment's config (what the dashboard's source settings write).
        config = (client.execute("EnvironmentConfig", {"id": env_id}).get("environment") or {}).get("config") or {}
        by_service = config.get("services") or {}
        for index in repo_services:
            service = services[index]
            branch = ((by_service.get(service.id) or {}).get("source") or {}).get("branch")
            if branch:
                services[index] = replace(service, branch=branch)

    shared = _own(client.execute("Variables", {"projectId": project_id, "environmentId": env_id}).get("variables"))
    return Inventory(
        project_id=project_id,
        project_name=project.get("name") or "",
        environment=chosen,
        environments=tuple(environments),
        services=tuple(services),
        shared_variables=shared,
        elsewhere=tuple(sorted(elsewhere)),
    )
