"""Container mode's edge: one loopback port that routes HTTP to services by their domain, as
Railway's edge routes `<name>.up.railway.app` and custom domains to a service's deployment (docs
networking/public-networking.md: a domain targets one port of the service).

A client reaches a service by its Railway address with the `Host` header set to its domain:
`curl -H "Host: api-staging-ab12.up.railway.app" http://127.0.0.1:<edge-port>/health`. Requests for a
domain nobody owns, or for a service with no live deployment, get the 404 / 502 answers an edge gives.
The request reaches the app with its `Host` unchanged (docs/railway-api.md, "Public traffic"), so an
app allowing only its own hosts (Django's ALLOWED_HOSTS) answers as it would on Railway.
"""

from __future__ import annotations

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from railway_emulator.core import Emulator

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


class Edge:
    def __init__(self, emulator: Emulator, port: int = 0) -> None:
        self.emulator = emulator
        self._turn = itertools.count()
        self._client = httpx.Client(timeout=30)
        edge = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = edge.forward(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="railway-emulator-edge", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Edge:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def _target(self, host: str) -> tuple[str, str, int | None] | None:
        """(service id, environment id, target port) of the domain `host`."""
        state = self.emulator.state
        with self.emulator.lock:
            for domain in [*state.service_domains.values(), *state.custom_domains.values()]:
                if domain.domain == host:
                    port = domain.target_port
                    if port is None:
                        from railway_emulator.resolvers.variables import rendered_variable

                        value = rendered_variable(state, domain.service_id, domain.environment_id, "PORT")
                        port = int(value) if value and value.isdigit() else None
                    return domain.service_id, domain.environment_id, port
        return None

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        host = (headers.get("Host") or headers.get("host") or "").split(":")[0].lower()
        target = self._target(host)
        if target is None:
            return 404, {"Content-Type": "text/plain"}, f"no service has the domain {host!r}\n".encode()
        service_id, environment_id, port = target
        runtime = self.emulator.runtime
        addresses = list(runtime.addresses(service_id, environment_id)) if runtime else []
        if not addresses or port is None:
            return 502, {"Content-Type": "text/plain"}, b"the service has no live deployment\n"
        address = addresses[next(self._turn) % len(addresses)]
        forward = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        forward["X-Forwarded-Host"] = host
        forward["X-Forwarded-Proto"] = "https"
        try:
            answer = self._client.request(method, f"http://{address}:{port}{path}", headers=forward, content=body)
        except httpx.HTTPError as error:
            return 502, {"Content-Type": "text/plain"}, f"upstream error: {type(error).__name__}\n".encode()
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP | {"content-encoding"}}
        return answer.status_code, kept, answer.content
