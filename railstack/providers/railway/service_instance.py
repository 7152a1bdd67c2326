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

import hashlib
import json
from typing import Any

from railstack.providers.railway._base import (
    CreateResult,
    DictProvider,
    ReadResult,
    UpdateResult,
    Where,
)
from railstack.providers.railway.schema import Prop, camel, list_of, map_of

#: The settings' schema types and words (each is changed in place).
_SETTING_PROPS: dict[str, Prop] = {
    "start_command": Prop("string", "The command the service starts with (Railway's startCommand)."),
    "pre_deploy_command": Prop("string", "A command run before each deployment goes live (migrations)."),
    "root_directory": Prop("string", "Directory of a repo source the build starts in."),
    "dockerfile_path": Prop("string", "Path of the Dockerfile of a repo source."),
    "builder": Prop("string", "RAILPACK, NIXPACKS or DOCKERFILE; unset: Railway's default."),
    "build_command": Prop("string", "The build command of a repo source."),
    "healthcheck_path": Prop("string", "HTTP path Railway probes before a deployment goes live."),
    "healthcheck_timeout": Prop("integer", "Seconds the healthcheck may take to pass."),
    "num_replicas": Prop("integer", "Replicas in `region` (written as multiRegionConfig)."),
    "region": Prop("string", "Region of the replicas (default us-west2)."),
    "restart_policy_type": Prop("string", "ON_FAILURE (Railway's default), ALWAYS or NEVER."),
    "restart_policy_max_retries": Prop("integer", "Restarts tried with ON_FAILURE."),
    "cron_schedule": Prop("string", "A cron schedule: the service runs as a cron job."),
    "sleep_application": Prop("boolean", "Let Railway sleep the service when idle."),
    "draining_seconds": Prop("integer", "Seconds an old deployment gets to finish after SIGTERM."),
    "overlap_seconds": Prop("integer", "Seconds old and new deployments run together."),
    "watch_patterns": Prop(list_of("string"), "Paths whose changes trigger a build of a repo source."),
}


#: Settings: provider input name -> Railway's ServiceInstanceUpdateInput field (the same name in camelCase).
SETTINGS: dict[str, str] = {key: camel(key) for key in _SETTING_PROPS if key not in ("num_replicas", "region")}
#: Placement: written together as multiRegionConfig.
PLACEMENT_KEYS = ("num_replicas", "region")
#: Where Railway places a service that names no region (Railway docs deployments/regions.md).
DEFAULT_REGION = "us-west2"

#: What Railway reports for a setting nobody set. Folding these into "unset" keeps a clean `up`
#: followed by an empty preview, whatever Railway fills in.
PLATFORM_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "restart_policy_type": ("ON_FAILURE",),
    "restart_policy_max_retries": (10,),
    "sleep_application": (False,),
    "watch_patterns": ([],),
    # Railway picks its current default builder for a service that names none.
    "builder": ("RAILPACK", "NIXPACKS"),
}


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
        return " && ".join(str(v) for v in value)
    return str(value)


class ServiceInstanceProvider(DictProvider):
    TYPE = "ServiceInstance"
    DESCRIPTION = (
        "A service's deploy settings in one environment (no source, never a deployment by itself). Every "
        "setting it lists is owned: one left unset is Railway's default."
    )
    IMPORT_ID = "<serviceId>:<environmentId>"
    INPUTS = {
        "service_id": Prop("string", "The service.", required=True, change="replace"),
        "environment_id": Prop("string", "The environment.", required=True, change="replace"),
        "project_id": Prop("string", "The project (recorded, never compared)."),
        "registry_credentials": Prop(
            map_of("string"),
            "Credentials of a private image registry ({username, password}).",
            secret=True,
            change="update",
        ),
        **{key: Prop(p.type, p.description, change="update") for key, p in _SETTING_PROPS.items()},
    }
    OUTPUTS = {
        "service_instance_id": Prop("string", "Railway's id of the service instance.", required=True),
        "revision": Prop("string", "A digest of every setting, for deployment triggers.", derived=True, required=True),
    }

    def import_props(self, import_id: str) -> tuple[str, dict[str, Any]]:
        service_id, environment_id = self.split_id(import_id, 2)
        return import_id, {"service_id": service_id, "environment_id": environment_id}

    def normalize(self, key: str, value: Any) -> Any:
        if key == "pre_deploy_command":
            return _pre_deploy_as_text(value)
        if key == "num_replicas":
            return 1 if value is None else int(value)
        if key == "region":
            return value or DEFAULT_REGION
        if key in PLATFORM_DEFAULTS and value in PLATFORM_DEFAULTS[key]:
            return None
        if value in ("", [], {}):
            return None
        return value

    def _apply(self, props: dict[str, Any]) -> None:
        # Sent as the program wrote them (an explicit default stays explicit); unset settings as null.
        settings = {field: props.get(key) for key, field in SETTINGS.items()}
        pre_deploy = _pre_deploy_as_text(props.get("pre_deploy_command"))
        settings["preDeployCommand"] = [pre_deploy] if pre_deploy else None
        settings["multiRegionConfig"] = placement(props)
        if props.get("registry_credentials"):
            settings["registryCredentials"] = props["registry_credentials"]
        self.write(
            "ServiceInstanceUpdate",
            {"serviceId": props["service_id"], "environmentId": props["environment_id"], "input": settings},
        )

    def _outs(self, props: dict[str, Any], instance_id: str) -> dict[str, Any]:
        """Outputs, with `revision`: a digest of every setting, for deployment triggers."""
        managed = {key: self.normalize(key, props.get(key)) for key in sorted(self.UPDATE_ON)}
        digest = hashlib.sha256(json.dumps(managed, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return self.outputs(props, service_instance_id=instance_id, revision=digest)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._apply(props)
        instance = self.client.execute(
            "ServiceInstance", {"environmentId": props["environment_id"], "serviceId": props["service_id"]}
        )["serviceInstance"]
        return CreateResult(id_=instance["id"], outs=self._outs(props, instance["id"]))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._apply(news)
        return UpdateResult(outs=self._outs(news, id_))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        ids = {"environmentId": props["environment_id"], "serviceId": props["service_id"]}
        data = self.read_or_gone("ServiceInstance", ids, Where.of(props))
        instance = (data or {}).get("serviceInstance")
        if instance is None or instance.get("deletedAt"):
            return ReadResult(None, {})
        remote: dict[str, Any] = {key: instance.get(field) for key, field in SETTINGS.items() if field in instance}
        # Placement as the latest deployment ran it; before any deployment, as the program wrote it.
        manifest = ((instance.get("latestDeployment") or {}).get("meta") or {}).get("serviceManifest") or {}
        regions = (manifest.get("deploy") or {}).get("multiRegionConfig")
        if isinstance(regions, dict) and regions:
            placed = {r: (c or {}).get("numReplicas") for r, c in regions.items() if (c or {}).get("numReplicas")}
            if len(placed) == 1:
                remote["region"], remote["num_replicas"] = next(iter(placed.items()))
            else:
                remote["region"] = sorted(placed)  # more than one region: never what railstack wrote

        current = dict(props)
        for key, value in remote.items():
            # Keep the program's spelling when Railway's value means the same, so no diff appears.
            if self.normalize(key, value) != self.normalize(key, props.get(key)):
                current[key] = value
        return ReadResult(instance["id"], self._outs(current, instance["id"]))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # A service instance has no life of its own: it goes with its service or environment.
        return None


def placement(props: dict[str, Any]) -> dict[str, dict[str, int]]:
    """`multiRegionConfig`: every replica in one region."""
    replicas = props.get("num_replicas")
    return {props.get("region") or DEFAULT_REGION: {"numReplicas": 1 if replicas is None else int(replicas)}}
