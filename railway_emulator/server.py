"""The emulator's HTTP server: Railway's endpoint plus the `/_emulator/` controls, on 127.0.0.1 only.

Routes:
- `POST /graphql/v2` (any query string, e.g. `?source=railstack`): Railway's GraphQL API;
- `GET /_emulator/state` (redacted dump), `GET /_emulator/requests`, `GET /_emulator/counters`,
  `GET|POST|DELETE /_emulator/faults`, `GET|POST|DELETE /_emulator/deployments` (scripted deployment
  outcomes), `POST /_emulator/reset`, `POST /_emulator/push?repo=OWNER/NAME&branch=B` (GitHub's push
  webhook), `POST /_emulator/checks?repo=OWNER/NAME&sha=S&conclusion=success|failure` (a commit's check
  suites concluded), `GET /_emulator/runtime`: test controls, no token needed, answered only to
  loopback clients.

`EmulatorServer` runs it on a background thread for in-process tests. The stdlib `ThreadingHTTPServer`
is enough: one thread per request, the emulator's lock serialises the state. Request lines are not
logged by default; when they are, they carry no header, so never a token.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from railway_emulator.core import Emulator, HttpAnswer
from railway_emulator.edge import Edge
from railway_emulator.faults import FaultSpecError
from railway_emulator.resolvers.deployments import DeploymentScriptError

GRAPHQL_PATH = "/graphql/v2"
LOOPBACK = ("127.0.0.1", "::1")
MAX_BODY = 10 * 1024 * 1024


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator, log_requests: bool) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.log_requests = log_requests

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout, often on purpose under a `slow` fault) is not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # Only _HttpServer ever makes these handlers, so its attributes (emulator, log_requests) are there.
    server: _HttpServer  # pyright: ignore[reportIncompatibleVariableOverride]
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, keep-alive clients then
    # wait for a delayed ACK (~40 ms) on every request.
    disable_nagle_algorithm = True
    server_version = "railway-emulator"
    sys_version = ""

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        if body is None:
            return
        if path == GRAPHQL_PATH:
            headers = {key.lower(): value for key, value in self.headers.items()}
            self._send(self.server.emulator.handle_graphql(body, headers))
        elif path == "/_emulator/faults" and self._local():
            try:
                spec = json.loads(body or b"null")
                self._send_json(200, self.server.emulator.inject(spec))
            except (json.JSONDecodeError, FaultSpecError) as error:
                self._send_json(400, {"error": str(error)})
        elif path == "/_emulator/deployments" and self._local():
            try:
                spec = json.loads(body or b"null")
                self._send_json(200, self.server.emulator.script_deployments_spec(spec))
            except (json.JSONDecodeError, DeploymentScriptError) as error:
                self._send_json(400, {"error": str(error)})
        elif path in ("/_emulator/push", "/_emulator/checks") and self._local():
            self._git_hook(path)
        elif path == "/_emulator/reset" and self._local():
            self.server.emulator.reset()
            self._send_json(200, {"reset": True})
        else:
            self._not_found()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        emulator = self.server.emulator
        if path == GRAPHQL_PATH:
            self._send_json(405, {"errors": [{"message": "Use POST for GraphQL requests."}]})
            return
        if not path.startswith("/_emulator/") or not self._local():
            self._not_found()
            return
        views = {
            "/_emulator/state": emulator.snapshot,
            "/_emulator/requests": emulator.requests,
            "/_emulator/counters": emulator.counters,
            "/_emulator/faults": emulator.armed_faults,
            "/_emulator/deployments": emulator.deployment_scripts,
            "/_emulator/runtime": emulator.runtime_view,
        }
        view = views.get(path)
        if view is None:
            self._not_found()
        else:
            self._send_json(200, view())

    def do_DELETE(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_emulator/faults" and self._local():
            self.server.emulator.clear_faults()
            self._send_json(200, {"cleared": True})
        elif path == "/_emulator/deployments" and self._local():
            self.server.emulator.clear_deployment_scripts()
            self._send_json(200, {"cleared": True})
        else:
            self._not_found()

    def _git_hook(self, path: str) -> None:
        query = {key: values[-1] for key, values in parse_qs(urlsplit(self.path).query).items()}
        emulator = self.server.emulator
        needed = ("repo", "branch") if path == "/_emulator/push" else ("repo", "sha", "conclusion")
        missing = [name for name in needed if not query.get(name)]
        if missing:
            self._send_json(400, {"error": f"{path} needs the query parameters {', '.join(needed)}"})
            return
        try:
            if path == "/_emulator/push":
                answer = emulator.push(query["repo"], query["branch"])
            else:
                answer = emulator.checks(query["repo"], query["sha"], query["conclusion"])
        except ValueError as error:
            self._send_json(400, {"error": str(error)})
            return
        self._send_json(200, answer)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            sys.stderr.write(f"railway-emulator: {format % args}\n")

    def _local(self) -> bool:
        return self.client_address[0] in LOOPBACK

    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._send_json(400, {"errors": [{"message": "Bad Content-Length"}]})
            return None
        return self.rfile.read(length) if length else b""

    def _not_found(self) -> None:
        self._send_json(404, {"error": f"no route for {self.command} {urlsplit(self.path).path}"})

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(HttpAnswer(status=status, body=json.dumps(payload).encode()))

    def _send(self, answer: HttpAnswer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


class EmulatorServer:
    """The emulator served over HTTP on a background thread; a context manager.

    >>> with EmulatorServer(token="t") as emu:  # doctest: +SKIP
    ...     httpx.post(emu.url, json={"query": "{ projects { edges { node { id } } } }"},
    ...                headers={"Authorization": "Bearer t"})
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        port: int = 0,
        schema_path: Path | None = None,
        deploy_seconds: float = 0.0,
        log_requests: bool = False,
        strict: bool = False,
        workspaces: int | None = None,
        scoped_token: str | None = None,
        source_deploys: bool | None = None,
        soft_deletes: bool | None = None,
        drop_num_replicas: bool | None = None,
        plan: str = "pro",
        run_containers: bool = False,
        image_map: dict[str, str] | None = None,
        repo_map: dict[str, str] | None = None,
        edge_port: int = 0,
        patch_deploys: bool = True,
        register_delay: float | tuple[float, float] | None = None,
        seed: int = 0,
        requests_per_hour: int | None = None,
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.emulator = Emulator(
            self.token,
            schema_path=schema_path,
            deploy_seconds=deploy_seconds,
            strict=strict,
            workspaces=workspaces,
            scoped_token=scoped_token,
            source_deploys=source_deploys,
            soft_deletes=soft_deletes,
            drop_num_replicas=drop_num_replicas,
            plan=plan,
            run_containers=run_containers,
            image_map=image_map,
            repo_map=repo_map,
            patch_deploys=patch_deploys,
            register_delay=register_delay,
            seed=seed,
            requests_per_hour=requests_per_hour,
        )
        self._edge_port = edge_port
        self.edge: Edge | None = None
        self._requested_port = port
        self._log_requests = log_requests
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"EmulatorServer(url={self.url if self._httpd else None!r})"

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        if self._httpd is not None:
            return self
        self._httpd = _HttpServer(("127.0.0.1", self._requested_port), self.emulator, self._log_requests)
        # A short poll interval makes stop() quick, which matters with one server per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="railway-emulator", daemon=True
        )
        self._thread.start()
        if self.emulator.runtime is not None:
            self.edge = Edge(self.emulator, self._edge_port).start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        if self.edge is not None:
            self.edge.stop()
            self.edge = None
        self.emulator.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses -----------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the emulator server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The GraphQL endpoint, the emulated `https://backboard.railway.com/graphql/v2`."""
        return f"{self.base_url}{GRAPHQL_PATH}"

    # --- test controls, the same as the /_emulator/ routes ---------------------------------------------------

    def state_json(self) -> dict[str, Any]:
        """Every object, variable values redacted (as `GET /_emulator/state`)."""
        return self.emulator.snapshot()

    def requests(self) -> list[dict[str, Any]]:
        """Served requests, secrets redacted (as `GET /_emulator/requests`)."""
        return self.emulator.requests()

    def counters(self) -> dict[str, Any]:
        return self.emulator.counters()

    def inject(self, **spec: Any) -> dict[str, Any]:
        """Arm a fault: `emu.inject(field="serviceCreate", kind="429", count=1, retry_after=1)`."""
        return self.emulator.inject(spec)

    def clear_faults(self) -> None:
        self.emulator.clear_faults()

    @property
    def workspace_ids(self) -> list[str]:
        """The workspaces the token sees, the default first."""
        return self.emulator.workspace_ids

    def script_deployments(
        self,
        service: str,
        outcome: str,
        count: int = 1,
        seconds: float | None = None,
        logs: list[str] | None = None,
        approval: str | None = None,
    ) -> dict[str, Any]:
        """Script the next `count` deployments of services named `service` (as `POST /_emulator/deployments`)."""
        return self.emulator.script_deployments(
            service, outcome, count=count, seconds=seconds, logs=logs, approval=approval
        )

    def deploy_from_outside(self, service_id: str, environment_id: str, kind: str = "github_push") -> str:
        """A deployment railstack did not cause (see Emulator.deploy_from_outside)."""
        return self.emulator.deploy_from_outside(service_id, environment_id, kind)

    def push(self, repo: str, branch: str) -> dict[str, Any]:
        """GitHub's push webhook for a mapped repository (as `POST /_emulator/push`)."""
        return self.emulator.push(repo, branch)

    def checks(self, repo: str, sha: str, conclusion: str) -> dict[str, Any]:
        """A commit's check suites concluded (as `POST /_emulator/checks`)."""
        return self.emulator.checks(repo, sha, conclusion)

    def deployment_scripts(self) -> list[dict[str, Any]]:
        return self.emulator.deployment_scripts()

    def clear_deployment_scripts(self) -> None:
        self.emulator.clear_deployment_scripts()

    def reset(self) -> None:
        self.emulator.reset()
