"""Railway variables: all of a service's variables in one environment, or the environment's shared
variables, written in one request with `skipDeploys` (the ServiceDeployment resource deploys).

Values are kept verbatim, so `${{Postgres.DATABASE_URL}}` and `${{shared.SECRET_KEY}}` references
stay references. The collection owns its scope: variables not in it are removed (`replace`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from providers.railway._base import RailwayResourceProvider

#: Variables Railway provides itself; never owned, never compared.
PROVIDED_PREFIX = "RAILWAY_"


def revision(variables: dict[str, str]) -> str:
    """A digest of the variables, for deployment triggers: changes when any name or value does."""
    return hashlib.sha256(json.dumps(variables, sort_keys=True).encode()).hexdigest()[:16]


def fingerprint(key: str, name: str, value: str) -> str:
    """A keyed fingerprint of one variable: changes with its value, reveals nothing of it without
    the key (HMAC-SHA256, truncated)."""
    return hmac.new(key.encode(), f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()[:16]


class VariableCollectionProvider(RailwayResourceProvider):
    KIND = "railway:VariableCollection"
    REPLACE_ON = frozenset({"project_id", "environment_id", "service_id"})
    UPDATE_ON = frozenset({"variables"})

    def normalize(self, key: str, value: Any) -> Any:
        if key == "variables":
            return {k: str(v) for k, v in (value or {}).items() if not k.startswith(PROVIDED_PREFIX)}
        return value

    def _scope(self, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "projectId": props["project_id"],
            "environmentId": props["environment_id"],
            "serviceId": props.get("service_id"),
        }

    def _current(self, props: dict[str, Any]) -> dict[str, str] | None:
        data = self.read_or_gone("Variables", self._scope(props), props)
        if data is None:
            return None
        return self.normalize("variables", data.get("variables"))

    def _write(self, props: dict[str, Any]) -> None:
        wanted = self.normalize("variables", props.get("variables"))
        self.write(
            "VariableCollectionUpsert",
            {"input": {**self._scope(props), "variables": wanted, "replace": True, "skipDeploys": True}},
            verify=lambda: self._current(props) == wanted,
        )

    def _outs(self, props: dict[str, Any]) -> dict[str, Any]:
        variables = self.normalize("variables", props.get("variables"))
        return self.outputs(props, revision=revision(variables), names=sorted(variables))

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._write(props)
        scope = props.get("service_id") or "shared"
        return CreateResult(id_=f"{props['environment_id']}:{scope}", outs=self._outs(props))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._write(news)
        return UpdateResult(outs=self._outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        current = self._current(props)
        if current is None:
            return ReadResult(None, {})
        return ReadResult(id_, self._outs({**props, "variables": current}))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly(
            "VariableCollectionUpsert",
            {"input": {**self._scope(props), "variables": {}, "replace": True, "skipDeploys": True}},
            props,
        )


class VariableCollection(Resource):
    """All variables of a service in one environment (service_id set), or the environment's
    shared variables (service_id None). Values are secret in state and outputs; `names` and
    `revision` (a digest that changes with any value) are not. Given a `fingerprint_key`, the
    input `fingerprints` holds a keyed fingerprint per variable (plain), so a preview shows which
    variables change, by name, while every value stays secret."""

    kind: pulumi.Output[str]
    revision: pulumi.Output[str]
    names: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: pulumi.Input[str],
        environment_id: pulumi.Input[str],
        variables: pulumi.Input[dict[str, pulumi.Input[str]]],
        service_id: pulumi.Input[str] | None = None,
        fingerprint_key: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        fingerprints = None
        if fingerprint_key is not None and isinstance(variables, dict):
            fingerprints = {
                name: pulumi.Output.unsecret(
                    pulumi.Output.all(fingerprint_key, value).apply(
                        lambda kv, n=name: fingerprint(kv[0], n, str(kv[1]))
                    )
                )
                for name, value in variables.items()
            }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["variables"]))
        # Each value a secret of its own, not the map as one secret: then a value not known during a
        # preview (a password being generated) leaves the other names and values visible to the
        # preview's diff and to the policy pack.
        if isinstance(variables, dict):
            variables = {name: pulumi.Output.secret(value) for name, value in variables.items()}
        else:
            variables = pulumi.Output.secret(variables)
        super().__init__(
            VariableCollectionProvider(),
            resource_name,
            {
                "project_id": project_id,
                "environment_id": environment_id,
                "service_id": service_id,
                "variables": variables,
                "fingerprints": fingerprints,
                "kind": VariableCollectionProvider.KIND,
                "revision": None,
                "names": None,
            },
            opts,
        )
