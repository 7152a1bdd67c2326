"""Railway domains: the Railway-provided domain of a service, and custom domains with their DNS records."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from railstack.providers.railway._base import Created, Handler, Where
from railstack.providers.railway.schema import Props, State, prop


class DomainPlace(Props):
    """Where a domain routes to: the inputs both kinds of domain have."""

    project_id: str = prop("The project.", change="replace")
    environment_id: str = prop("The environment.", change="replace")
    service_id: str = prop("The service the domain routes to.", change="replace")
    target_port: int | None = prop(
        "The service's port the domain routes to; unset: the service's PORT.", change="update", default=None
    )

    def where(self, object_id: str | None = None) -> Where:
        return Where(
            project_id=self.project_id,
            environment_id=self.environment_id,
            service_id=self.service_id,
            object_id=object_id,
        )


P = TypeVar("P", bound=DomainPlace)
DS = TypeVar("DS", bound=State[Any])


class _DomainProvider(Handler[P, DS]):
    IMPORT_ID = "<serviceId>:<environmentId>:<domain, or the domain's id>"
    LIST_KEY: str

    def import_state(self, import_id: str) -> tuple[str, DS]:
        service_id, environment_id, domain = self.split_id(import_id, 3)
        blank = self.blank()
        place: DomainPlace = replace(
            blank.args, project_id=self.project_of(environment_id), environment_id=environment_id, service_id=service_id
        )
        found = next((d for d in self._domains(place) or [] if domain in (d["id"], d["domain"])), None)
        return (found["id"] if found else domain), replace(blank, args=place)

    @staticmethod
    def _scope(where: Where) -> dict[str, Any]:
        return {"projectId": where.project_id, "environmentId": where.environment_id, "serviceId": where.service_id}

    def _domains(self, place: DomainPlace) -> list[dict[str, Any]] | None:
        where = place.where()
        data = self.read_or_gone("Domains", self._scope(where), where)
        return None if data is None else data["domains"][self.LIST_KEY]

    def confirmed_gone(self, where: Where) -> bool:
        # A domain deleted on its own answers "Problem processing request": gone when its service's
        # listing (which reads fine) no longer has it.
        return super().confirmed_gone(where) or self.missing_from(
            where, lambda: self.client.execute("Domains", self._scope(where))["domains"][self.LIST_KEY]
        )


class ServiceDomainArgs(DomainPlace):
    """A Railway-provided domain has nothing but where it routes to: Railway picks the name."""


class ServiceDomainState(State[ServiceDomainArgs]):
    domain: str = prop("The domain Railway assigned.")


class ServiceDomainProvider(_DomainProvider[ServiceDomainArgs, ServiceDomainState]):
    TYPE = "ServiceDomain"
    DESCRIPTION = "The Railway-provided public domain (`*.up.railway.app`) of a service instance."
    STATE = ServiceDomainState
    LIST_KEY = "serviceDomains"

    def create(self, args: ServiceDomainArgs) -> Created[ServiceDomainState]:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "ServiceDomainCreate",
                {
                    "input": {
                        "environmentId": args.environment_id,
                        "serviceId": args.service_id,
                        "targetPort": args.target_port,
                    }
                },
            )["serviceDomainCreate"]

        # Railway allows one Railway domain per service instance: an existing one is ours.
        domain = self.create_once(create, lambda: next(iter(self._domains(args) or []), None))
        if domain.get("targetPort") != args.target_port:
            self._update_port(domain["id"], domain["domain"], args)
        return Created(domain["id"], ServiceDomainState(args=args, domain=domain["domain"]))

    def _update_port(self, id_: str, domain: str, args: ServiceDomainArgs) -> None:
        self.write(
            "ServiceDomainUpdate",
            {
                "input": {
                    "serviceDomainId": id_,
                    "domain": domain,
                    "environmentId": args.environment_id,
                    "serviceId": args.service_id,
                    "targetPort": args.target_port,
                }
            },
        )

    def update(self, id_: str, olds: ServiceDomainState, news: ServiceDomainArgs) -> ServiceDomainState:
        self._update_port(id_, olds.domain, news)
        return ServiceDomainState(args=news, domain=olds.domain)

    def read(self, id_: str, state: ServiceDomainState) -> ServiceDomainState | None:
        found = next((d for d in self._domains(state.args) or [] if d["id"] == id_), None)
        if found is None:
            return None
        return ServiceDomainState(args=replace(state.args, target_port=found.get("targetPort")), domain=found["domain"])

    def delete(self, id_: str, state: ServiceDomainState) -> None:
        self.delete_quietly("ServiceDomainDelete", {"id": id_}, state.args.where(id_))


class CustomDomainArgs(DomainPlace):
    domain: str = prop("The custom domain.", change="replace")


class CustomDomainState(State[CustomDomainArgs]):
    cname_record: dict[str, str] | None = prop("The routing CNAME record: {name, type, value}.", default=None)
    txt_record: dict[str, str] | None = prop("The ownership TXT record: {name, type, value}.", default=None)


def _dns_records(args: CustomDomainArgs, domain: dict[str, Any]) -> CustomDomainState:
    """The two records a custom domain needs at its DNS provider: the routing CNAME from
    `status.dnsRecords` (picked by type: Railway's order is not fixed), and the ownership TXT record
    from `status.verificationDnsHost` / `status.verificationToken`, which Railway gives apart from
    the routing records (Railway docs integrations/api/manage-domains.md, "DNS configuration";
    Railway's CLI src/commands/domain.rs reads the same two fields)."""
    status: dict[str, Any] = domain.get("status") or {}
    records: list[dict[str, Any]] = status.get("dnsRecords") or []
    cname = next((r for r in records if r.get("recordType") == "DNS_RECORD_TYPE_CNAME"), None)
    host, token = status.get("verificationDnsHost"), status.get("verificationToken")
    return CustomDomainState(
        args=args,
        cname_record={"name": cname["fqdn"], "type": "CNAME", "value": cname["requiredValue"]} if cname else None,
        txt_record={"name": host, "type": "TXT", "value": token} if host and token else None,
    )


class CustomDomainProvider(_DomainProvider[CustomDomainArgs, CustomDomainState]):
    TYPE = "CustomDomain"
    DESCRIPTION = (
        "A custom domain on a service instance. `cnameRecord` and `txtRecord` are the DNS records to create at "
        "the domain's DNS provider ({name, type, value})."
    )
    STATE = CustomDomainState
    LIST_KEY = "customDomains"

    def _find(self, args: CustomDomainArgs) -> dict[str, Any] | None:
        return next((d for d in self._domains(args) or [] if d["domain"] == args.domain), None)

    def create(self, args: CustomDomainArgs) -> Created[CustomDomainState]:
        def create() -> dict[str, Any]:
            return self.client.execute(
                "CustomDomainCreate",
                {
                    "input": {
                        "domain": args.domain,
                        "projectId": args.project_id,
                        "environmentId": args.environment_id,
                        "serviceId": args.service_id,
                        "targetPort": args.target_port,
                    }
                },
            )["customDomainCreate"]

        domain = self.create_once(create, lambda: self._find(args))
        return Created(domain["id"], _dns_records(args, domain))

    def update(self, id_: str, olds: CustomDomainState, news: CustomDomainArgs) -> CustomDomainState:
        self.write(
            "CustomDomainUpdate",
            {"environmentId": news.environment_id, "id": id_, "targetPort": news.target_port},
        )
        # The DNS records stay what Railway gave (a port change does not move them).
        return replace(olds, args=news)

    def read(self, id_: str, state: CustomDomainState) -> CustomDomainState | None:
        found = next((d for d in self._domains(state.args) or [] if d["id"] == id_), None)
        if found is None:
            return None
        current = replace(state.args, domain=found["domain"], target_port=found.get("targetPort"))
        return _dns_records(current, found)

    def delete(self, id_: str, state: CustomDomainState) -> None:
        self.delete_quietly("CustomDomainDelete", {"id": id_}, state.args.where(id_))
