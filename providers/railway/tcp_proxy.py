"""Railway TCP proxy: a public TCP endpoint for one service instance (for example a database)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource

from providers.railway._base import RailwayResourceProvider


def _clean(proxy: dict[str, Any]) -> dict[str, Any]:
    # Railway sometimes answers the domain as a fully qualified name with a trailing dot.
    return {"domain": proxy["domain"].rstrip("."), "proxy_port": proxy["proxyPort"]}


class TcpProxyProvider(RailwayResourceProvider):
    KIND = "railway:TcpProxy"
    REPLACE_ON = frozenset({"environment_id", "service_id", "application_port"})

    def _proxies(self, props: dict[str, Any]) -> list[dict[str, Any]] | None:
        data = self.read_or_gone(
            "TcpProxies", {"environmentId": props["environment_id"], "serviceId": props["service_id"]}, props
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
        self.delete_quietly("TcpProxyDelete", {"id": id_}, {**props, "id": id_})

    def confirmed_gone(self, props: Any) -> bool:
        return super().confirmed_gone(props) or self.missing_from(
            props,
            lambda: self.client.execute(
                "TcpProxies", {"environmentId": props["environment_id"], "serviceId": props["service_id"]}
            )["tcpProxies"],
        )


class TcpProxy(Resource):
    """A TCP proxy to `application_port` of a service instance; `domain`:`proxy_port` is public.
    It starts working after the service's next deployment."""

    kind: pulumi.Output[str]
    domain: pulumi.Output[str]
    proxy_port: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        environment_id: pulumi.Input[str],
        service_id: pulumi.Input[str],
        application_port: pulumi.Input[int],
        project_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            TcpProxyProvider(),
            resource_name,
            {
                "project_id": project_id,
                "environment_id": environment_id,
                "service_id": service_id,
                "application_port": application_port,
                "kind": TcpProxyProvider.KIND,
                "domain": None,
                "proxy_port": None,
            },
            opts,
        )
