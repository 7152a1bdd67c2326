"""Services and their per-environment instances: create, rename, connect a source, settings, limits, delete.

A service belongs to a project and has one instance in every environment of it. Names are unique within
a project. Creating or connecting a service with a source (image or repo) deploys every instance, as
Railway starts a first build; `serviceInstanceUpdate` only stores settings (picked up by the next
deployment) and deploys only with the `source_deploys` option, when it sets a source. Settings are read
back with Railway's platform defaults filled in (see `state.PLATFORM_DEFAULTS`); replicas and region read
back as the effective placement (`State.placement`). Regions, replica totals and limits are checked
against the known regions and the plan's maxima. A service with a volume cannot run more than one replica.
"""

from __future__ import annotations

import copy
from typing import Any

from railway_emulator.errors import NotImplementedByEmulator, RailwayError
from railway_emulator.registry import Context, field, mutation, query, snake
from railway_emulator.resolvers.common import connection, generated_name, require_name, variable_map
from railway_emulator.resolvers.deployments import deploy
from railway_emulator.resolvers.triggers import connected, sync_triggers
from railway_emulator.state import (
    DEFAULT_REGION,
    INSTANCE_SETTINGS,
    KNOWN_REGIONS,
    PLATFORM_DEFAULTS,
    Project,
    Service,
    ServiceInstance,
    State,
    new_id,
)

_NON_NULL_SETTINGS = {"builder", "restart_policy_type", "restart_policy_max_retries"}
"""Settings the schema reads as non-null: setting them to null restores the platform default."""


def create_instance(state: State, service: Service, environment_id: str) -> ServiceInstance:
    """The instance of `service` in an environment, starting from the service's source."""
    now = state.now_iso()
    instance = ServiceInstance(
        id=new_id(),
        service_id=service.id,
        environment_id=environment_id,
        created_at=now,
        updated_at=now,
        source=dict(service.source) if service.source else None,
        branch=service.branch,
        registry_credentials=dict(service.registry_credentials) if service.registry_credentials else None,
    )
    state.instances[(service.id, environment_id)] = instance
    # A repo source with a branch connects the instance to the branch: its deployment trigger.
    sync_triggers(state, instance, before=None)
    return instance


def replicas_of(state: State, instance: ServiceInstance) -> int:
    """How many replicas an instance runs: the sum over its effective placement (`State.placement`)."""
    return state.replicas(instance)


def check_region(region: Any) -> str:
    """A region Railway knows (docs content/docs/deployments/regions.md), or the error."""
    if region not in KNOWN_REGIONS:
        raise RailwayError(f'Unknown region "{region}": use one of {", ".join(KNOWN_REGIONS)}')
    return str(region)


def check_num_replicas(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RailwayError(f"{where} must be an integer >= 0")
    return value


def check_multi_region_config(value: Any, where: str = "multiRegionConfig") -> dict[str, Any]:
    """`{"<region>": {"numReplicas": N}}` checked strictly; null regions are dropped (no replicas there)."""
    if not isinstance(value, dict):
        raise RailwayError(f'{where} must be an object like {{"{DEFAULT_REGION}": {{"numReplicas": 1}}}}')
    checked: dict[str, Any] = {}
    for region, config in value.items():
        check_region(region)
        if config is None:
            continue
        if not isinstance(config, dict) or set(config) != {"numReplicas"}:
            raise RailwayError(f'{where}.{region} must be {{"numReplicas": N}}')
        checked[region] = {"numReplicas": check_num_replicas(config["numReplicas"], f"{where}.{region}.numReplicas")}
    return checked


def check_capacity(state: State, instance: ServiceInstance) -> None:
    """The plan's per-service maxima (docs content/docs/pricing/plans.md "Default plan resources": they
    "include replica multiplication", read strictly: limit per replica x replicas), and no replicas with
    a volume (docs/railway-api.md, "Objects": a service with a volume cannot have replicas)."""
    plan = state.plan
    replicas = state.replicas(instance)
    if replicas > plan.replicas:
        raise RailwayError(
            f"{replicas} replicas exceed the {plan.name} plan's maximum of {plan.replicas} replicas per service"
        )
    for key, maximum in plan.limits.items():
        limit = instance.limit_override.get(key)
        if limit is not None and limit * max(replicas, 1) > maximum + 1e-9:
            raise RailwayError(
                f"{key} {limit:g} x {max(replicas, 1)} replicas exceeds the {plan.name} plan's maximum of "
                f"{maximum:g} per service"
            )
    if replicas > 1 and state.volume_instance_for(instance.service_id, instance.environment_id):
        raise RailwayError("A service with a volume cannot have more than one replica")


def _source(value: dict[str, Any] | None) -> dict[str, str | None] | None:
    if value is None:
        return None
    image, repo = value.get("image"), value.get("repo")
    if image and repo:
        raise RailwayError("A service source is either an image or a repo, not both")
    if not image and not repo:
        return None
    return {"image": image, "repo": repo}


def _check_unique_name(state: State, project_id: str, name: str, keep: str | None = None) -> None:
    for other in state.services_of(project_id):
        if other.name == name and other.id != keep:
            raise RailwayError(f'Service with name "{name}" already exists in this project')


# --- services -----------------------------------------------------------------------------------------


@query("service")
def service(ctx: Context, id: str) -> Service:
    # With soft deletes a deleted service stays readable here, `deletedAt` set (docs/railway-api.md, "Soft deletes").
    return ctx.state.service(id, deleted=True)


@mutation("serviceCreate")
def service_create(ctx: Context, input: dict[str, Any]) -> Service:
    state = ctx.state
    project = state.project(input["projectId"])
    if input.get("templateId") is not None:
        raise NotImplementedByEmulator("serviceCreate input.templateId")
    environment_id = input.get("environmentId")
    if environment_id is not None:
        state.environment_of_project(environment_id, project.id)
    name = require_name(input["name"], "Service") if input.get("name") is not None else generated_name()
    _check_unique_name(state, project.id, name)
    variables = variable_map(input["variables"]) if input.get("variables") is not None else {}
    credentials = input.get("registryCredentials")
    now = state.now_iso()
    created = Service(
        id=new_id(),
        project_id=project.id,
        name=name,
        created_at=now,
        updated_at=now,
        icon=input.get("icon"),
        source=_source(input.get("source")),
        branch=input.get("branch"),
        registry_credentials=dict(credentials) if credentials else None,
    )
    state.services[created.id] = created
    for environment in state.environments_of(project.id):
        instance = create_instance(state, created, environment.id)
        if environment_id is None or environment.id == environment_id:
            state.service_variables[(created.id, environment.id)] = dict(variables)
        else:
            state.service_variables[(created.id, environment.id)] = {}
        if instance.source:
            deploy(state, instance, "service_create")
    return created


@mutation("serviceUpdate")
def service_update(ctx: Context, id: str, input: dict[str, Any]) -> Service:
    state = ctx.state
    target = state.service(id)
    if input.get("name") is not None:
        name = require_name(input["name"], "Service")
        _check_unique_name(state, target.project_id, name, keep=target.id)
        target.name = name
    if "icon" in input:
        target.icon = input["icon"]
    target.updated_at = state.now_iso()
    return target


@mutation("serviceConnect")
def service_connect(ctx: Context, id: str, input: dict[str, Any]) -> Service:
    state = ctx.state
    target = state.service(id)
    source = _source({"image": input.get("image"), "repo": input.get("repo")})
    if source is None:
        raise RailwayError("serviceConnect needs an image or a repo")
    target.source = source
    target.branch = input.get("branch")
    target.updated_at = state.now_iso()
    for instance in state.instances_of(target.id):
        before = connected(instance)
        instance.source = dict(source)
        instance.branch = target.branch
        instance.updated_at = target.updated_at
        sync_triggers(state, instance, before)
        deploy(state, instance, "source_change")
    return target


@mutation("serviceDisconnect")
def service_disconnect(ctx: Context, id: str) -> Service:
    """The service loses its source in every environment, and with it its deployment triggers
    (docs/railway-api.md, "Auto-deploys and watch paths"); nothing deploys."""
    state = ctx.state
    target = state.service(id)
    target.source = None
    target.branch = None
    target.updated_at = state.now_iso()
    for instance in state.instances_of(target.id):
        instance.source = None
        instance.branch = None
        instance.commit_sha = None
        instance.updated_at = target.updated_at
        sync_triggers(state, instance, before=None)
    return target


@mutation("serviceDelete")
def service_delete(ctx: Context, id: str, environment_id: str | None = None) -> bool:
    state = ctx.state
    target = state.service(id)
    if environment_id is not None:
        # The emulator has no forked environments, so the service goes from every environment (Railway's
        # behaviour for a non-fork environment id).
        state.environment_of_project(environment_id, target.project_id)
    state.delete_service(id)
    return True


@field("Service", "project")
def service_project(ctx: Context, parent: Service) -> Project:
    return ctx.state.project(parent.project_id, deleted=True)


@field("Service", "serviceInstances")
def service_instances(ctx: Context, parent: Service, **paging: Any) -> dict[str, Any]:
    ctx.state.service(parent.id)  # a deleted service's children answer "Not Authorized"
    return connection(ctx.state.instances_of(parent.id), **paging)


# --- service instances ----------------------------------------------------------------------------------


@query("serviceInstance")
def service_instance(ctx: Context, environment_id: str, service_id: str) -> ServiceInstance:
    return ctx.state.instance(service_id, environment_id)


@query("serviceInstanceIsUpdatable")
def service_instance_is_updatable(ctx: Context, environment_id: str, service_id: str) -> bool:
    return ctx.state.instance(service_id, environment_id).is_updatable


@mutation("serviceInstanceUpdate")
def service_instance_update(
    ctx: Context, service_id: str, input: dict[str, Any], environment_id: str | None = None
) -> bool:
    state = ctx.state
    state.service(service_id)
    if environment_id is not None:
        targets = [state.instance(service_id, environment_id)]
    else:
        # Without an environment Railway updates the service in every (non-fork) environment.
        targets = state.instances_of(service_id)
    updates: dict[str, Any] = {}
    for key in INSTANCE_SETTINGS:
        if key in input:
            attribute = snake(key)
            value = copy.deepcopy(input[key])
            if value is None and attribute in _NON_NULL_SETTINGS:
                value = PLATFORM_DEFAULTS[attribute]
            if value is None and attribute == "watch_patterns":
                value = []
            updates[attribute] = value
    if "source" in input:
        updates["source"] = _source(input["source"])
    _check_settings(updates)
    for instance in targets:
        proposed = copy.copy(instance)
        for attribute, value in updates.items():
            setattr(proposed, attribute, value)
        check_capacity(state, proposed)
    now = state.now_iso()
    for instance in targets:
        before = connected(instance)
        for attribute, value in updates.items():
            setattr(instance, attribute, copy.deepcopy(value))
        instance.updated_at = now
        if "source" in updates:
            sync_triggers(state, instance, before)
    # docs/railway-api.md, "Source may deploy (observed once)": with `source_deploys`, a non-null source
    # deploys each targeted instance at once, even when it did not change (stricter).
    if ctx.source_deploys and updates.get("source"):
        for instance in targets:
            deploy(state, instance, "source_change")
    return True


def _check_settings(updates: dict[str, Any]) -> None:
    for attribute in (
        "num_replicas",
        "restart_policy_max_retries",
        "healthcheck_timeout",
        "draining_seconds",
        "overlap_seconds",
    ):
        value = updates.get(attribute)
        if value is not None and value < 0:
            raise RailwayError(f"{attribute} must not be negative")
    if updates.get("multi_region_config") is not None:
        updates["multi_region_config"] = check_multi_region_config(updates["multi_region_config"])
    if updates.get("region") is not None:
        # The legacy top-level region (alchemy issue 1748) is held to the same known regions (stricter).
        check_region(updates["region"])


@mutation("serviceInstanceLimitsUpdate")
def service_instance_limits_update(ctx: Context, input: dict[str, Any]) -> bool:
    state = ctx.state
    instance = state.instance(input["serviceId"], input["environmentId"])
    override = dict(instance.limit_override)
    for key in ("vCPUs", "memoryGB"):
        if key not in input:
            continue
        value = input[key]
        if value is None:
            override.pop(key, None)
        else:
            override[key] = check_limit(state, key, value)
    proposed = copy.copy(instance)
    proposed.limit_override = override
    check_capacity(state, proposed)
    instance.limit_override = override
    instance.updated_at = state.now_iso()
    return True


def check_limit(state: State, key: str, value: Any) -> float:
    """One per-replica limit (vCPUs or memoryGB): > 0 and within the plan's maximum."""
    maximum = state.plan.limits[key]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0 or value > maximum:
        raise RailwayError(f"{key} must be greater than 0 and at most {maximum:g} on the {state.plan.name} plan")
    return float(value)


@query("serviceInstanceLimits")
def service_instance_limits(ctx: Context, environment_id: str, service_id: str) -> dict[str, float]:
    # Without an override an instance may use up to the plan's per-service maxima (docs
    # content/docs/pricing/plans.md "Default plan resources").
    instance = ctx.state.instance(service_id, environment_id)
    return {**ctx.state.plan.limits, **instance.limit_override}


@query("serviceInstanceLimitOverride")
def service_instance_limit_override(ctx: Context, environment_id: str, service_id: str) -> dict[str, float] | None:
    instance = ctx.state.instance(service_id, environment_id)
    return dict(instance.limit_override) or None


@field("ServiceInstance", "numReplicas")
def instance_num_replicas(ctx: Context, parent: ServiceInstance) -> int:
    """The effective replica total, the mirror of `multiRegionConfig` (docs/railway-api.md, "Replicas and regions")."""
    return ctx.state.replicas(parent)


@field("ServiceInstance", "region")
def instance_region(ctx: Context, parent: ServiceInstance) -> str:
    """The first region of the effective placement (the legacy field: alchemy issue 1748)."""
    return next(iter(ctx.state.placement(parent)), DEFAULT_REGION)


@field("ServiceInstance", "service")
def instance_service(ctx: Context, parent: ServiceInstance) -> Service:
    return ctx.state.service(parent.service_id)


@field("ServiceInstance", "serviceName")
def instance_service_name(ctx: Context, parent: ServiceInstance) -> str:
    return ctx.state.service(parent.service_id).name
