"""Railway project: one per railstack stack. Creating one also creates its first environment.

A token that sees several workspaces must say which one a new project goes to (`workspaceId` in
`projectCreate`; Railway's CLI src/commands/init.rs refuses to guess, the Terraform provider's
docs/resources/project.md calls it required then): `railway:workspaceId` in the stack's config, or
RAILWAY_WORKSPACE_ID. The workspace Railway put the project in is kept in the state, so a project
is only provably gone when the token sees that workspace and the workspace no longer lists it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from railstack.providers.railway._base import Created, DiffResult, Handler, Where, edges, paginate
from railstack.providers.railway.client import RailwayError
from railstack.providers.railway.schema import Props, State, prop

WORKSPACE_REQUIRED = "workspaceid is required"


class ProjectArgs(Props):
    name: str = prop("The project's name.", change="update")
    description: str | None = prop("The project's description.", change="update", default=None)
    pr_deploys: bool | None = prop(
        "Whether Railway deploys pull requests into PR environments.", change="update", compare_as=bool, default=None
    )
    default_environment_name: str | None = prop(
        'Name of the environment created with the project (Railway: "production").', change="replace", default=None
    )
    workspace_id: str | None = prop(
        "Workspace of the project; unset: the provider's `workspaceId`, else the token's only workspace.",
        change="replace",
        default=None,
    )


class ProjectState(State[ProjectArgs]):
    project_id: str = prop("Railway's id of the project.")
    # None only for a project without environments, which Railway does not make.
    default_environment_id: str | None = prop("The id of the environment created with the project.")


class ProjectProvider(Handler[ProjectArgs, ProjectState]):
    TYPE = "Project"
    DESCRIPTION = (
        "A Railway project. Its first environment (`defaultEnvironmentName`, Railway's default "
        '"production") is created with it and exposed as `defaultEnvironmentId`.'
    )
    IMPORT_ID = "<projectId>"
    STATE = ProjectState

    def _find_by_name(self, name: str, workspace_id: str | None) -> dict[str, Any] | None:
        def page(after: str | None) -> dict[str, Any]:
            return self.client.execute("Projects", {"workspaceId": workspace_id, "after": after})["projects"]

        for node in paginate(page):
            if node["name"] == name:
                return self.client.execute("Project", {"id": node["id"]})["project"]
        return None

    def _project_state(self, args: ProjectArgs, project: dict[str, Any], known: str | None = None) -> ProjectState:
        environments = edges(project.get("environments"))
        # The environment already known stays the default (an adopted project's may be named otherwise);
        # else the one created with the project, by its name.
        wanted = args.default_environment_name or "production"
        default = next((e for e in environments if e["id"] == known), None) or next(
            (e for e in environments if e["name"] == wanted), environments[0] if environments else None
        )
        return ProjectState(
            args=replace(args, workspace_id=project.get("workspaceId") or args.workspace_id),
            project_id=project["id"],
            default_environment_id=default["id"] if default else None,
        )

    def diff(self, id_: str, olds: ProjectState, news: ProjectArgs) -> DiffResult:
        # No workspace in the program means "the token's own": keep the one Railway chose. An
        # imported project has no default environment name: keep the one it has.
        if not news.workspace_id:
            news = replace(news, workspace_id=olds.args.workspace_id)
        if olds.args.default_environment_name is None:
            news = replace(news, default_environment_name=None)
        return super().diff(id_, olds, news)

    def _workspace_help(self) -> str:
        workspaces = self.token_workspaces()
        if not workspaces:
            return ""
        return "; this token sees: " + ", ".join(f"{w['name']} ({w['id']})" for w in workspaces)

    def create(self, args: ProjectArgs) -> Created[ProjectState]:
        workspace_id = args.workspace_id or self.workspace_id

        def create() -> dict[str, Any]:
            return self.client.execute(
                "ProjectCreate",
                {
                    "input": {
                        "name": args.name,
                        "description": args.description,
                        "prDeploys": bool(args.pr_deploys),
                        "defaultEnvironmentName": args.default_environment_name,
                        "workspaceId": workspace_id,
                    }
                },
            )["projectCreate"]

        try:
            project = self.create_once(create, lambda: self._find_by_name(args.name, workspace_id))
        except RailwayError as err:
            if WORKSPACE_REQUIRED in err.railway_message.lower():
                raise RailwayError(
                    "ProjectCreate",
                    "the Railway token sees more than one workspace, so Railway needs to be told which one gets "
                    "the project: set `pulumi config set railway:workspaceId <id>` (or export RAILWAY_WORKSPACE_ID)"
                    + self._workspace_help(),
                ) from None
            raise
        return Created(project["id"], self._project_state(args, project))

    def read(self, id_: str, state: ProjectState) -> ProjectState | None:
        data = self.read_or_gone("Project", {"id": id_}, Where(project_id=id_, workspace_id=state.args.workspace_id))
        if data is None or data.get("project") is None or data["project"].get("deletedAt"):
            return None
        project = data["project"]
        current = replace(
            state.args,
            name=project["name"],
            description=project.get("description"),
            pr_deploys=bool(project.get("prDeploys")),
        )
        return self._project_state(current, project, known=state.default_environment_id)

    def update(self, id_: str, olds: ProjectState, news: ProjectArgs) -> ProjectState:
        self.write(
            "ProjectUpdate",
            {
                "id": id_,
                "input": {"name": news.name, "description": news.description, "prDeploys": bool(news.pr_deploys)},
            },
        )
        # The workspace and the first environment stay what they are (neither changes in place).
        return replace(olds, args=replace(news, workspace_id=olds.args.workspace_id), project_id=id_)

    def delete(self, id_: str, state: ProjectState) -> None:
        self.delete_quietly("ProjectDelete", {"id": id_}, Where(project_id=id_, workspace_id=state.args.workspace_id))
