"""Railway service: the project-level identity of a service (its name).

Sources (image or repo), registry credentials and settings are per environment and live in
ServiceInstance: creating a service with a source makes Railway deploy it at once, before its
variables and settings exist, and that would be a second deployment in the same `pulumi up`.
"""

from __future__ import annotations

from typing import Any

from railstack.providers.railway._base import (
    CreateResult,
    DictProvider,
    ReadResult,
    UpdateResult,
    Where,
    paginate,
)
from railstack.providers.railway.schema import Prop


class ServiceProvider(DictProvider):
    TYPE = "Service"
    DESCRIPTION = "A Railway service. Names are unique per project and are what `${{Name.VAR}}` references use."
    IMPORT_ID = "<serviceId>"
    INPUTS = {
        "project_id": Prop("string", "The project the service belongs to.", required=True, change="replace"),
        "name": Prop("string", "The service's name, unique in its project.", required=True, change="update"),
        "icon": Prop("string", "An icon URL or name shown on Railway's canvas.", change="update"),
        "role": Prop(
            "string",
            "railstack's record of what the service runs (api, worker, beat, flower, postgres, redis), for "
            "policy packs; Railway never sees it and a change never updates the service.",
        ),
    }
    OUTPUTS = {"service_id": Prop("string", "Railway's id of the service.", required=True)}

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
        data = self.read_or_gone("Service", {"id": id_}, Where.of(props, service_id=id_))
        service = (data or {}).get("service")
        if service is None or service.get("deletedAt"):
            return ReadResult(None, {})
        current = {**props, "name": service["name"], "icon": service.get("icon"), "project_id": service["projectId"]}
        return ReadResult(id_, self.outputs(current, service_id=id_))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.write("ServiceUpdate", {"id": id_, "input": {"name": news["name"], "icon": news.get("icon")}})
        return UpdateResult(outs=self.outputs(news, service_id=id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("ServiceDelete", {"id": id_}, Where.of(props, service_id=id_))
