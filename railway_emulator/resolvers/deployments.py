"""Deployments: when Railway creates one, what it records, how its status reads over time, its logs.

`deploy()` is the one way a deployment comes to exist; the variable, service and environment families
call it for Railway's implicit deploys (a variable write without `skipDeploys`, a service created or
connected with a source, a new environment, with `source_deploys` a source set or a patch committed),
and the explicit `serviceInstanceDeployV2` / `serviceInstanceRedeploy` call it too. Each deployment
keeps a `meta` snapshot of the instance settings it was built from under `meta.serviceManifest`
(Railway's config-as-code layout), which is where a client reads replicas and region back (cli
src/commands/scale.rs reads region data from latestDeployment.meta); a redeploy copies the snapshot of
the deployment it re-runs instead of reading the current settings, as Railway's redeploy ignores a newly
set image.

Deployments take time and fail (docs/railway-api.md, "Deployments take time and fail"): BUILDING for
the first half of the duration, DEPLOYING for the second, then SUCCESS, FAILED or CRASHED. The duration
is `deploy_seconds` (0 by default: terminal at once) unless a script (`Emulator.script_deployments`)
says otherwise.

Railway registers deployments asynchronously (railwayapp/cli PR #743: "backend may not have registered
the deployment yet"): a deployment Railway starts by itself (a patch commit, a variable write, a new
service) exists only after `register_delay`, and any deployment, an explicit one too, shows in lists
(`latestDeployment`, `deployments`) only then; `deployment(id)` finds an explicit one at once, as its id
was answered.

A newer deployment replaces the older ones (docs deployments/deployment-actions.md, "a new deployment
replaces the active one"): one still building or deploying when a newer one of the same instance
starts reads REMOVING for `REMOVING_SECONDS`, then REMOVED; a SUCCESS one reads REMOVED once a newer
one has reached SUCCESS (a newer FAILED/CRASHED one leaves it live).

Scripted outcomes also cover approval (NEEDS_APPROVAL or WAITING until `deploymentApprove`; docs
projects/workspaces.md: deployments of a user without the Deployer role, or without a linked GitHub
account, wait for approval) and build failures, whose lines are in `buildLogs`, not in `deploymentLogs`
(railwayapp/cli PR #1222). `deploymentLogs` and `buildLogs` return the lines reached so far.
"""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime
from typing import Any

from railway_emulator.errors import RailwayError
from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import connection
from railway_emulator.state import Deployment, Environment, Project, Service, ServiceInstance, State, iso, new_id

OUTCOMES = ("success", "pre_deploy_failed", "healthcheck_failed", "crashed", "build_failed")
"""Scriptable outcomes: docs content/docs/deployments/pre-deploy-command.md (a failing pre-deploy
command is not retried and nothing starts), healthchecks.md (a deployment whose healthcheck never
passes fails), restart-policy.md (a started container that exits is a crash), a build that fails
(its lines in `buildLogs`: railwayapp/cli PR #1222)."""

APPROVALS = ("NEEDS_APPROVAL", "WAITING")
"""Statuses of a deployment waiting for approval (schema DeploymentStatus; docs projects/workspaces.md,
deployments/manage-deployments.md); a script's `approval` picks one, `deploymentApprove` releases it."""

TERMINAL_STATUS = {
    "success": "SUCCESS",
    "pre_deploy_failed": "FAILED",
    "healthcheck_failed": "FAILED",
    "crashed": "CRASHED",
    "no_branch": "FAILED",
    "build_failed": "FAILED",
    "unbuildable": "FAILED",
}

BUILD_FAILURES = frozenset({"build_failed", "no_branch", "unbuildable"})
"""Outcomes that end before DEPLOYING: BUILDING all along, then FAILED, every line a build line."""

REMOVING_SECONDS = 1.0
"""How long a replaced deployment reads REMOVING before REMOVED (the schema has both; the time is not
documented)."""

IMPLICIT_REASONS = frozenset(
    {"patch_commit", "variable_change", "service_create", "source_change", "environment_create", "outside", "push"}
)
"""Deployments Railway starts by itself: they come into being only after the registration delay."""

_LOG_NAME = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")

MAX_LOG_LIMIT = 5000
"""deploymentLogs' `limit`: "defaults 100, max 5000" (schema); beyond it the emulator refuses (stricter)."""


class DeploymentScriptError(ValueError):
    """A deployment script the emulator cannot honour; answered as HTTP 400 with this message."""


def parse_script(spec: Any) -> dict[str, Any]:
    """A scripted outcome from `Emulator.script_deployments` or `POST /_emulator/deployments`."""
    if not isinstance(spec, dict):
        raise DeploymentScriptError("a deployment script is a JSON object")
    unknown = sorted(set(spec) - {"service", "outcome", "count", "seconds", "logs", "approval"})
    if unknown:
        raise DeploymentScriptError(f"unknown deployment script keys: {', '.join(unknown)}")
    service = spec.get("service")
    if not isinstance(service, str) or not service:
        raise DeploymentScriptError('"service" must be a service name')
    outcome = spec.get("outcome")
    if outcome not in OUTCOMES:
        raise DeploymentScriptError(f'"outcome" must be one of {", ".join(OUTCOMES)}, not {outcome!r}')
    count = spec.get("count", 1)
    if count is None:
        count = 1
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise DeploymentScriptError('"count" must be a positive integer')
    seconds = spec.get("seconds")
    if seconds is not None and (
        not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds) or seconds < 0
    ):
        raise DeploymentScriptError('"seconds" must be a non-negative number')
    logs = spec.get("logs")
    if logs is not None and (not isinstance(logs, list) or not all(isinstance(line, str) for line in logs)):
        raise DeploymentScriptError('"logs" must be a list of strings')
    approval = spec.get("approval")
    if approval is not None and approval not in APPROVALS:
        raise DeploymentScriptError(f'"approval" must be one of {", ".join(APPROVALS)}, not {approval!r}')
    return {
        "id": new_id(),
        "approval": approval,
        "service": service,
        "outcome": outcome,
        "count": count,
        "seconds": float(seconds) if seconds is not None else None,
        "logs": list(logs) if logs is not None else None,
    }


def _take_script(state: State, service_name: str) -> dict[str, Any] | None:
    for script in state.deployment_scripts:
        if script["service"] == service_name:
            script["count"] -= 1
            if script["count"] == 0:
                state.deployment_scripts.remove(script)
            return script
    return None


def deploy(
    state: State,
    instance: ServiceInstance,
    reason: str,
    meta: dict[str, Any] | None = None,
    *,
    hold: str | None = None,
    skipped: str | None = None,
) -> Deployment:
    """Record a new deployment of `instance`, built from its current settings unless `meta` is given.

    One Railway starts by itself (`IMPLICIT_REASONS`) comes into being after the registration delay;
    an explicit one now, listed after the delay. `hold` (WAITING) keeps it from starting until
    `approve`; `skipped` records it as SKIPPED for that reason, never run. A push deployment (reason
    "push") has no creator: GitHub started it, not a token's user.
    """
    service = state.services[instance.service_id]
    delay = state.registration_delay()
    now = state.now() + (delay if reason in IMPLICIT_REASONS else 0.0)
    # Distinct timestamps keep "newest first" well defined for deployments in one tick.
    taken = {d.created_ts for d in state.deployments_of(instance.service_id, instance.environment_id, pending=True)}
    while now in taken:
        now += 0.001
    snapshot = copy.deepcopy(meta) if meta is not None else settings_snapshot(state, instance)
    snapshot["reason"] = reason
    script = _take_script(state, service.name)
    outcome = script["outcome"] if script else "success"
    seconds = script["seconds"] if script and script["seconds"] is not None else state.deploy_seconds
    source = snapshot.get("serviceManifest", {}).get("source", {})
    failure = None
    if source.get("repo") and not source.get("branch"):
        # TF PR 21: a repo source without a branch "fails silently"; the emulator fails loudly (stricter).
        outcome = "no_branch"
    elif source.get("repo") and source["repo"] in state.repos:
        failure = _resolve_commit(state, snapshot, source)
        if failure is not None:
            outcome = "unbuildable"
    elif source.get("repo") and (snapshot.get("commitHash") or source.get("commitSha")):
        # An unmapped repo in bookkeeping mode: the commit it was asked to deploy is what its meta records
        # (docs/railway-api.md, "Repository builds"); without a pin the emulator cannot know the head.
        snapshot.update(commitHash=snapshot.get("commitHash") or source["commitSha"], branch=source["branch"])
    approval = script.get("approval") if script else None
    approval = hold or approval
    deployment = Deployment(
        id=new_id(),
        project_id=service.project_id,
        service_id=instance.service_id,
        environment_id=instance.environment_id,
        created_at=iso(now),
        updated_at=iso(now),
        created_ts=now,
        ready_ts=now + seconds,
        meta=snapshot,
        outcome=outcome,
        static_url=_static_url(state, instance),
        listed_ts=max(now, state.now() + delay),
        start_ts=None if approval else now,
        creator=None if reason in ("outside", "push") else dict(state.user),
    )
    deployment.approval = approval
    deployment.skipped = skipped
    deployment.failure = failure
    deployment.seconds = seconds
    deployment.custom_logs = script["logs"] if script else None
    state.deployments[deployment.id] = deployment
    state.deployments_created += 1
    if skipped is not None:
        deployment.start_ts = None
        deployment.log_lines = [
            {"at": now, "ts": now, "stream": "build", "severity": "info", "message": f"Deployment skipped: {skipped}"}
        ]
    elif state.runtime is not None and hold is None:
        # Container mode: the deployment really runs, and its status and logs are what happens.
        state.runtime.start(state, deployment)
    else:
        deployment.log_lines = _log_lines(state, deployment, script["logs"] if script else None)
    return deployment


def _resolve_commit(state: State, snapshot: dict[str, Any], source: dict[str, Any]) -> list[str] | None:
    """Record in `meta` the commit a mapped repo source builds (docs/railway-api.md, "Repository builds"):
    the deploy's `commitSha` (already `meta.commitHash`), else the instance's `source.commitSha`, else
    the branch's head, which the emulator then remembers as last seen. The failure's build-log lines
    when it does not resolve."""
    from railway_emulator.repos import RepoError

    repo, branch = source["repo"], source["branch"]
    pinned = snapshot.get("commitHash") or source.get("commitSha")
    try:
        sha = state.repos.resolve(repo, branch, pinned)
    except RepoError as error:
        return [f"Cannot build {repo}: {error}", "Nothing was built: fix the source and deploy again"]
    if not pinned:
        state.branch_heads[(repo, branch)] = sha
    snapshot.update(commitHash=sha, branch=branch, repo=repo)
    return None


def approve(state: State, deployment: Deployment) -> None:
    """Release a deployment waiting for approval (or for check suites): its build starts now."""
    now = state.now()
    deployment.start_ts = now
    deployment.ready_ts = now + deployment.seconds
    deployment.updated_at = iso(now)
    deployment.waiting_for = None
    if state.runtime is None:
        deployment.log_lines = _log_lines(state, deployment, deployment.custom_logs)
    elif deployment.id not in state.runtime.runs:
        state.runtime.start(state, deployment)


def skip(state: State, deployment: Deployment, why: str) -> None:
    """A deployment that will never run reads SKIPPED (docs deployments/github-autodeploys.md)."""
    now = state.now()
    deployment.skipped = why
    deployment.waiting_for = None
    deployment.updated_at = iso(now)
    deployment.log_lines.append(
        {"at": now, "ts": now, "stream": "build", "severity": "info", "message": f"Deployment skipped: {why}"}
    )


def _log_lines(state: State, deployment: Deployment, custom: list[str] | None) -> list[dict[str, Any]]:
    """The deployment's log lines, each with the time it appears, `{{NAME}}` rendered.

    Phases: "build" lines appear when the build starts, "deploy" lines once DEPLOYING (halfway), "end"
    lines when the deployment reaches its terminal status. Build lines, and every line of a build
    failure, are the build log's (`buildLogs`); the others the deploy log's (`deploymentLogs`).
    """
    if deployment.start_ts is None:
        return []
    manifest = deployment.meta.get("serviceManifest", {})
    pre_deploy = manifest.get("deploy", {}).get("preDeployCommand")
    if isinstance(pre_deploy, list):
        pre_deploy = " ".join(str(part) for part in pre_deploy)
    pre_line = [("deploy", "info", f"Running pre-deploy command: {pre_deploy}")] if pre_deploy else []
    outcome = deployment.outcome
    lines: list[tuple[str, str, str]]
    if outcome == "build_failed" and custom is None:
        lines = [
            ("build", "info", "Using Detected Dockerfile"),
            ("build", "info", "[internal] load build definition from Dockerfile"),
            (
                "end",
                "error",
                'ERROR: failed to solve: process "/bin/sh -c pip install -r requirements.txt" did not complete successfully: exit code: 1',
            ),
            ("end", "error", "Build Failed: build daemon returned an error"),
        ]
    elif outcome == "build_failed" and custom is not None:
        lines = [("build", "info", line) for line in custom[:-1]] + [("end", "error", line) for line in custom[-1:]]
    elif outcome == "unbuildable":
        failure = deployment.failure or ["Cannot build the source"]
        lines = [("build", "error", line) for line in failure[:-1]] + [("end", "error", line) for line in failure[-1:]]
    elif outcome == "no_branch":
        repo = manifest.get("source", {}).get("repo")
        lines = [
            ("build", "error", f"No branch is connected to repo {repo}: nothing to build"),
            ("end", "error", "Connect a branch (serviceConnect with repo and branch) and deploy again"),
        ]
    elif custom is not None:
        if outcome == "success" or not custom:
            lines = [("deploy", "info", line) for line in custom]
        else:
            lines = [("deploy", "info", line) for line in custom[:-1]] + [("end", "error", custom[-1])]
    elif outcome == "pre_deploy_failed":
        lines = [
            ("deploy", "info", f"Running pre-deploy command: {pre_deploy or '(none set)'}"),
            ("deploy", "error", "Error: the pre-deploy command exited with a non-zero status"),
            ("end", "error", "Pre-deploy command failed with exit code 1"),
        ]
    elif outcome == "healthcheck_failed":
        path = manifest.get("deploy", {}).get("healthcheckPath") or "/"
        timeout = manifest.get("deploy", {}).get("healthcheckTimeout") or 300
        lines = [
            *pre_line,
            ("deploy", "info", "Starting Container"),
            ("deploy", "info", f"Starting Healthcheck: path {path}, retry window {timeout}s"),
            ("end", "error", "1/1 replicas never became healthy!"),
            ("end", "error", "Healthcheck failed!"),
        ]
    elif outcome == "crashed":
        lines = [
            *pre_line,
            ("deploy", "info", "Starting Container"),
            ("end", "error", "Error: the application exited unexpectedly"),
            ("end", "error", "Container exited with code 1"),
        ]
    else:
        lines = [*pre_line, ("deploy", "info", "Starting Container")]
    start, end = deployment.start_ts, deployment.ready_ts
    at = {"build": start, "deploy": start + (end - start) / 2, "end": end}
    build_only = outcome in BUILD_FAILURES
    rendered = []
    for index, (phase, severity, message) in enumerate(lines):
        rendered.append(
            {
                "at": at[phase],
                "stream": "build" if build_only or phase == "build" else "deploy",
                # A microsecond apart, so lines keep their order in time.
                "ts": at[phase] + index * 1e-6,
                "severity": severity,
                "message": _render_names(state, deployment, message),
            }
        )
    return rendered


def _render_names(state: State, deployment: Deployment, message: str) -> str:
    """`{{NAME}}` -> the deploying service's rendered variable NAME (empty if unknown), as an app's own
    logs can print its environment."""
    from railway_emulator.resolvers.variables import rendered_variable  # variables imports this module

    def replace(match: re.Match[str]) -> str:
        return rendered_variable(state, deployment.service_id, deployment.environment_id, match.group(1)) or ""

    return _LOG_NAME.sub(replace, message)


def settings_snapshot(state: State, instance: ServiceInstance) -> dict[str, Any]:
    """The instance settings a deployment is built from, without any variable value or credential."""
    source = instance.source or {}
    volume = state.volume_instance_for(instance.service_id, instance.environment_id)
    # The effective placement (see State.placement), not the settings as written.
    placement = state.placement(instance)
    multi_region = {region: {"numReplicas": replicas} for region, replicas in placement.items()}
    return {
        "image": source.get("image"),
        "repo": source.get("repo"),
        "branch": instance.branch,
        "volumeMounts": [volume.mount_path] if volume else [],
        "serviceManifest": {
            "source": {
                "image": source.get("image"),
                "repo": source.get("repo"),
                "branch": instance.branch,
                "commitSha": instance.commit_sha,
                "checkSuites": instance.check_suites,
            },
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
                "numReplicas": sum(placement.values()),
                "region": next(iter(placement)),
                "multiRegionConfig": multi_region,
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
    if deployment.skipped is not None:
        return "SKIPPED"
    now = state.now()
    replaced = _replaced_at(state, deployment, now)
    if replaced is not None:
        return "REMOVING" if now < replaced + REMOVING_SECONDS else "REMOVED"
    if deployment.live_status is not None:
        return deployment.live_status
    if deployment.start_ts is None:
        return deployment.approval or "NEEDS_APPROVAL"
    if now < deployment.created_ts:
        return "INITIALIZING"
    if now >= deployment.ready_ts and deployment.outcome != "success":
        return TERMINAL_STATUS[deployment.outcome]
    if _superseded_at(state, deployment, now) is not None:
        return "REMOVED"
    if now < deployment.ready_ts:
        halfway = deployment.start_ts + (deployment.ready_ts - deployment.start_ts) / 2
        return "BUILDING" if now < halfway or deployment.outcome in BUILD_FAILURES else "DEPLOYING"
    return "SUCCESS"


def _replaced_at(state: State, deployment: Deployment, now: float) -> float | None:
    """When a newer deployment of the same instance started while this one was still in progress
    (building, deploying or waiting for approval), if one did by `now`."""
    if deployment.live_status in ("SUCCESS", "FAILED", "CRASHED", "SLEEPING"):
        return None
    ends = float("inf") if deployment.start_ts is None else deployment.ready_ts
    times = [
        other.created_ts
        for other in state.deployments_of(deployment.service_id, deployment.environment_id, pending=True)
        if other.created_ts > deployment.created_ts
        and other.created_ts <= now
        and other.created_ts < ends
        # A skipped deployment, or one still waiting for its check suites, replaces nothing (yet).
        and other.skipped is None
        and not (other.waiting_for is not None and other.start_ts is None)
    ]
    return min(times) if times else None


def _superseded_at(state: State, deployment: Deployment, now: float) -> float | None:
    """When a newer deployment of the same instance reached SUCCESS (by `now`), if one did."""
    times = [
        other.ready_ts
        for other in state.deployments_of(deployment.service_id, deployment.environment_id, pending=True)
        if other.created_ts > deployment.created_ts
        and other.outcome == "success"
        and other.start_ts is not None
        and other.ready_ts <= now
        and _replaced_at(state, other, other.ready_ts) is None
    ]
    return min(times) if times else None


def _listed(state: State) -> list[Deployment]:
    """The deployments Railway has registered by now (the others exist, but no list shows them yet)."""
    now = state.now()
    return [d for d in state.deployments.values() if d.listed_ts <= now]


def _static_url(state: State, instance: ServiceInstance) -> str | None:
    domains = state.service_domains_of(instance.service_id, instance.environment_id)
    return domains[0].domain if domains else None


# --- root fields ------------------------------------------------------------------------------------


@query("deployment")
def deployment(ctx: Context, id: str) -> Deployment:
    return ctx.state.deployment(id)


def _timestamp(moment: float) -> str:
    """RFC3339 with nanoseconds, as `Log.timestamp` documents."""
    whole = math.floor(moment)
    nanos = int(round((moment - whole) * 1e9))
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    return datetime.fromtimestamp(whole, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


def _parse_date(value: Any, name: str) -> float | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError as error:
        raise RailwayError(f"{name} must be an ISO 8601 date-time") from error


def _logs(
    ctx: Context,
    stream: str,
    deployment_id: str,
    limit: int | None,
    filter: str | None,
    start_date: Any,
    end_date: Any,
) -> list[dict[str, Any]]:
    """The lines of one stream ("build" or "deploy") the deployment has reached, oldest first; `limit`
    keeps the newest."""
    state = ctx.state
    found = state.deployment(deployment_id)
    limit = 100 if limit is None else limit
    if not 0 <= limit <= MAX_LOG_LIMIT:
        raise RailwayError(f"limit must be between 0 and {MAX_LOG_LIMIT}")
    since, until = _parse_date(start_date, "startDate"), _parse_date(end_date, "endDate")
    now = state.now()
    if state.runtime is not None:
        # Container mode: every line is what a container printed, already in the past.
        state.runtime.refresh_logs(found)
        now = float("inf")
    lines = [line for line in found.log_lines if line["at"] <= now and line.get("stream", "deploy") == stream]
    if filter:
        lines = [line for line in lines if filter in line["message"]]
    if since is not None:
        lines = [line for line in lines if line["ts"] >= since]
    if until is not None:
        lines = [line for line in lines if line["ts"] <= until]
    lines = lines[len(lines) - limit :] if limit else []
    return [
        {
            "message": line["message"],
            "severity": line["severity"],
            "timestamp": _timestamp(line["ts"]),
            "attributes": [],
            "tags": None,
        }
        for line in lines
    ]


@query("deploymentLogs")
def deployment_logs(
    ctx: Context,
    deployment_id: str,
    limit: int | None = None,
    filter: str | None = None,
    start_date: Any = None,
    end_date: Any = None,
) -> list[dict[str, Any]]:
    """What the deployment's containers (and its pre-deploy command) printed."""
    return _logs(ctx, "deploy", deployment_id, limit, filter, start_date, end_date)


@query("buildLogs")
def build_logs(
    ctx: Context,
    deployment_id: str,
    limit: int | None = None,
    filter: str | None = None,
    start_date: Any = None,
    end_date: Any = None,
) -> list[dict[str, Any]]:
    """What the deployment's build printed (railwayapp/cli PR #1222: a build failure's reason is here)."""
    return _logs(ctx, "build", deployment_id, limit, filter, start_date, end_date)


@mutation("deploymentApprove")
def deployment_approve(ctx: Context, id: str) -> bool:
    """Approve a deployment waiting for approval (schema: "Approves a deployment."); Railway lets a
    workspace member with the Deployer role do it (docs projects/workspaces.md)."""
    state = ctx.state
    found = state.deployment(id)
    if found.start_ts is not None:
        raise RailwayError("Deployment is not waiting for approval")
    if status_of(state, found) in ("REMOVING", "REMOVED"):
        raise RailwayError("Deployment has been removed")
    approve(state, found)
    return True


@query("deployments")
def deployments(ctx: Context, input: dict[str, Any], **paging: Any) -> dict[str, Any]:
    state = ctx.state
    # Listing the deployments of a deleted (or other workspace's) object answers "Not Authorized".
    if input.get("projectId") is not None:
        state.project(input["projectId"])
    if input.get("environmentId") is not None:
        state.environment(input["environmentId"])
    if input.get("serviceId") is not None:
        state.service(input["serviceId"])
    visible = [d for d in _listed(state) if state.visible(d.project_id)]
    found = sorted(visible, key=lambda d: d.created_ts, reverse=True)
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
    state = ctx.state
    now = state.now()
    status = status_of(state, parent)
    replaced = _replaced_at(state, parent, now)
    if replaced is not None:
        return iso(replaced if status == "REMOVING" else replaced + REMOVING_SECONDS)
    if status == "REMOVED":
        return iso(_superseded_at(state, parent, now) or parent.ready_ts)
    if parent.start_ts is None or status == "INITIALIZING":
        return iso(parent.created_ts)
    if status in ("BUILDING",):
        return iso(parent.start_ts)
    if status == "DEPLOYING":
        return iso(parent.start_ts + (parent.ready_ts - parent.start_ts) / 2)
    return iso(parent.ready_ts)


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
    ctx.state.service(parent.id)  # a deleted service's children answer "Not Authorized"
    found = [d for d in _listed(ctx.state) if d.service_id == parent.id]
    return connection(sorted(found, key=lambda d: d.created_ts, reverse=True), **paging)


@field("Environment", "deployments")
def environment_deployments(ctx: Context, parent: Environment, **paging: Any) -> dict[str, Any]:
    ctx.state.environment(parent.id)
    found = [d for d in _listed(ctx.state) if d.environment_id == parent.id]
    return connection(sorted(found, key=lambda d: d.created_ts, reverse=True), **paging)


@field("Project", "deployments")
def project_deployments(ctx: Context, parent: Project, **paging: Any) -> dict[str, Any]:
    ctx.state.project(parent.id)
    found = [d for d in _listed(ctx.state) if d.project_id == parent.id]
    return connection(sorted(found, key=lambda d: d.created_ts, reverse=True), **paging)
