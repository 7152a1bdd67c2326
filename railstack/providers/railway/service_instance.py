"""Railway service instance: a service's deploy settings in one environment.

Writing settings without a source never deploys on Railway; the source (which may deploy the moment
it is set: docs/railway-api.md, "Source may deploy (observed once)") and the CPU/memory limits are
written by the ServiceDeployment step, after the settings, the variables and the volume exist.
The resource owns every setting it lists: a setting left unset is sent as null, which is
Railway's default, so removing a setting from the program removes it from Railway.

Replicas are placed per region: `num_replicas` in `region` is written as `multiRegionConfig`
(`{"<region>": {"numReplicas": N}}`), never as the top-level `numReplicas`, which Railway treats as
a mirror and may drop (Terraform provider issue 77 / PR 79, which writes multiRegionConfig through
serviceInstanceUpdate and reads it back from the latest deployment's
`meta.serviceManifest.deploy.multiRegionConfig`, as Railway's CLI src/commands/scale.rs does).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from railstack.providers.railway._base import Created, Handler, Where, dig
from railstack.providers.railway.schema import Props, State, camel, prop

#: Where Railway places a service that names no region (Railway docs deployments/regions.md).
DEFAULT_REGION = "us-west2"


def _unset(value: Any) -> Any:
    """An empty setting compares as an unset one."""
    return None if value in ("", [], {}) else value


def _unset_or(*platform_defaults: Any) -> Callable[[Any], Any]:
    """What Railway reports for a setting nobody set compares as unset too. Folding these into
    "unset" keeps a clean `up` followed by an empty preview, whatever Railway fills in."""

    def compare(value: Any) -> Any:
        return None if value in platform_defaults else _unset(value)

    return compare


def _pre_deploy_as_text(value: Any) -> str | None:
    """Railway takes preDeployCommand as a one-element list and reads it back as JSON."""
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.startswith("[") else value
        except ValueError:
            return value
    if isinstance(value, list):
        return " && ".join(str(v) for v in cast(list[Any], value))
    return str(value)


def _replicas(value: Any) -> int:
    return 1 if value is None else int(value)


def _region(value: Any) -> Any:
    return value or DEFAULT_REGION


class InstanceSettings(Props):
    """The deploy settings of a service instance, each changed in place and owned: one left unset is
    written as null, Railway's default."""

    start_command: str | None = prop(
        "The command the service starts with (Railway's startCommand).",
        change="update",
        compare_as=_unset,
        default=None,
    )
    pre_deploy_command: str | None = prop(
        "A command run before each deployment goes live (migrations).",
        change="update",
        compare_as=_pre_deploy_as_text,
        default=None,
    )
    root_directory: str | None = prop(
        "Directory of a repo source the build starts in.", change="update", compare_as=_unset, default=None
    )
    dockerfile_path: str | None = prop(
        "Path of the Dockerfile of a repo source.", change="update", compare_as=_unset, default=None
    )
    builder: str | None = prop(
        "RAILPACK, NIXPACKS or DOCKERFILE; unset: Railway's default.",
        change="update",
        # Railway picks its current default builder for a service that names none.
        compare_as=_unset_or("RAILPACK", "NIXPACKS"),
        default=None,
    )
    build_command: str | None = prop(
        "The build command of a repo source.", change="update", compare_as=_unset, default=None
    )
    healthcheck_path: str | None = prop(
        "HTTP path Railway probes before a deployment goes live.", change="update", compare_as=_unset, default=None
    )
    healthcheck_timeout: int | None = prop(
        "Seconds the healthcheck may take to pass.", change="update", compare_as=_unset, default=None
    )
    num_replicas: int | None = prop(
        "Replicas in `region` (written as multiRegionConfig).", change="update", compare_as=_replicas, default=None
    )
    region: str | None = prop(
        "Region of the replicas (default us-west2).", change="update", compare_as=_region, default=None
    )
    restart_policy_type: str | None = prop(
        "ON_FAILURE (Railway's default), ALWAYS or NEVER.",
        change="update",
        compare_as=_unset_or("ON_FAILURE"),
        default=None,
    )
    restart_policy_max_retries: int | None = prop(
        "Restarts tried with ON_FAILURE.", change="update", compare_as=_unset_or(10), default=None
    )
    cron_schedule: str | None = prop(
        "A cron schedule: the service runs as a cron job.", change="update", compare_as=_unset, default=None
    )
    sleep_application: bool | None = prop(
        "Let Railway sleep the service when idle.", change="update", compare_as=_unset_or(False), default=None
    )
    draining_seconds: int | None = prop(
        "Seconds an old deployment gets to finish after SIGTERM.", change="update", compare_as=_unset, default=None
    )
    overlap_seconds: int | None = prop(
        "Seconds old and new deployments run together.", change="update", compare_as=_unset, default=None
    )
    watch_patterns: list[str] | None = prop(
        "Paths whose changes trigger a build of a repo source.",
        change="update",
        compare_as=_unset_or([]),
        default=None,
    )


#: Placement: written together as multiRegionConfig.
PLACEMENT_KEYS = ("num_replicas", "region")
#: Settings: provider input name -> Railway's ServiceInstanceUpdateInput field (the same name in camelCase).
SETTINGS: dict[str, str] = {
    f.name: camel(f.name) for f in dataclasses.fields(InstanceSettings) if f.name not in PLACEMENT_KEYS
}


class ServiceInstanceArgs(InstanceSettings):
    service_id: str = prop("The service.", change="replace", compare_as=_unset)
    environment_id: str = prop("The environment.", change="replace", compare_as=_unset)
    project_id: str | None = prop("The project (recorded, never compared).", default=None)
    registry_credentials: dict[str, str] | None = prop(
        "Credentials of a private image registry ({username, password}).",
        secret=True,
        change="update",
        compare_as=_unset,
        default=None,
    )


class ServiceInstanceState(State[ServiceInstanceArgs]):
    service_instance_id: str = prop("Railway's id of the service instance.")
    revision: str = prop("A digest of every setting, for deployment triggers.", derived=True)


class ServiceInstanceProvider(Handler[ServiceInstanceArgs, ServiceInstanceState]):
    TYPE = "ServiceInstance"
    DESCRIPTION = (
        "A service's deploy settings in one environment (no source, never a deployment by itself). Every "
        "setting it lists is owned: one left unset is Railway's default."
    )
    IMPORT_ID = "<serviceId>:<environmentId>"
    STATE = ServiceInstanceState

    def import_state(self, import_id: str) -> tuple[str, ServiceInstanceState]:
        service_id, environment_id = self.split_id(import_id, 2)
        blank = self.blank()
        return import_id, replace(blank, args=replace(blank.args, service_id=service_id, environment_id=environment_id))

    def read_id(self, id_: str, state: ServiceInstanceState) -> str:
        # Imported by <serviceId>:<environmentId>; Railway's id of the instance from then on.
        return state.service_instance_id

    def _apply(self, args: ServiceInstanceArgs) -> None:
        # Sent as the program wrote them (an explicit default stays explicit); unset settings as null.
        settings = {field: getattr(args, key) for key, field in SETTINGS.items()}
        pre_deploy = _pre_deploy_as_text(args.pre_deploy_command)
        settings["preDeployCommand"] = [pre_deploy] if pre_deploy else None
        settings["multiRegionConfig"] = placement(args)
        if args.registry_credentials:
            settings["registryCredentials"] = args.registry_credentials
        self.write(
            "ServiceInstanceUpdate",
            {"serviceId": args.service_id, "environmentId": args.environment_id, "input": settings},
        )

    def _state(self, args: ServiceInstanceArgs, instance_id: str) -> ServiceInstanceState:
        """The state, with `revision`: a digest of every setting, for deployment triggers."""
        managed = {key: args.compared(key) for key in sorted(self.UPDATE_ON)}
        digest = hashlib.sha256(json.dumps(managed, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return ServiceInstanceState(args=args, service_instance_id=instance_id, revision=digest)

    def create(self, args: ServiceInstanceArgs) -> Created[ServiceInstanceState]:
        self._apply(args)
        instance = self.client.execute(
            "ServiceInstance", {"environmentId": args.environment_id, "serviceId": args.service_id}
        )["serviceInstance"]
        return Created(instance["id"], self._state(args, instance["id"]))

    def update(self, id_: str, olds: ServiceInstanceState, news: ServiceInstanceArgs) -> ServiceInstanceState:
        self._apply(news)
        return self._state(news, id_)

    def read(self, id_: str, state: ServiceInstanceState) -> ServiceInstanceState | None:
        args = state.args
        ids = {"environmentId": args.environment_id, "serviceId": args.service_id}
        where = Where(project_id=args.project_id, environment_id=args.environment_id, service_id=args.service_id)
        data = self.read_or_gone("ServiceInstance", ids, where)
        instance = (data or {}).get("serviceInstance")
        if instance is None or instance.get("deletedAt"):
            return None
        remote: dict[str, Any] = {key: instance.get(field) for key, field in SETTINGS.items() if field in instance}
        # Placement as the latest deployment ran it; before any deployment, as the program wrote it.
        regions = dig(instance, "latestDeployment", "meta", "serviceManifest", "deploy", "multiRegionConfig")
        if isinstance(regions, dict) and regions:
            configs = cast(dict[str, dict[str, Any] | None], regions)
            placed = {r: (c or {}).get("numReplicas") for r, c in configs.items() if (c or {}).get("numReplicas")}
            if len(placed) == 1:
                remote["region"], remote["num_replicas"] = next(iter(placed.items()))
            else:
                remote["region"] = sorted(placed)  # more than one region: never what railstack wrote

        # Keep the program's spelling when Railway's value means the same, so no diff appears.
        changed = {key: value for key, value in remote.items() if args.compare(key, value) != args.compared(key)}
        return self._state(replace(args, **changed), instance["id"])

    def delete(self, id_: str, state: ServiceInstanceState) -> None:
        # A service instance has no life of its own: it goes with its service or environment.
        return None


def placement(args: InstanceSettings) -> dict[str, dict[str, int]]:
    """`multiRegionConfig`: every replica in one region."""
    return {args.region or DEFAULT_REGION: {"numReplicas": _replicas(args.num_replicas)}}
