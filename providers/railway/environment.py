"""Railway environment: an extra environment of a project (the first comes with the project)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from providers.railway._base import RailwayResourceProvider, paginate


class EnvironmentProvider(RailwayResourceProvider):
    KIND = "railway:Environment"
    UPDATE_ON = frozenset({"name"})
    REPLACE_ON = frozenset({"project_id", "source_environment_id"})

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
        data = self.read_or_gone("Environment", {"id": id_}, {**props, "environment_id": id_})
        env = (data or {}).get("environment")
        if env is None or env.get("deletedAt"):
            return ReadResult(None, {})
        current = {**props, "name": env["name"], "project_id": env["projectId"]}
        return ReadResult(id_, self.outputs(current, environment_id=id_))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.write("EnvironmentRename", {"id": id_, "input": {"name": news["name"]}})
        return UpdateResult(outs=self.outputs(news, environment_id=id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("EnvironmentDelete", {"id": id_}, {**props, "environment_id": id_})


class Environment(Resource):
    """A Railway environment in a project (created without an initial deployment)."""

    kind: pulumi.Output[str]
    environment_id: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: pulumi.Input[str],
        name: pulumi.Input[str],
        source_environment_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            EnvironmentProvider(),
            resource_name,
            {
                "project_id": project_id,
                "name": name,
                "source_environment_id": source_environment_id,
                "kind": EnvironmentProvider.KIND,
                "environment_id": None,
            },
            opts,
        )
