"""How policies read resource properties: secrets stay recognisable, unknowns never raise.

pulumi-policy hands validators the inputs with secrets already unwrapped, so "is this value stored
as a secret?" cannot be answered from them. The engine does send the secret markers
(`MarshalOptions{KeepSecrets: true}`), so `install_secret_marking` makes the pack's deserializer
keep them: every string under a secret becomes a `SecretText`, which is still a `str` to every
other policy. The policy tests build inputs with `SecretText` by hand, and the integration tests
prove the hook works against the real engine (a clean stack passes, a literal password fails).

During a preview many values are unknown (ids, generated passwords); `plain` turns them into
`UNKNOWN` instead of letting a lookup raise, so one unknown never hides every other finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import pulumi_policy.deserialize as _deserialize
import pulumi_policy.policy as _policy
import pulumi_policy.proxy as _proxy
from pulumi_policy.proxy import UnknownValueError

#: The strings the engine sends for values not known yet.
UNKNOWN_SENTINELS = frozenset(
    value for name, value in vars(_proxy).items() if name.startswith("UNKNOWN_") and name.endswith("_VALUE")
)


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: A value that is not known yet (a preview of something not created).
UNKNOWN: Any = _Unknown()


class SecretText(str):
    """A string the engine holds as a secret (encrypted in state, masked in output)."""


# -- reading properties ------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """`value` as dicts, lists and scalars, with unknowns as UNKNOWN; SecretText is kept."""
    if isinstance(value, Mapping):
        target = _target(value)
        return {key: plain(item) for key, item in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        target = _target(value)
        return [plain(item) for item in target]
    if isinstance(value, str) and str(value) in UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


def _target(container: Any) -> Any:
    """The raw container behind pulumi-policy's unknown-checking proxies (their documented hook)."""
    try:
        return container["__target"]
    except (KeyError, TypeError, IndexError, UnknownValueError):
        return container


def get(props: Any, *path: str | int, default: Any = None) -> Any:
    """A nested property as `plain` data; `default` when any step is missing."""
    value = plain(props)
    for step in path:
        # Two branches, not one `or` (SIM114): each narrows `value` and `step` for its own subscript.
        if isinstance(value, Mapping) and step in value:  # noqa: SIM114
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return default
    return value


def number_text(value: Any) -> str:
    """A number as people write it: 2, not 2.0 (the engine sends every number as a float)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_secret(value: Any) -> bool:
    return isinstance(value, SecretText)


# -- recognising secrets and connection strings --------------------------------------------------
#: A Railway reference: ${{Service.VARIABLE}}, ${{shared.VARIABLE}}, ${{VARIABLE}}.
REFERENCE = re.compile(r"\$\{\{\s*[A-Za-z0-9_.-]+\s*\}\}")


def has_reference(value: Any) -> bool:
    return isinstance(value, str) and bool(REFERENCE.search(value))


#: A URL inside a longer text (a start command, a healthcheck).
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+")


def urls_in(text: str) -> list[str]:
    return URL.findall(text)


def url_password(value: str) -> str | None:
    """The password of a `scheme://user:password@host` URL, None when there is none."""
    if "://" not in value or "@" not in value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if not parts.scheme or "@" not in parts.netloc:
        return None
    userinfo = parts.netloc.rsplit("@", 1)[0]
    if ":" not in userinfo:
        return None
    return userinfo.split(":", 1)[1] or None


def url_host(value: str) -> str | None:
    """The host of a URL; a Railway reference in the host position is returned as written."""
    rest = value.split("://", 1)[1] if "://" in value else value
    netloc = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    reference = REFERENCE.match(netloc)
    if reference:
        return reference.group(0)
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.rsplit(":", 1)[0] if ":" in netloc else (netloc or None)


def environment_list(entries: Any) -> dict[str, Any]:
    """Docker's `envs` (["NAME=value", ...]) as a dict; a secret entry gives secret values."""
    result: dict[str, Any] = {}
    for entry in entries if isinstance(entries, list) else []:
        if entry is UNKNOWN or not isinstance(entry, str) or "=" not in entry:
            continue
        name, value = entry.split("=", 1)
        result[name] = SecretText(value) if is_secret(entry) else value
    return result


# -- the secret-marking hook -------------------------------------------------------------------
def _marking(value: Any, secret: bool) -> Any:
    if isinstance(value, dict):
        signature = value.get(_deserialize.SPECIAL_SIG_KEY)
        if signature == _deserialize.SPECIAL_SECRET_SIG:
            return _marking(value.get("value"), True)
        if signature is not None:  # assets and archives: the library's own handling
            return _deserialize._deserialize_property(value)
        return {key: _marking(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [_marking(item, secret) for item in value]
    if secret and isinstance(value, str):
        return SecretText(value)
    return value


def deserialize_marking_secrets(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
    """pulumi-policy's deserializer for validation, keeping which strings were secrets."""
    if proxy_secrets:  # remediation keeps the library's own secret-preserving proxies
        return _deserialize.deserialize_properties(props, True)
    return {key: _marking(value, False) for key, value in props.items()}


def install_secret_marking() -> None:
    """Makes the running pack see secrets as SecretText (see the module docstring)."""
    if not hasattr(_policy, "deserialize_properties"):
        raise RuntimeError(
            "pulumi-policy changed: policy.deserialize_properties is gone, so the pack cannot tell "
            "secret values from plain ones; update policy/values.py for this pulumi-policy version"
        )
    # Replacing pulumi-policy's own name on purpose (checked just above), hence not a re-export of it.
    _policy.deserialize_properties = deserialize_marking_secrets  # pyright: ignore[reportPrivateImportUsage]
