"""Projects: create (with exactly one default environment), read, update, delete with everything under them.

Railway lets only an account or workspace token create a project, so `projectCreate` under a
`Project-Access-Token` answers "Not Authorized". Project names are not unique on Railway and are not here.
"""

from __future__ import annotations

from typing import Any

from railway_emulator.errors import NOT_AUTHORIZED, NotImplementedByEmulator, RailwayError
from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import connection, generated_name, require_name
from railway_emulator.resolvers.environments import create_environment
from railway_emulator.state import Environment, Project, new_id

DEFAULT_ENVIRONMENT_NAME = "production"


MULTIPLE_WORKSPACES = "workspaceId is required: this token has access to more than one workspace"
"""cli src/commands/init.rs ("--workspace required ... (multiple workspaces available)") and TF
docs/resources/project.md ("Required if the railway token has access to multiple workspaces")."""


@query("project")
def project(ctx: Context, id: str) -> Project:
    # With soft deletes a deleted project stays readable here, `deletedAt` set (docs/railway-api.md, "Soft deletes").
    return ctx.state.project(id, deleted=True)


@query("projects")
def projects(ctx: Context, workspace_id: str | None = None, **paging: Any) -> dict[str, Any]:
    found = ctx.state.visible_projects()
    if workspace_id is not None:
        if workspace_id not in ctx.workspaces:
            raise RailwayError(NOT_AUTHORIZED)
        found = [p for p in found if p.workspace_id == workspace_id]
    return connection(found, **paging)


@query("apiToken")
def api_token(ctx: Context) -> dict[str, Any]:
    """The workspaces the token sees (schema: ApiTokenContext.workspaces, "Workspaces this subject can
    operate on via this token"). A project token answers "Not Authorized" (a guess, stricter)."""
    if not ctx.account_token:
        raise RailwayError(NOT_AUTHORIZED)
    names = ctx.state.workspace_names
    return {"workspaces": [{"id": w, "name": names.get(w, w)} for w in ctx.workspaces]}


@mutation("projectCreate")
def project_create(ctx: Context, input: dict[str, Any]) -> Project:
    if not ctx.account_token:
        raise RailwayError(NOT_AUTHORIZED)
    for unsupported in ("repo", "runtime"):
        if input.get(unsupported) is not None:
            raise NotImplementedByEmulator(f"projectCreate input.{unsupported}")
    state = ctx.state
    name = require_name(input["name"], "Project") if input.get("name") is not None else generated_name()
    environment_name = input.get("defaultEnvironmentName") or DEFAULT_ENVIRONMENT_NAME
    now = state.now_iso()
    created = Project(
        id=new_id(),
        name=name,
        description=input.get("description"),
        is_public=bool(input.get("isPublic") or False),
        pr_deploys=bool(input.get("prDeploys") or False),
        workspace_id=_workspace_for(ctx, input.get("workspaceId")),
        created_at=now,
        updated_at=now,
    )
    state.projects[created.id] = created
    default_environment = create_environment(state, created, require_name(environment_name, "Environment"))
    created.base_environment_id = default_environment.id
    return created


def _workspace_for(ctx: Context, workspace_id: str | None) -> str:
    if workspace_id is None:
        if len(ctx.workspaces) > 1:
            raise RailwayError(MULTIPLE_WORKSPACES)
        return ctx.workspaces[0]
    if workspace_id not in ctx.workspaces:
        raise RailwayError(NOT_AUTHORIZED)
    return workspace_id


@mutation("projectUpdate")
def project_update(ctx: Context, id: str, input: dict[str, Any]) -> Project:
    state = ctx.state
    target = state.project(id)
    if "name" in input and input["name"] is not None:
        target.name = require_name(input["name"], "Project")
    if "description" in input:
        target.description = input["description"]
    for key, attribute in (
        ("isPublic", "is_public"),
        ("prDeploys", "pr_deploys"),
        ("botPrEnvironments", "bot_pr_environments"),
        ("focusedPrEnvironments", "focused_pr_environments"),
    ):
        if input.get(key) is not None:
            setattr(target, attribute, bool(input[key]))
    if input.get("baseEnvironmentId") is not None:
        target.base_environment_id = state.environment_of_project(input["baseEnvironmentId"], id).id
    target.updated_at = state.now_iso()
    return target


@mutation("projectDelete")
def project_delete(ctx: Context, id: str) -> bool:
    ctx.state.project(id)
    ctx.state.delete_project(id)
    return True


@field("Project", "environments")
def project_environments(
    ctx: Context, parent: Project, is_ephemeral: bool | None = None, sort: str | None = None, **paging: Any
) -> dict[str, Any]:
    ctx.state.project(parent.id)  # a deleted project's children answer "Not Authorized"
    found = ctx.state.environments_of(parent.id)
    if is_ephemeral is not None:
        found = [env for env in found if env.is_ephemeral == is_ephemeral]
    if sort == "desc":
        found = list(reversed(found))
    return connection(found, **paging)


@field("Project", "services")
def project_services(ctx: Context, parent: Project, **paging: Any) -> dict[str, Any]:
    ctx.state.project(parent.id)
    return connection(ctx.state.services_of(parent.id), **paging)


@field("Project", "volumes")
def project_volumes(ctx: Context, parent: Project, **paging: Any) -> dict[str, Any]:
    ctx.state.project(parent.id)
    return connection(ctx.state.volumes_of(parent.id), **paging)


@field("Project", "baseEnvironment")
def project_base_environment(ctx: Context, parent: Project) -> Environment | None:
    if parent.base_environment_id is None:
        return None
    return ctx.state.environments.get(parent.base_environment_id)


@field("Project", "team")
def project_team(ctx: Context, parent: Project) -> None:
    return None


@field("Project", "buckets")
def project_buckets(ctx: Context, parent: Project, **paging: Any) -> dict[str, Any]:
    return connection([], **paging)


@field("Project", "plugins")
def project_plugins(ctx: Context, parent: Project, **paging: Any) -> dict[str, Any]:
    return connection([], **paging)
