"""Variables: shared (per environment) and per service instance, stored verbatim, deployed on every write.

Values are kept exactly as written, `${{...}}` references included; `variables(..., unrendered: true)`
returns them so. Without `unrendered: true` the emulator renders the references Railway documents:
`${{shared.KEY}}`, `${{Service.VAR}}` (`${{"My Service".VAR}}` for names that are not identifiers) and
`${{VAR}}` in the same service, plus the variables Railway provides (`RAILWAY_PRIVATE_DOMAIN`, ...), which
rendered service reads include. A reference to nothing renders as an empty string.

Deploy-on-write: every `variableCollectionUpsert` and `variableUpsert` creates one deployment per affected
instance unless `skipDeploys: true` (a service's variables affect that service in that environment, shared
variables every instance of the environment); `variableDelete` has no `skipDeploys` and always deploys
when it removed something. This is the pitfall the provider has to batch around.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import check_variable_name, connection, dns_label, variable_map
from railway_emulator.resolvers.deployments import deploy
from railway_emulator.state import Environment, State

_REFERENCE = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_MAX_DEPTH = 8
"""References nest (a reference to a variable that references another); cycles stop rendering here."""


def _target(state: State, project_id: str, environment_id: str, service_id: str | None) -> dict[str, str]:
    """The variable map a write or read addresses, after checking the ids belong together."""
    state.project(project_id)
    state.environment_of_project(environment_id, project_id)
    if service_id is None:
        return state.shared_variables.setdefault(environment_id, {})
    state.service_of_project(service_id, project_id)
    state.instance(service_id, environment_id)
    return state.service_variables.setdefault((service_id, environment_id), {})


def _deploy_affected(state: State, environment_id: str, service_id: str | None) -> None:
    if service_id is not None:
        instances = [state.instance(service_id, environment_id)]
    else:
        instances = state.instances_in(environment_id)
    for instance in instances:
        deploy(state, instance, "variable_change")


def provided_variables(state: State, service_id: str, environment_id: str) -> dict[str, str]:
    """The variables Railway sets on every instance, as far as the emulator knows their values."""
    service = state.service(service_id)
    environment = state.environment(environment_id)
    project = state.project(service.project_id)
    provided = {
        "RAILWAY_PROJECT_ID": project.id,
        "RAILWAY_PROJECT_NAME": project.name,
        "RAILWAY_ENVIRONMENT_ID": environment.id,
        "RAILWAY_ENVIRONMENT_NAME": environment.name,
        "RAILWAY_ENVIRONMENT": environment.name,
        "RAILWAY_SERVICE_ID": service.id,
        "RAILWAY_SERVICE_NAME": service.name,
        "RAILWAY_PRIVATE_DOMAIN": f"{dns_label(service.name)}.railway.internal",
    }
    domains = state.service_domains_of(service_id, environment_id)
    if domains:
        provided["RAILWAY_PUBLIC_DOMAIN"] = domains[0].domain
    proxies = state.tcp_proxies_of(service_id, environment_id)
    if proxies:
        provided["RAILWAY_TCP_PROXY_DOMAIN"] = proxies[0].domain.rstrip(".")
        provided["RAILWAY_TCP_PROXY_PORT"] = str(proxies[0].proxy_port)
        provided["RAILWAY_TCP_APPLICATION_PORT"] = str(proxies[0].application_port)
    volume_instance = state.volume_instance_for(service_id, environment_id)
    if volume_instance is not None:
        provided["RAILWAY_VOLUME_ID"] = volume_instance.volume_id
        provided["RAILWAY_VOLUME_NAME"] = state.volumes[volume_instance.volume_id].name
        provided["RAILWAY_VOLUME_MOUNT_PATH"] = volume_instance.mount_path
    return provided


def _lookup(state: State, environment_id: str, service_id: str | None, name: str) -> str | None:
    if service_id is None:
        return state.shared_variables.get(environment_id, {}).get(name)
    own = state.service_variables.get((service_id, environment_id), {})
    if name in own:
        return own[name]
    return provided_variables(state, service_id, environment_id).get(name)


def _split_reference(reference: str) -> tuple[str | None, str]:
    """`shared.KEY` -> ("shared", "KEY"); `"My Service".VAR` -> ("My Service", "VAR"); `VAR` -> (None, "VAR")."""
    if reference.startswith('"'):
        closing = reference.find('"', 1)
        if closing > 0 and reference[closing + 1 : closing + 2] == ".":
            return reference[1:closing], reference[closing + 2 :]
    if "." in reference:
        scope, name = reference.split(".", 1)
        return scope, name
    return None, reference


def render(state: State, environment_id: str, service_id: str | None, value: str, depth: int = 0) -> str:
    """`value` with every `${{...}}` reference replaced, as a deployment of that instance would see it."""
    project_id = state.environment(environment_id).project_id

    def replace(match: re.Match[str]) -> str:
        if depth >= _MAX_DEPTH:
            return ""
        scope, name = _split_reference(match.group(1))
        scope_service: str | None = service_id
        if scope == "shared":
            scope_service = None
        elif scope is not None:
            others = [s for s in state.services_of(project_id) if s.name == scope]
            if not others or (others[0].id, environment_id) not in state.instances:
                return ""
            scope_service = others[0].id
        raw = _lookup(state, environment_id, scope_service, name)
        if raw is None:
            return ""
        return render(state, environment_id, scope_service, raw, depth + 1)

    return _REFERENCE.sub(replace, value)


def rendered_variable(state: State, service_id: str, environment_id: str, name: str) -> str | None:
    """The value a deployment of the instance sees for `name` (its own or a provided variable), rendered."""
    if (service_id, environment_id) not in state.instances:
        return None
    raw = _lookup(state, environment_id, service_id, name)
    return None if raw is None else render(state, environment_id, service_id, raw)


def references(value: str) -> list[str]:
    """The references a value makes, as written inside `${{...}}`."""
    return [match.group(1) for match in _REFERENCE.finditer(value)]


# --- root fields ------------------------------------------------------------------------------------


@query("variables")
def variables(
    ctx: Context, environment_id: str, project_id: str, service_id: str | None = None, unrendered: bool | None = None
) -> dict[str, str]:
    state = ctx.state
    stored = dict(_target(state, project_id, environment_id, service_id))
    if unrendered:
        return stored
    if service_id is not None:
        stored = {**provided_variables(state, service_id, environment_id), **stored}
    return {name: render(state, environment_id, service_id, value) for name, value in stored.items()}


@query("variablesForServiceDeployment")
def variables_for_service_deployment(
    ctx: Context, environment_id: str, project_id: str, service_id: str
) -> dict[str, str]:
    return variables(ctx, environment_id=environment_id, project_id=project_id, service_id=service_id, unrendered=False)


@mutation("variableCollectionUpsert")
def variable_collection_upsert(ctx: Context, input: dict[str, Any]) -> bool:
    state = ctx.state
    service_id = input.get("serviceId")
    target = _target(state, input["projectId"], input["environmentId"], service_id)
    incoming = variable_map(input["variables"])
    if input.get("replace"):
        target.clear()
    target.update(incoming)
    if not input.get("skipDeploys"):
        _deploy_affected(state, input["environmentId"], service_id)
    return True


@mutation("variableUpsert")
def variable_upsert(ctx: Context, input: dict[str, Any]) -> bool:
    state = ctx.state
    service_id = input.get("serviceId")
    target = _target(state, input["projectId"], input["environmentId"], service_id)
    target[check_variable_name(input["name"])] = variable_map({input["name"]: input["value"]})[input["name"]]
    if not input.get("skipDeploys"):
        _deploy_affected(state, input["environmentId"], service_id)
    return True


@mutation("variableDelete")
def variable_delete(ctx: Context, input: dict[str, Any]) -> bool:
    state = ctx.state
    service_id = input.get("serviceId")
    target = _target(state, input["projectId"], input["environmentId"], service_id)
    # Deleting a name that is not there succeeds without a deployment: a retried delete is harmless.
    if target.pop(input["name"], None) is not None:
        _deploy_affected(state, input["environmentId"], service_id)
    return True


@field("Environment", "variables")
def environment_variables(ctx: Context, parent: Environment, **paging: Any) -> dict[str, Any]:
    """The environment's variables as `Variable` records (names and references, never values)."""
    state = ctx.state
    records: list[dict[str, Any]] = []
    scopes: list[tuple[str | None, dict[str, str]]] = [(None, state.shared_variables.get(parent.id, {}))]
    scopes += [
        (i.service_id, state.service_variables.get((i.service_id, parent.id), {}))
        for i in state.instances_in(parent.id)
    ]
    for service_id, values in scopes:
        for name, value in values.items():
            records.append(
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"railway-emulator:{parent.id}:{service_id}:{name}")),
                    "name": name,
                    "environmentId": parent.id,
                    "environment": parent,
                    "serviceId": service_id,
                    "isSealed": False,
                    "references": references(value),
                    "createdAt": parent.created_at,
                    "updatedAt": parent.updated_at,
                }
            )
    return connection(records, **paging)
