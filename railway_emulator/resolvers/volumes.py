"""Volumes and their per-environment instances, including backup schedules.

Railway has no `volume(id)` query: a volume is read through `project { volumes }` or
`volumeInstance(id)`. A service holds at most one volume, and a service with a volume cannot run more
than one replica. `volumeCreate`'s `environmentId` follows the schema's three cases: omitted puts an
instance in every environment, null in none, an id in that environment only.
"""

from __future__ import annotations

import uuid
from typing import Any

from railway_emulator.errors import NOT_AUTHORIZED, RailwayError
from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import connection, dns_label, generated_name, require_name
from railway_emulator.resolvers.services import replicas_of
from railway_emulator.state import DEFAULT_REGION, Environment, Project, Service, State, Volume, VolumeInstance, new_id

BACKUP_SCHEDULES: dict[str, dict[str, Any]] = {
    "DAILY": {"name": "Daily", "cron": "0 0 * * *", "retentionSeconds": 6 * 24 * 3600},
    "WEEKLY": {"name": "Weekly", "cron": "0 0 * * 0", "retentionSeconds": 30 * 24 * 3600},
    "MONTHLY": {"name": "Monthly", "cron": "0 0 1 * *", "retentionSeconds": 90 * 24 * 3600},
}
"""What each backup kind reads back as (Railway keeps daily backups 6 days, weekly a month, monthly 3)."""


def _check_mount_path(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise RailwayError("mountPath must be an absolute path")
    return path


def _check_attachable(
    state: State, service_id: str, environment_ids: list[str], keep_volume: str | None = None
) -> None:
    for other in state.volume_instances.values():
        if other.service_id == service_id and other.volume_id != keep_volume:
            raise RailwayError("This service already has a volume: a service can have only one")
    for environment_id in environment_ids:
        instance = state.instances.get((service_id, environment_id))
        if instance is not None and replicas_of(state, instance) > 1:
            raise RailwayError("A service with more than one replica cannot have a volume")


@mutation("volumeCreate")
def volume_create(ctx: Context, input: dict[str, Any]) -> Volume:
    state = ctx.state
    project = state.project(input["projectId"])
    mount_path = _check_mount_path(input["mountPath"])
    # docs content/docs/volumes/reference.md "Volume limits per project": Free 1, Hobby 10, Pro 20
    # (each volume counts once, however many environments it has instances in).
    allowed = state.plan.volumes_per_project
    if len(state.volumes_of(project.id)) >= allowed:
        raise RailwayError(
            f"The {state.plan.name} plan allows at most {allowed} volume{'s' if allowed != 1 else ''} per project"
        )
    if "environmentId" not in input:
        environment_ids = [env.id for env in state.environments_of(project.id)]
    elif input["environmentId"] is None:
        environment_ids = []
    else:
        environment_ids = [state.environment_of_project(input["environmentId"], project.id).id]
    service_id = input.get("serviceId")
    service = state.service_of_project(service_id, project.id) if service_id is not None else None
    if service_id is not None:
        _check_attachable(state, service_id, environment_ids)
    now = state.now_iso()
    volume = Volume(
        id=new_id(),
        project_id=project.id,
        name=f"{dns_label(service.name)}-volume" if service else f"{generated_name()}-volume",
        created_at=now,
    )
    state.volumes[volume.id] = volume
    for environment_id in environment_ids:
        instance = VolumeInstance(
            id=new_id(),
            volume_id=volume.id,
            environment_id=environment_id,
            service_id=service_id,
            mount_path=mount_path,
            region=input.get("region") or DEFAULT_REGION,
            created_at=now,
        )
        state.volume_instances[instance.id] = instance
    return volume


@mutation("volumeUpdate")
def volume_update(ctx: Context, volume_id: str, input: dict[str, Any]) -> Volume:
    volume = ctx.state.volume(volume_id)
    if input.get("name") is not None:
        volume.name = require_name(input["name"], "Volume")
    return volume


@mutation("volumeInstanceUpdate")
def volume_instance_update(
    ctx: Context, volume_id: str, input: dict[str, Any], environment_id: str | None = None
) -> bool:
    state = ctx.state
    state.volume(volume_id)
    targets = state.volume_instances_of(volume_id)
    if environment_id is not None:
        targets = [vi for vi in targets if vi.environment_id == environment_id]
        if not targets:
            raise RailwayError("This volume has no instance in that environment")
    mount_path = _check_mount_path(input["mountPath"]) if input.get("mountPath") is not None else None
    service_id = input.get("serviceId")
    if service_id is not None:
        state.service_of_project(service_id, state.volumes[volume_id].project_id)
        _check_attachable(state, service_id, [vi.environment_id for vi in targets], keep_volume=volume_id)
    for instance in targets:
        if mount_path is not None:
            instance.mount_path = mount_path
        if service_id is not None:
            instance.service_id = service_id
        if input.get("state") is not None:
            instance.state = input["state"]
    return True


@mutation("volumeDelete")
def volume_delete(ctx: Context, volume_id: str) -> bool:
    ctx.state.volume(volume_id)
    ctx.state.delete_volume(volume_id)
    return True


@query("volumeInstance")
def volume_instance(ctx: Context, id: str) -> VolumeInstance:
    return ctx.state.volume_instance(id)


@mutation("volumeInstanceBackupScheduleUpdate")
def volume_instance_backup_schedule_update(ctx: Context, kinds: list[str], volume_instance_id: str) -> bool:
    instance = ctx.state.volume_instance(volume_instance_id)
    if not ctx.state.plan.backups:
        # docs/railway-api.md, "Plans": Hobby refuses backup schedules with "Not Authorized" (observed
        # once); Free is refused too (stricter).
        raise RailwayError(NOT_AUTHORIZED)
    instance.backup_schedules = sorted(set(kinds), key=list(BACKUP_SCHEDULES).index)
    return True


@query("volumeInstanceBackupScheduleList")
def volume_instance_backup_schedule_list(ctx: Context, volume_instance_id: str) -> list[dict[str, Any]]:
    instance = ctx.state.volume_instance(volume_instance_id)
    return [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"railway-emulator:{instance.id}:{kind}")),
            "kind": kind,
            "createdAt": instance.created_at,
            **BACKUP_SCHEDULES[kind],
        }
        for kind in instance.backup_schedules
    ]


@query("volumeInstanceBackupList")
def volume_instance_backup_list(ctx: Context, volume_instance_id: str) -> list[Any]:
    ctx.state.volume_instance(volume_instance_id)
    return []


@field("Volume", "volumeInstances")
def volume_instances(ctx: Context, parent: Volume, **paging: Any) -> dict[str, Any]:
    return connection(ctx.state.volume_instances_of(parent.id), **paging)


@field("Volume", "project")
def volume_project(ctx: Context, parent: Volume) -> Project:
    return ctx.state.project(parent.project_id)


@field("VolumeInstance", "volume")
def volume_instance_volume(ctx: Context, parent: VolumeInstance) -> Volume:
    return ctx.state.volume(parent.volume_id)


@field("VolumeInstance", "service")
def volume_instance_service(ctx: Context, parent: VolumeInstance) -> Service:
    if parent.service_id is None:
        raise RailwayError("This volume instance is not attached to a service")
    return ctx.state.service(parent.service_id)


@field("VolumeInstance", "environment")
def volume_instance_environment(ctx: Context, parent: VolumeInstance) -> Environment:
    return ctx.state.environment(parent.environment_id)
