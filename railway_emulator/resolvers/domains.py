"""Domains of a service instance: at most one Railway-generated service domain, any number of custom ones.

A service domain reads like `<service>-<environment>-<4 random>.up.railway.app`. A custom domain comes with
the DNS record its owner must create: `status.dnsRecords` holds only the routing CNAME to a generated
`*.up.railway.app` target (purpose DNS_RECORD_PURPOSE_TRAFFIC_ROUTE); the ownership TXT record is given by
`status.verificationDnsHost` (`_railway-verify.<domain>`) and `status.verificationToken` (docs
content/docs/integrations/api/manage-domains.md: "The routing DNS records are returned in
status.dnsRecords ... verification TXT token ... status.verificationToken"; cli src/commands/domain.rs
reads status.verificationDnsHost / verificationToken). Deleting a domain that is already gone answers
"Problem processing request"; one of a workspace the token does not see answers "Not Authorized".
"""

from __future__ import annotations

import re
import secrets
from typing import Any, TypeVar

from railway_emulator.errors import NOT_AUTHORIZED, PROBLEM_PROCESSING, RailwayError
from railway_emulator.registry import Context, field, mutation, query
from railway_emulator.resolvers.common import dns_label, random_suffix
from railway_emulator.state import CustomDomain, ServiceDomain, ServiceInstance, State, new_id

SERVICE_DOMAIN_SUFFIX = "up.railway.app"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _all_domain_names(state: State) -> set[str]:
    return {d.domain for d in state.service_domains.values()} | {d.domain for d in state.custom_domains.values()}


Domain = TypeVar("Domain", ServiceDomain, CustomDomain)


def _in_scope(state: State, domain: Domain | None) -> Domain | None:
    """The domain, or "Not Authorized" when it belongs to a workspace the token does not see."""
    if domain is not None and not state.visible(domain.project_id):
        raise RailwayError(NOT_AUTHORIZED)
    return domain


def _check_target_port(port: int | None) -> None:
    if port is not None and not 1 <= port <= 65535:
        raise RailwayError("targetPort must be between 1 and 65535")


# --- service domains ----------------------------------------------------------------------------------


@mutation("serviceDomainCreate")
def service_domain_create(ctx: Context, input: dict[str, Any]) -> ServiceDomain:
    state = ctx.state
    service_id, environment_id = input["serviceId"], input["environmentId"]
    state.instance(service_id, environment_id)
    if state.service_domains_of(service_id, environment_id):
        raise RailwayError("This service already has a Railway domain in this environment")
    target_port = input.get("targetPort")
    _check_target_port(target_port)
    service = state.service(service_id)
    environment = state.environment(environment_id)
    taken = _all_domain_names(state)
    while True:
        name = f"{dns_label(service.name)}-{dns_label(environment.name)}-{random_suffix()}.{SERVICE_DOMAIN_SUFFIX}"
        if name not in taken:
            break
    now = state.now_iso()
    created = ServiceDomain(
        id=new_id(),
        project_id=service.project_id,
        service_id=service_id,
        environment_id=environment_id,
        domain=name,
        suffix=SERVICE_DOMAIN_SUFFIX,
        target_port=target_port,
        created_at=now,
        updated_at=now,
    )
    state.service_domains[created.id] = created
    return created


@mutation("serviceDomainUpdate")
def service_domain_update(ctx: Context, input: dict[str, Any]) -> bool:
    state = ctx.state
    target = _in_scope(state, state.service_domains.get(input["serviceDomainId"]))
    if target is None or (target.service_id, target.environment_id) != (input["serviceId"], input["environmentId"]):
        raise RailwayError(PROBLEM_PROCESSING)
    domain = input["domain"].strip().lower().rstrip(".")
    if not domain.endswith("." + SERVICE_DOMAIN_SUFFIX) or not _HOSTNAME.match(domain):
        raise RailwayError(f"A service domain must be a valid name ending in .{SERVICE_DOMAIN_SUFFIX}")
    if domain != target.domain and domain in _all_domain_names(state):
        raise RailwayError(f'Domain "{domain}" is not available')
    _check_target_port(input.get("targetPort"))
    target.domain = domain
    if "targetPort" in input:
        target.target_port = input["targetPort"]
    target.updated_at = state.now_iso()
    return True


@mutation("serviceDomainDelete")
def service_domain_delete(ctx: Context, id: str) -> bool:
    _in_scope(ctx.state, ctx.state.service_domains.get(id))
    if ctx.state.service_domains.pop(id, None) is None:
        raise RailwayError(PROBLEM_PROCESSING)
    return True


@query("serviceDomainAvailable")
def service_domain_available(ctx: Context, domain: str) -> dict[str, Any]:
    name = domain.strip().lower()
    if not name.endswith("." + SERVICE_DOMAIN_SUFFIX):
        name = f"{name}.{SERVICE_DOMAIN_SUFFIX}"
    if name in _all_domain_names(ctx.state):
        return {"available": False, "message": "Domain is already taken"}
    return {"available": True, "message": ""}


# --- custom domains ------------------------------------------------------------------------------------


def _dns_records(domain: str, cname_target: str) -> list[dict[str, Any]]:
    """Only the routing CNAME: the TXT record is described by verificationDnsHost/verificationToken."""
    labels = domain.split(".")
    zone = ".".join(labels[-2:])
    host = ".".join(labels[:-2])
    return [
        {
            "recordType": "DNS_RECORD_TYPE_CNAME",
            "purpose": "DNS_RECORD_PURPOSE_TRAFFIC_ROUTE",
            "hostlabel": host or "@",
            "fqdn": domain,
            "zone": zone,
            "requiredValue": cname_target,
            "currentValue": "",
            "status": "DNS_RECORD_STATUS_REQUIRES_UPDATE",
        }
    ]


@mutation("customDomainCreate")
def custom_domain_create(ctx: Context, input: dict[str, Any]) -> CustomDomain:
    state = ctx.state
    state.project(input["projectId"])
    state.environment_of_project(input["environmentId"], input["projectId"])
    state.service_of_project(input["serviceId"], input["projectId"])
    state.instance(input["serviceId"], input["environmentId"])
    domain = input["domain"].strip().lower().rstrip(".")
    if not _HOSTNAME.match(domain):
        raise RailwayError(f'"{domain}" is not a valid domain name')
    if domain.endswith("railway.app") or domain.endswith("rlwy.net"):
        raise RailwayError("Railway domains cannot be added as custom domains")
    if domain in _all_domain_names(state):
        raise RailwayError(f'Domain "{domain}" is already in use')
    _check_target_port(input.get("targetPort"))
    verification = f"railway-verify={secrets.token_hex(16)}"
    records = _dns_records(domain, f"{random_suffix(8)}.{SERVICE_DOMAIN_SUFFIX}")
    now = state.now_iso()
    created = CustomDomain(
        id=new_id(),
        project_id=input["projectId"],
        service_id=input["serviceId"],
        environment_id=input["environmentId"],
        domain=domain,
        target_port=input.get("targetPort"),
        created_at=now,
        updated_at=now,
        status={
            "dnsRecords": records,
            "verified": False,
            "verificationDnsHost": f"_railway-verify.{domain}",
            "verificationToken": verification,
            "certificateStatus": "CERTIFICATE_STATUS_TYPE_VALIDATING_OWNERSHIP",
            "certificateStatusDetailed": None,
            "certificates": [],
            "certificateErrorMessage": None,
            "certificateErrorType": None,
            "certificateRetryable": None,
            "cdnProvider": None,
        },
    )
    state.custom_domains[created.id] = created
    return created


@mutation("customDomainUpdate")
def custom_domain_update(ctx: Context, environment_id: str, id: str, target_port: int | None = None) -> bool:
    state = ctx.state
    target = _in_scope(state, state.custom_domains.get(id))
    if target is None or target.environment_id != environment_id:
        raise RailwayError(PROBLEM_PROCESSING)
    _check_target_port(target_port)
    target.target_port = target_port
    target.updated_at = state.now_iso()
    return True


@mutation("customDomainDelete")
def custom_domain_delete(ctx: Context, id: str) -> bool:
    _in_scope(ctx.state, ctx.state.custom_domains.get(id))
    if ctx.state.custom_domains.pop(id, None) is None:
        raise RailwayError(PROBLEM_PROCESSING)
    return True


@query("customDomain")
def custom_domain(ctx: Context, id: str, project_id: str) -> CustomDomain:
    found = _in_scope(ctx.state, ctx.state.custom_domains.get(id))
    if found is None or found.project_id != project_id:
        raise RailwayError(PROBLEM_PROCESSING)
    return found


@query("customDomainAvailable")
def custom_domain_available(ctx: Context, domain: str) -> dict[str, Any]:
    name = domain.strip().lower().rstrip(".")
    if name in _all_domain_names(ctx.state):
        return {"available": False, "message": "Domain is already in use"}
    return {"available": True, "message": ""}


# --- reading them together ---------------------------------------------------------------------------------


def _all_domains(state: State, service_id: str, environment_id: str) -> dict[str, Any]:
    return {
        "serviceDomains": state.service_domains_of(service_id, environment_id),
        "customDomains": state.custom_domains_of(service_id, environment_id),
    }


@query("domains")
def domains(ctx: Context, environment_id: str, project_id: str, service_id: str) -> dict[str, Any]:
    state = ctx.state
    state.environment_of_project(environment_id, project_id)
    state.service_of_project(service_id, project_id)
    return _all_domains(state, service_id, environment_id)


@field("ServiceInstance", "domains")
def instance_domains(ctx: Context, parent: ServiceInstance) -> dict[str, Any]:
    return _all_domains(ctx.state, parent.service_id, parent.environment_id)
