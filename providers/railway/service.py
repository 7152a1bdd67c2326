"""Railway service: the project-level identity of a service (its name).

Sources (image or repo), registry credentials and settings are per environment and live in
ServiceInstance: creating a service with a source makes Railway deploy it at once, before its
variables and settings exist, and that would be a second deployment in the same `pulumi up`.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from providers.railway._base import RailwayResourceProvider, paginate


class ServiceProvider(RailwayResourceProvider):
    KIND = "railway:Service"
    UPDATE_ON = frozenset({"name", "icon"})
    REPLACE_ON = frozenset({"project_id"})

    def _find(self, project_id: str, name: str) -> dict[str, Any] | None:
        def page(after: str | None) -> dict[str, Any]:
            return self.client.execute("ProjectServices", {"projectId": project_id, "after": after})["project"][
                "services"
            ]

        return next((s for s in paginate(page) if s["name"] == name), None)

    def create(self, props: dict[str, Any]) -> CreateResult:
        def create() -> dict[str, Any]:
            service_input = {"projectId": props["project_id"], "name": props["name"]}
            if props.get("icon"):
                service_input["icon"] = props["icon"]
            return self.client.execute("ServiceCreate", {"input": service_input})["serviceCreate"]

        service = self.create_once(create, lambda: self._find(props["project_id"], props["name"]))
        return CreateResult(id_=service["id"], outs=self.outputs(props, service_id=service["id"]))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        data = self.read_or_gone("Service", {"id": id_}, {**props, "service_id": id_})
        service = (data or {}).get("service")
        if service is None or service.get("deletedAt"):
            return ReadResult(None, {})
        current = {**props, "name": service["name"], "icon": service.get("icon"), "project_id": service["projectId"]}
        return ReadResult(id_, self.outputs(current, service_id=id_))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.write("ServiceUpdate", {"id": id_, "input": {"name": news["name"], "icon": news.get("icon")}})
        return UpdateResult(outs=self.outputs(news, service_id=id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("ServiceDelete", {"id": id_}, {**props, "service_id": id_})


class Service(Resource):
    """A Railway service. Names are unique per project and are what `${{Name.VAR}}` references use."""

    kind: pulumi.Output[str]
    role: pulumi.Output[str | None]
    service_id: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: pulumi.Input[str],
        name: pulumi.Input[str],
        icon: pulumi.Input[str] | None = None,
        role: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # `role` (api, worker, beat, flower, postgres, redis) is railstack's record of what the
        # service runs, for the policy pack; Railway never sees it and a change never updates it.
        super().__init__(
            ServiceProvider(),
            resource_name,
            {
                "project_id": project_id,
                "name": name,
                "icon": icon,
                "role": role,
                "kind": ServiceProvider.KIND,
                "service_id": None,
            },
            opts,
        )
