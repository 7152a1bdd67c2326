"""Fault injection: making chosen GraphQL operations fail the ways Railway's edge and API do.

A fault matches a request by root field name (`serviceCreate`, or `*` for any) and/or by the request's
`operationName`, and applies to the next `count` matching requests. Kinds:

- `429`: HTTP 429 with `Retry-After` (seconds, `retry_after`) and rate-limit headers, a JSON error body;
- `500`: HTTP `status` (500 unless given, any 5xx) with a JSON error body, or with `html: true` the kind
  of HTML page Cloudflare serves in front of Railway;
- `error`: HTTP 200 with a GraphQL error (`message`, "Problem processing request" unless given) and null
  data, e.g. the "Not Authorized" Railway briefly answers right after `projectCreate`;
- `slow`: the response is delayed by `delay` seconds, then answered normally.

With `after: true` the request is executed first (a mutation's write happens) and only then the fault
replaces the response (or, for `slow`, the delay comes after the write): the client sees a failure or a
timeout although the write landed, which is what a retried create must survive without duplicating.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

from railway_emulator.state import new_id

KINDS = ("429", "500", "error", "slow")

CLOUDFLARE_PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head><title>backboard.railway.com | {status}: Internal server error</title></head>
<body>
<div id="cf-error-details">
<h1>Internal server error</h1>
<span>Error code {status}</span>
<p>Visit <a href="https://www.cloudflare.com/">cloudflare.com</a> for more information.</p>
<p>Cloudflare Ray ID: <strong>{ray}</strong></p>
</div>
</body>
</html>
"""


class FaultSpecError(ValueError):
    """A fault request the emulator cannot honour; answered as HTTP 400 with this message."""


@dataclass
class Fault:
    """One armed fault and how many more requests it will hit."""

    id: str
    kind: str
    field: str | None
    operation: str | None
    count: int
    after: bool
    retry_after: float
    delay: float
    status: int
    html: bool
    message: str

    def matches(self, fields: list[str], operation_name: str | None) -> bool:
        if self.field is not None and self.field != "*" and self.field not in fields:
            return False
        return self.operation is None or self.operation == operation_name

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """The HTTP status, headers and body this fault answers with (not for `slow`)."""
        body: dict[str, Any]
        if self.kind == "429":
            wait = max(1, math.ceil(self.retry_after))
            headers = {
                "Content-Type": "application/json",
                "Retry-After": str(wait),
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + wait),
            }
            body = {"errors": [{"message": "Rate limit exceeded. Please retry after the time in Retry-After."}]}
            return 429, headers, json.dumps(body).encode()
        if self.kind == "500":
            if self.html:
                page = CLOUDFLARE_PAGE.format(status=self.status, ray=new_id().replace("-", "")[:16])
                return self.status, {"Content-Type": "text/html; charset=UTF-8"}, page.encode()
            body = {"errors": [{"message": "Internal Server Error"}]}
            return self.status, {"Content-Type": "application/json"}, json.dumps(body).encode()
        if self.kind == "error":
            body = {"data": None, "errors": [{"message": self.message}]}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        raise AssertionError(f"a {self.kind} fault has no response of its own")

    def describe(self) -> dict[str, Any]:
        return asdict(self)


def parse_fault(spec: Any) -> Fault:
    """A `Fault` from the JSON body of `POST /_emulator/faults`, or `FaultSpecError` saying what is wrong."""
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault is a JSON object")
    known = {
        "field",
        "operation",
        "operationName",
        "kind",
        "count",
        "after",
        "retry_after",
        "delay",
        "status",
        "html",
        "message",
    }
    unknown = sorted(set(spec) - known)
    if unknown:
        raise FaultSpecError(f"unknown fault keys: {', '.join(unknown)}")
    kind = str(spec.get("kind", ""))
    if kind not in KINDS:
        raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
    field = spec.get("field")
    operation = spec.get("operation", spec.get("operationName"))
    if field is None and operation is None:
        raise FaultSpecError('a fault needs "field" (a root field name, or "*") and/or "operation" (an operationName)')
    count = spec.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise FaultSpecError("count must be a positive integer")
    status = spec.get("status", 500)
    if kind == "500" and (not isinstance(status, int) or not 500 <= status <= 599):
        raise FaultSpecError("status must be an HTTP 5xx code")
    retry_after = _number(spec.get("retry_after", 1), "retry_after")
    delay = _number(spec.get("delay", 0), "delay")
    if kind == "slow" and delay <= 0:
        raise FaultSpecError("a slow fault needs a positive delay (seconds)")
    return Fault(
        id=new_id(),
        kind=kind,
        field=str(field) if field is not None else None,
        operation=str(operation) if operation is not None else None,
        count=count,
        after=bool(spec.get("after", False)),
        retry_after=retry_after,
        delay=delay,
        status=status if kind == "500" else 500,
        html=bool(spec.get("html", False)),
        message=str(spec.get("message") or "Problem processing request"),
    )


def _number(value: Any, name: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise FaultSpecError(f"{name} must be a non-negative number")
    return float(value)


class Faults:
    """The armed faults, first armed first applied; the emulator's lock guards every call."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []

    def arm(self, fault: Fault) -> Fault:
        self._armed.append(fault)
        return fault

    def take(self, fields: list[str], operation_name: str | None) -> Fault | None:
        """The first fault matching this request, with one use consumed; None when none matches."""
        for fault in self._armed:
            if fault.matches(fields, operation_name):
                fault.count -= 1
                if fault.count == 0:
                    self._armed.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._armed.clear()

    def describe(self) -> list[dict[str, Any]]:
        return [fault.describe() for fault in self._armed]
