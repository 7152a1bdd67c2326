"""Railway volume: persistent storage mounted into one service instance, with backup schedules.

Railway has no volume(id) query: volumes are read through their project. A service has at most
one volume, so an existing volume attached to the service in the environment is the one a retried
create made.
"""

from __future__ import annotations

from typing import Any

from railstack.providers.railway._base import (
    CreateResult,
    DictProvider,
    DiffResult,
    ReadResult,
    UpdateResult,
    Where,
    edges,
)
from railstack.providers.railway.schema import Prop, list_of

BACKUP_KINDS = ("DAILY", "WEEKLY", "MONTHLY")


class VolumeProvider(DictProvider):
    TYPE = "Volume"
    DESCRIPTION = (
        "A volume mounted at `mountPath` in one service instance, with backup schedules. Create it before "
        "the service's first deployment."
    )
    IMPORT_ID = "<environmentId>:<volumeId>"
    INPUTS = {
        "project_id": Prop("string", "The project.", required=True, change="replace"),
        "environment_id": Prop("string", "The environment.", required=True, change="replace"),
        "service_id": Prop("string", "The service the volume is mounted in.", required=True, change="replace"),
        "mount_path": Prop("string", "Where the volume is mounted.", required=True, change="update"),
        "name": Prop("string", "The volume's name; unset: the name Railway gave it.", change="update"),
        "backup_schedules": Prop(list_of("string"), "Any of DAILY, WEEKLY, MONTHLY.", change="update"),
    }
    OUTPUTS = {"volume_instance_id": Prop("string", "The volume's instance in the environment.", required=True)}

    def check(self, news: dict[str, Any]) -> list[tuple[str, str]]:
        failures = super().check(news)
        schedules = news.get("backup_schedules")
        if isinstance(schedules, list):
            unknown = sorted({s for s in schedules if isinstance(s, str)} - set(BACKUP_KINDS))
            if unknown:
                failures.append(("backup_schedules", f"{unknown} not allowed: use {list(BACKUP_KINDS)}"))
        return failures

    def import_props(self, import_id: str) -> tuple[str, dict[str, Any]]:
        environment_id, volume_id = self.split_id(import_id, 2)
        return volume_id, {"project_id": self.project_of(environment_id), "environment_id": environment_id}

    def normalize(self, key: str, value: Any) -> Any:
        if key == "backup_schedules":
            return sorted(set(value or []))
        return value

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Without a name in the program, Railway's generated name is kept: not a change.
        if news.get("name") is None:
            news = {**news, "name": olds.get("name")}
        return super().diff(id_, olds, news)

    def _volumes(self, project_id: str) -> list[dict[str, Any]] | None:
        data = self.read_or_gone("ProjectVolumes", {"projectId": project_id}, Where(project_id=project_id))
        if data is None or data.get("project") is None:
            return None
        return edges(data["project"]["volumes"])

    @staticmethod
    def _instance(volume: dict[str, Any], environment_id: str) -> dict[str, Any] | None:
        return next((i for i in edges(volume.get("volumeInstances")) if i["environmentId"] == environment_id), None)

    def _find(self, props: dict[str, Any]) -> dict[str, Any] | None:
        for volume in self._volumes(props["project_id"]) or []:
            instance = self._instance(volume, props["environment_id"])
            if instance and instance.get("serviceId") == props["service_id"]:
                return volume
        return None

    def _set_backups(self, instance_id: str, kinds: list[str]) -> None:
        self.write("VolumeBackupScheduleUpdate", {"volumeInstanceId": instance_id, "kinds": kinds})

    def create(self, props: dict[str, Any]) -> CreateResult:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "VolumeCreate",
                {
                    "input": {
                        "projectId": props["project_id"],
                        "environmentId": props["environment_id"],
                        "serviceId": props["service_id"],
                        "mountPath": props["mount_path"],
                    }
                },
            )["volumeCreate"]

        volume = self.create_once(create, lambda: self._find(props))
        instance = self._instance(volume, props["environment_id"])
        if instance is None:
            raise RuntimeError(f"Railway created volume {volume['id']} without an instance in the environment")
        if props.get("name") and props["name"] != volume["name"]:
            self.write("VolumeUpdate", {"volumeId": volume["id"], "input": {"name": props["name"]}})
        kinds = self.normalize("backup_schedules", props.get("backup_schedules"))
        if kinds:
            self._set_backups(instance["id"], kinds)
        return CreateResult(
            id_=volume["id"],
            outs=self.outputs(props, name=props.get("name") or volume["name"], volume_instance_id=instance["id"]),
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        if news.get("mount_path") != olds.get("mount_path"):
            self.write(
                "VolumeInstanceUpdate",
                {"volumeId": id_, "environmentId": news["environment_id"], "input": {"mountPath": news["mount_path"]}},
            )
        if news.get("name") and news["name"] != olds.get("name"):
            self.write("VolumeUpdate", {"volumeId": id_, "input": {"name": news["name"]}})
        kinds = self.normalize("backup_schedules", news.get("backup_schedules"))
        if kinds != self.normalize("backup_schedules", olds.get("backup_schedules")):
            self._set_backups(olds["volume_instance_id"], kinds)
        return UpdateResult(
            outs=self.outputs(
                news, name=news.get("name") or olds.get("name"), volume_instance_id=olds["volume_instance_id"]
            )
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        volume = next((v for v in self._volumes(props["project_id"]) or [] if v["id"] == id_), None)
        instance = self._instance(volume, props["environment_id"]) if volume else None
        if volume is None or instance is None:
            return ReadResult(None, {})
        schedules = self.client.execute("VolumeBackupSchedules", {"volumeInstanceId": instance["id"]})
        kinds = sorted({s["kind"] for s in schedules["volumeInstanceBackupScheduleList"]})
        current = {
            **props,
            "mount_path": instance["mountPath"],
            "service_id": instance.get("serviceId"),
            "backup_schedules": kinds
            if kinds != self.normalize("backup_schedules", props.get("backup_schedules"))
            else props.get("backup_schedules"),
        }
        return ReadResult(id_, self.outputs(current, name=volume["name"], volume_instance_id=instance["id"]))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("VolumeDelete", {"volumeId": id_}, Where.of(props, object_id=id_))

    def confirmed_gone(self, where: Where) -> bool:
        # A volume deleted on its own (or with its service) is gone when its project lists it no more.
        if not where.object_id:
            return super().confirmed_gone(where)
        return self.missing_from(
            where,
            lambda: edges(
                (self.client.execute("ProjectVolumes", {"projectId": where.project_id}).get("project") or {}).get(
                    "volumes"
                )
            ),
        )
