"""A Railway variable collection as railstack writes it: each value secret on its own, and a keyed
fingerprint per variable so a preview names the variables that change while every value stays secret.

Both are the program's side of the `railway:index:VariableCollection` resource: the plugin keeps the
values verbatim (`${{Postgres.DATABASE_URL}}` stays a reference) and never sees the fingerprint key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

import pulumi
import railstack_railway as railway


def fingerprint(key: str, name: str, value: str) -> str:
    """A keyed fingerprint of one variable: changes with its value, reveals nothing of it without
    the key (HMAC-SHA256, truncated)."""
    return hmac.new(key.encode(), f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()[:16]


def variable_collection(
    resource_name: str,
    *,
    project_id: pulumi.Input[str],
    environment_id: pulumi.Input[str],
    variables: Mapping[str, pulumi.Input[str]],
    service_id: pulumi.Input[str] | None = None,
    fingerprint_key: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> railway.VariableCollection:
    """All variables of a service (service_id set) or the environment's shared ones (service_id None)."""
    fingerprints = None
    if fingerprint_key is not None:
        fingerprints = {
            name: pulumi.Output.unsecret(
                pulumi.Output.all(fingerprint_key, value).apply(lambda kv, n=name: fingerprint(kv[0], n, str(kv[1])))
            )
            for name, value in variables.items()
        }
    # Each value a secret of its own, not the map as one secret: then a value not known during a
    # preview (a password being generated) leaves the other names and values visible to the
    # preview's diff and to the policy pack.
    opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["variables"]))
    return railway.VariableCollection(
        resource_name,
        project_id=project_id,
        environment_id=environment_id,
        service_id=service_id,
        variables={name: pulumi.Output.secret(value) for name, value in variables.items()},
        fingerprints=fingerprints,
        opts=opts,
    )
