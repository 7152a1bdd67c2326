"""How one railstack role becomes Railway objects: a service, its settings, its variables, optional
volume and domains, and the release that follows them (its source, limits and single deployment).

Used by every Railway component (database, cache, app roles), so they all share the rules that
settings, variables and the volume exist before the source is set (setting it may deploy at once),
that a release makes one deployment and waits until it is live, and that the release is re-run only
when something it is made of changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from railstack_railway import (
    CustomDomain,
    Service,
    ServiceDeployment,
    ServiceDomain,
    ServiceInstance,
    VariableCollection,
    Volume,
)

from railstack.components.railway.variables import variable_collection
from railstack.plan import DEFAULT_REGION, Deployments, Sizing


@dataclass(frozen=True)
class ServiceSpec:
    """What one Railway service of the stack is made of."""

    service_name: str
    """Railway service name, what `${{Name.VAR}}` references use."""
    role: str
    """What the service runs (api, worker, beat, flower, postgres, redis), recorded for the policy pack."""
    source: dict[str, Any]
    """The release's source: `source_image`, or `source_repo` with `branch`."""
    sizing: Sizing
    variables: Mapping[str, pulumi.Input[str]]
    """The service's own variables (references as `${{...}}` strings, verbatim)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Further ServiceInstance settings (start_command, healthcheck_path, ...)."""
    secrets_used: dict[str, str] = field(default_factory=dict)
    """Rotation counter of each shared secret the service references: rotating one redeploys it."""
    volume_mount: str | None = None
    backups: tuple[str, ...] = ()
    public_port: int | None = None
    """Give the service a Railway domain routed to this port (the API only)."""
    custom_domains: tuple[str, ...] = ()
    protect: bool = False
    """Protect the service and its volume from deletion."""


def custom_domain_part(domain: str) -> str:
    return f"domain-{domain.replace('.', '-')}"


def service_parts(*, volume: bool, public: bool, custom_domains: tuple[str, ...] = ()) -> list[str]:
    """The resources `build_service` makes for one service, by the part of their name after the
    component's (`railstack-api-settings`): what `railstack:import` may name."""
    parts = ["service", "settings", "variables", "deployment"]
    if volume:
        parts.append("volume")
    if public:
        parts += ["domain", *(custom_domain_part(d) for d in custom_domains)]
    return parts


class Imports:
    """Railway objects the stack takes over instead of creating (`railstack:import`, written by
    scripts/adopt): Pulumi resource name -> import ID, each given to its resource as the `import`
    option. `check` runs before any resource is registered, so a name no resource has (a typo) fails
    the run instead of that object being created anew."""

    def __init__(self, ids: Mapping[str, str] | None = None) -> None:
        self._ids = dict(ids or {})

    def check(self, stack: str, resource_names: set[str]) -> None:
        unknown = sorted(set(self._ids) - resource_names)
        if unknown:
            raise pulumi.RunError(
                f"{stack}: railstack:import names resources this stack does not have: {', '.join(unknown)} "
                "(they would be created anew, not adopted); remove them or fix the names"
            )

    def options(self, resource_name: str, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
        import_id = self._ids.get(resource_name)
        if import_id is None:
            return opts
        return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(import_=import_id))


@dataclass(frozen=True)
class Placement:
    """Where a service goes and what it deploys after."""

    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    deploy_after: list[pulumi.Resource] = field(default_factory=list)
    """Resources whose changes must be in place before this service deploys."""
    fingerprint_key: pulumi.Input[str] | None = None
    """Key of the variables' fingerprints (SecretSet.fingerprint_key), which name changed variables in previews."""
    stack: str = ""
    """The Pulumi stack, named in deployment failures."""
    region: str = DEFAULT_REGION
    """The stack's region, for roles whose sizing names none."""
    deployments: Deployments = field(default_factory=Deployments)
    """How releases wait for their deployment."""
    imports: Imports = field(default_factory=Imports)
    """Objects made by hand this stack adopts (see Imports)."""


@dataclass
class BuiltService:
    service: Service
    instance: ServiceInstance
    variables: VariableCollection
    deployment: ServiceDeployment
    domain: ServiceDomain | None
    custom_domains: list[CustomDomain]


def build_service(owner: pulumi.ComponentResource, name: str, spec: ServiceSpec, placement: Placement) -> BuiltService:
    """Creates the service's resources as children of `owner`, named `<name>-<part>`."""
    project_id, environment_id = placement.project_id, placement.environment_id
    child = pulumi.ResourceOptions(parent=owner)
    protected = pulumi.ResourceOptions(parent=owner, protect=spec.protect)

    def adopted(part: str, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
        return placement.imports.options(f"{name}-{part}", opts)

    service = Service(
        f"{name}-service",
        project_id=project_id,
        name=spec.service_name,
        role=spec.role,
        opts=adopted("service", protected),
    )
    instance = ServiceInstance(
        f"{name}-settings",
        service_id=service.service_id,
        environment_id=environment_id,
        project_id=project_id,
        num_replicas=spec.sizing.replicas,
        region=spec.sizing.region or placement.region,
        **spec.settings,
        opts=adopted("settings", child),
    )
    variables = variable_collection(
        f"{name}-variables",
        project_id=project_id,
        environment_id=environment_id,
        service_id=service.service_id,
        variables=dict(spec.variables),
        fingerprint_key=placement.fingerprint_key,
        opts=adopted("variables", child),
    )
    before_deploy: list[pulumi.Resource] = [instance, variables, *placement.deploy_after]
    if spec.volume_mount:
        before_deploy.append(
            Volume(
                f"{name}-volume",
                project_id=project_id,
                environment_id=environment_id,
                service_id=service.service_id,
                mount_path=spec.volume_mount,
                backup_schedules=list(spec.backups),
                opts=adopted("volume", protected),
            )
        )
    domain = None
    custom_domains: list[CustomDomain] = []
    if spec.public_port is not None:
        domain = ServiceDomain(
            f"{name}-domain",
            project_id=project_id,
            environment_id=environment_id,
            service_id=service.service_id,
            target_port=spec.public_port,
            opts=adopted("domain", child),
        )
        before_deploy.append(domain)
        for custom in spec.custom_domains:
            custom_domains.append(
                CustomDomain(
                    f"{name}-domain-{custom.replace('.', '-')}",
                    project_id=project_id,
                    environment_id=environment_id,
                    service_id=service.service_id,
                    domain=custom,
                    target_port=spec.public_port,
                    opts=adopted(custom_domain_part(custom), child),
                )
            )
            before_deploy.append(custom_domains[-1])
    policy = placement.deployments
    healthcheck = spec.settings.get("healthcheck_timeout") if spec.settings.get("healthcheck_path") else None
    deployment = ServiceDeployment(
        f"{name}-deployment",
        service_id=service.service_id,
        environment_id=environment_id,
        project_id=project_id,
        **spec.source,
        vcpus=spec.sizing.vcpus,
        memory_gb=spec.sizing.memory_gb,
        service_name=spec.service_name,
        stack=placement.stack,
        wait=policy.wait,
        # The role's own allowance to start: its healthcheck timeout, else the policy's start time.
        timeout_seconds=policy.build_seconds + (healthcheck if healthcheck else policy.start_seconds),
        poll_seconds=policy.poll_seconds,
        triggers={
            "settings": instance.revision,
            "variables": variables.revision,
            **{f"secret:{secret}": counter for secret, counter in sorted(spec.secrets_used.items())},
        },
        opts=adopted("deployment", pulumi.ResourceOptions(parent=owner, depends_on=before_deploy)),
    )
    return BuiltService(service, instance, variables, deployment, domain, custom_domains)
