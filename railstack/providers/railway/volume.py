"""Railway volume: persistent storage mounted into one service instance, with backup schedules.

Railway has no volume(id) query: volumes are read through their project. A service has at most
one volume, so an existing volume attached to the service in the environment is the one a retried
create made.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from railstack.providers.railway._base import Created, DiffResult, Handler, Where, edges
from railstack.providers.railway.schema import Props, State, prop

BACKUP_KINDS = ("DAILY", "WEEKLY", "MONTHLY")


def schedule_kinds(schedules: list[str] | None) -> list[str]:
    """Backup schedules as they compare: a set of kinds."""
    return sorted(set(schedules or []))


class VolumeArgs(Props):
    project_id: str = prop("The project.", change="replace")
    environment_id: str = prop("The environment.", change="replace")
    service_id: str = prop("The service the volume is mounted in.", change="replace")
    mount_path: str = prop("Where the volume is mounted.", change="update")
    name: str | None = prop("The volume's name; unset: the name Railway gave it.", change="update", default=None)
    backup_schedules: list[str] | None = prop(
        "Any of DAILY, WEEKLY, MONTHLY.", change="update", compare_as=schedule_kinds, default=None
    )


class VolumeState(State[VolumeArgs]):
    volume_instance_id: str = prop("The volume's instance in the environment.")


class VolumeProvider(Handler[VolumeArgs, VolumeState]):
    TYPE = "Volume"
    DESCRIPTION = (
        "A volume mounted at `mountPath` in one service instance, with backup schedules. Create it before "
        "the service's first deployment."
    )
    IMPORT_ID = "<environmentId>:<volumeId>"
    STATE = VolumeState

    def check(self, news: VolumeArgs) -> list[tuple[str, str]]:
        failures = super().check(news)
        # The list may hold unknowns in a preview (or be one): only the kinds known now are checked.
        schedules: object = news.backup_schedules
        if isinstance(schedules, list):
            given = cast(list[object], schedules)
            unknown = sorted({s for s in given if isinstance(s, str)} - set(BACKUP_KINDS))
            if unknown:
                failures.append(("backup_schedules", f"{unknown} not allowed: use {list(BACKUP_KINDS)}"))
        return failures

    def import_state(self, import_id: str) -> tuple[str, VolumeState]:
        environment_id, volume_id = self.split_id(import_id, 2)
        blank = self.blank()
        args = replace(blank.args, project_id=self.project_of(environment_id), environment_id=environment_id)
        return volume_id, replace(blank, args=args)

    def diff(self, id_: str, olds: VolumeState, news: VolumeArgs) -> DiffResult:
        # Without a name in the program, Railway's generated name is kept: not a change.
        if news.name is None:
            news = replace(news, name=olds.args.name)
        return super().diff(id_, olds, news)

    def _volumes(self, project_id: str) -> list[dict[str, Any]] | None:
        data = self.read_or_gone("ProjectVolumes", {"projectId": project_id}, Where(project_id=project_id))
        if data is None or data.get("project") is None:
            return None
        return edges(data["project"]["volumes"])

    @staticmethod
    def _instance(volume: dict[str, Any], environment_id: str) -> dict[str, Any] | None:
        return next((i for i in edges(volume.get("volumeInstances")) if i["environmentId"] == environment_id), None)

    def _find(self, args: VolumeArgs) -> dict[str, Any] | None:
        for volume in self._volumes(args.project_id) or []:
            instance = self._instance(volume, args.environment_id)
            if instance and instance.get("serviceId") == args.service_id:
                return volume
        return None

    def _set_backups(self, instance_id: str, kinds: list[str]) -> None:
        self.write("VolumeBackupScheduleUpdate", {"volumeInstanceId": instance_id, "kinds": kinds})

    def create(self, args: VolumeArgs) -> Created[VolumeState]:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "VolumeCreate",
                {
                    "input": {
                        "projectId": args.project_id,
                        "environmentId": args.environment_id,
                        "serviceId": args.service_id,
                        "mountPath": args.mount_path,
                    }
                },
            )["volumeCreate"]

        volume = self.create_once(create, lambda: self._find(args))
        instance = self._instance(volume, args.environment_id)
        if instance is None:
            raise RuntimeError(f"Railway created volume {volume['id']} without an instance in the environment")
        if args.name and args.name != volume["name"]:
            self.write("VolumeUpdate", {"volumeId": volume["id"], "input": {"name": args.name}})
        kinds = schedule_kinds(args.backup_schedules)
        if kinds:
            self._set_backups(instance["id"], kinds)
        state = VolumeState(args=replace(args, name=args.name or volume["name"]), volume_instance_id=instance["id"])
        return Created(volume["id"], state)

    def update(self, id_: str, olds: VolumeState, news: VolumeArgs) -> VolumeState:
        if news.mount_path != olds.args.mount_path:
            self.write(
                "VolumeInstanceUpdate",
                {"volumeId": id_, "environmentId": news.environment_id, "input": {"mountPath": news.mount_path}},
            )
        if news.name and news.name != olds.args.name:
            self.write("VolumeUpdate", {"volumeId": id_, "input": {"name": news.name}})
        kinds = schedule_kinds(news.backup_schedules)
        if kinds != schedule_kinds(olds.args.backup_schedules):
            self._set_backups(olds.volume_instance_id, kinds)
        return VolumeState(
            args=replace(news, name=news.name or olds.args.name), volume_instance_id=olds.volume_instance_id
        )

    def read(self, id_: str, state: VolumeState) -> VolumeState | None:
        volume = next((v for v in self._volumes(state.args.project_id) or [] if v["id"] == id_), None)
        instance = self._instance(volume, state.args.environment_id) if volume else None
        if volume is None or instance is None:
            return None
        schedules = self.client.execute("VolumeBackupSchedules", {"volumeInstanceId": instance["id"]})
        kinds = sorted({s["kind"] for s in schedules["volumeInstanceBackupScheduleList"]})
        given = state.args.backup_schedules
        current = replace(
            state.args,
            mount_path=instance["mountPath"],
            service_id=instance.get("serviceId"),
            # The program's spelling stays when it means the same kinds.
            backup_schedules=kinds if kinds != schedule_kinds(given) else given,
            name=volume["name"],
        )
        return VolumeState(args=current, volume_instance_id=instance["id"])

    def delete(self, id_: str, state: VolumeState) -> None:
        args = state.args
        where = Where(
            project_id=args.project_id, environment_id=args.environment_id, service_id=args.service_id, object_id=id_
        )
        self.delete_quietly("VolumeDelete", {"volumeId": id_}, where)

    def confirmed_gone(self, where: Where) -> bool:
        # A volume deleted on its own (or with its service) is gone when its project lists it no more.
        if not where.object_id:
            return super().confirmed_gone(where)

        def volumes() -> list[dict[str, Any]]:
            project: dict[str, Any] = (
                self.client.execute("ProjectVolumes", {"projectId": where.project_id}).get("project") or {}
            )
            return edges(project.get("volumes"))

        return self.missing_from(where, volumes)
