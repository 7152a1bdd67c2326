"""Railway domains: the Railway-provided domain of a service, and custom domains with their DNS records."""

from __future__ import annotations

from typing import Any

from railstack.providers.railway._base import (
    CreateResult,
    DictProvider,
    ReadResult,
    UpdateResult,
    Where,
)
from railstack.providers.railway.schema import Prop, map_of

_PLACE = {
    "project_id": Prop("string", "The project.", required=True, change="replace"),
    "environment_id": Prop("string", "The environment.", required=True, change="replace"),
    "service_id": Prop("string", "The service the domain routes to.", required=True, change="replace"),
}
_TARGET_PORT = Prop("integer", "The service's port the domain routes to; unset: the service's PORT.", change="update")


class _DomainProvider(DictProvider):
    IMPORT_ID = "<serviceId>:<environmentId>:<domain, or the domain's id>"
    LIST_KEY: str

    def import_props(self, import_id: str) -> tuple[str, dict[str, Any]]:
        service_id, environment_id, domain = self.split_id(import_id, 3)
        props = {
            "project_id": self.project_of(environment_id),
            "environment_id": environment_id,
            "service_id": service_id,
        }
        found = next((d for d in self._domains(props) or [] if domain in (d["id"], d["domain"])), None)
        return (found["id"] if found else domain), props

    def _domains(self, props: dict[str, Any]) -> list[dict[str, Any]] | None:
        data = self.read_or_gone(
            "Domains",
            {
                "projectId": props["project_id"],
                "environmentId": props["environment_id"],
                "serviceId": props["service_id"],
            },
            Where.of(props),
        )
        return None if data is None else data["domains"][self.LIST_KEY]

    def confirmed_gone(self, where: Where) -> bool:
        # A domain deleted on its own answers "Problem processing request": gone when its service's
        # listing (which reads fine) no longer has it.
        return super().confirmed_gone(where) or self.missing_from(
            where,
            lambda: self.client.execute(
                "Domains",
                {"projectId": where.project_id, "environmentId": where.environment_id, "serviceId": where.service_id},
            )["domains"][self.LIST_KEY],
        )


class ServiceDomainProvider(_DomainProvider):
    TYPE = "ServiceDomain"
    DESCRIPTION = "The Railway-provided public domain (`*.up.railway.app`) of a service instance."
    INPUTS = {**_PLACE, "target_port": _TARGET_PORT}
    OUTPUTS = {"domain": Prop("string", "The domain Railway assigned.", required=True)}
    LIST_KEY = "serviceDomains"

    def create(self, props: dict[str, Any]) -> CreateResult:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "ServiceDomainCreate",
                {
                    "input": {
                        "environmentId": props["environment_id"],
                        "serviceId": props["service_id"],
                        "targetPort": props.get("target_port"),
                    }
                },
            )["serviceDomainCreate"]

        # Railway allows one Railway domain per service instance: an existing one is ours.
        domain = self.create_once(create, lambda: next(iter(self._domains(props) or []), None))
        if domain.get("targetPort") != props.get("target_port"):
            self._update_port(domain["id"], domain["domain"], props)
        return CreateResult(id_=domain["id"], outs=self.outputs(props, domain=domain["domain"]))

    def _update_port(self, id_: str, domain: str, props: dict[str, Any]) -> None:
        self.write(
            "ServiceDomainUpdate",
            {
                "input": {
                    "serviceDomainId": id_,
                    "domain": domain,
                    "environmentId": props["environment_id"],
                    "serviceId": props["service_id"],
                    "targetPort": props.get("target_port"),
                }
            },
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._update_port(id_, olds["domain"], news)
        return UpdateResult(outs=self.outputs(news, domain=olds["domain"]))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = next((d for d in self._domains(props) or [] if d["id"] == id_), None)
        if found is None:
            return ReadResult(None, {})
        return ReadResult(id_, self.outputs({**props, "target_port": found.get("targetPort")}, domain=found["domain"]))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("ServiceDomainDelete", {"id": id_}, Where.of(props, object_id=id_))


def _dns_records(domain: dict[str, Any]) -> dict[str, dict[str, str] | None]:
    """The two records a custom domain needs at its DNS provider: the routing CNAME from
    `status.dnsRecords` (picked by type: Railway's order is not fixed), and the ownership TXT record
    from `status.verificationDnsHost` / `status.verificationToken`, which Railway gives apart from
    the routing records (Railway docs integrations/api/manage-domains.md, "DNS configuration";
    Railway's CLI src/commands/domain.rs reads the same two fields)."""
    status = domain.get("status") or {}
    cname = next((r for r in status.get("dnsRecords") or [] if r.get("recordType") == "DNS_RECORD_TYPE_CNAME"), None)
    host, token = status.get("verificationDnsHost"), status.get("verificationToken")
    return {
        "cname_record": {"name": cname["fqdn"], "type": "CNAME", "value": cname["requiredValue"]} if cname else None,
        "txt_record": {"name": host, "type": "TXT", "value": token} if host and token else None,
    }


class CustomDomainProvider(_DomainProvider):
    TYPE = "CustomDomain"
    DESCRIPTION = (
        "A custom domain on a service instance. `cnameRecord` and `txtRecord` are the DNS records to create at "
        "the domain's DNS provider ({name, type, value})."
    )
    INPUTS = {
        **_PLACE,
        "domain": Prop("string", "The custom domain.", required=True, change="replace"),
        "target_port": _TARGET_PORT,
    }
    OUTPUTS = {
        "cname_record": Prop(map_of("string"), "The routing CNAME record: {name, type, value}."),
        "txt_record": Prop(map_of("string"), "The ownership TXT record: {name, type, value}."),
    }
    LIST_KEY = "customDomains"

    def _find(self, props: dict[str, Any]) -> dict[str, Any] | None:
        return next((d for d in self._domains(props) or [] if d["domain"] == props["domain"]), None)

    def create(self, props: dict[str, Any]) -> CreateResult:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "CustomDomainCreate",
                {
                    "input": {
                        "domain": props["domain"],
                        "projectId": props["project_id"],
                        "environmentId": props["environment_id"],
                        "serviceId": props["service_id"],
                        "targetPort": props.get("target_port"),
                    }
                },
            )["customDomainCreate"]

        domain = self.create_once(create, lambda: self._find(props))
        return CreateResult(id_=domain["id"], outs=self.outputs(props, **_dns_records(domain)))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.write(
            "CustomDomainUpdate",
            {"environmentId": news["environment_id"], "id": id_, "targetPort": news.get("target_port")},
        )
        return UpdateResult(outs={**olds, **self.outputs(news)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = next((d for d in self._domains(props) or [] if d["id"] == id_), None)
        if found is None:
            return ReadResult(None, {})
        current = {**props, "domain": found["domain"], "target_port": found.get("targetPort")}
        return ReadResult(id_, self.outputs(current, **_dns_records(found)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_quietly("CustomDomainDelete", {"id": id_}, Where.of(props, object_id=id_))
