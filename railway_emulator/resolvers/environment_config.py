"""Environment config: `Environment.config` and `environmentPatchCommit`, the way Railway's CLI writes
limits and replicas (cli src/controllers/config/environment.rs structs EnvironmentConfig, ServiceInstance,
DeployConfig, LimitOverride, ContainerLimits; src/commands/scale.rs; gql strings
src/gql/mutations/strings/EnvironmentPatchCommit.graphql, src/gql/queries/strings/EnvironmentConfig.graphql;
docs/railway-api.md, "Limits").

Only this subset of a patch is modelled; any other key anywhere answers
"environmentPatchCommit patch.<dotted path> is not implemented by the railway emulator":

    {"services": {"<serviceId>": {
        "source": {"image": str|null, "repo": str|null, "branch": str|null,
                   "commitSha": str|null, "checkSuites": bool|null} | null,
        "deploy": {"limitOverride": {"containers": {"cpu": number|null, "memoryBytes": int|null} | null} | null,
                   "multiRegionConfig": {"<region>": {"numReplicas": int} | null} | null}}}}

Objects merge key by key; an explicit null removes that key. The whole patch is checked before anything
is written (a refused patch changes nothing). Storage is shared with the older mutations: limits live in
the instance's `limit_override` as `{"vCPUs": cpu, "memoryGB": memoryBytes / 1e9}` (what
`serviceInstanceLimitsUpdate` writes), the source in `source`/`branch`, placement in
`multi_region_config`; `commitSha` and `checkSuites` (cli src/controllers/config/environment.rs, struct
ServiceSource; src/commands/environment/changes/source.rs writes `source.checkSuites`) in `commit_sha` and
`check_suites` (docs/railway-api.md, "Repository builds", "Auto-deploys and watch paths"). A commit that
connects, changes or removes a repo source creates, updates or deletes the instance's deployment trigger
(resolvers/triggers.py).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from railway_emulator.errors import NOT_AUTHORIZED, RailwayError
from railway_emulator.registry import Context, field, mutation
from railway_emulator.repos import COMMIT_SHA
from railway_emulator.resolvers.deployments import deploy
from railway_emulator.resolvers.services import check_capacity, check_limit, check_multi_region_config
from railway_emulator.resolvers.triggers import connected, sync_triggers
from railway_emulator.state import PLATFORM_DEFAULTS, Environment, ServiceInstance, State, new_id

_SOURCE_KEYS = ("image", "repo", "branch", "commitSha", "checkSuites")


def _unsupported(path: str) -> RailwayError:
    return RailwayError(f"environmentPatchCommit {path} is not implemented by the railway emulator")


def _keys(value: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in value:
        if key not in allowed:
            raise _unsupported(f"{path}.{key}")


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RailwayError(f"environmentPatchCommit {path} must be an object")
    return value


def _patched_instance(state: State, instance: ServiceInstance, patch: Any, path: str) -> ServiceInstance:
    """A copy of `instance` with the service's patch merged in, checked; the instance itself is untouched."""
    if patch is None:
        raise _unsupported(path)  # deleting a service through a patch is not modelled
    patch = _object(patch, path)
    _keys(patch, ("source", "deploy"), path)
    proposed = copy.copy(instance)
    proposed.limit_override = dict(instance.limit_override)
    proposed.multi_region_config = copy.deepcopy(instance.multi_region_config)

    if "source" in patch:
        source_path = f"{path}.source"
        merged: dict[str, Any] = {
            "image": (instance.source or {}).get("image"),
            "repo": (instance.source or {}).get("repo"),
            "branch": instance.branch,
            "commitSha": instance.commit_sha,
            "checkSuites": instance.check_suites,
        }
        if patch["source"] is None:
            merged = {key: None for key in _SOURCE_KEYS}
        else:
            source = _object(patch["source"], source_path)
            _keys(source, _SOURCE_KEYS, source_path)
            for key, value in source.items():
                if key == "checkSuites":
                    if value is not None and not isinstance(value, bool):
                        raise RailwayError(
                            f"environmentPatchCommit {source_path}.checkSuites must be a boolean or null"
                        )
                    merged[key] = value
                    continue
                if value is not None and not isinstance(value, str):
                    raise RailwayError(f"environmentPatchCommit {source_path}.{key} must be a string or null")
                if key == "commitSha" and value is not None and not COMMIT_SHA.match(value):
                    raise RailwayError(
                        f"environmentPatchCommit {source_path}.commitSha {value!r} is not a git commit SHA "
                        "(7 to 40 hex digits)"
                    )
                merged[key] = value or None
        if merged["image"] and merged["repo"]:
            raise RailwayError("A service source is either an image or a repo, not both")
        has_source = merged["image"] or merged["repo"]
        proposed.source = {"image": merged["image"], "repo": merged["repo"]} if has_source else None
        proposed.branch = merged["branch"]
        proposed.commit_sha = merged["commitSha"]
        proposed.check_suites = merged["checkSuites"]

    if "deploy" in patch:
        deploy_path = f"{path}.deploy"
        if patch["deploy"] is None:
            raise _unsupported(deploy_path)
        deploy_patch = _object(patch["deploy"], deploy_path)
        _keys(deploy_patch, ("limitOverride", "multiRegionConfig"), deploy_path)
        if "limitOverride" in deploy_patch:
            _merge_limits(state, proposed, deploy_patch["limitOverride"], f"{deploy_path}.limitOverride")
        if "multiRegionConfig" in deploy_patch:
            _merge_regions(proposed, deploy_patch["multiRegionConfig"], f"{deploy_path}.multiRegionConfig")

    check_capacity(state, proposed)
    return proposed


def _merge_limits(state: State, proposed: ServiceInstance, value: Any, path: str) -> None:
    if value is None:
        proposed.limit_override = {}
        return
    _keys(_object(value, path), ("containers",), path)
    if "containers" not in value:
        return
    containers = value["containers"]
    if containers is None:
        proposed.limit_override = {}
        return
    containers_path = f"{path}.containers"
    _keys(_object(containers, containers_path), ("cpu", "memoryBytes"), containers_path)
    if "cpu" in containers:
        cpu = containers["cpu"]
        if cpu is None:
            proposed.limit_override.pop("vCPUs", None)
        else:
            if not isinstance(cpu, (int, float)) or isinstance(cpu, bool) or not math.isfinite(cpu) or cpu <= 0:
                raise RailwayError(f"environmentPatchCommit {containers_path}.cpu must be a number greater than 0")
            proposed.limit_override["vCPUs"] = check_limit(state, "vCPUs", cpu)
    if "memoryBytes" in containers:
        memory = containers["memoryBytes"]
        if memory is None:
            proposed.limit_override.pop("memoryGB", None)
        else:
            if not isinstance(memory, int) or isinstance(memory, bool) or memory <= 0:
                raise RailwayError(
                    f"environmentPatchCommit {containers_path}.memoryBytes must be an integer greater than 0"
                )
            maximum = state.plan.memory_gb
            if memory / 1e9 > maximum:
                raise RailwayError(
                    f"memoryBytes must be at most {maximum * 1e9:.0f} ({maximum:g} GB) on the {state.plan.name} plan"
                )
            proposed.limit_override["memoryGB"] = memory / 1e9


def _merge_regions(proposed: ServiceInstance, value: Any, path: str) -> None:
    if value is None:
        proposed.multi_region_config = None
        return
    for region, config in _object(value, path).items():
        if isinstance(config, dict):
            _keys(config, ("numReplicas",), f"{path}.{region}")
    merged = dict(proposed.multi_region_config or {})
    checked = check_multi_region_config(value, where=path)
    for region in value:
        if region in checked:
            merged[region] = checked[region]
        else:
            merged.pop(region, None)  # an explicit null removes the region
    proposed.multi_region_config = merged or None


@mutation("environmentPatchCommit")
def environment_patch_commit(
    ctx: Context, environment_id: str, patch: Any = None, commit_message: str | None = None
) -> str:
    state = ctx.state
    environment = state.environment(environment_id)
    patch = _object(patch, "patch")
    _keys(patch, ("services",), "patch")
    services = _object(patch.get("services", {}), "patch.services")
    proposals: list[tuple[ServiceInstance, ServiceInstance, bool]] = []
    for service_id, service_patch in services.items():
        service = state.services.get(service_id)
        if service is None or service.project_id != environment.project_id:
            # A service of another project (or none) answers as a deleted object does.
            raise RailwayError(NOT_AUTHORIZED)
        state.service(service_id)
        instance = state.instance(service_id, environment.id)
        proposed = _patched_instance(state, instance, service_patch, f"patch.services.{service_id}")
        touched = isinstance(service_patch, dict) and bool({"source", "deploy"} & set(service_patch))
        proposals.append((instance, proposed, touched))
    now = state.now_iso()
    for instance, proposed, _touched in proposals:
        before = connected(instance)
        instance.source = proposed.source
        instance.branch = proposed.branch
        instance.commit_sha = proposed.commit_sha
        instance.check_suites = proposed.check_suites
        sync_triggers(state, instance, before)
        instance.limit_override = proposed.limit_override
        instance.multi_region_config = proposed.multi_region_config
        instance.updated_at = now
    if ctx.patch_deploys or ctx.source_deploys:
        # A committed patch deploys every service whose source or deploy settings it touches; only
        # environmentPatchCommitStaged skips deploys (docs deployments/staged-changes.md). The
        # deployment registers late (railwayapp/cli PR #743): see resolvers/deployments.py.
        for instance, _proposed, touched in proposals:
            if touched:
                deploy(state, instance, "patch_commit")
    return new_id()


def instance_config(state: State, instance: ServiceInstance) -> dict[str, Any]:
    """One service's entry of `Environment.config`: only what is set, empty objects left out."""
    entry: dict[str, Any] = {}
    source = {
        "image": (instance.source or {}).get("image"),
        "repo": (instance.source or {}).get("repo"),
        "branch": instance.branch,
        "commitSha": instance.commit_sha,
        "checkSuites": instance.check_suites,
    }
    source = {key: value for key, value in source.items() if value is not None}
    if source:
        entry["source"] = source
    deploy_config: dict[str, Any] = {}
    for key, value in (
        ("startCommand", instance.start_command),
        ("preDeployCommand", copy.deepcopy(instance.pre_deploy_command)),
        ("healthcheckPath", instance.healthcheck_path),
        ("healthcheckTimeout", instance.healthcheck_timeout),
        ("cronSchedule", instance.cron_schedule),
        ("drainingSeconds", instance.draining_seconds),
        ("overlapSeconds", instance.overlap_seconds),
    ):
        if value is not None:
            deploy_config[key] = value
    if instance.restart_policy_type != PLATFORM_DEFAULTS["restart_policy_type"]:
        deploy_config["restartPolicyType"] = instance.restart_policy_type
    if instance.restart_policy_max_retries != PLATFORM_DEFAULTS["restart_policy_max_retries"]:
        deploy_config["restartPolicyMaxRetries"] = instance.restart_policy_max_retries
    if instance.sleep_application:
        deploy_config["sleepApplication"] = True
    containers: dict[str, Any] = {}
    if "vCPUs" in instance.limit_override:
        containers["cpu"] = instance.limit_override["vCPUs"]
    if "memoryGB" in instance.limit_override:
        containers["memoryBytes"] = int(round(instance.limit_override["memoryGB"] * 1e9))
    if containers:
        deploy_config["limitOverride"] = {"containers": containers}
    if instance.multi_region_config:
        deploy_config["multiRegionConfig"] = copy.deepcopy(instance.multi_region_config)
    if instance.multi_region_config or instance.num_replicas != PLATFORM_DEFAULTS["num_replicas"]:
        # The mirror: the effective replica total (see State.placement).
        deploy_config["numReplicas"] = state.replicas(instance)
    if deploy_config:
        entry["deploy"] = deploy_config
    return entry


@field("Environment", "config")
def environment_config(ctx: Context, parent: Environment, decrypt_variables: bool | None = None) -> dict[str, Any]:
    """Service instances only, never variables (`decryptVariables` is ignored)."""
    state = ctx.state
    state.environment(parent.id)  # a deleted environment's config answers "Not Authorized"
    services = {}
    for instance in state.instances_in(parent.id):
        services[instance.service_id] = instance_config(state, instance)
    return {"services": services} if services else {}
