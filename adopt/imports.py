"""The import IDs adoption writes (`railstack:import`): one per Railway object the hand-made project
already has and the stack would otherwise create.

Neither half is spelled here. The resource names are the stack's own (`stack_resource_names`,
`service_parts` and `service_resource_name`, which `railway_resource_names` checks every import
against), and each ID is the handler's documented `IMPORT_ID` (railstack/providers/railway/<object>.py)
with its placeholders filled, so a handler that changes its format changes what adoption writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from adopt.common import Placed
from adopt.inventory import Inventory, ServiceInfo
from railstack.components.railway.app_stack import service_resource_name, stack_resource_names
from railstack.components.railway.service import custom_domain_part, service_parts
from railstack.program import APP_STACK_NAME
from railstack.providers.railway._base import RailwayResourceProvider
from railstack.providers.railway.deployment import ServiceDeploymentProvider
from railstack.providers.railway.domain import CustomDomainProvider, ServiceDomainProvider
from railstack.providers.railway.project import ProjectProvider
from railstack.providers.railway.service import ServiceProvider
from railstack.providers.railway.service_instance import ServiceInstanceProvider
from railstack.providers.railway.variables import VariableCollectionProvider
from railstack.providers.railway.volume import VolumeProvider

_PLACEHOLDER = re.compile(r"<([^<>]*)>")
#: `<a>:<b>, or <a>:shared`: the alternatives of an IMPORT_ID (a comma inside `<...>` is not one).
_ALTERNATIVE = re.compile(r",\s*or\s+(?![^<]*>)")
#: `<a>:<b> (the instance's latest deployment)`: a closing remark, not part of the ID.
_REMARK = re.compile(r"\s*\([^()<>]*\)\s*$")


def import_id_forms(handler: type[RailwayResourceProvider]) -> tuple[str, ...]:
    """The forms `handler.IMPORT_ID` documents, without its closing remark: `<environmentId>:<serviceId>`
    and `<environmentId>:shared` for a VariableCollection."""
    return tuple(_ALTERNATIVE.split(_REMARK.sub("", handler.IMPORT_ID)))


def placeholder_names(form: str) -> list[str]:
    """The placeholders of one form, by their first word: `<domain, or the domain's id>` is `domain`."""
    return [_first_word(inner) for inner in _PLACEHOLDER.findall(form)]


def _first_word(placeholder: str) -> str:
    match = re.match(r"\w+", placeholder)
    assert match is not None, placeholder
    return match.group(0)


def import_id(handler: type[RailwayResourceProvider], **values: str) -> str:
    """`handler`'s import ID: the form of its IMPORT_ID whose placeholders are exactly `values`, filled in."""
    for form in import_id_forms(handler):
        if sorted(placeholder_names(form)) == sorted(values):
            return _PLACEHOLDER.sub(lambda m: values[_first_word(m.group(1))], form)
    raise ValueError(f"{handler.TYPE} import IDs are {handler.IMPORT_ID}; none takes {', '.join(sorted(values))}")


def service_import_ids(service: ServiceInfo, environment_id: str, *, store: bool, public: bool) -> dict[str, str]:
    """The import ID of each part of a service (`service_parts`) that the hand-made service has: never
    a deployment it never had, a volume of an app role, or a domain railstack gives no such role."""
    custom = {custom_domain_part(d.domain): d.domain for d in service.custom_domains}
    has_volume = store and service.volume is not None
    parts = service_parts(volume=has_volume, public=public, custom_domains=tuple(custom.values()))
    instance = {"serviceId": service.id, "environmentId": environment_id}
    ids: dict[str, str] = {}
    for part in parts:
        if part == "service":
            ids[part] = import_id(ServiceProvider, serviceId=service.id)
        elif part == "settings":
            ids[part] = import_id(ServiceInstanceProvider, **instance)
        elif part == "variables":
            ids[part] = import_id(VariableCollectionProvider, **instance)
        elif part == "deployment" and service.deployment_id:
            ids[part] = import_id(ServiceDeploymentProvider, **instance)
        elif part == "volume" and service.volume is not None:
            ids[part] = import_id(VolumeProvider, environmentId=environment_id, volumeId=service.volume.id)
        elif part == "domain" and service.service_domains:
            ids[part] = import_id(ServiceDomainProvider, **instance, domain=service.service_domains[0].id)
        elif part in custom:
            ids[part] = import_id(CustomDomainProvider, **instance, domain=custom[part])
    return ids


def adoption_import_ids(inventory: Inventory, placed: Iterable[Placed]) -> dict[str, str]:
    """`railstack:import`: the project, the environment's shared variables, then each placed service's
    objects, in `placed`'s order. Only the API has domains; only the stores keep their volumes."""
    environment_id = inventory.environment.id
    project, shared = stack_resource_names(APP_STACK_NAME)
    ids = {
        project: import_id(ProjectProvider, projectId=inventory.project_id),
        shared: import_id(VariableCollectionProvider, environmentId=environment_id),
    }
    for item in placed:
        store = item.role in ("postgres", "redis")
        found = service_import_ids(item.service, environment_id, store=store, public=item.role == "api")
        for part, object_id in found.items():
            ids[service_resource_name(APP_STACK_NAME, item.component, part)] = object_id
    return ids
