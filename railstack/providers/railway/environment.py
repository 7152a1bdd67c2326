"""Railway environment: an extra environment of a project (the first comes with the project)."""

from __future__ import annotations

from typing import Any

from railstack.providers.railway._base import (
    CreateResult,
    DictProvider,
    DiffResult,
    ReadResult,
    UpdateResult,
    Where,
    paginate,
)
from railstack.providers.railway.schema import Prop


class EnvironmentProvider(DictProvider):
    TYPE = "Environment"
    DESCRIPTION = "A Railway environment in a project, created without an initial deployment."
    IMPORT_ID = "<environmentId>"
    INPUTS = {
        "project_id": Prop("string", "The project the environment belongs to.", required=True, change="replace"),
        "name": Prop("string", "The environment's name.", required=True, change="update"),
        "source_environment_id": Prop(
            "string", "An environment whose services and variables the new one copies.", change="replace"
        ),
    }
    OUTPUTS = {"environment_id": Prop("string", "Railway's id of the environment.", required=True)}

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # What an environment was copied from is history Railway does not keep: an imported one keeps it.
        if "source_environment_id" not in olds:
            news = {**news, "source_environment_id": None}
        return super().diff(id_, olds, news)

    def _find(self, project_id: str, name: str) -> dict[str, Any] | None:
        def page(after: str | None) -> dict[str, Any]:
            return self.client.execute("Environments", {"projectId": project_id, "after": after})["environments"]

        return next((e for e in paginate(page) if e["name"] == name), None)

    def create(self, props: dict[str, Any]) -> CreateResult:
        def create() -> dict[str, Any]:
            environment_input = {
                "projectId": props["project_id"],
                "name": props["name"],
                "skipInitialDeploys": True,
            }
            # Railway rejects an empty sourceEnvironmentId: send it only when set.
            if props.get("source_environment_id"):
                environment_input["sourceEnvironmentId"] = props["source_environment_id"]
            return self.client.execute("EnvironmentCreate", {"input": environment_input})["environmentCreate"]

        env = self.create_once(create, lambda: self._find(props["project_id"], props["name"]))
        return CreateResult(id_=env["id"], outs=self.outputs(props, environment_id=env["id"]))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        data = self.read_or_gone("Environment", {"id": id_}, Where.of(props, environment_id=id_))
        env = (data or {}).get("environment")
        if env is None or env.get("deletedAt"):
            return ReadResult(None, {})
        current = {**props, "name": env["name"], "project_id": env["projectId"]}
        return ReadResult(id_, self.outputs(current, environment_id=id_))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.write("EnvironmentRename", {"id": id_, "input": {"name": news["name"]}})
        return UpdateResult(outs=self.outputs(news, environment_id=id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("EnvironmentDelete", {"id": id_}, Where.of(props, environment_id=id_))
