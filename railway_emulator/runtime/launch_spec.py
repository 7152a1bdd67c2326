"""What one deployment runs in container mode (`LaunchSpec`), read from the emulator's records under
its lock: the deployment's settings snapshot (`meta.serviceManifest`) and the variables as they are now.

Where Railway documents what is read here:

- **Image.** The source's image; `--image-map SRC=DST` maps an image that exists only in a registry
  to a local one.
- **Repository source** (docs/railway-api.md, "Repository builds"): a repo source is built from the
  local git repository `--repo-map OWNER/NAME=PATH` maps it to (unmapped: FAILED, saying how to map
  it; no branch: FAILED, TF PR 21). The commit is the deployment's `meta.commitHash` (resolved when
  the deployment was recorded: the deploy's `commitSha`, else `source.commitSha`, else the branch
  head). The Dockerfile path is `dockerfilePath`, or the service variable RAILWAY_DOCKERFILE_PATH
  (docs builds/dockerfiles.md); how the build runs is `build.py`'s.
- **Start command** (docs deployments/start-command.md): for an image it replaces the image's
  ENTRYPOINT in exec form, split like a shell would split it but with no variable expansion
  (`shlex.split`); no start command runs the image's own ENTRYPOINT and CMD.
- **Variables** (docs variables/reference.md, "Railway-provided variables"): the service's variables
  rendered as Railway renders references (`resolvers/variables.render`), plus the variables Railway
  provides (RAILWAY_PRIVATE_DOMAIN, RAILWAY_SERVICE_NAME, RAILWAY_ENVIRONMENT_NAME, ...,
  RAILWAY_DEPLOYMENT_ID, and per container RAILWAY_REPLICA_ID and RAILWAY_REPLICA_REGION). The
  "user-provided configuration variables" of the same page, when the service sets them, take the
  place of their settings: RAILWAY_DEPLOYMENT_OVERLAP_SECONDS, RAILWAY_DEPLOYMENT_DRAINING_SECONDS,
  RAILWAY_HEALTHCHECK_TIMEOUT_SEC (docs deployments/deployment-teardown.md, healthchecks.md).
- **Replicas** (docs deployments/scaling.md): the total of `multiRegionConfig` (regions are not
  modelled), one container each.
- **Restart policy** (docs deployments/restart-policy.md): ON_FAILURE with its max retries, ALWAYS,
  NEVER, as the Docker restart policy of every container.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from railway_emulator.repos import Repos, not_mapped

if TYPE_CHECKING:
    from railway_emulator.state import Deployment, State

#: Railway's default healthcheck timeout when a path is set without one (docs deployments/healthchecks.md).
DEFAULT_HEALTHCHECK_TIMEOUT = 300


@dataclass
class RepoBuildSpec:
    """What building a repository source needs (docs/railway-api.md, "Repository builds")."""

    repo: str
    branch: str
    commit: str
    root_directory: str | None
    dockerfile_path: str | None
    dockerfile_setting: str
    build_command: str | None
    builder: str


@dataclass
class LaunchSpec:
    """Everything one deployment needs, read from the emulator's records under its lock."""

    deployment_id: str
    service_id: str
    environment_id: str
    project_id: str
    service_name: str
    alias: str
    image: str | None
    """The image to run; for a repository source, set to the built image once the build succeeds."""
    refused: list[str] | None
    """Lines saying why the deployment cannot run (error lines of the build log for a repo source)."""
    refused_stream: str
    entrypoint: list[str] | None
    pre_deploy: list[str] | None
    environment: dict[str, str]
    volume: tuple[str, str] | None
    """(volume instance id, mount path)."""
    replicas: int
    healthcheck_path: str | None
    healthcheck_timeout: float
    port: int | None
    restart_policy: dict[str, Any]
    overlap_seconds: float
    draining_seconds: float
    region: str
    build: RepoBuildSpec | None = None


def launch_spec(state: State, deployment: Deployment, repos: Repos, image_map: dict[str, str]) -> LaunchSpec:
    """What the deployment runs, from its settings snapshot and the variables as they are now."""
    from railway_emulator.resolvers.common import dns_label

    manifest = deployment.meta.get("serviceManifest") or {}
    source, deploy = manifest.get("source") or {}, manifest.get("deploy") or {}
    service = state.services[deployment.service_id]
    refused: list[str] | None = None
    refused_stream = "deploy"
    image = source.get("image")
    environment = _variables(state, deployment)
    build = None
    repo = source.get("repo")
    if repo and not image:
        # A repository source is built (docs/railway-api.md, "Repository builds"); why it cannot be
        # goes to the build log.
        refused_stream = "build"
        refused, build = _repository_build(repo, source, manifest.get("build") or {}, deployment, environment, repos)
    elif not image:
        refused = [f"{service.name} has no source image to run"]

    volume = state.volume_instance_for(deployment.service_id, deployment.environment_id)
    start = deploy.get("startCommand")
    pre = deploy.get("preDeployCommand")
    if isinstance(pre, list):
        pre = " && ".join(str(p) for p in pre) if len(pre) != 1 else pre[0]
    replicas, region = _replicas_and_region(deploy)
    restart_policy = _restart_policy(deploy)
    port = environment.get("PORT")
    return LaunchSpec(
        deployment_id=deployment.id,
        service_id=deployment.service_id,
        environment_id=deployment.environment_id,
        project_id=deployment.project_id,
        service_name=service.name,
        alias=f"{dns_label(service.name)}.railway.internal",
        image=image_map.get(image, image) if image else None,
        refused=refused,
        refused_stream=refused_stream,
        build=build,
        entrypoint=shlex.split(start) if start else None,
        pre_deploy=shlex.split(pre) if pre else None,
        environment=environment,
        volume=(volume.id, volume.mount_path) if volume else None,
        replicas=max(replicas, 0),
        healthcheck_path=deploy.get("healthcheckPath"),
        healthcheck_timeout=_configured(
            environment, deploy, "RAILWAY_HEALTHCHECK_TIMEOUT_SEC", "healthcheckTimeout", DEFAULT_HEALTHCHECK_TIMEOUT
        ),
        port=int(port) if port and str(port).isdigit() else None,
        restart_policy=restart_policy,
        overlap_seconds=_configured(environment, deploy, "RAILWAY_DEPLOYMENT_OVERLAP_SECONDS", "overlapSeconds", 0),
        draining_seconds=_configured(environment, deploy, "RAILWAY_DEPLOYMENT_DRAINING_SECONDS", "drainingSeconds", 0),
        region=region or "us-west2",
    )


def _variables(state: State, deployment: Deployment) -> dict[str, str]:
    """The Railway-provided variables, then the service's rendered over them, then the deployment id."""
    from railway_emulator.resolvers.variables import provided_variables, render

    service_variables = dict(state.service_variables.get((deployment.service_id, deployment.environment_id), {}))
    environment = dict(provided_variables(state, deployment.service_id, deployment.environment_id))
    for name, value in service_variables.items():
        environment[name] = render(state, deployment.environment_id, deployment.service_id, value)
    environment["RAILWAY_DEPLOYMENT_ID"] = deployment.id  # docs variables/reference.md, provided
    return environment


def _repository_build(
    repo: str,
    source: dict[str, Any],
    settings: dict[str, Any],
    deployment: Deployment,
    environment: dict[str, str],
    repos: Repos,
) -> tuple[list[str] | None, RepoBuildSpec | None]:
    """(why the repository source cannot be built, or what building it needs)."""
    if not source.get("branch"):
        # TF PR 21: without a branch nothing builds; the emulator fails loudly (stricter).
        return [f"No branch is connected to repo {repo}: nothing to build"], None
    if repo not in repos:
        return [not_mapped(repo)], None
    if deployment.failure is not None:
        return list(deployment.failure), None
    if not deployment.meta.get("commitHash"):
        return [f"Cannot build {repo}: no commit was resolved for branch {source['branch']}"], None
    from_variable = environment.get("RAILWAY_DOCKERFILE_PATH") or None
    return None, RepoBuildSpec(
        repo=repo,
        branch=str(source["branch"]),
        commit=str(deployment.meta["commitHash"]),
        root_directory=settings.get("rootDirectory"),
        dockerfile_path=from_variable or settings.get("dockerfilePath"),
        dockerfile_setting="RAILWAY_DOCKERFILE_PATH" if from_variable else "dockerfilePath",
        build_command=settings.get("buildCommand"),
        builder=str(settings.get("builder") or "RAILPACK"),
    )


def _configured(
    environment: dict[str, str], deploy: dict[str, Any], variable: str, setting: str, default: float
) -> float:
    # A user-provided configuration variable the service sets takes the place of the setting.
    value = environment.get(variable)
    if value not in (None, ""):
        try:
            return float(value)
        except ValueError:
            pass
    return float(deploy.get(setting) or default)


def _replicas_and_region(deploy: dict[str, Any]) -> tuple[int, str | None]:
    """(the total replicas of `multiRegionConfig`, else `numReplicas`; the first region with replicas)."""
    regions = deploy.get("multiRegionConfig") or {}
    replicas = (
        sum(int((c or {}).get("numReplicas") or 0) for c in regions.values())
        if regions
        else int(deploy.get("numReplicas") or 1)
    )
    region = next((r for r, c in regions.items() if (c or {}).get("numReplicas")), None) or deploy.get("region")
    return replicas, region


def _restart_policy(deploy: dict[str, Any]) -> dict[str, Any]:
    """The Docker restart policy of Railway's `restartPolicyType` (default ON_FAILURE, 10 retries)."""
    policy = deploy.get("restartPolicyType") or "ON_FAILURE"
    return {"ALWAYS": {"Name": "always"}, "NEVER": {"Name": "no"}}.get(
        policy, {"Name": "on-failure", "MaximumRetryCount": int(deploy.get("restartPolicyMaxRetries") or 10)}
    )
