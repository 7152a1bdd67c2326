"""TCP proxies: one public `host:port` per service instance for non-HTTP traffic (a database, say).

The domain reads like Railway's, `roundhouse.proxy.rlwy.net.`, with the trailing dot Railway sometimes
returns, so clients learn to normalise it; the proxy port is random in 10000-60000 and unique. Deleting
a proxy that is already gone answers "Problem processing request".
"""

from __future__ import annotations

import secrets
from typing import Any

from railway_emulator.errors import NOT_AUTHORIZED, PROBLEM_PROCESSING, RailwayError
from railway_emulator.registry import Context, mutation, query
from railway_emulator.state import TcpProxy, new_id

PROXY_HOSTS = ("roundhouse", "monorail", "viaduct", "junction", "switchback", "caboose", "shuttle", "turntable")


@query("tcpProxies")
def tcp_proxies(ctx: Context, environment_id: str, service_id: str) -> list[TcpProxy]:
    ctx.state.instance(service_id, environment_id)
    return ctx.state.tcp_proxies_of(service_id, environment_id)


@mutation("tcpProxyCreate")
def tcp_proxy_create(ctx: Context, input: dict[str, Any]) -> TcpProxy:
    state = ctx.state
    service_id, environment_id = input["serviceId"], input["environmentId"]
    state.instance(service_id, environment_id)
    if state.tcp_proxies_of(service_id, environment_id):
        raise RailwayError("This service already has a TCP proxy in this environment")
    application_port = input["applicationPort"]
    if not 1 <= application_port <= 65535:
        raise RailwayError("applicationPort must be between 1 and 65535")
    used = {proxy.proxy_port for proxy in state.tcp_proxies.values()}
    while True:
        port = 10000 + secrets.randbelow(50001)
        if port not in used:
            break
    now = state.now_iso()
    created = TcpProxy(
        id=new_id(),
        service_id=service_id,
        environment_id=environment_id,
        application_port=application_port,
        proxy_port=port,
        domain=f"{secrets.choice(PROXY_HOSTS)}.proxy.rlwy.net.",
        created_at=now,
        updated_at=now,
    )
    state.tcp_proxies[created.id] = created
    return created


@mutation("tcpProxyDelete")
def tcp_proxy_delete(ctx: Context, id: str) -> bool:
    found = ctx.state.tcp_proxies.get(id)
    owner = ctx.state.services.get(found.service_id) if found is not None else None
    if owner is not None and not ctx.state.visible(owner.project_id):
        # Another workspace's proxy answers as a deleted object does (docs/railway-api.md, "Not Authorized also
        # means a wrong token").
        raise RailwayError(NOT_AUTHORIZED)
    if ctx.state.tcp_proxies.pop(id, None) is None:
        raise RailwayError(PROBLEM_PROCESSING)
    return True
