"""Deployment triggers: a service instance's auto-deploy of a GitHub branch (docs/railway-api.md,
"Auto-deploys and watch paths"; docs deployments/github-autodeploys.md; schema `DeploymentTrigger`).

Connecting a repo source with a branch to an instance (`serviceCreate` with a repo source and a branch,
`serviceConnect` with repo and branch, a committed patch setting `source.repo` with a branch where the
instance had none) creates its one trigger, `checkSuites` taken from the instance's `source.checkSuites`
(default false); a patch that changes the branch, the repository or `checkSuites` updates it; removing the
repo source (source null, an image set, `serviceDisconnect`) deletes the instance's triggers. Deleting
a trigger is how auto-deploy is turned off ("Disable": no deployment on new commits); the mutations
create, update and delete them as the schema says. Triggers go with their service instance (state.py).
The Terraform community provider listed them with `deploymentTriggers(projectId, environmentId,
serviceId)` (internal/provider/resource_service.graphql) and had a `railway_deployment_trigger`
resource until its 0.5.0.
"""

from __future__ import annotations

from typing import Any

from railway_emulator.errors import NOT_AUTHORIZED, RailwayError
from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import connection
from railway_emulator.state import DeploymentTrigger, Environment, Project, Service, ServiceInstance, State, new_id

PROVIDERS = ("github",)
"""Trigger providers the emulator models: Railway's auto-deploys are GitHub's (docs
deployments/github-autodeploys.md); any other provider is refused (stricter)."""


def connected(instance: ServiceInstance) -> tuple[str, str] | None:
    """(repository, branch) when the instance has a repo source with a branch."""
    repo = (instance.source or {}).get("repo")
    return (repo, instance.branch) if repo and instance.branch else None


def sync_triggers(state: State, instance: ServiceInstance, before: tuple[str, str] | None) -> None:
    """Bring the instance's triggers in line with its source after a write; `before` is what
    `connected(instance)` was before the write."""
    now = connected(instance)
    existing = state.triggers_of(instance.service_id, instance.environment_id)
    if now is None:
        for trigger in existing:
            del state.deployment_triggers[trigger.id]
        return
    repo, branch = now
    if before is None:
        if not existing:
            _new(state, instance, repo, branch, bool(instance.check_suites))
        return
    # A change of branch, repository or checkSuites updates the trigger; a deleted trigger (auto-deploy
    # turned off) stays deleted.
    for trigger in existing:
        trigger.repository = repo
        trigger.branch = branch
        trigger.check_suites = bool(instance.check_suites)


def _new(state: State, instance: ServiceInstance, repo: str, branch: str, check_suites: bool) -> DeploymentTrigger:
    service = state.services[instance.service_id]
    trigger = DeploymentTrigger(
        id=new_id(),
        project_id=service.project_id,
        environment_id=instance.environment_id,
        service_id=instance.service_id,
        repository=repo,
        branch=branch,
        check_suites=check_suites,
    )
    state.deployment_triggers[trigger.id] = trigger
    return trigger


def _trigger(state: State, trigger_id: str) -> DeploymentTrigger:
    found = state.deployment_triggers.get(trigger_id)
    if found is None or not state.visible(found.project_id):
        raise RailwayError(NOT_AUTHORIZED)
    state.instance(found.service_id, found.environment_id)
    return found


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RailwayError(f"{name} must be a non-empty string")
    return value


@query("deploymentTriggers")
def deployment_triggers(
    ctx: Context, project_id: str, environment_id: str, service_id: str, **paging: Any
) -> dict[str, Any]:
    state = ctx.state
    project = state.project(project_id)
    state.environment_of_project(environment_id, project.id)
    state.service_of_project(service_id, project.id)
    return connection(state.triggers_of(service_id, environment_id), **paging)


@mutation("deploymentTriggerCreate")
def deployment_trigger_create(ctx: Context, input: dict[str, Any]) -> DeploymentTrigger:
    state = ctx.state
    project = state.project(input["projectId"])
    state.environment_of_project(input["environmentId"], project.id)
    state.service_of_project(input["serviceId"], project.id)
    instance = state.instance(input["serviceId"], input["environmentId"])
    provider = input["provider"]
    if provider not in PROVIDERS:
        raise RailwayError(f'Unknown deployment trigger provider "{provider}": use one of {", ".join(PROVIDERS)}')
    branch = _text(input["branch"], "branch")
    repository = _text(input["repository"], "repository")
    if any(t.branch == branch for t in state.triggers_of(instance.service_id, instance.environment_id)):
        raise RailwayError(f"A deployment trigger for branch {branch} already exists for this service instance")
    trigger = _new(state, instance, repository, branch, bool(input.get("checkSuites")))
    trigger.root_directory = input.get("rootDirectory")
    return trigger


@mutation("deploymentTriggerUpdate")
def deployment_trigger_update(ctx: Context, id: str, input: dict[str, Any]) -> DeploymentTrigger:
    state = ctx.state
    trigger = _trigger(state, id)
    if input.get("branch") is not None:
        branch = _text(input["branch"], "branch")
        others = [t for t in state.triggers_of(trigger.service_id, trigger.environment_id) if t.id != trigger.id]
        if any(t.branch == branch for t in others):
            raise RailwayError(f"A deployment trigger for branch {branch} already exists for this service instance")
        trigger.branch = branch
    if input.get("repository") is not None:
        trigger.repository = _text(input["repository"], "repository")
    if input.get("checkSuites") is not None:
        trigger.check_suites = bool(input["checkSuites"])
    if "rootDirectory" in input:
        trigger.root_directory = input["rootDirectory"]
    return trigger


@mutation("deploymentTriggerDelete")
def deployment_trigger_delete(ctx: Context, id: str) -> bool:
    state = ctx.state
    trigger = _trigger(state, id)
    del state.deployment_triggers[trigger.id]
    return True


@field("Environment", "deploymentTriggers")
def environment_deployment_triggers(ctx: Context, parent: Environment, **paging: Any) -> dict[str, Any]:
    state = ctx.state
    state.environment(parent.id)
    found = [t for t in state.deployment_triggers.values() if t.environment_id == parent.id]
    return connection(found, **paging)


@field("Project", "deploymentTriggers")
def project_deployment_triggers(ctx: Context, parent: Project, **paging: Any) -> dict[str, Any]:
    state = ctx.state
    state.project(parent.id)
    found = [t for t in state.deployment_triggers.values() if t.project_id == parent.id]
    return connection(found, **paging)


@field("Service", "repoTriggers")
def service_repo_triggers(ctx: Context, parent: Service, **paging: Any) -> dict[str, Any]:
    state = ctx.state
    state.service(parent.id)
    found = [t for t in state.deployment_triggers.values() if t.service_id == parent.id]
    return connection(found, **paging)
