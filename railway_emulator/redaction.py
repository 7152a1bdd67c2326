"""How secrets are kept out of everything the emulator shows besides Railway's own API answers.

Variable values, registry passwords and tokens must never appear in `/_emulator/state`, in the requests
log or on the console. The state dump replaces a value with a short SHA-256 fingerprint, so a test can
compare two values for equality (or check a value changed) without seeing either; the requests log
replaces them with a fixed marker. graphql-core's messages for a value of the wrong type quote the value
("String cannot represent a non string value: 42", "... found: { ... }"); the log keeps those messages
up to the quote only.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

REDACTED = "<redacted>"

_SECRET_KEYS = ("variables", "value")
"""GraphQL variable keys whose whole value is secret: a variable map, or one variable's value."""
_SECRET_SUBSTRINGS = ("password", "token", "secret")
_QUOTED_VALUE = re.compile(r"(value:|found:?)\s.*", re.S)
_QUOTED_ENUM_VALUE = re.compile(r"Value '.*?' does not exist", re.S)


def fingerprint(value: str) -> str:
    """`<redacted:sha256:1a2b3c4d>`: equal values give equal fingerprints, the value stays hidden."""
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    return f"<redacted:sha256:{digest}>"


def is_secret_key(key: str) -> bool:
    """True for a key whose value the requests log must not show."""
    lowered = key.lower()
    return lowered in _SECRET_KEYS or any(part in lowered for part in _SECRET_SUBSTRINGS)


def redact_error_message(message: str) -> str:
    """An error message with any value graphql-core quoted from the request cut off."""
    message = _QUOTED_VALUE.sub(lambda match: f"{match.group(1)} {REDACTED}", message)
    return _QUOTED_ENUM_VALUE.sub(f"Value {REDACTED} does not exist", message)


def redact_graphql_variables(value: Any) -> Any:
    """A copy of a request's GraphQL variables with every secret-looking entry replaced, at any depth."""
    if isinstance(value, dict):
        return {
            key: REDACTED if is_secret_key(str(key)) else redact_graphql_variables(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_graphql_variables(item) for item in value]
    return value
