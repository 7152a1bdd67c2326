"""Railway variables: all of a service's variables in one environment, or the environment's shared
variables, written in one request with `skipDeploys` (the ServiceDeployment resource deploys).

Values are kept verbatim, so `${{Postgres.DATABASE_URL}}` and `${{shared.SECRET_KEY}}` references
stay references. The collection owns its scope: variables not in it are removed (`replace`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any

from railstack.providers.railway._base import Created, Handler, Where
from railstack.providers.railway.schema import Props, State, prop

#: Variables Railway provides itself; never owned, never compared.
PROVIDED_PREFIX = "RAILWAY_"


def revision(variables: dict[str, str]) -> str:
    """A digest of the variables, for deployment triggers: changes when any name or value does."""
    return hashlib.sha256(json.dumps(variables, sort_keys=True).encode()).hexdigest()[:16]


def fingerprint(key: str, name: str, value: str) -> str:
    """A keyed fingerprint of one variable: changes with its value, reveals nothing of it without
    the key (HMAC-SHA256, truncated)."""
    return hmac.new(key.encode(), f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()[:16]


def owned(variables: dict[str, Any] | None) -> dict[str, str]:
    """The variables railstack owns, as Railway stores them (text): Railway's own are left out."""
    return {k: str(v) for k, v in (variables or {}).items() if not k.startswith(PROVIDED_PREFIX)}


class VariableCollectionArgs(Props):
    project_id: str = prop("The project.", change="replace")
    environment_id: str = prop("The environment.", change="replace")
    service_id: str | None = prop(
        "The service; unset: the environment's shared variables.", change="replace", default=None
    )
    variables: dict[str, str] | None = prop(
        "Every variable of the scope; others are removed.",
        change="update",
        secret_values=True,
        compare_as=owned,
        default=None,
    )
    fingerprints: dict[str, str] | None = prop(
        "A keyed fingerprint per variable (railstack's record, so previews name changed variables).", default=None
    )


class VariableCollectionState(State[VariableCollectionArgs]):
    revision: str = prop("A digest of the variables, for deployment triggers.", derived=True)
    names: list[str] = prop("The variables' names.", derived=True)


def _state(args: VariableCollectionArgs) -> VariableCollectionState:
    variables = owned(args.variables)
    return VariableCollectionState(args=args, revision=revision(variables), names=sorted(variables))


class VariableCollectionProvider(Handler[VariableCollectionArgs, VariableCollectionState]):
    TYPE = "VariableCollection"
    DESCRIPTION = (
        "All variables of a service in one environment (`serviceId` set), or the environment's shared "
        "variables (no `serviceId`), written in one request that never deploys. Values are kept verbatim, so "
        "`${{Postgres.DATABASE_URL}}` stays a reference, and are secret in the state, each on its own (so a "
        "preview still shows which names change); `names`, `revision` and `fingerprints` are not."
    )
    IMPORT_ID = "<environmentId>:<serviceId>, or <environmentId>:shared"
    STATE = VariableCollectionState

    def import_state(self, import_id: str) -> tuple[str, VariableCollectionState]:
        environment_id, scope = self.split_id(import_id, 2)
        blank = self.blank()
        args = replace(
            blank.args,
            project_id=self.project_of(environment_id),
            environment_id=environment_id,
            service_id=None if scope == "shared" else scope,
        )
        return import_id, replace(blank, args=args)

    @staticmethod
    def _scope(args: VariableCollectionArgs) -> dict[str, Any]:
        return {"projectId": args.project_id, "environmentId": args.environment_id, "serviceId": args.service_id}

    @staticmethod
    def _where(args: VariableCollectionArgs) -> Where:
        return Where(project_id=args.project_id, environment_id=args.environment_id, service_id=args.service_id)

    def _current(self, args: VariableCollectionArgs) -> dict[str, str] | None:
        data = self.read_or_gone("Variables", self._scope(args), self._where(args))
        if data is None:
            return None
        return owned(data.get("variables"))

    def _write(self, args: VariableCollectionArgs) -> None:
        wanted = owned(args.variables)
        self.write(
            "VariableCollectionUpsert",
            {"input": {**self._scope(args), "variables": wanted, "replace": True, "skipDeploys": True}},
            verify=lambda: self._current(args) == wanted,
        )

    def create(self, args: VariableCollectionArgs) -> Created[VariableCollectionState]:
        self._write(args)
        scope = args.service_id or "shared"
        return Created(f"{args.environment_id}:{scope}", _state(args))

    def update(self, id_: str, olds: VariableCollectionState, news: VariableCollectionArgs) -> VariableCollectionState:
        self._write(news)
        return _state(news)

    def read(self, id_: str, state: VariableCollectionState) -> VariableCollectionState | None:
        current = self._current(state.args)
        if current is None:
            return None
        return _state(replace(state.args, variables=current))

    def delete(self, id_: str, state: VariableCollectionState) -> None:
        self.delete_quietly(
            "VariableCollectionUpsert",
            {"input": {**self._scope(state.args), "variables": {}, "replace": True, "skipDeploys": True}},
            self._where(state.args),
        )
