"""Railway TCP proxy: a public TCP endpoint for one service instance (for example a database)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from railstack.providers.railway._base import Created, Handler, Where
from railstack.providers.railway.schema import Props, State, prop


class TcpProxyArgs(Props):
    environment_id: str = prop("The environment.", change="replace")
    service_id: str = prop("The service.", change="replace")
    application_port: int = prop("The service's port the proxy forwards to.", change="replace")
    project_id: str | None = prop("The project (recorded, never compared).", default=None)


class TcpProxyState(State[TcpProxyArgs]):
    domain: str = prop("The proxy's public host.")
    proxy_port: int = prop("The proxy's public port.")


def _state(args: TcpProxyArgs, proxy: dict[str, Any]) -> TcpProxyState:
    # Railway sometimes answers the domain as a fully qualified name with a trailing dot.
    return TcpProxyState(args=args, domain=proxy["domain"].rstrip("."), proxy_port=proxy["proxyPort"])


class TcpProxyProvider(Handler[TcpProxyArgs, TcpProxyState]):
    TYPE = "TcpProxy"
    DESCRIPTION = (
        "A TCP proxy to `applicationPort` of a service instance; `domain`:`proxyPort` is public. It starts "
        "working after the service's next deployment."
    )
    IMPORT_ID = "<serviceId>:<environmentId>:<proxyId>"
    STATE = TcpProxyState

    def import_state(self, import_id: str) -> tuple[str, TcpProxyState]:
        service_id, environment_id, proxy_id = self.split_id(import_id, 3)
        blank = self.blank()
        return proxy_id, replace(blank, args=replace(blank.args, service_id=service_id, environment_id=environment_id))

    def _proxies(self, args: TcpProxyArgs) -> list[dict[str, Any]] | None:
        where = Where(project_id=args.project_id, environment_id=args.environment_id, service_id=args.service_id)
        data = self.read_or_gone("TcpProxies", self._scope(where), where)
        return None if data is None else data["tcpProxies"]

    @staticmethod
    def _scope(where: Where) -> dict[str, Any]:
        return {"environmentId": where.environment_id, "serviceId": where.service_id}

    def create(self, args: TcpProxyArgs) -> Created[TcpProxyState]:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "TcpProxyCreate",
                {
                    "input": {
                        "environmentId": args.environment_id,
                        "serviceId": args.service_id,
                        "applicationPort": args.application_port,
                    }
                },
            )["tcpProxyCreate"]

        def existing() -> dict[str, Any] | None:
            return next((p for p in self._proxies(args) or [] if p["applicationPort"] == args.application_port), None)

        proxy = self.create_once(create, existing)
        return Created(proxy["id"], _state(args, proxy))

    def read(self, id_: str, state: TcpProxyState) -> TcpProxyState | None:
        found = next((p for p in self._proxies(state.args) or [] if p["id"] == id_), None)
        if found is None:
            return None
        return _state(replace(state.args, application_port=found["applicationPort"]), found)

    def delete(self, id_: str, state: TcpProxyState) -> None:
        args = state.args
        where = Where(project_id=args.project_id, environment_id=args.environment_id, service_id=args.service_id)
        self.delete_quietly("TcpProxyDelete", {"id": id_}, replace(where, object_id=id_))

    def confirmed_gone(self, where: Where) -> bool:
        return super().confirmed_gone(where) or self.missing_from(
            where, lambda: self.client.execute("TcpProxies", self._scope(where))["tcpProxies"]
        )
