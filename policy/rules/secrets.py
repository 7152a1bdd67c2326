"""No password, key or token as a plain value anywhere: a plain value is written to the state, the
preview and the CI log in clear text. A secret is a Pulumi secret or a Railway reference to one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policy.values import UNKNOWN, SecretText, get, has_reference, is_secret, url_password, urls_in
from railstack.redaction import names_secret


def _shell_reference(text: str) -> bool:
    """A password given as a shell variable (`$PGPASSWORD`, `${REDIS_PASSWORD}`) is a reference too."""
    return text.startswith("$")


def _leaves(value: Any, path: str, name: str) -> Iterator[tuple[str, str, Any]]:
    """(path, the name the value is known by, value) of every scalar in a property tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key), str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str) and "=" in item and name == "envs":  # Docker's NAME=value
                env_name, env_value = item.split("=", 1)
                yield f"{path}[{env_name}]", env_name, SecretText(env_value) if is_secret(item) else env_value
            else:
                yield from _leaves(item, f"{path}[{index}]", name)
    else:
        yield path, name, value


#: A Railway variable collection's keyed fingerprints (HMAC-SHA256, 16 hex digits) name secret
#: variables but reveal nothing of their values; anything else under that key is judged as usual.
FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


def findings(props: Any) -> list[str]:
    """Paths of plain values that are passwords, keys or tokens (never the values themselves)."""
    found = []
    for path, name, value in _leaves(get(props), "", ""):
        if not isinstance(value, str) or value is UNKNOWN or is_secret(value) or not value.strip():
            continue
        if path.startswith("fingerprints.") and FINGERPRINT.match(value):
            continue
        if has_reference(value):
            continue
        passwords = [url_password(url) for url in urls_in(value)]
        if any(p is not None and not has_reference(p) and not _shell_reference(p) for p in passwords):
            found.append(f"{path} (a URL with a password)")
        elif names_secret(name) and not _shell_reference(value):
            found.append(path)
    return found


def _no_plaintext(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for path in findings(args.props):
        report(
            f"{args.name}: {path} is a password, key or token stored as a plain value, so it is written "
            "in clear text to the state, the preview and logs. Fix: pass it as a secret (pulumi-random, "
            "`pulumi config set --secret`) or as a ${{shared.NAME}} reference.",
            None,
        )


no_plaintext_secrets = ResourceValidationPolicy(
    name="no-plaintext-secrets",
    description="No password, key, token or URL with a password as a plain (non-secret) value.",
    validate=_no_plaintext,
)
