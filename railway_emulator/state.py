"""The emulator's in-memory model of one Railway workspace: records, lookups, cascading deletes, dump.

Records are dataclasses whose snake_case attributes are the camelCase fields of Railway's schema, so the
default resolver can read them directly; fields that need other records (a project's environments, an
instance's latest deployment) are resolved in `railway_emulator.resolvers`. Deleting removes the record,
so a later lookup answers "Not Authorized" as Railway does for deleted objects; with `soft_deletes` a
deleted project, service or environment stays, `deleted_at` set, found only by the root reads. Lookups
also answer "Not Authorized" for objects outside `scope`, the workspaces the request's token sees.

`State` is not thread-safe by itself: the `Emulator` that owns it holds its one lock around every request.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from railway_emulator.errors import NOT_AUTHORIZED, RailwayError
from railway_emulator.redaction import fingerprint

DEFAULT_REGION = "us-west2"
"""The region Railway reads back for an instance nobody set a region on."""

PLATFORM_DEFAULTS: dict[str, Any] = {
    "builder": "RAILPACK",
    "num_replicas": 1,
    "region": DEFAULT_REGION,
    "restart_policy_type": "ON_FAILURE",
    "restart_policy_max_retries": 10,
    "sleep_application": False,
}
"""Service instance settings as Railway reads them back when they were never set: a provider must treat
these as equal to "unset" or its diffs never converge."""

KNOWN_REGIONS: tuple[str, ...] = ("us-west2", "us-east4-eqdc4a", "europe-west4-drams3a", "asia-southeast1-eqsg3a")
"""Railway's regions (docs content/docs/deployments/regions.md); any other region is refused."""


@dataclass(frozen=True)
class Plan:
    """One Railway plan's maxima per service, replica multiplication included (docs
    content/docs/pricing/plans.md "Default plan resources"), and its volumes per project (docs
    content/docs/volumes/reference.md "Volume limits per project")."""

    name: str
    replicas: int
    memory_gb: float
    vcpus: float
    volumes_per_project: int
    backups: bool
    """Volume backup schedules: Hobby refuses them with "Not Authorized" (docs/railway-api.md, "Plans", observed
    once); Free is assumed to refuse them too (stricter)."""

    @property
    def limits(self) -> dict[str, float]:
        """`serviceInstanceLimits` without an override: the plan's per-service maxima."""
        return {"vCPUs": self.vcpus, "memoryGB": self.memory_gb}


PLANS: dict[str, Plan] = {
    "free": Plan("free", replicas=1, memory_gb=0.5, vcpus=1.0, volumes_per_project=1, backups=False),
    "hobby": Plan("hobby", replicas=6, memory_gb=48.0, vcpus=48.0, volumes_per_project=10, backups=False),
    "pro": Plan("pro", replicas=42, memory_gb=1000.0, vcpus=1000.0, volumes_per_project=20, backups=True),
}

PLAN_LIMITS: dict[str, float] = PLANS["pro"].limits
"""The Pro plan's per-service maxima (the default plan); `State.plan.limits` is the one in use."""

DEFAULT_VOLUME_SIZE_MB = 5000

_Record = TypeVar("_Record")
_Child = TypeVar("_Child", "Environment", "Service")


def new_id() -> str:
    """A Railway-style id: a UUID4 string."""
    return str(uuid.uuid4())


def iso(timestamp: float) -> str:
    """Railway's DateTime format: ISO 8601 in UTC with milliseconds and a `Z`."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Project:
    id: str
    name: str
    description: str | None
    is_public: bool
    pr_deploys: bool
    workspace_id: str | None
    created_at: str
    updated_at: str
    base_environment_id: str | None = None
    bot_pr_environments: bool = False
    focused_pr_environments: bool = False
    is_temp_project: bool = False
    subscription_type: str = "pro"
    deleted_at: str | None = None
    expired_at: str | None = None
    team_id: str | None = None
    members: list[Any] = field(default_factory=list)
    feature_flags: list[str] = field(default_factory=list)


@dataclass
class Environment:
    id: str
    project_id: str
    name: str
    created_at: str
    updated_at: str
    is_ephemeral: bool = False
    source_environment_id: str | None = None
    can_access: bool = True
    unmerged_changes_count: int = 0
    meta: dict[str, Any] | None = None
    deleted_at: str | None = None


@dataclass
class Service:
    id: str
    project_id: str
    name: str
    created_at: str
    updated_at: str
    icon: str | None = None
    source: dict[str, str | None] | None = None
    """`{"image": ..., "repo": ...}` as given at create or by serviceConnect; new instances start from it."""
    branch: str | None = None
    registry_credentials: dict[str, str] | None = None
    has_hidden_registry_credentials_from_template: bool = False
    template_id: str | None = None
    template_service_id: str | None = None
    template_thread_slug: str | None = None
    feature_flags: list[str] = field(default_factory=list)
    deleted_at: str | None = None


@dataclass
class ServiceInstance:
    id: str
    service_id: str
    environment_id: str
    created_at: str
    updated_at: str
    source: dict[str, str | None] | None = None
    branch: str | None = None
    commit_sha: str | None = None
    """`source.commitSha` of a patch: the commit a repo source deploys instead of its branch's head (cli
    src/controllers/config/environment.rs, struct ServiceSource; docs/railway-api.md, "Repository builds")."""
    check_suites: bool | None = None
    """`source.checkSuites` of a patch: "Wait for CI" (cli src/commands/environment/changes/source.rs);
    a new deployment trigger takes it (docs/railway-api.md, "Auto-deploys and watch paths")."""
    build_command: str | None = None
    builder: str = PLATFORM_DEFAULTS["builder"]
    cron_schedule: str | None = None
    dockerfile_path: str | None = None
    draining_seconds: int | None = None
    healthcheck_path: str | None = None
    healthcheck_timeout: int | None = None
    ipv6_egress_enabled: bool | None = None
    multi_region_config: dict[str, Any] | None = None
    nixpacks_plan: Any = None
    num_replicas: int | None = PLATFORM_DEFAULTS["num_replicas"]
    overlap_seconds: int | None = None
    pre_deploy_command: list[str] | None = None
    railway_config_file: str | None = None
    region: str | None = PLATFORM_DEFAULTS["region"]
    registry_credentials: dict[str, str] | None = None
    restart_policy_max_retries: int = PLATFORM_DEFAULTS["restart_policy_max_retries"]
    restart_policy_type: str = PLATFORM_DEFAULTS["restart_policy_type"]
    root_directory: str | None = None
    sleep_application: bool | None = PLATFORM_DEFAULTS["sleep_application"]
    start_command: str | None = None
    watch_patterns: list[str] = field(default_factory=list)
    limit_override: dict[str, float] = field(default_factory=dict)
    is_updatable: bool = False
    next_cron_run_at: str | None = None
    railpack_info: Any = None
    upstream_url: str | None = None
    deleted_at: str | None = None


INSTANCE_SETTINGS: tuple[str, ...] = (
    "buildCommand",
    "builder",
    "cronSchedule",
    "dockerfilePath",
    "drainingSeconds",
    "healthcheckPath",
    "healthcheckTimeout",
    "ipv6EgressEnabled",
    "multiRegionConfig",
    "nixpacksPlan",
    "numReplicas",
    "overlapSeconds",
    "preDeployCommand",
    "railwayConfigFile",
    "region",
    "registryCredentials",
    "restartPolicyMaxRetries",
    "restartPolicyType",
    "rootDirectory",
    "sleepApplication",
    "startCommand",
    "watchPatterns",
)
"""`ServiceInstanceUpdateInput` keys stored as given (`source` is handled apart: it is an object)."""


@dataclass
class Deployment:
    id: str
    project_id: str
    service_id: str
    environment_id: str
    created_at: str
    updated_at: str
    created_ts: float
    ready_ts: float
    """When the deployment ends: BUILDING for the first half, DEPLOYING for the second, then `outcome`."""
    meta: dict[str, Any]
    listed_ts: float = 0.0
    """From when lists (`latestDeployment`, `deployments`) show it: Railway registers a deployment
    asynchronously (railwayapp/cli PR #743, "backend may not have registered the deployment yet";
    docs/railway-api.md)."""
    start_ts: float | None = None
    """When its build starts: `created_ts`, or the moment it was approved; None while approval is
    pending (NEEDS_APPROVAL / WAITING, docs projects/workspaces.md, deployments/manage-deployments.md)."""
    outcome: str = "success"
    """"success", or the failure it ends in: "pre_deploy_failed", "healthcheck_failed", "crashed",
    "no_branch" (see resolvers/deployments.py)."""
    live_status: str | None = None
    """In container mode, the status the running deployment has reached (railway_emulator/runtime/);
    None otherwise, when the status follows `ready_ts` and `outcome`."""
    log_lines: list[dict[str, Any]] = field(default_factory=list)
    """`{"at": when it appears, "ts": its timestamp, "severity", "message"}`, `{{NAME}}` rendered with
    variable values: never in the state dump."""
    can_redeploy: bool = True
    can_rollback: bool = False
    deployment_stopped: bool = False
    suggest_add_service_domain: bool = False
    creator: Any = None
    diagnosis: Any = None
    approval: str | None = None
    """NEEDS_APPROVAL or WAITING while a scripted approval is pending (`start_ts` None)."""
    seconds: float = 0.0
    """How long it runs once started."""
    custom_logs: list[str] | None = None
    """A script's log lines, kept to render them again when an approval starts it."""
    skipped: str | None = None
    """Why the deployment reads SKIPPED (a push outside the watch patterns, a failed check suite: docs
    deployments/github-autodeploys.md); None otherwise."""
    failure: list[str] | None = None
    """Build-log lines of a deployment that cannot build (its repository, branch or commit does not
    resolve); it ends FAILED with them (outcome "unbuildable")."""
    waiting_for: tuple[str, str] | None = None
    """(repository, commit) whose check suites a push deployment waits for in WAITING ("Wait for CI")."""
    snapshot_id: str | None = None
    static_url: str | None = None
    url: str | None = None
    instances: list[Any] = field(default_factory=list)
    sockets: list[Any] = field(default_factory=list)


@dataclass
class DeploymentTrigger:
    """A service instance's auto-deploy of a GitHub branch (schema `DeploymentTrigger`; docs
    deployments/github-autodeploys.md; docs/railway-api.md, "Auto-deploys and watch paths")."""

    id: str
    project_id: str
    environment_id: str
    service_id: str
    repository: str
    branch: str
    provider: str = "github"
    check_suites: bool = False
    root_directory: str | None = None
    """`DeploymentTriggerCreateInput.rootDirectory`, kept as given (not read by any field)."""
    base_environment_override_id: str | None = None
    valid_check_suites: int = 0


@dataclass
class ServiceDomain:
    id: str
    project_id: str
    service_id: str
    environment_id: str
    domain: str
    suffix: str
    target_port: int | None
    created_at: str
    updated_at: str
    sync_status: str = "ACTIVE"
    cdn_mode: str | None = None
    edge_id: str | None = None
    new_domain_name: str | None = None
    new_host_label: str | None = None
    deleted_at: str | None = None


@dataclass
class CustomDomain:
    id: str
    project_id: str
    service_id: str
    environment_id: str
    domain: str
    target_port: int | None
    status: dict[str, Any]
    created_at: str
    updated_at: str
    sync_status: str = "ACTIVE"
    cdn_mode: str | None = None
    edge_id: str | None = None
    deleted_at: str | None = None


@dataclass
class Volume:
    id: str
    project_id: str
    name: str
    created_at: str


@dataclass
class VolumeInstance:
    id: str
    volume_id: str
    environment_id: str
    service_id: str | None
    mount_path: str
    region: str | None
    created_at: str
    size_mb: int = DEFAULT_VOLUME_SIZE_MB
    current_size_mb: float = 0.0
    state: str | None = "READY"
    external_id: str | None = None
    backup_schedules: list[str] = field(default_factory=list)
    """Kinds (DAILY, WEEKLY, MONTHLY) set by volumeInstanceBackupScheduleUpdate."""


@dataclass
class TcpProxy:
    id: str
    service_id: str
    environment_id: str
    application_port: int
    proxy_port: int
    domain: str
    created_at: str
    updated_at: str
    sync_status: str = "ACTIVE"
    deleted_at: str | None = None


class State:
    """Every record of the emulated workspace, keyed by id, in creation order."""

    def __init__(
        self,
        *,
        deploy_seconds: float = 0.0,
        clock: Callable[[], float] = time.time,
        workspace_ids: list[str] | None = None,
        scoped_workspace_id: str | None = None,
        plan: str = "pro",
        repo_map: dict[str, str] | None = None,
        soft_deletes: bool = False,
        drop_num_replicas: bool = False,
        register_delay: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
    ) -> None:
        self.clock = clock
        self.deploy_seconds = deploy_seconds
        self.register_delay = register_delay
        self.random = random.Random(seed)
        self.user: dict[str, Any] = {
            "id": new_id(),
            "email": "token-owner@emulator.invalid",
            "name": "Token Owner",
            "avatar": None,
        }
        """Whom the token belongs to: the `creator` of every deployment it causes."""
        self.workspace_ids: list[str] = list(workspace_ids) if workspace_ids else [new_id()]
        """The workspaces the main token sees; the first is `workspace_id`."""
        self.workspace_id = self.workspace_ids[0]
        self.scoped_workspace_id = scoped_workspace_id
        """The one (separate) workspace of the scoped token, when there is one."""
        self.workspace_names: dict[str, str] = {
            workspace_id: f"Workspace {index}" for index, workspace_id in enumerate(self.workspace_ids, start=1)
        }
        if scoped_workspace_id is not None:
            self.workspace_names[scoped_workspace_id] = "Scoped Workspace"
        self.plan = PLANS[plan]
        from railway_emulator.repos import Repos  # state is imported by everything; repos by little

        self.repos = Repos(repo_map)
        """The local git repositories standing for GitHub ones (`--repo-map`, railway_emulator/repos.py)."""
        self.branch_heads: dict[tuple[str, str], str] = {}
        """(repository, branch) -> the head the emulator last saw there, by a deployment or a push."""
        self.deployment_triggers: dict[str, DeploymentTrigger] = {}
        self.soft_deletes = soft_deletes
        self.drop_num_replicas = drop_num_replicas
        self.scope: frozenset[str] | None = None
        """The workspaces the current request's token sees (set per request by the Emulator, under its
        lock); None outside a request, which sees everything."""
        self.deployment_scripts: list[dict[str, Any]] = []
        """Armed scripted outcomes (`Emulator.script_deployments`), first armed first used."""
        self.runtime: Any = None
        """Container mode's ContainerRuntime (railway_emulator/runtime/), which runs deployments
        and removes what cascading deletes remove; None when the emulator runs nothing."""
        self.projects: dict[str, Project] = {}
        self.environments: dict[str, Environment] = {}
        self.services: dict[str, Service] = {}
        self.instances: dict[tuple[str, str], ServiceInstance] = {}
        """Keyed by (service id, environment id)."""
        self.shared_variables: dict[str, dict[str, str]] = {}
        """Environment id -> the environment's shared variables, values verbatim."""
        self.service_variables: dict[tuple[str, str], dict[str, str]] = {}
        """(service id, environment id) -> the instance's variables, values verbatim."""
        self.deployments: dict[str, Deployment] = {}
        self.service_domains: dict[str, ServiceDomain] = {}
        self.custom_domains: dict[str, CustomDomain] = {}
        self.volumes: dict[str, Volume] = {}
        self.volume_instances: dict[str, VolumeInstance] = {}
        self.tcp_proxies: dict[str, TcpProxy] = {}
        self.deployments_created = 0

    # --- time -----------------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def now_iso(self) -> str:
        return iso(self.clock())

    # --- lookups: an unknown id answers what Railway answers for it ------------------------------

    # An object of a workspace the token does not see answers exactly as a deleted one (docs/railway-api.md,
    # "Not Authorized also means a wrong token"). A soft-deleted project, service or
    # environment is found only by the root reads that pass `deleted=True` (docs/railway-api.md, "Soft deletes").

    def visible(self, project_id: str | None) -> bool:
        """True when the project exists, is not deleted, and is in a workspace the caller sees."""
        found = self.projects.get(project_id) if project_id is not None else None
        return found is not None and found.deleted_at is None and self._in_scope(found)

    def _in_scope(self, project: Project) -> bool:
        return self.scope is None or project.workspace_id in self.scope

    def project(self, project_id: str, *, deleted: bool = False) -> Project:
        found = self.projects.get(project_id)
        if found is not None and (not self._in_scope(found) or (found.deleted_at and not deleted)):
            found = None
        return _found(found)

    def environment(self, environment_id: str, *, deleted: bool = False) -> Environment:
        return _found(self._visible_child(self.environments.get(environment_id), deleted))

    def service(self, service_id: str, *, deleted: bool = False) -> Service:
        return _found(self._visible_child(self.services.get(service_id), deleted))

    def _visible_child(self, found: _Child | None, deleted: bool) -> _Child | None:
        """A project's environment or service, if the token may see its project and (unless
        `deleted`) neither it nor its project is soft-deleted."""
        if found is None:
            return None
        owner = self.projects.get(found.project_id)
        if owner is None or not self._in_scope(owner):
            return None
        if not deleted and (found.deleted_at or owner.deleted_at):
            return None
        return found

    def instance(self, service_id: str, environment_id: str) -> ServiceInstance:
        found = self.instances.get((service_id, environment_id))
        if found is not None:
            self.service(service_id)
            self.environment(environment_id)
        return _found(found)

    def deployment(self, deployment_id: str) -> Deployment:
        found = self.deployments.get(deployment_id)
        if found is not None and not self.visible(found.project_id):
            found = None
        return _found(found)

    def volume(self, volume_id: str) -> Volume:
        found = self.volumes.get(volume_id)
        if found is not None and not self.visible(found.project_id):
            found = None
        return _found(found)

    def volume_instance(self, volume_instance_id: str) -> VolumeInstance:
        found = self.volume_instances.get(volume_instance_id)
        if found is not None:
            self.volume(found.volume_id)
        return _found(found)

    def visible_projects(self) -> list[Project]:
        """The projects the caller's token sees, deleted ones left out."""
        return [p for p in self.projects.values() if p.deleted_at is None and self._in_scope(p)]

    # --- replicas and regions ----------------------------------------------------------------------

    def placement(self, instance: ServiceInstance) -> dict[str, int]:
        """Where an instance's replicas run: `{region: replicas}`.

        `multiRegionConfig` is the placement (docs/railway-api.md, "Replicas and regions"; TF issue 77,
        PR 79). Without one, the legacy top-level `numReplicas`/`region` pair counts, unless
        `drop_num_replicas`, where it is stored but ignored: one replica in the default region.
        """
        config = instance.multi_region_config
        if isinstance(config, dict) and config:
            return {
                region: int(value.get("numReplicas") or 0)
                for region, value in config.items()
                if isinstance(value, dict)
            }
        if self.drop_num_replicas:
            return {DEFAULT_REGION: 1}
        replicas = instance.num_replicas if instance.num_replicas is not None else 1
        return {instance.region or DEFAULT_REGION: replicas}

    def replicas(self, instance: ServiceInstance) -> int:
        return sum(self.placement(instance).values())

    def environment_of_project(self, environment_id: str, project_id: str) -> Environment:
        environment = self.environment(environment_id)
        if environment.project_id != project_id:
            raise RailwayError(f"Environment {environment_id} does not belong to project {project_id}")
        return environment

    def service_of_project(self, service_id: str, project_id: str) -> Service:
        service = self.service(service_id)
        if service.project_id != project_id:
            raise RailwayError(f"Service {service_id} does not belong to project {project_id}")
        return service

    # --- listings -------------------------------------------------------------------------------

    def environments_of(self, project_id: str) -> list[Environment]:
        """The project's environments, soft-deleted ones left out (they vanish from every listing)."""
        return [env for env in self.environments.values() if env.project_id == project_id and not env.deleted_at]

    def services_of(self, project_id: str) -> list[Service]:
        return [svc for svc in self.services.values() if svc.project_id == project_id and not svc.deleted_at]

    def instances_in(self, environment_id: str) -> list[ServiceInstance]:
        return [inst for inst in self.instances.values() if inst.environment_id == environment_id]

    def instances_of(self, service_id: str) -> list[ServiceInstance]:
        return [inst for inst in self.instances.values() if inst.service_id == service_id]

    def volumes_of(self, project_id: str) -> list[Volume]:
        return [vol for vol in self.volumes.values() if vol.project_id == project_id]

    def volume_instances_of(self, volume_id: str) -> list[VolumeInstance]:
        return [vi for vi in self.volume_instances.values() if vi.volume_id == volume_id]

    def volume_instance_for(self, service_id: str, environment_id: str) -> VolumeInstance | None:
        for vi in self.volume_instances.values():
            if vi.service_id == service_id and vi.environment_id == environment_id:
                return vi
        return None

    def deployments_of(self, service_id: str, environment_id: str, *, pending: bool = False) -> list[Deployment]:
        """The instance's deployments, newest first: those Railway has registered by now, or with
        `pending` also those it has not yet."""
        now = self.now()
        found = [
            d
            for d in self.deployments.values()
            if (d.service_id, d.environment_id) == (service_id, environment_id) and (pending or d.listed_ts <= now)
        ]
        return sorted(found, key=lambda d: d.created_ts, reverse=True)

    def registration_delay(self) -> float:
        """How long Railway takes to register a deployment it starts by itself (seeded, reproducible)."""
        low, high = self.register_delay
        return low if high <= low else self.random.uniform(low, high)

    def triggers_of(self, service_id: str, environment_id: str) -> list[DeploymentTrigger]:
        return [
            t
            for t in self.deployment_triggers.values()
            if (t.service_id, t.environment_id) == (service_id, environment_id)
        ]

    def service_domains_of(self, service_id: str, environment_id: str) -> list[ServiceDomain]:
        return [
            d for d in self.service_domains.values() if (d.service_id, d.environment_id) == (service_id, environment_id)
        ]

    def custom_domains_of(self, service_id: str, environment_id: str) -> list[CustomDomain]:
        return [
            d for d in self.custom_domains.values() if (d.service_id, d.environment_id) == (service_id, environment_id)
        ]

    def tcp_proxies_of(self, service_id: str, environment_id: str) -> list[TcpProxy]:
        return [
            p for p in self.tcp_proxies.values() if (p.service_id, p.environment_id) == (service_id, environment_id)
        ]

    # --- cascading deletes: what Railway removes along with an object ----------------------------

    def delete_instance(self, service_id: str, environment_id: str) -> None:
        if self.runtime is not None:
            self.runtime.instance_deleted(service_id, environment_id)
        self.instances.pop((service_id, environment_id), None)
        self.service_variables.pop((service_id, environment_id), None)
        _drop(self.deployments, lambda d: (d.service_id, d.environment_id) == (service_id, environment_id))
        _drop(self.service_domains, lambda d: (d.service_id, d.environment_id) == (service_id, environment_id))
        _drop(self.custom_domains, lambda d: (d.service_id, d.environment_id) == (service_id, environment_id))
        _drop(self.tcp_proxies, lambda p: (p.service_id, p.environment_id) == (service_id, environment_id))
        _drop(self.deployment_triggers, lambda t: (t.service_id, t.environment_id) == (service_id, environment_id))

    def delete_environment(self, environment_id: str) -> None:
        for instance in self.instances_in(environment_id):
            self.delete_instance(instance.service_id, environment_id)
        self.shared_variables.pop(environment_id, None)
        if self.runtime is not None:
            self.runtime.environment_deleted(environment_id)
        _drop(self.volume_instances, lambda vi: vi.environment_id == environment_id)
        for environment in self.environments.values():
            if environment.source_environment_id == environment_id:
                environment.source_environment_id = None
        if self.soft_deletes:
            _soft_delete(self.environments.get(environment_id), self.now_iso())
        else:
            self.environments.pop(environment_id, None)

    def delete_volume(self, volume_id: str) -> None:
        if self.runtime is not None:
            for volume_instance in self.volume_instances_of(volume_id):
                self.runtime.volume_instance_deleted(volume_instance.id)
        _drop(self.volume_instances, lambda vi: vi.volume_id == volume_id)
        self.volumes.pop(volume_id, None)

    def delete_service(self, service_id: str) -> None:
        # A service's volume goes with it: Railway deletes attached volumes together with the service.
        attached = {vi.volume_id for vi in self.volume_instances.values() if vi.service_id == service_id}
        for volume_id in attached:
            self.delete_volume(volume_id)
        for instance in self.instances_of(service_id):
            self.delete_instance(service_id, instance.environment_id)
        if self.soft_deletes:
            _soft_delete(self.services.get(service_id), self.now_iso())
        else:
            self.services.pop(service_id, None)

    def delete_project(self, project_id: str) -> None:
        for service in self.services_of(project_id):
            self.delete_service(service.id)
        for volume in self.volumes_of(project_id):
            self.delete_volume(volume.id)
        for environment in self.environments_of(project_id):
            self.delete_environment(environment.id)
        if self.soft_deletes:
            _soft_delete(self.projects.get(project_id), self.now_iso())
        else:
            self.projects.pop(project_id, None)

    # --- the test-facing dump ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Every record as JSON-ready dicts with camelCase keys, every secret replaced by a fingerprint."""
        variables: list[dict[str, Any]] = []
        for environment_id, values in self.shared_variables.items():
            project_id = self.environments[environment_id].project_id
            variables += _variable_rows(project_id, environment_id, None, values)
        for (service_id, environment_id), values in self.service_variables.items():
            project_id = self.services[service_id].project_id
            variables += _variable_rows(project_id, environment_id, service_id, values)
        return {
            "projects": _rows(self.projects.values()),
            "environments": _rows(self.environments.values()),
            "services": _rows(self.services.values()),
            "serviceInstances": _rows(self.instances.values()),
            "variables": variables,
            # Log lines may quote variable values (a test makes an app log leak one): never dumped.
            "deployments": _rows(
                self.deployments.values(), skip=("created_ts", "ready_ts", "log_lines", "live_status")
            ),
            "serviceDomains": _rows(self.service_domains.values()),
            "customDomains": _rows(self.custom_domains.values()),
            "volumes": _rows(self.volumes.values()),
            "volumeInstances": _rows(self.volume_instances.values()),
            "tcpProxies": _rows(self.tcp_proxies.values()),
            "deploymentTriggers": _rows(self.deployment_triggers.values()),
        }


def _found(record: _Record | None) -> _Record:
    if record is None:
        raise RailwayError(NOT_AUTHORIZED)
    return record


def _soft_delete(record: Any, now: str) -> None:
    """Soft deletes (docs/railway-api.md, "Soft deletes"): the record stays, readable with `deletedAt`."""
    if record is not None and record.deleted_at is None:
        record.deleted_at = now
        record.updated_at = now


def _drop(table: dict[str, Any], doomed: Callable[[Any], bool]) -> None:
    for key in [key for key, record in table.items() if doomed(record)]:
        del table[key]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _rows(records: Iterable[Any], skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        row: dict[str, Any] = {}
        for item in fields(record):
            if item.name in skip:
                continue
            value = getattr(record, item.name)
            if item.name == "registry_credentials" and value:
                value = {**value, "password": fingerprint(value.get("password", ""))}
            row[_camel(item.name)] = value
        rows.append(row)
    return rows


def _variable_rows(
    project_id: str, environment_id: str, service_id: str | None, values: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "projectId": project_id,
            "environmentId": environment_id,
            "serviceId": service_id,
            "name": name,
            "value": fingerprint(value),
        }
        for name, value in values.items()
    ]
