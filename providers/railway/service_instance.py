"""Railway service instance: a service's source, deploy settings and limits in one environment.

Writing settings never deploys on Railway (`serviceInstanceUpdate` only stages them); the
ServiceDeployment resource deploys once after all settings and variables are written.
The resource owns every setting it lists: a setting left unset is sent as null, which is
Railway's default, so removing a setting from the program removes it from Railway.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from providers.railway._base import RailwayResourceProvider

#: Settings: provider input name -> Railway's ServiceInstanceUpdateInput field.
SETTINGS: dict[str, str] = {
    "start_command": "startCommand",
    "pre_deploy_command": "preDeployCommand",
    "root_directory": "rootDirectory",
    "dockerfile_path": "dockerfilePath",
    "builder": "builder",
    "build_command": "buildCommand",
    "healthcheck_path": "healthcheckPath",
    "healthcheck_timeout": "healthcheckTimeout",
    "num_replicas": "numReplicas",
    "multi_region_config": "multiRegionConfig",
    "region": "region",
    "restart_policy_type": "restartPolicyType",
    "restart_policy_max_retries": "restartPolicyMaxRetries",
    "cron_schedule": "cronSchedule",
    "sleep_application": "sleepApplication",
    "draining_seconds": "drainingSeconds",
    "overlap_seconds": "overlapSeconds",
    "watch_patterns": "watchPatterns",
}
SOURCE_KEYS = ("source_image", "source_repo")
LIMIT_KEYS = {"vcpus": "vCPUs", "memory_gb": "memoryGB"}

#: What Railway reports for a setting nobody set. Folding these into "unset" keeps a clean `up`
#: followed by an empty preview, whatever Railway fills in.
PLATFORM_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "restart_policy_type": ("ON_FAILURE",),
    "restart_policy_max_retries": (10,),
    "num_replicas": (1,),
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


class ServiceInstanceProvider(RailwayResourceProvider):
    KIND = "railway:ServiceInstance"
    REPLACE_ON = frozenset({"service_id", "environment_id"})
    UPDATE_ON = frozenset({*SETTINGS, *SOURCE_KEYS, *LIMIT_KEYS, "registry_credentials"})

    def normalize(self, key: str, value: Any) -> Any:
        if key == "pre_deploy_command":
            return _pre_deploy_as_text(value)
        if key in LIMIT_KEYS and value is not None:
            return float(value)
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
        settings["source"] = {"image": props.get("source_image"), "repo": props.get("source_repo")}
        if props.get("registry_credentials"):
            settings["registryCredentials"] = props["registry_credentials"]
        self.write(
            "ServiceInstanceUpdate",
            {"serviceId": props["service_id"], "environmentId": props["environment_id"], "input": settings},
        )
        if any(props.get(k) is not None for k in LIMIT_KEYS):
            self.write(
                "ServiceInstanceLimitsUpdate",
                {
                    "input": {
                        "serviceId": props["service_id"],
                        "environmentId": props["environment_id"],
                        **{field: props.get(key) for key, field in LIMIT_KEYS.items()},
                    }
                },
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
        data = self.read_or_gone("ServiceInstance", ids)
        instance = (data or {}).get("serviceInstance")
        if instance is None:
            return ReadResult(None, {})
        remote: dict[str, Any] = {key: instance.get(field) for key, field in SETTINGS.items() if field in instance}
        meta = (instance.get("latestDeployment") or {}).get("meta") or {}
        if remote.get("num_replicas") is None and isinstance(meta, dict):
            remote["num_replicas"] = meta.get("numReplicas")
        source = instance.get("source") or {}
        remote["source_image"] = source.get("image")
        remote["source_repo"] = source.get("repo")
        limits = self.client.execute("ServiceInstanceLimitOverride", ids).get("serviceInstanceLimitOverride") or {}
        for key, field in LIMIT_KEYS.items():
            remote[key] = limits.get(field) if isinstance(limits, dict) else None

        current = dict(props)
        for key, value in remote.items():
            # Keep the program's spelling when Railway's value means the same, so no diff appears.
            if self.normalize(key, value) != self.normalize(key, props.get(key)):
                current[key] = value
        return ReadResult(instance["id"], self._outs(current, instance["id"]))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # A service instance has no life of its own: it goes with its service or environment.
        return None


class ServiceInstance(Resource):
    """A service's source, settings and limits in one environment (no deployment by itself)."""

    kind: pulumi.Output[str]
    service_instance_id: pulumi.Output[str]
    revision: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        service_id: pulumi.Input[str],
        environment_id: pulumi.Input[str],
        source_image: pulumi.Input[str] | None = None,
        source_repo: pulumi.Input[str] | None = None,
        registry_credentials: pulumi.Input[dict[str, str]] | None = None,
        start_command: pulumi.Input[str] | None = None,
        pre_deploy_command: pulumi.Input[str] | None = None,
        root_directory: pulumi.Input[str] | None = None,
        dockerfile_path: pulumi.Input[str] | None = None,
        builder: pulumi.Input[str] | None = None,
        build_command: pulumi.Input[str] | None = None,
        healthcheck_path: pulumi.Input[str] | None = None,
        healthcheck_timeout: pulumi.Input[int] | None = None,
        num_replicas: pulumi.Input[int] | None = None,
        multi_region_config: pulumi.Input[dict[str, Any]] | None = None,
        region: pulumi.Input[str] | None = None,
        restart_policy_type: pulumi.Input[str] | None = None,
        restart_policy_max_retries: pulumi.Input[int] | None = None,
        cron_schedule: pulumi.Input[str] | None = None,
        sleep_application: pulumi.Input[bool] | None = None,
        draining_seconds: pulumi.Input[int] | None = None,
        overlap_seconds: pulumi.Input[int] | None = None,
        watch_patterns: pulumi.Input[list[str]] | None = None,
        vcpus: pulumi.Input[float] | None = None,
        memory_gb: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if source_image is not None and source_repo is not None:
            raise ValueError(f"{resource_name}: set source_image or source_repo, not both")
        props = {k: v for k, v in locals().items() if k in SETTINGS or k in SOURCE_KEYS or k in LIMIT_KEYS}
        if registry_credentials is not None:
            registry_credentials = pulumi.Output.secret(registry_credentials)
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["registry_credentials"])
        )
        super().__init__(
            ServiceInstanceProvider(),
            resource_name,
            {
                "service_id": service_id,
                "environment_id": environment_id,
                "registry_credentials": registry_credentials,
                **props,
                "kind": ServiceInstanceProvider.KIND,
                "service_instance_id": None,
                "revision": None,
            },
            opts,
        )
