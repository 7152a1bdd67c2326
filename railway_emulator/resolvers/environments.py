"""Environments: one set of service instances, variables and volume instances per project stage.

A new environment gets an instance of every existing service of its project. With
`sourceEnvironmentId` it starts as a copy of that environment (instance settings, shared and service
variables, limits, volume instances); without it, instances start from each service's source and
Railway's defaults. Unless `skipInitialDeploys`, every instance that has a source is deployed, as Railway
does. Names are unique within a project. A deleted environment answers "Not Authorized" (the schema's
`environment` is non-null, so the response's data is null).
"""

from __future__ import annotations

import copy
from typing import Any

from railway_emulator.errors import NOT_AUTHORIZED, NotImplementedByEmulator, RailwayError
from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import connection, require_name
from railway_emulator.resolvers.deployments import deploy
from railway_emulator.resolvers.services import create_instance
from railway_emulator.state import Environment, Project, State, VolumeInstance, new_id


def create_environment(
    state: State,
    project: Project,
    name: str,
    *,
    source: Environment | None = None,
    ephemeral: bool = False,
    skip_initial_deploys: bool = True,
) -> Environment:
    """A new environment of `project` with an instance of every service, optionally copied from `source`."""
    _check_unique_name(state, project.id, name)
    now = state.now_iso()
    environment = Environment(
        id=new_id(),
        project_id=project.id,
        name=name,
        created_at=now,
        updated_at=now,
        is_ephemeral=ephemeral,
        source_environment_id=source.id if source else None,
    )
    state.environments[environment.id] = environment
    state.shared_variables[environment.id] = {}
    for service in state.services_of(project.id):
        create_instance(state, service, environment.id)
    if source is not None:
        _copy_environment(state, source, environment)
    if not skip_initial_deploys:
        for instance in state.instances_in(environment.id):
            if instance.source:
                deploy(state, instance, "environment_create")
    return environment


def _copy_environment(state: State, source: Environment, target: Environment) -> None:
    """Give `target` the shared variables, instance settings and variables, and volumes of `source`."""
    state.shared_variables[target.id] = dict(state.shared_variables.get(source.id, {}))
    for instance in state.instances_in(target.id):
        original = state.instances.get((instance.service_id, source.id))
        if original is None:
            continue
        for setting in vars(original):
            if setting not in ("id", "environment_id", "created_at", "updated_at"):
                setattr(instance, setting, copy.deepcopy(getattr(original, setting)))
        variables = state.service_variables.get((instance.service_id, source.id), {})
        state.service_variables[(instance.service_id, target.id)] = dict(variables)
    for volume_instance in [vi for vi in state.volume_instances.values() if vi.environment_id == source.id]:
        copied = VolumeInstance(
            id=new_id(),
            volume_id=volume_instance.volume_id,
            environment_id=target.id,
            service_id=volume_instance.service_id,
            mount_path=volume_instance.mount_path,
            region=volume_instance.region,
            created_at=target.created_at,
            size_mb=volume_instance.size_mb,
        )
        state.volume_instances[copied.id] = copied


def _check_unique_name(state: State, project_id: str, name: str, keep: str | None = None) -> None:
    for other in state.environments_of(project_id):
        if other.name == name and other.id != keep:
            raise RailwayError(f'Environment with name "{name}" already exists in this project')


@query("environment")
def environment(ctx: Context, id: str, project_id: str | None = None) -> Environment:
    # With soft deletes a deleted environment stays readable here, `deletedAt` set (docs/railway-api.md, "Soft deletes").
    found = ctx.state.environment(id, deleted=True)
    if project_id is not None and found.project_id != project_id:
        raise RailwayError(NOT_AUTHORIZED)
    return found


@query("environments")
def environments(ctx: Context, project_id: str, is_ephemeral: bool | None = None, **paging: Any) -> dict[str, Any]:
    ctx.state.project(project_id)
    found = ctx.state.environments_of(project_id)
    if is_ephemeral is not None:
        found = [env for env in found if env.is_ephemeral == is_ephemeral]
    return connection(found, **paging)


@mutation("environmentCreate")
def environment_create(ctx: Context, input: dict[str, Any]) -> Environment:
    state = ctx.state
    project = state.project(input["projectId"])
    source_id = input.get("sourceEnvironmentId")
    if source_id == "":
        # Railway rejects an empty id rather than treating it as "no source"; clients must omit it.
        raise RailwayError("sourceEnvironmentId must be a valid environment id or omitted")
    source = state.environment_of_project(source_id, project.id) if source_id is not None else None
    if input.get("stageInitialChanges"):
        raise NotImplementedByEmulator("environmentCreate input.stageInitialChanges")
    return create_environment(
        state,
        project,
        require_name(input["name"], "Environment"),
        source=source,
        ephemeral=bool(input.get("ephemeral") or False),
        skip_initial_deploys=bool(input.get("skipInitialDeploys") or False),
    )


@mutation("environmentRename")
def environment_rename(ctx: Context, id: str, input: dict[str, Any]) -> Environment:
    state = ctx.state
    target = state.environment(id)
    name = require_name(input["name"], "Environment")
    _check_unique_name(state, target.project_id, name, keep=target.id)
    target.name = name
    target.updated_at = state.now_iso()
    return target


@mutation("environmentDelete")
def environment_delete(ctx: Context, id: str) -> bool:
    ctx.state.environment(id)
    ctx.state.delete_environment(id)
    return True


@field("Environment", "serviceInstances")
def environment_service_instances(ctx: Context, parent: Environment, **paging: Any) -> dict[str, Any]:
    ctx.state.environment(parent.id)  # a deleted environment's children answer "Not Authorized"
    return connection(ctx.state.instances_in(parent.id), **paging)


@field("Environment", "volumeInstances")
def environment_volume_instances(ctx: Context, parent: Environment, **paging: Any) -> dict[str, Any]:
    ctx.state.environment(parent.id)
    found = [vi for vi in ctx.state.volume_instances.values() if vi.environment_id == parent.id]
    return connection(found, **paging)


@field("Environment", "sourceEnvironment")
def environment_source(ctx: Context, parent: Environment) -> Environment | None:
    if parent.source_environment_id is None:
        return None
    return ctx.state.environments.get(parent.source_environment_id)
