"""The import IDs adoption writes follow the stack's resource names and each handler's IMPORT_ID."""

from __future__ import annotations

import re
from dataclasses import replace

import pulumi
import pytest

from adopt.common import Adoption, Placed
from adopt.imports import adoption_import_ids, import_id, import_id_forms, placeholder_names, service_import_ids
from adopt.mapping import plan_adoption
from railstack.components.railway.app_stack import railway_resource_names
from railstack.plan import build_plan
from railstack.program import APP_STACK_NAME
from railstack.providers.railway._base import RailwayResourceProvider
from railstack.providers.railway.deployment import ServiceDeploymentProvider
from railstack.providers.railway.domain import CustomDomainProvider
from railstack.providers.railway.handlers import BY_TOKEN
from railstack.providers.railway.variables import VariableCollectionProvider
from railstack.stacks.load import load_stack_config, profile
from tests.adopt.test_mapping import ENV, DomainInfo, app, guide_project, inventory, postgres, redis
from tests.unit.mocks import RecordingMocks


def adopted_with_every_kind_of_object() -> Adoption:
    """The guide's project with Flower, and an API with two custom domains besides its Railway one."""
    project = guide_project()
    services = [
        replace(
            s,
            custom_domains=(DomainInfo("cd-1", "www.example.com", 8000), DomainInfo("cd-2", "api.example.com")),
        )
        if s.name == "roadmap-api"
        else s
        for s in project.services
    ]
    services.append(app("svc-flower", "flower", "flower", variables={"PORT": "5555"}))
    return plan_adoption(replace(project, services=tuple(services)), "staging", profile("staging"))


def registered_types(adoption: Adoption) -> dict[str, str]:
    """The type token of every resource the adopted stack registers, by name, with the imports given
    (so a name no resource has fails the program, as it fails `pulumi up`)."""
    from railstack.components.railway.app_stack import AppStack, AppStackArgs

    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="railstack", stack=adoption.stack, preview=False)
    plan = build_plan(adoption.stack, load_stack_config(adoption.stack, adoption.config))

    @pulumi.runtime.test
    def program() -> None:
        AppStack(
            APP_STACK_NAME,
            AppStackArgs(
                plan=plan, project_name="roadmap", extra_secrets={}, stack=adoption.stack, imports=adoption.imports
            ),
        )

    program()
    return {name: resource["type"] for name, resource in mocks.resources.items()}


def parse_with_handler(handler: type[RailwayResourceProvider], value: str) -> dict[str, str] | None:
    """`value` split by the handler (`split_id`, into as many parts as the form it has the shape of has),
    by placeholder; None when it has the shape of none of the forms `IMPORT_ID` documents. A form with
    fewer placeholders is tried first: `<environmentId>:shared` before `<environmentId>:<serviceId>`."""
    for form in sorted(import_id_forms(handler), key=lambda form: len(placeholder_names(form))):
        pattern = re.escape(form)
        for placeholder in re.findall(r"<[^<>]*>", form):
            pattern = pattern.replace(re.escape(placeholder), "[^:]+")
        if re.fullmatch(pattern, value):
            pieces = handler().split_id(value, form.count(":") + 1)
            return {
                name.strip("<>").split(",")[0]: piece
                for name, piece in zip(form.split(":"), pieces, strict=True)
                if name.startswith("<")
            }
    return None


def test_every_import_id_adoption_writes_parses_with_the_format_its_handler_documents() -> None:
    adoption = adopted_with_every_kind_of_object()
    types = registered_types(adoption)
    services = adoption.inventory.services
    ids_of = {
        "projectId": {"prj-1"},
        "environmentId": {ENV.id},
        "serviceId": {s.id for s in services},
        "volumeId": {s.volume.id for s in services if s.volume},
        "domain": {"dom-1", "www.example.com", "api.example.com"},
    }
    handlers: set[str] = set()
    for name, value in adoption.imports.items():
        assert name in types, f"{name}: adoption imports a resource the stack does not register"
        handler = BY_TOKEN[types[name]]
        handlers.add(handler.TYPE)
        parsed = parse_with_handler(handler, value)
        assert parsed is not None, f"{name} = {value!r} is not {handler.TYPE}'s {handler.IMPORT_ID}"
        for placeholder, piece in parsed.items():
            assert piece in ids_of[placeholder], f"{name} = {value!r}: {piece!r} is no {placeholder} of the project"
    assert len(adoption.imports) == 2 + 4 * 7 + 1 + 3, "project, shared, 7 services, a volume, 3 domains"
    assert handlers == {
        "Project",
        "VariableCollection",
        "Service",
        "ServiceInstance",
        "ServiceDeployment",
        "Volume",
        "ServiceDomain",
        "CustomDomain",
    }, "every kind of object adoption imports is checked"


def test_the_names_adoption_imports_are_ones_the_stack_checks_imports_against() -> None:
    adoption = adopted_with_every_kind_of_object()
    plan = build_plan("staging", load_stack_config("staging", adoption.config))
    assert set(adoption.imports) <= railway_resource_names(APP_STACK_NAME, plan)


def test_an_id_is_the_form_whose_placeholders_are_given() -> None:
    assert import_id(VariableCollectionProvider, environmentId="e", serviceId="s") == "e:s"
    assert import_id(VariableCollectionProvider, environmentId="e") == "e:shared"
    assert import_id(ServiceDeploymentProvider, serviceId="s", environmentId="e") == "s:e", "the remark is no part"
    assert import_id(CustomDomainProvider, serviceId="s", environmentId="e", domain="a.b") == "s:e:a.b"
    with pytest.raises(ValueError, match="VariableCollection import IDs are"):
        import_id(VariableCollectionProvider, serviceId="s")


def test_a_placeholder_is_named_by_its_first_word() -> None:
    assert import_id_forms(CustomDomainProvider) == ("<serviceId>:<environmentId>:<domain, or the domain's id>",)
    assert placeholder_names(import_id_forms(CustomDomainProvider)[0]) == ["serviceId", "environmentId", "domain"]


def test_a_service_imports_only_the_objects_it_has() -> None:
    never_deployed = replace(postgres(), deployment_id=None, service_domains=(DomainInfo("d", "pg.up.railway.app"),))
    assert service_import_ids(never_deployed, "e", store=True, public=False) == {
        "service": "svc-pg",
        "settings": "svc-pg:e",
        "variables": "e:svc-pg",
        "volume": "e:vol-pg",
    }, "no deployment it never had, no domain railstack does not manage"
    api = app("svc-api", "api", "api", custom_domains=(DomainInfo("c", "www.example.com"),))
    assert service_import_ids(api, "e", store=False, public=True) == {
        "service": "svc-api",
        "settings": "svc-api:e",
        "variables": "e:svc-api",
        "deployment": "svc-api:e",
        "domain-www-example-com": "svc-api:e:www.example.com",
    }, "a custom domain by its name; no Railway domain it does not have"


def test_the_project_and_shared_variables_come_first_then_each_placed_service() -> None:
    project = inventory(redis(), app("svc-api", "api", "api"))
    placed = [Placed(project.services[0], "redis", "its image"), Placed(project.services[1], "api", "SERVICE_TYPE")]
    names = list(adoption_import_ids(project, placed))
    assert names[:2] == ["railstack-project", "railstack-shared-variables"]
    assert names[2:] == [
        f"railstack-{c}-{p}" for c in ("redis", "api") for p in ("service", "settings", "variables", "deployment")
    ]
