"""The record of served GraphQL requests and the counters tests assert on.

Each entry keeps what a test needs to check a client's behaviour (root fields, operationName, HTTP
status, the fault that hit it, error messages) and the request's GraphQL variables, with every secret
redacted from both (see `redaction`). The query text and the headers are never kept: they may hold literal values
or the token.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from railway_emulator.redaction import redact_error_message, redact_graphql_variables
from railway_emulator.state import iso


@dataclass
class Journal:
    """Served requests in order, plus running counts; the emulator's lock guards every call."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    by_field: Counter[str] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    writes: int = 0

    def record(
        self,
        *,
        timestamp: float,
        fields: list[str],
        operation_name: str | None,
        status: int,
        variables: Any,
        fault: str | None,
        errors: list[str],
        writes: list[str],
    ) -> dict[str, Any]:
        entry = {
            "time": iso(timestamp),
            "fields": list(fields),
            "operationName": operation_name,
            "status": status,
            "variables": redact_graphql_variables(variables) if variables is not None else None,
            "fault": fault,
            "errors": [redact_error_message(message) for message in errors],
            "writes": list(writes),
        }
        self.entries.append(entry)
        self.by_field.update(fields)
        self.by_operation[operation_name or ""] += 1
        self.writes += len(writes)
        return entry

    def counters(self, deployments: int) -> dict[str, Any]:
        return {
            "requests": len(self.entries),
            "writes": self.writes,
            "deployments": deployments,
            "by_field": dict(sorted(self.by_field.items())),
            "by_operation": dict(sorted(self.by_operation.items())),
        }
