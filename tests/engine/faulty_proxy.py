"""A small HTTP proxy in front of the emulator that loses answers and throttles, by count.

It stands outside the emulator's own fault switches, as a flaky network and Railway's edge would:
every `lose_every`-th write (a GraphQL mutation) is forwarded, and its answer replaced by a 502
(the write happened, the client cannot know); every `throttle_every`-th request is answered 429
with `Retry-After` without being forwarded.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx


class FaultyProxy:
    def __init__(self, upstream: str, *, lose_every: int = 4, throttle_every: int = 9, retry_after: int = 1) -> None:
        self.upstream = upstream
        self.lose_every = lose_every
        self.throttle_every = throttle_every
        self.retry_after = retry_after
        self.requests = 0
        self.writes = 0
        self.lost: list[str] = []
        self.throttled = 0
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=60)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, payload = proxy._handle(self.path, dict(self.headers), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/graphql/v2"

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        query = str(json.loads(body or b"{}").get("query", ""))
        with self._lock:
            self.requests += 1
            if self.requests % self.throttle_every == 0:
                self.throttled += 1
                payload = json.dumps({"errors": [{"message": "Rate limit exceeded"}]}).encode()
                return 429, {"Content-Type": "application/json", "Retry-After": str(self.retry_after)}, payload
            is_write = query.lstrip().startswith("mutation")
            lose = False
            if is_write:
                self.writes += 1
                lose = self.writes % self.lose_every == 0
        forward = {
            k: v for k, v in headers.items() if k.lower() in ("authorization", "project-access-token", "content-type")
        }
        answer = self._client.post(self.upstream + path, content=body, headers=forward)
        if lose:
            with self._lock:
                self.lost.append(query.split("(")[0].split()[-1])
            return 502, {"Content-Type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>"
        return answer.status_code, {"Content-Type": "application/json"}, answer.content

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()
