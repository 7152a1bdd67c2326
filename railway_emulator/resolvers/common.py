"""Helpers every resolver family shares: Relay connections, generated names, input checks.

Railway's lists are Relay connections (`edges { cursor node }`, `pageInfo`); the emulator uses a record's
id as its cursor, which is enough for `first/after` and `last/before` paging over in-memory lists.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from railway_emulator.errors import RailwayError

_ADJECTIVES = ("amber", "brave", "calm", "daring", "eager", "gentle", "lively", "quiet", "rapid", "sunny")
_NOUNS = ("beacon", "canyon", "harbor", "meadow", "orbit", "prairie", "river", "summit", "thicket", "valley")

_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def connection(
    items: Sequence[Any],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    **_ignored: Any,
) -> dict[str, Any]:
    """A Relay connection over records (or dicts) that have an `id`; extra filter arguments are ignored."""
    ids = [_cursor(item) for item in items]
    start, end = 0, len(items)
    if after is not None and after in ids:
        start = ids.index(after) + 1
    if before is not None and before in ids:
        end = ids.index(before)
    window = list(items[start:end])
    if first is not None:
        if first < 0:
            raise RailwayError("Argument first must be a non-negative integer")
        window_has_more = len(window) > first
        window = window[:first]
    else:
        window_has_more = False
    has_previous = start > 0
    if last is not None:
        if last < 0:
            raise RailwayError("Argument last must be a non-negative integer")
        has_previous = has_previous or len(window) > last
        window = window[len(window) - last :] if last else []
    edges = [{"cursor": _cursor(item), "node": item} for item in window]
    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": window_has_more or end < len(items),
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _cursor(item: Any) -> str:
    return str(item["id"] if isinstance(item, Mapping) else item.id)


def generated_name() -> str:
    """A Railway-like generated name (`brave-harbor`) for objects created without one."""
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}"


def random_suffix(length: int = 4) -> str:
    """Lowercase letters and digits, as in Railway's generated domains (`api-production-a1b2`)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def dns_label(name: str) -> str:
    """A name reduced to what a DNS label may hold: `My API` -> `my-api`."""
    label = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return label or "service"


def require_name(value: Any, what: str) -> str:
    """A non-blank name, stripped; blank names are rejected as Railway rejects them."""
    if not isinstance(value, str) or not value.strip():
        raise RailwayError(f"{what} name must not be empty")
    return value.strip()


def variable_map(value: Any) -> dict[str, str]:
    """An `EnvironmentVariables` argument checked to be a flat map of valid names to strings.

    The messages name the offending variable, never its value.
    """
    if not isinstance(value, dict):
        raise RailwayError("variables must be a map of variable names to string values")
    for name, item in value.items():
        check_variable_name(name)
        if not isinstance(item, str):
            raise RailwayError(f"Variable {name} must have a string value")
    return dict(value)


def check_variable_name(name: Any) -> str:
    if not isinstance(name, str) or not _VARIABLE_NAME.match(name):
        raise RailwayError(f"Invalid variable name: {name!r}")
    return name
