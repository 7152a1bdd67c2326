"""Railway TCP proxy: a public TCP endpoint for one service instance (for example a database)."""

from __future__ import annotations

from typing import Any

from railstack.providers.railway._base import CreateResult, DictProvider, ReadResult, Where
from railstack.providers.railway.schema import Prop


def _clean(proxy: dict[str, Any]) -> dict[str, Any]:
    # Railway sometimes answers the domain as a fully qualified name with a trailing dot.
    return {"domain": proxy["domain"].rstrip("."), "proxy_port": proxy["proxyPort"]}


class TcpProxyProvider(DictProvider):
    TYPE = "TcpProxy"
    DESCRIPTION = (
        "A TCP proxy to `applicationPort` of a service instance; `domain`:`proxyPort` is public. It starts "
        "working after the service's next deployment."
    )
    IMPORT_ID = "<serviceId>:<environmentId>:<proxyId>"
    INPUTS = {
        "environment_id": Prop("string", "The environment.", required=True, change="replace"),
        "service_id": Prop("string", "The service.", required=True, change="replace"),
        "application_port": Prop(
            "integer", "The service's port the proxy forwards to.", required=True, change="replace"
        ),
        "project_id": Prop("string", "The project (recorded, never compared)."),
    }
    OUTPUTS = {
        "domain": Prop("string", "The proxy's public host.", required=True),
        "proxy_port": Prop("integer", "The proxy's public port.", required=True),
    }

    def import_props(self, import_id: str) -> tuple[str, dict[str, Any]]:
        service_id, environment_id, proxy_id = self.split_id(import_id, 3)
        return proxy_id, {"service_id": service_id, "environment_id": environment_id}

    def _proxies(self, props: dict[str, Any]) -> list[dict[str, Any]] | None:
        data = self.read_or_gone(
            "TcpProxies", {"environmentId": props["environment_id"], "serviceId": props["service_id"]}, Where.of(props)
        )
        return None if data is None else data["tcpProxies"]

    def create(self, props: dict[str, Any]) -> CreateResult:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "TcpProxyCreate",
                {
                    "input": {
                        "environmentId": props["environment_id"],
                        "serviceId": props["service_id"],
                        "applicationPort": props["application_port"],
                    }
                },
            )["tcpProxyCreate"]

        def existing() -> dict[str, Any] | None:
            return next(
                (p for p in self._proxies(props) or [] if p["applicationPort"] == props["application_port"]), None
            )

        proxy = self.create_once(create, existing)
        return CreateResult(id_=proxy["id"], outs=self.outputs(props, **_clean(proxy)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = next((p for p in self._proxies(props) or [] if p["id"] == id_), None)
        if found is None:
            return ReadResult(None, {})
        return ReadResult(id_, self.outputs({**props, "application_port": found["applicationPort"]}, **_clean(found)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("TcpProxyDelete", {"id": id_}, Where.of(props, object_id=id_))

    def confirmed_gone(self, where: Where) -> bool:
        return super().confirmed_gone(where) or self.missing_from(
            where,
            lambda: self.client.execute(
                "TcpProxies", {"environmentId": where.environment_id, "serviceId": where.service_id}
            )["tcpProxies"],
        )
