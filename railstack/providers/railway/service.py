"""Railway service: the project-level identity of a service (its name).

Sources (image or repo), registry credentials and settings are per environment and live in
ServiceInstance: creating a service with a source makes Railway deploy it at once, before its
variables and settings exist, and that would be a second deployment in the same `pulumi up`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from railstack.providers.railway._base import Created, Handler, Where, paginate
from railstack.providers.railway.schema import Props, State, prop


class ServiceArgs(Props):
    project_id: str = prop("The project the service belongs to.", change="replace")
    name: str = prop("The service's name, unique in its project.", change="update")
    icon: str | None = prop("An icon URL or name shown on Railway's canvas.", change="update", default=None)
    role: str | None = prop(
        "railstack's record of what the service runs (api, worker, beat, flower, postgres, redis), for "
        "policy packs; Railway never sees it and a change never updates the service.",
        default=None,
    )


class ServiceState(State[ServiceArgs]):
    service_id: str = prop("Railway's id of the service.")


class ServiceProvider(Handler[ServiceArgs, ServiceState]):
    TYPE = "Service"
    DESCRIPTION = "A Railway service. Names are unique per project and are what `${{Name.VAR}}` references use."
    IMPORT_ID = "<serviceId>"
    STATE = ServiceState

    def _find(self, project_id: str, name: str) -> dict[str, Any] | None:
        def page(after: str | None) -> dict[str, Any]:
            return self.client.execute("ProjectServices", {"projectId": project_id, "after": after})["project"][
                "services"
            ]

        return next((s for s in paginate(page) if s["name"] == name), None)

    def create(self, args: ServiceArgs) -> Created[ServiceState]:
        def create() -> dict[str, Any]:
            service_input = {"projectId": args.project_id, "name": args.name}
            if args.icon:
                service_input["icon"] = args.icon
            return self.client.execute("ServiceCreate", {"input": service_input})["serviceCreate"]

        service = self.create_once(create, lambda: self._find(args.project_id, args.name))
        return Created(service["id"], ServiceState(args=args, service_id=service["id"]))

    def read(self, id_: str, state: ServiceState) -> ServiceState | None:
        data = self.read_or_gone("Service", {"id": id_}, Where(project_id=state.args.project_id, service_id=id_))
        service = (data or {}).get("service")
        if service is None or service.get("deletedAt"):
            return None
        current = replace(state.args, name=service["name"], icon=service.get("icon"), project_id=service["projectId"])
        return ServiceState(args=current, service_id=id_)

    def update(self, id_: str, olds: ServiceState, news: ServiceArgs) -> ServiceState:
        self.write("ServiceUpdate", {"id": id_, "input": {"name": news.name, "icon": news.icon}})
        return ServiceState(args=news, service_id=id_)

    def delete(self, id_: str, state: ServiceState) -> None:
        self.delete_quietly("ServiceDelete", {"id": id_}, Where(project_id=state.args.project_id, service_id=id_))
