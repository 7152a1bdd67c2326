"""Deployments: when Railway creates one, what it records, and how its status reads over time.

`deploy()` is the one way a deployment comes to exist; the variable, service and environment families
call it for Railway's implicit deploys (a variable write without `skipDeploys`, a service created or
connected with a source, a new environment), and the explicit `serviceInstanceDeployV2` /
`serviceInstanceRedeploy` call it too. Each deployment keeps a `meta` snapshot of the instance settings it
was built from under `meta.serviceManifest` (Railway's config-as-code layout), which is where a client
reads replicas and region back; a redeploy copies the snapshot of the deployment it re-runs instead of
reading the current settings, as Railway's redeploy ignores a newly set image.

Status: BUILDING, then DEPLOYING, until `deploy_seconds` after creation (0 by default: SUCCESS at once);
a SUCCESS deployment reads REMOVED once a newer one of the same instance has succeeded.
"""

from __future__ import annotations

import copy
from typing import Any

from railway_emulator.errors import RailwayError
from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import connection
from railway_emulator.state import Deployment, Environment, Project, Service, ServiceInstance, State, iso, new_id


def deploy(state: State, instance: ServiceInstance, reason: str, meta: dict[str, Any] | None = None) -> Deployment:
    """Record a new deployment of `instance`, built from its current settings unless `meta` is given."""
    service = state.services[instance.service_id]
    now = state.now()
    # Strictly increasing timestamps keep "newest first" well defined for deployments in one tick.
    latest = state.deployments_of(instance.service_id, instance.environment_id)
    if latest and now <= latest[0].created_ts:
        now = latest[0].created_ts + 0.001
    snapshot = copy.deepcopy(meta) if meta is not None else settings_snapshot(state, instance)
    snapshot["reason"] = reason
    deployment = Deployment(
        id=new_id(),
        project_id=service.project_id,
        service_id=instance.service_id,
        environment_id=instance.environment_id,
        created_at=iso(now),
        updated_at=iso(now),
        created_ts=now,
        ready_ts=now + state.deploy_seconds,
        meta=snapshot,
        static_url=_static_url(state, instance),
    )
    state.deployments[deployment.id] = deployment
    state.deployments_created += 1
    return deployment


def settings_snapshot(state: State, instance: ServiceInstance) -> dict[str, Any]:
    """The instance settings a deployment is built from, without any variable value or credential."""
    source = instance.source or {}
    volume = state.volume_instance_for(instance.service_id, instance.environment_id)
    multi_region = instance.multi_region_config
    if multi_region is None and instance.region:
        multi_region = {instance.region: {"numReplicas": instance.num_replicas}}
    return {
        "image": source.get("image"),
        "repo": source.get("repo"),
        "branch": instance.branch,
        "volumeMounts": [volume.mount_path] if volume else [],
        "serviceManifest": {
            "source": {"image": source.get("image"), "repo": source.get("repo"), "branch": instance.branch},
            "build": {
                "builder": instance.builder,
                "buildCommand": instance.build_command,
                "dockerfilePath": instance.dockerfile_path,
                "rootDirectory": instance.root_directory,
                "watchPatterns": list(instance.watch_patterns),
            },
            "deploy": {
                "startCommand": instance.start_command,
                "preDeployCommand": copy.deepcopy(instance.pre_deploy_command),
                "numReplicas": instance.num_replicas,
                "region": instance.region,
                "multiRegionConfig": copy.deepcopy(multi_region),
                "restartPolicyType": instance.restart_policy_type,
                "restartPolicyMaxRetries": instance.restart_policy_max_retries,
                "healthcheckPath": instance.healthcheck_path,
                "healthcheckTimeout": instance.healthcheck_timeout,
                "cronSchedule": instance.cron_schedule,
                "sleepApplication": instance.sleep_application,
                "drainingSeconds": instance.draining_seconds,
                "overlapSeconds": instance.overlap_seconds,
                "limitOverride": dict(instance.limit_override) or None,
            },
        },
    }


def status_of(state: State, deployment: Deployment) -> str:
    now = state.now()
    if now < deployment.ready_ts:
        halfway = deployment.created_ts + (deployment.ready_ts - deployment.created_ts) / 2
        return "BUILDING" if now < halfway else "DEPLOYING"
    for other in state.deployments_of(deployment.service_id, deployment.environment_id):
        if other.created_ts > deployment.created_ts and other.ready_ts <= now:
            return "REMOVED"
    return "SUCCESS"


def _static_url(state: State, instance: ServiceInstance) -> str | None:
    domains = state.service_domains_of(instance.service_id, instance.environment_id)
    return domains[0].domain if domains else None


# --- root fields ------------------------------------------------------------------------------------


@query("deployment")
def deployment(ctx: Context, id: str) -> Deployment:
    return ctx.state.deployment(id)


@query("deployments")
def deployments(ctx: Context, input: dict[str, Any], **paging: Any) -> dict[str, Any]:
    state = ctx.state
    found = sorted(state.deployments.values(), key=lambda d: d.created_ts, reverse=True)
    for key, attribute in (
        ("projectId", "project_id"),
        ("environmentId", "environment_id"),
        ("serviceId", "service_id"),
    ):
        if input.get(key) is not None:
            found = [d for d in found if getattr(d, attribute) == input[key]]
    status_filter = input.get("status") or {}
    if status_filter.get("in") is not None:
        found = [d for d in found if status_of(state, d) in status_filter["in"]]
    if status_filter.get("notIn") is not None:
        found = [d for d in found if status_of(state, d) not in status_filter["notIn"]]
    return connection(found, **paging)


@mutation("serviceInstanceDeployV2")
def service_instance_deploy_v2(
    ctx: Context, service_id: str, environment_id: str, commit_sha: str | None = None
) -> str:
    return _deploy_now(ctx.state, service_id, environment_id, commit_sha).id


@mutation("serviceInstanceDeploy")
def service_instance_deploy(
    ctx: Context, service_id: str, environment_id: str, commit_sha: str | None = None, latest_commit: bool | None = None
) -> bool:
    _deploy_now(ctx.state, service_id, environment_id, commit_sha)
    return True


@mutation("serviceInstanceRedeploy")
def service_instance_redeploy(ctx: Context, service_id: str, environment_id: str) -> bool:
    state = ctx.state
    instance = state.instance(service_id, environment_id)
    previous = state.deployments_of(service_id, environment_id)
    if not previous:
        raise RailwayError("No deployment found to redeploy for this service instance")
    deploy(state, instance, "redeploy", meta=previous[0].meta)
    return True


@mutation("deploymentRedeploy")
def deployment_redeploy(ctx: Context, id: str, use_previous_image_tag: bool | None = None) -> Deployment:
    state = ctx.state
    original = state.deployment(id)
    instance = state.instance(original.service_id, original.environment_id)
    return deploy(state, instance, "redeploy", meta=original.meta)


def _deploy_now(state: State, service_id: str, environment_id: str, commit_sha: str | None) -> Deployment:
    instance = state.instance(service_id, environment_id)
    meta = settings_snapshot(state, instance)
    if commit_sha is not None:
        meta["commitHash"] = commit_sha
    return deploy(state, instance, "deploy", meta=meta)


# --- object fields ----------------------------------------------------------------------------------


@field("Deployment", "status")
def deployment_status(ctx: Context, parent: Deployment) -> str:
    return status_of(ctx.state, parent)


@field("Deployment", "statusUpdatedAt")
def deployment_status_updated_at(ctx: Context, parent: Deployment) -> str:
    ready = ctx.state.now() >= parent.ready_ts
    return iso(parent.ready_ts if ready else parent.created_ts)


@field("Deployment", "service")
def deployment_service(ctx: Context, parent: Deployment) -> Service:
    return ctx.state.service(parent.service_id)


@field("Deployment", "environment")
def deployment_environment(ctx: Context, parent: Deployment) -> Environment:
    return ctx.state.environment(parent.environment_id)


@field("ServiceInstance", "latestDeployment")
def latest_deployment(ctx: Context, parent: ServiceInstance) -> Deployment | None:
    found = ctx.state.deployments_of(parent.service_id, parent.environment_id)
    return found[0] if found else None


@field("ServiceInstance", "activeDeployments")
def active_deployments(ctx: Context, parent: ServiceInstance) -> list[Deployment]:
    state = ctx.state
    return [
        d for d in state.deployments_of(parent.service_id, parent.environment_id) if status_of(state, d) == "SUCCESS"
    ]


@field("Service", "deployments")
def service_deployments(ctx: Context, parent: Service, **paging: Any) -> dict[str, Any]:
    found = [d for d in ctx.state.deployments.values() if d.service_id == parent.id]
    return connection(sorted(found, key=lambda d: d.created_ts, reverse=True), **paging)


@field("Environment", "deployments")
def environment_deployments(ctx: Context, parent: Environment, **paging: Any) -> dict[str, Any]:
    found = [d for d in ctx.state.deployments.values() if d.environment_id == parent.id]
    return connection(sorted(found, key=lambda d: d.created_ts, reverse=True), **paging)


@field("Project", "deployments")
def project_deployments(ctx: Context, parent: Project, **paging: Any) -> dict[str, Any]:
    found = [d for d in ctx.state.deployments.values() if d.project_id == parent.id]
    return connection(sorted(found, key=lambda d: d.created_ts, reverse=True), **paging)
