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

from railstack.providers.railway._base import (
    CreateResult,
    DictProvider,
    ReadResult,
    UpdateResult,
    Where,
)
from railstack.providers.railway.schema import Prop, list_of, map_of

#: Variables Railway provides itself; never owned, never compared.
PROVIDED_PREFIX = "RAILWAY_"


def revision(variables: dict[str, str]) -> str:
    """A digest of the variables, for deployment triggers: changes when any name or value does."""
    return hashlib.sha256(json.dumps(variables, sort_keys=True).encode()).hexdigest()[:16]


def fingerprint(key: str, name: str, value: str) -> str:
    """A keyed fingerprint of one variable: changes with its value, reveals nothing of it without
    the key (HMAC-SHA256, truncated)."""
    return hmac.new(key.encode(), f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()[:16]


class VariableCollectionProvider(DictProvider):
    TYPE = "VariableCollection"
    DESCRIPTION = (
        "All variables of a service in one environment (`serviceId` set), or the environment's shared "
        "variables (no `serviceId`), written in one request that never deploys. Values are kept verbatim, so "
        "`${{Postgres.DATABASE_URL}}` stays a reference, and are secret in the state, each on its own (so a "
        "preview still shows which names change); `names`, `revision` and `fingerprints` are not."
    )
    IMPORT_ID = "<environmentId>:<serviceId>, or <environmentId>:shared"
    INPUTS = {
        "project_id": Prop("string", "The project.", required=True, change="replace"),
        "environment_id": Prop("string", "The environment.", required=True, change="replace"),
        "service_id": Prop("string", "The service; unset: the environment's shared variables.", change="replace"),
        "variables": Prop(
            map_of("string"), "Every variable of the scope; others are removed.", change="update", secret_values=True
        ),
        "fingerprints": Prop(
            map_of("string"),
            "A keyed fingerprint per variable (railstack's record, so previews name changed variables).",
        ),
    }
    OUTPUTS = {
        "revision": Prop("string", "A digest of the variables, for deployment triggers.", derived=True, required=True),
        "names": Prop(list_of("string"), "The variables' names.", derived=True, required=True),
    }

    def import_props(self, import_id: str) -> tuple[str, dict[str, Any]]:
        environment_id, scope = self.split_id(import_id, 2)
        return import_id, {
            "project_id": self.project_of(environment_id),
            "environment_id": environment_id,
            "service_id": None if scope == "shared" else scope,
        }

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
        data = self.read_or_gone("Variables", self._scope(props), Where.of(props))
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
            Where.of(props),
        )
