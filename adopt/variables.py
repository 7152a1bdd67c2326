"""Carrying a hand-made project's app variables into the stack: every variable railstack does not
set itself, as a plain value, a stack secret, or a translation of its Railway references into
railstack's (see the rules in adopt/mapping.py). Values are secrets: nothing here quotes one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from adopt.checks import check_commands, long_secrets
from adopt.common import _REFERENCE, STORE_ROLES, CarriedVariables, Findings, Placed, Problem
from adopt.inventory import PROVIDED_PREFIX, Inventory, ServiceInfo
from railstack.plan import (
    FLOWER_SECRET,
    GENERATED_SECRETS,
    WORKLOAD_OFFERS,
    Plan,
    Ref,
    Workload,
    build_plan,
    default_variables,
    parse,
)
from railstack.stacks.load import load_stack_config
from railstack.stacks.model import ENV_VAR, StackConfig
from railstack.stacks.secret_values import secret_reason

# --- the app services' variables -----------------------------------------------------------------

#: A literal value under such a name is a secret, whatever it looks like.
SECRET_VARIABLE_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|DSN", re.IGNORECASE)
#: The shared variables of the secrets railstack generates (railstack/components/railway/app_stack.py): a secret
#: carried under one of these names would take its place.
GENERATED_SHARED = tuple(name.upper() for name in (*GENERATED_SECRETS, FLOWER_SECRET))
#: Variables railstack's own Postgres and Redis set to one of their offers' values, besides the offers'
#: own (railstack/components/railway/postgres.py, redis.py): `${{Postgres.POSTGRES_PASSWORD}}` is `${postgres.password}`.
STORE_ALIASES: dict[str, dict[str, str]] = {
    "postgres": {
        "POSTGRES_USER": "user",
        "POSTGRES_PASSWORD": "password",
        "POSTGRES_DB": "database",
        "RAILWAY_PRIVATE_DOMAIN": "host",
    },
    "redis": {"REDIS_PASSWORD": "password", "RAILWAY_PRIVATE_DOMAIN": "host"},
}
#: RAILWAY_PRIVATE_DOMAIN -> private_domain, ...: what a workload offers, by the Railway variable
#: (RAILWAY_PUBLIC_DOMAIN is public_domain, its first offer; public_host is the same variable).
_WORKLOAD_OFFER_OF: dict[str, str] = {}
for _offer, _variable in WORKLOAD_OFFERS.items():
    _WORKLOAD_OFFER_OF.setdefault(_variable, _offer)

#: A translated value: literal text and railstack references (`True`), in order.
_Parts = tuple[tuple[bool, str], ...]


class _NoEquivalent(Exception):
    """A value adopt cannot carry. The reason names references and variables, never a value."""

    def __init__(self, why: str) -> None:
        self.why = why
        super().__init__(why)


@dataclass(frozen=True)
class _Carried:
    kind: Literal["plain", "secret", "translated"]
    parts: _Parts = field(repr=False)

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.parts)


@dataclass(frozen=True)
class AppService:
    """A placed app service with what railstack gives its role."""

    placed: Placed
    key: str
    """Its settings' key path: api, workers.<name>, beat, flower."""
    workload: Workload
    defaults: Mapping[str, str]
    """railstack's default variables of its role (railstack/plan.py default_variables), in railstack's syntax."""

    @property
    def service(self) -> ServiceInfo:
        return self.placed.service

    def replaces(self, name: str) -> bool:
        """railstack sets `name` on this role itself (a default, or PORT)."""
        return name in self.defaults or name == "PORT"


def _reference_parts(ref: str) -> tuple[str | None, str]:
    """`"My Service".X` / `Service.X` / `shared.X` / `X` as (owner, key); owner None: the service itself."""
    if ref.startswith('"') and '".' in ref:
        owner, _, key = ref[1:].partition('".')
        return owner, key
    if "." in ref:
        owner, _, key = ref.partition(".")
        return owner, key
    return None, ref


def _plan_parts(text: str) -> _Parts:
    return tuple((True, p.text) if isinstance(p, Ref) else (False, p) for p in parse(text).parts)


class _Translator:
    """Each app service's variables in railstack's terms, following references through the project."""

    def __init__(
        self,
        inventory: Inventory,
        plan: Plan,
        apps: Iterable[AppService],
        stores: Mapping[str, ServiceInfo],
        passwords: Mapping[str, str],
    ) -> None:
        self.inventory = inventory
        self.apps = {app.service.id: app for app in apps}
        self.stores = {service.id: name for name, service in stores.items() if name in plan.stores}
        self.offers: dict[str, dict[str, str]] = {}
        for name in self.stores.values():
            offers = plan.stores[name].offers
            by_variable = {offer.railway_variable: offer.name for offer in offers.values()}
            by_variable.update({v: o for v, o in STORE_ALIASES.get(name, {}).items() if o in offers})
            self.offers[name] = by_variable
        self.passwords = passwords
        self._done: dict[tuple[str, str], _Carried | _NoEquivalent] = {}

    def carry(self, app: AppService, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> _Carried:
        """What `name` of `app` is carried as; _NoEquivalent when it cannot be."""
        marker = (app.service.id, name)
        done = self._done.get(marker)
        if isinstance(done, _NoEquivalent):
            raise done
        if done is not None:
            return done
        if marker in seen:
            raise _NoEquivalent(f"its references lead back to {app.service.name}'s {name}: a cycle")
        try:
            if not re.fullmatch(ENV_VAR, name):
                raise _NoEquivalent(
                    "its name is not one railstack can set (capital letters, digits and _, not starting with a "
                    "digit): rename it in Railway"
                )
            parts = self._translate(app.service.variables[name], app.service, seen | {marker})
            carried = self._classify(name, parts)
        except _NoEquivalent as err:
            self._done[marker] = err
            raise
        self._done[marker] = carried
        return carried

    def _translate(self, value: str, service: ServiceInfo | None, seen: frozenset[tuple[str, str]]) -> _Parts:
        parts: list[tuple[bool, str]] = []
        position = 0
        for match in _REFERENCE.finditer(value):
            if match.start() > position:
                parts.append((False, value[position : match.start()]))
            parts.extend(self._reference(match.group(1), service, seen))
            position = match.end()
        if position < len(value):
            parts.append((False, value[position:]))
        return tuple(parts)

    def _reference(self, ref: str, service: ServiceInfo | None, seen: frozenset[tuple[str, str]]) -> _Parts:
        shown = "${{" + ref + "}}"
        owner_name, key = _reference_parts(ref)
        if owner_name == "shared":
            marker = ("shared:", key)
            if key not in self.inventory.shared_variables:
                raise _NoEquivalent(f"{shown}: the environment has no shared variable {key}")
            if marker in seen:
                raise _NoEquivalent(f"{shown}: its references lead back to it, a cycle")
            return self._translate(self.inventory.shared_variables[key], None, seen | {marker})
        if owner_name is None:
            if service is None:
                raise _NoEquivalent(f"{shown} is used in a shared variable, where it names no service")
            owner = service
        else:
            found = next((s for s in self.inventory.services if s.name == owner_name), None)
            if found is None:
                raise _NoEquivalent(f"{shown}: the project has no service {owner_name!r} in this environment")
            owner = found
        store = self.stores.get(owner.id)
        if store is not None:
            offer = self.offers[store].get(key)
            if offer is None:
                raise _NoEquivalent(
                    f"{shown}: railstack's {store} offers no such value (it offers "
                    f"{', '.join(sorted(self.offers[store]))})"
                )
            return ((True, f"${{{store}.{offer}}}"),)
        app = self.apps.get(owner.id)
        if app is None:
            raise _NoEquivalent(f"{shown}: {owner.name} is not a service railstack adopts")
        workload = app.workload
        if key in _WORKLOAD_OFFER_OF:
            offer = _WORKLOAD_OFFER_OF[key]
            if offer == "port" and workload.port is None:
                raise _NoEquivalent(f"{shown}: railstack gives {owner.name} ({app.key}) no port")
            if offer == "public_domain" and not workload.public:
                raise _NoEquivalent(f"{shown}: railstack gives {owner.name} ({app.key}) no Railway public domain")
            return ((True, f"${{{workload.name}.{offer}}}"),)
        if key.startswith(PROVIDED_PREFIX):
            raise _NoEquivalent(
                f"{shown}: Railway's own variable has no railstack equivalent (railstack offers a service's "
                f"{', '.join(sorted(_WORKLOAD_OFFER_OF))})"
            )
        if key in app.defaults:
            return _plan_parts(app.defaults[key])
        if key not in owner.variables:
            raise _NoEquivalent(f"{shown}: {owner.name} has no variable {key}")
        try:
            carried = self.carry(app, key, seen)
        except _NoEquivalent as err:
            raise _NoEquivalent(f"{shown}: {owner.name}'s {key} cannot be carried ({err.why})") from None
        if carried.kind == "secret":
            return ((True, f"${{secrets.{key}}}"),)
        return carried.parts

    def _classify(self, name: str, parts: _Parts) -> _Carried:
        text = "".join(t for _, t in parts)
        refs = [t for is_ref, t in parts if is_ref]
        if [ref.text for ref in parse(text).refs] != refs:
            raise _NoEquivalent("its text holds ${name.value}, which railstack would read as one of its references")
        if not refs:
            if text and (SECRET_VARIABLE_NAME.search(name) or secret_reason(text) is not None):
                if name in GENERATED_SHARED:
                    store = name.removesuffix("_PASSWORD").lower()
                    if store in self.offers and self.passwords.get(f"{store}_password") == text:
                        return _Carried("translated", ((True, f"${{{store}.password}}"),))
                    raise _NoEquivalent(
                        f"a secret named {name} would take the place of the one railstack generates "
                        f"({name.lower()}): rename it in Railway"
                    )
                return _Carried("secret", parts)
            return _Carried("plain", parts)
        reason = secret_reason(text)
        if reason is not None:
            raise _NoEquivalent(
                f"the text around its references {reason}: railstack keeps a secret only as a whole value "
                "(sensitive_variables); make the secret a variable of its own and reference it"
            )
        return _Carried("translated", parts)


@dataclass
class Carry:
    """The result of `carry_variables`."""

    common: dict[str, str] = field(default_factory=dict)
    """Stack-wide `variables`."""
    own: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """`<key>.variables` of each app role, by key path."""
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    """The secret variables' values, by name (`sensitive_variables`)."""
    summary: list[CarriedVariables] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


#: What each app service's variables are carried as, by service id, then by name.
_CarriedOf = dict[str, dict[str, _Carried]]


def carry_variables(
    inventory: Inventory,
    plan: Plan,
    apps: Sequence[AppService],
    stores: Mapping[str, ServiceInfo],
    passwords: Mapping[str, str],
    defaults_anywhere: Iterable[str] = (),
) -> Carry:
    """Every variable of the app services that railstack does not set itself, in the stack's terms.

    `defaults_anywhere`: the default variables of every role the stack runs (a role railstack creates
    too): a value the app roles share goes to the stack-wide `variables` only when it overrides none.
    """
    result = Carry()
    translator = _Translator(inventory, plan, apps, stores, passwords)
    carried = {app.service.id: _carry_each(app, translator, result) for app in apps}
    _keep_one_value_per_secret(apps, carried, result)
    _place_values(apps, carried, set(defaults_anywhere), result)
    _give_secrets_to_every_role(apps, carried, result)
    result.summary[:] = [_summary(app, carried[app.service.id], set(result.secrets)) for app in apps]
    return result


def _carry_each(app: AppService, translator: _Translator, result: Carry) -> dict[str, _Carried]:
    """What each of `app`'s variables is carried as; one that cannot be is a problem."""
    found: dict[str, _Carried] = {}
    for name in sorted(app.service.variables):
        if name.startswith(PROVIDED_PREFIX) or app.replaces(name):
            continue
        try:
            found[name] = translator.carry(app, name)
        except _NoEquivalent as err:
            result.problems.append(Problem(app.service.label, f"its variable {name} cannot be carried: {err.why}"))
    result.own[app.key] = {}
    return found


def _keep_one_value_per_secret(apps: Sequence[AppService], carried: _CarriedOf, result: Carry) -> None:
    """Each secret name keeps one value (`railstack:<NAME>`); two values under one name is a problem."""
    holders: dict[str, dict[str, list[AppService]]] = {}
    for app in apps:
        for name, held in carried[app.service.id].items():
            if held.kind == "secret":
                holders.setdefault(name, {}).setdefault(held.text, []).append(app)
    for name, by_value in holders.items():
        if len(by_value) == 1:
            result.secrets[name] = next(iter(by_value))
            continue
        services = [app for held in by_value.values() for app in held]
        for app in services:
            others = ", ".join(f'"{o.service.name}"' for o in services if o is not app)
            result.problems.append(
                Problem(
                    app.service.label,
                    f"its variable {name} is a secret with another value than on {others}: railstack keeps one "
                    f"value per secret (sensitive_variables, railstack:{name}); make them equal or rename one",
                )
            )


def _place_values(apps: Sequence[AppService], carried: _CarriedOf, defaults_anywhere: set[str], result: Carry) -> None:
    """Plain and translated values: once for the whole stack when every app role has the same."""
    names = sorted({n for found in carried.values() for n in found} - set(result.secrets))
    for name in names:
        texts = [carried[app.service.id][name].text if name in carried[app.service.id] else None for app in apps]
        if len(apps) > 1 and len(set(texts)) == 1 and texts[0] is not None and name not in defaults_anywhere:
            result.common[name] = texts[0]
            continue
        for app, text in zip(apps, texts, strict=True):
            if text is not None:
                result.own[app.key][name] = text


def _give_secrets_to_every_role(apps: Sequence[AppService], carried: _CarriedOf, result: Carry) -> None:
    """Secrets reach every role as `${secrets.<NAME>}`: a service that held another value keeps it, one
    that did not hold the variable does not get it (null removes it)."""
    for name in sorted(result.secrets):
        for app in apps:
            held = carried[app.service.id].get(name)
            if held is None:
                if not app.replaces(name):
                    result.own[app.key][name] = None
            elif held.kind != "secret" and held.text != f"${{secrets.{name}}}":
                result.own[app.key][name] = held.text


def _summary(app: AppService, found: Mapping[str, _Carried], sensitive: set[str]) -> CarriedVariables:
    """What became of `app`'s variables, by name."""
    groups: dict[str, list[str]] = {"plain": [], "secret": [], "translated": []}
    for name, held in found.items():
        if name in sensitive and (held.kind == "secret" or held.text == f"${{secrets.{name}}}"):
            groups["secret"].append(name)
        elif _REFERENCE.search(app.service.variables[name]):
            groups["translated"].append(name)
        else:
            groups["plain"].append(name)
    replaced = [n for n in sorted(app.service.variables) if not n.startswith(PROVIDED_PREFIX) and app.replaces(n)]
    return CarriedVariables(
        app.service.name,
        app.key,
        plain=tuple(groups["plain"]),
        secret=tuple(groups["secret"]),
        translated=tuple(groups["translated"]),
        replaced=tuple(replaced),
    )


# --- the step ------------------------------------------------------------------------------------


def app_services(placed: Iterable[Placed], plan: Plan, model: StackConfig) -> list[AppService]:
    """The placed app services, each with its workload in `plan` and its role's default variables."""
    apps: list[AppService] = []
    for item in placed:
        if item.role not in STORE_ROLES:
            workload = plan.workload(item.component)
            apps.append(AppService(item, workload.key, workload, default_variables(workload.kind, model, item.worker)))
    return apps


def defaults_of_every_role(plan: Plan, model: StackConfig) -> set[str]:
    """The default variables of every role the stack runs, found or created by railstack."""
    return {
        name
        for w in plan.workloads
        for name in default_variables(w.kind, model, w.key.removeprefix("workers.") if w.kind == "worker" else None)
    }


def carry_app_variables(
    stack: str,
    inventory: Inventory,
    config: dict[str, Any],
    placed: Sequence[Placed],
    passwords: Mapping[str, str],
    findings: Findings,
) -> Carry:
    """The step: the app services' variables, carried in the terms of the stack `config` makes
    (`pulumi up` removes every variable the stack does not produce). A configuration the model
    refuses raises its ConfigError."""
    model = load_stack_config(stack, config)
    plan = build_plan(stack, model)
    apps = app_services(placed, plan, model)
    stores = {item.role: item.service for item in placed if item.role in STORE_ROLES}
    carried = carry_variables(inventory, plan, apps, stores, passwords, defaults_of_every_role(plan, model))
    findings.problems += carried.problems
    check_commands([app.service for app in apps], long_secrets(carried.secrets.values()), findings)
    return carried


def write_variables(config: dict[str, Any], carried: Carry) -> None:
    """Puts what was carried into `config`: each role's `variables`, the stack-wide `variables` and
    `sensitive_variables`."""
    roles: dict[str, dict[str, Any]] = {key: config[key] for key in ("api", "beat", "flower") if key in config}
    roles.update({f"workers.{name}": spec for name, spec in (config.get("workers") or {}).items() if spec})
    for key, own in carried.own.items():
        if own:
            roles[key]["variables"] = own
    if carried.common:
        config["variables"] = carried.common
    if carried.secrets:
        config["sensitive_variables"] = sorted(carried.secrets)


def shared_variable_notes(inventory: Inventory, carried: Carry, findings: Findings) -> None:
    """What `pulumi up` does to the environment's hand-made shared variables."""
    leftover = sorted(set(inventory.shared_variables) - set(GENERATED_SHARED) - set(carried.secrets))
    if leftover:
        findings.notes.append(
            f"the environment's shared variables {', '.join(leftover)} are not railstack's: `pulumi up` removes them "
            "from the shared scope (the app services that referenced them keep their values, as carried)"
        )
    generated = sorted(set(inventory.shared_variables) & set(GENERATED_SHARED))
    if generated:
        findings.notes.append(
            f"the environment's shared variables {', '.join(generated)} are railstack's generated secrets: `pulumi up` "
            "replaces them (except the stores' passwords kept in secrets.provided)"
        )
