"""Railway environment: an extra environment of a project (the first comes with the project)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from railstack.providers.railway._base import Created, DiffResult, Handler, Where, paginate
from railstack.providers.railway.schema import Props, State, prop


class EnvironmentArgs(Props):
    project_id: str = prop("The project the environment belongs to.", change="replace")
    name: str = prop("The environment's name.", change="update")
    source_environment_id: str | None = prop(
        "An environment whose services and variables the new one copies.", change="replace", default=None
    )


class EnvironmentState(State[EnvironmentArgs]):
    environment_id: str = prop("Railway's id of the environment.")


class EnvironmentProvider(Handler[EnvironmentArgs, EnvironmentState]):
    TYPE = "Environment"
    DESCRIPTION = "A Railway environment in a project, created without an initial deployment."
    IMPORT_ID = "<environmentId>"
    STATE = EnvironmentState

    def diff(self, id_: str, olds: EnvironmentState, news: EnvironmentArgs) -> DiffResult:
        # What an environment was copied from is history Railway does not keep: an imported one keeps it.
        # (One created without a source records none either, as before: the state never holds a null.)
        if olds.args.source_environment_id is None:
            news = replace(news, source_environment_id=None)
        return super().diff(id_, olds, news)

    def _find(self, project_id: str, name: str) -> dict[str, Any] | None:
        def page(after: str | None) -> dict[str, Any]:
            return self.client.execute("Environments", {"projectId": project_id, "after": after})["environments"]

        return next((e for e in paginate(page) if e["name"] == name), None)

    def create(self, args: EnvironmentArgs) -> Created[EnvironmentState]:
        def create() -> dict[str, Any]:
            environment_input: dict[str, Any] = {
                "projectId": args.project_id,
                "name": args.name,
                "skipInitialDeploys": True,
            }
            # Railway rejects an empty sourceEnvironmentId: send it only when set.
            if args.source_environment_id:
                environment_input["sourceEnvironmentId"] = args.source_environment_id
            return self.client.execute("EnvironmentCreate", {"input": environment_input})["environmentCreate"]

        env = self.create_once(create, lambda: self._find(args.project_id, args.name))
        return Created(env["id"], EnvironmentState(args=args, environment_id=env["id"]))

    def read(self, id_: str, state: EnvironmentState) -> EnvironmentState | None:
        data = self.read_or_gone("Environment", {"id": id_}, self._where(id_, state))
        env = (data or {}).get("environment")
        if env is None or env.get("deletedAt"):
            return None
        current = replace(state.args, name=env["name"], project_id=env["projectId"])
        return EnvironmentState(args=current, environment_id=id_)

    def update(self, id_: str, olds: EnvironmentState, news: EnvironmentArgs) -> EnvironmentState:
        self.write("EnvironmentRename", {"id": id_, "input": {"name": news.name}})
        return EnvironmentState(args=news, environment_id=id_)

    def delete(self, id_: str, state: EnvironmentState) -> None:
        self.delete_quietly("EnvironmentDelete", {"id": id_}, self._where(id_, state))

    @staticmethod
    def _where(id_: str, state: EnvironmentState) -> Where:
        return Where(project_id=state.args.project_id, environment_id=id_)
