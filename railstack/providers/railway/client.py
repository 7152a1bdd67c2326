"""The Railway GraphQL client: transport, authentication, retries and errors.

Every request is one named operation from `railstack/providers/railway/graphql/*.graphql` (a test validates
all of them against Railway's schema), or the deployment watch's aliased status read (watch.py, which
a test validates too). The client never logs or raises with a token or a variable
value in the message: errors carry the operation name and Railway's own message only.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import httpx
from graphql import OperationDefinitionNode, parse, print_ast

from railstack.redaction import redact

DEFAULT_API_URL = "https://backboard.railway.com/graphql/v2"
SOURCE = "railstack"
DOCUMENTS_DIR = Path(__file__).parent / "graphql"

TokenKind = Literal["account", "project"]

# Messages that say plainly that an object does not exist.
_GONE_MESSAGES = ("not found", "does not exist")
# Messages Railway answers both for a deleted object and for a token that may not see it (a wrong
# token, another workspace's token, a project token of another project): never proof of deletion on
# their own (docs/railway-api.md, "Not Authorized also means a wrong token").
_DENIED_MESSAGES = ("not authorized", "problem processing request")
# GraphQL-level throttles: the write did not happen and may be sent again after a pause (docs/railway-api.md,
# "Throttles that are not HTTP 429").
_THROTTLE_MESSAGES = ("too quickly", "cannot redeploy yet", "already in progress", "rate limit", "try again")
#: Railway answers "Not Authorized" for a short while after projectCreate to creates in the new
#: project (docs/railway-api.md, "Transport"): a create answered so is retried a few times before it counts.
CREATE_DENIED_RETRIES = 3


class RailwayError(Exception):
    """Railway rejected an operation. Carries the operation name and Railway's message only."""

    def __init__(self, operation: str, message: str, *, status: int | None = None) -> None:
        self.operation = operation
        self.railway_message = message
        self.status = status
        super().__init__(f"Railway {operation}: {message}")

    @property
    def is_gone(self) -> bool:
        """Railway says plainly that the object does not exist."""
        lowered = self.railway_message.lower()
        return any(m in lowered for m in _GONE_MESSAGES)

    @property
    def is_denied(self) -> bool:
        """ "Not Authorized": the object was deleted, or this token may not see it; only another read
        can tell which."""
        lowered = self.railway_message.lower()
        return any(m in lowered for m in _DENIED_MESSAGES)

    @property
    def is_throttle(self) -> bool:
        lowered = self.railway_message.lower()
        return any(m in lowered for m in _THROTTLE_MESSAGES)


class AmbiguousWriteError(RailwayError):
    """A write may or may not have been applied (timeout or server error after it was sent).

    Creates must look the object up before trying again, or a retry makes a duplicate.
    """


class RailwayAuthError(RailwayError):
    """No usable token was configured."""


@dataclass(frozen=True)
class Budget:
    """What Railway's last answer said of the request budget (X-RateLimit-*)."""

    remaining: int
    limit: int | None
    reset_at: float
    """Unix time when the budget is whole again (or, for a sliding window, when the oldest request leaves it)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0
    """Longest backoff between two attempts of our own choosing."""
    timeout: float = 30.0
    per_second: int = 10
    """Most requests sent in any second: Railway's lowest per-second limit (Hobby's 10; docs
    integrations/api.md "Rate Limits"), so that the plugin's concurrent handlers are not refused."""
    max_retry_wait: float = 300.0
    """Longest `Retry-After` that is waited out; a longer one fails at once, saying how long Railway
    asked to wait (an exhausted hourly window can ask for many minutes). `railway:maxRetryWaitSeconds`."""

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, bounded by max_delay."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


@cache
def documents() -> dict[str, str]:
    """Every named operation the provider can send, by operation name."""
    found: dict[str, str] = {}
    for path in sorted(DOCUMENTS_DIR.glob("*.graphql")):
        for definition in parse(path.read_text()).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                name = definition.name.value
                if name in found:
                    raise ValueError(f"GraphQL operation {name} is defined twice (second time in {path.name})")
                found[name] = print_ast(definition)
    return found


def _retry_after_seconds(response: httpx.Response, fallback: float) -> float:
    value = response.headers.get("Retry-After")
    if not value:
        return fallback
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return fallback


#: Request keys whose values are secret: environment variable maps and registry credentials.
_SECRET_KEYS = frozenset({"variables", "registryCredentials", "password", "value"})


def dig(value: Any, *path: str) -> Any:
    """The value at `path` in Railway's answer; None where a step is missing or null."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = cast(Mapping[str, Any], value).get(key)
    return value


def _secret_strings(value: Any, secret: bool = False) -> list[str]:
    """The strings of a request's GraphQL variables that must never appear in a message."""
    if isinstance(value, str):
        return [value] if secret else []
    if isinstance(value, dict):
        items = cast(dict[str, Any], value).items()
        return [s for k, v in items for s in _secret_strings(v, secret or k in _SECRET_KEYS)]
    if isinstance(value, (list, tuple)):
        return [s for v in cast(list[Any], value) for s in _secret_strings(v, secret)]
    return []


def _scrub(message: str, secrets: list[str]) -> str:
    return redact(message, secrets)


class RailwayClient:
    """Sends named GraphQL operations to Railway with retries.

    Reads (queries) are retried on 429, 5xx and timeouts. Writes (mutations) are retried on 429 and
    on connection failures before anything was sent; a timeout or 5xx after a write was sent raises
    AmbiguousWriteError, because only the caller knows how to check whether the write happened.
    """

    def __init__(
        self,
        token: str,
        *,
        token_kind: TokenKind = "account",
        api_url: str | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not token:
            raise RailwayAuthError(
                "configure",
                "no Railway token: set the secret config `railway:token` or the environment variable RAILWAY_API_TOKEN",
            )
        self._retry = retry or RetryPolicy()
        headers = {"Project-Access-Token": token} if token_kind == "project" else {"Authorization": f"Bearer {token}"}
        url = api_url or os.environ.get("RAILWAY_API_URL") or DEFAULT_API_URL
        self._http = httpx.Client(
            params={"source": SOURCE},
            headers={**headers, "User-Agent": "railstack"},
            timeout=self._retry.timeout,
            transport=transport,
        )
        self._url = url
        self._token = token
        self.requests_sent = 0
        """Requests sent, retries included (the bench's count)."""
        self.budget: Budget | None = None
        """The request budget Railway reported last; None before the first answer that carries one."""
        self._sent_at: deque[float] = deque()
        self._sent_lock = threading.Lock()

    def _pace(self) -> None:
        """With the hour's budget spent, wait for its reset (bounded like a Retry-After) instead of
        sending a request that can only be refused."""
        budget = self.budget
        if budget is None or budget.remaining > 0:
            return
        wait = budget.reset_at - time.time()
        if wait <= 0:
            return
        if wait > self._retry.max_retry_wait:
            raise RailwayError(
                "request budget",
                f"Railway's hourly request budget ({budget.limit or '?'} requests) is spent and resets in {wait:.0f} s, "
                f"more than railway:maxRetryWaitSeconds = {self._retry.max_retry_wait:.0f} s; run again after that "
                "time, or raise railway:maxRetryWaitSeconds",
                status=429,
            )
        time.sleep(wait)

    def _pace_second(self) -> None:
        """Waits until a request more keeps the last second within `per_second`: the plugin's
        handlers run concurrently (the engine's parallelism), and Railway refuses the excess with 429.
        The window is a quarter second longer than Railway's, so that lag on the way (or in a busy
        server) never lets two seconds of ours land in one of Railway's."""
        window = 1.25
        while True:
            with self._sent_lock:
                now = time.monotonic()
                while self._sent_at and self._sent_at[0] <= now - window:
                    self._sent_at.popleft()
                if len(self._sent_at) < self._retry.per_second:
                    self._sent_at.append(now)
                    return
                wait = self._sent_at[0] + window - now
            time.sleep(max(wait, 0.01))

    def close(self) -> None:
        self._http.close()

    def execute(self, operation: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Runs one named operation and returns its `data`."""
        document = documents().get(operation)
        if document is None:
            raise KeyError(f"unknown Railway operation {operation!r}")
        return self._send(operation, document, variables)

    def execute_document(
        self, operation: str, document: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Runs a query built at run time (the deployment watch's aliased reads); reads only."""
        if not document.lstrip().startswith("query"):
            raise ValueError("execute_document sends queries only")
        return self._send(operation, document, variables)

    def _note_budget(self, response: httpx.Response) -> None:
        """Keeps Railway's X-RateLimit-* answer (docs/railway-api.md, "Request budget")."""
        self.requests_sent += 1
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is None:
            return  # a Cloudflare 429, or a proxy: no budget figures
        try:
            reset = float(response.headers.get("X-RateLimit-Reset") or 0)
            limit = response.headers.get("X-RateLimit-Limit")
            # Seconds from now or a Unix time: Railway's docs do not say which (both are taken).
            reset_at = reset if reset > 1e9 else time.time() + reset
            self.budget = Budget(int(remaining), int(limit) if limit else None, reset_at)
        except ValueError:
            return

    def _send(self, operation: str, document: str, variables: dict[str, Any] | None) -> dict[str, Any]:
        is_write = document.lstrip().startswith("mutation")
        body = {"query": document, "variables": variables or {}, "operationName": operation}

        last_error: RailwayError | None = None
        delay = 0.0  # before the next attempt; a 429's Retry-After overrides the backoff
        for attempt in range(self._retry.attempts):
            time.sleep(delay)
            delay = self._retry.backoff(attempt)
            self._pace()
            self._pace_second()
            try:
                response = self._http.post(self._url, json=body)
                self._note_budget(response)
            except httpx.ConnectError:
                # Nothing reached the server: safe to retry reads and writes alike.
                last_error = RailwayError(operation, f"could not connect to {self._url}")
                continue
            except httpx.HTTPError as exc:
                what = (
                    "timed out" if isinstance(exc, httpx.TimeoutException) else f"transport error: {type(exc).__name__}"
                )
                if is_write:
                    raise AmbiguousWriteError(operation, f"{what} after the request was sent") from None
                last_error = RailwayError(operation, what)
                continue

            if response.status_code == 429:
                last_error = RailwayError(operation, "rate limited (HTTP 429)", status=429)
                wait = _retry_after_seconds(response, delay)
                if wait > self._retry.max_retry_wait:
                    raise RailwayError(
                        operation,
                        f"rate limited (HTTP 429): Railway asked to wait {wait:.0f} s before the next request "
                        f"(Retry-After), more than railway:maxRetryWaitSeconds = {self._retry.max_retry_wait:.0f} s; "
                        "run again after that time, or raise railway:maxRetryWaitSeconds",
                        status=429,
                    )
                delay = wait
                continue
            if response.status_code >= 500:
                message = f"server error (HTTP {response.status_code})"
                if is_write:
                    raise AmbiguousWriteError(operation, message, status=response.status_code)
                last_error = RailwayError(operation, message, status=response.status_code)
                continue
            try:
                return self._data(operation, response)
            except RailwayError as err:
                # Railway's message may quote what was sent: never let a value or the token through.
                scrubbed = RailwayError(
                    operation,
                    _scrub(err.railway_message, [self._token, *_secret_strings(variables)]),
                    status=err.status,
                )
                retry = scrubbed.is_throttle or (
                    is_write
                    and operation.endswith("Create")
                    and operation != "ProjectCreate"
                    and scrubbed.is_denied
                    and attempt < CREATE_DENIED_RETRIES
                )
                if retry and attempt < self._retry.attempts - 1:
                    last_error = scrubbed
                    continue
                raise scrubbed from None

        assert last_error is not None
        raise RailwayError(
            operation,
            f"{last_error.railway_message}; gave up after {self._retry.attempts} attempts",
            status=last_error.status,
        )

    @staticmethod
    def _data(operation: str, response: httpx.Response) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            raise RailwayError(
                operation, f"unexpected non-JSON answer (HTTP {response.status_code})", status=response.status_code
            ) from None
        errors: object = dig(payload, "errors")
        if errors:
            whole = str(errors)
            found = cast(list[object], errors) if isinstance(errors, list) else []
            messages = [str(cast(dict[str, Any], e).get("message", e)) for e in found if isinstance(e, dict)]
            message = "; ".join(messages) or whole
            raise RailwayError(operation, message, status=response.status_code)
        if response.status_code >= 400:
            raise RailwayError(operation, f"HTTP {response.status_code}", status=response.status_code)
        data: dict[str, Any] | None = dig(payload, "data")
        if data is None:
            raise RailwayError(operation, "answer has no data", status=response.status_code)
        return data


def client_from_settings(
    token: str | None, api_url: str | None = None, token_kind: str | None = None, retry: RetryPolicy | None = None
) -> RailwayClient:
    """A client from the stack's settings, else from the environment.

    The environment offers RAILWAY_API_TOKEN (an account or workspace token, the kind projectCreate
    needs) and RAILWAY_TOKEN (Railway's name for a project token).
    """
    if token_kind not in (None, "account", "project"):
        raise RailwayAuthError("configure", f"railway:tokenKind = {token_kind!r}: allowed values are account, project")
    if token:
        return RailwayClient(
            token, token_kind="project" if token_kind == "project" else "account", api_url=api_url, retry=retry
        )
    if os.environ.get("RAILWAY_API_TOKEN"):
        return RailwayClient(os.environ["RAILWAY_API_TOKEN"], api_url=api_url, retry=retry)
    if os.environ.get("RAILWAY_TOKEN"):
        return RailwayClient(os.environ["RAILWAY_TOKEN"], token_kind="project", api_url=api_url, retry=retry)
    return RailwayClient("", api_url=api_url)  # raises RailwayAuthError with the remedy
