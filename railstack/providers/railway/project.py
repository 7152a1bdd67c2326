"""Railway project: one per railstack stack. Creating one also creates its first environment.

A token that sees several workspaces must say which one a new project goes to (`workspaceId` in
`projectCreate`; Railway's CLI src/commands/init.rs refuses to guess, the Terraform provider's
docs/resources/project.md calls it required then): `railway:workspaceId` in the stack's config, or
RAILWAY_WORKSPACE_ID. The workspace Railway put the project in is kept in the state, so a project
is only provably gone when the token sees that workspace and the workspace no longer lists it.
"""

from __future__ import annotations

from typing import Any

from railstack.providers.railway._base import (
    CreateResult,
    DictProvider,
    DiffResult,
    ReadResult,
    UpdateResult,
    Where,
    edges,
    paginate,
)
from railstack.providers.railway.client import RailwayError
from railstack.providers.railway.schema import Prop

WORKSPACE_REQUIRED = "workspaceid is required"


class ProjectProvider(DictProvider):
    TYPE = "Project"
    DESCRIPTION = (
        "A Railway project. Its first environment (`defaultEnvironmentName`, Railway's default "
        '"production") is created with it and exposed as `defaultEnvironmentId`.'
    )
    IMPORT_ID = "<projectId>"
    INPUTS = {
        "name": Prop("string", "The project's name.", required=True, change="update"),
        "description": Prop("string", "The project's description.", change="update"),
        "pr_deploys": Prop("boolean", "Whether Railway deploys pull requests into PR environments.", change="update"),
        "default_environment_name": Prop(
            "string", 'Name of the environment created with the project (Railway: "production").', change="replace"
        ),
        "workspace_id": Prop(
            "string",
            "Workspace of the project; unset: the provider's `workspaceId`, else the token's only workspace.",
            change="replace",
        ),
    }
    OUTPUTS = {
        "project_id": Prop("string", "Railway's id of the project.", required=True),
        "default_environment_id": Prop("string", "The id of the environment created with the project.", required=True),
    }

    def _find_by_name(self, name: str, workspace_id: str | None) -> dict[str, Any] | None:
        def page(after: str | None) -> dict[str, Any]:
            return self.client.execute("Projects", {"workspaceId": workspace_id, "after": after})["projects"]

        for node in paginate(page):
            if node["name"] == name:
                return self.client.execute("Project", {"id": node["id"]})["project"]
        return None

    def _outs(self, props: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
        environments = edges(project.get("environments"))
        # The environment already known stays the default (an adopted project's may be named otherwise);
        # else the one created with the project, by its name.
        known = props.get("default_environment_id")
        wanted = props.get("default_environment_name") or "production"
        default = next((e for e in environments if e["id"] == known), None) or next(
            (e for e in environments if e["name"] == wanted), environments[0] if environments else None
        )
        return self.outputs(
            props,
            project_id=project["id"],
            default_environment_id=default["id"] if default else None,
            workspace_id=project.get("workspaceId") or props.get("workspace_id"),
        )

    def normalize(self, key: str, value: Any) -> Any:
        if key == "pr_deploys":
            return bool(value)
        return value

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # No workspace in the program means "the token's own": keep the one Railway chose. An
        # imported project has no default environment name: keep the one it has.
        news = {**news}
        if not news.get("workspace_id"):
            news["workspace_id"] = olds.get("workspace_id")
        if "default_environment_name" not in olds:
            news["default_environment_name"] = None
        return super().diff(id_, olds, news)

    def _workspace_help(self) -> str:
        workspaces = self.token_workspaces()
        if not workspaces:
            return ""
        return "; this token sees: " + ", ".join(f"{w['name']} ({w['id']})" for w in workspaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "ProjectCreate",
                {
                    "input": {
                        "name": props["name"],
                        "description": props.get("description"),
                        "prDeploys": bool(props.get("pr_deploys")),
                        "defaultEnvironmentName": props.get("default_environment_name"),
                        "workspaceId": props.get("workspace_id") or self.workspace_id,
                    }
                },
            )["projectCreate"]

        try:
            project = self.create_once(
                create, lambda: self._find_by_name(props["name"], props.get("workspace_id") or self.workspace_id)
            )
        except RailwayError as err:
            if WORKSPACE_REQUIRED in err.railway_message.lower():
                raise RailwayError(
                    "ProjectCreate",
                    "the Railway token sees more than one workspace, so Railway needs to be told which one gets "
                    "the project: set `pulumi config set railway:workspaceId <id>` (or export RAILWAY_WORKSPACE_ID)"
                    + self._workspace_help(),
                ) from None
            raise
        return CreateResult(id_=project["id"], outs=self._outs(props, project))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        data = self.read_or_gone("Project", {"id": id_}, Where.of(props, project_id=id_))
        if data is None or data.get("project") is None or data["project"].get("deletedAt"):
            return ReadResult(None, {})
        project = data["project"]
        current = {
            **props,
            "name": project["name"],
            "description": project.get("description"),
            "pr_deploys": bool(project.get("prDeploys")),
        }
        return ReadResult(id_, self._outs(current, project))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.write(
            "ProjectUpdate",
            {
                "id": id_,
                "input": {
                    "name": news["name"],
                    "description": news.get("description"),
                    "prDeploys": bool(news.get("pr_deploys")),
                },
            },
        )
        return UpdateResult(
            outs={**olds, **self.outputs(news), "project_id": id_, "workspace_id": olds.get("workspace_id")}
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("ProjectDelete", {"id": id_}, Where.of(props, project_id=id_))
