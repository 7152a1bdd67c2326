"""Service domains and custom domains: create, read, update, delete, and the DNS records to publish."""

from __future__ import annotations

import re

from tests.emulator.railway_client import RailwayClient

DOMAINS = """
query D($p: String!, $e: String!, $s: String!) {
  domains(projectId: $p, environmentId: $e, serviceId: $s) {
    serviceDomains { id domain targetPort serviceId environmentId suffix }
    customDomains {
      id domain targetPort
      status { dnsRecords { recordType purpose hostlabel fqdn zone requiredValue } }
    }
  }
}"""

CREATE_SERVICE_DOMAIN = """
mutation C($input: ServiceDomainCreateInput!) { serviceDomainCreate(input: $input) { id domain targetPort } }"""

CREATE_CUSTOM_DOMAIN = """
mutation C($input: CustomDomainCreateInput!) {
  customDomainCreate(input: $input) {
    id domain
    status {
      verified verificationDnsHost verificationToken
      dnsRecords { recordType purpose hostlabel fqdn zone requiredValue status }
    }
  }
}"""


def _api(railway: RailwayClient) -> tuple[str, str, str]:
    project_id, environment_id = railway.create_project()
    return project_id, environment_id, railway.create_service(project_id, "API Server")


def test_service_domain_create_read_update_delete(railway: RailwayClient) -> None:
    project_id, environment_id, api = _api(railway)

    created = railway.data(
        CREATE_SERVICE_DOMAIN, input={"serviceId": api, "environmentId": environment_id, "targetPort": 8000}
    )["serviceDomainCreate"]
    assert re.fullmatch(r"api-server-production-[a-z0-9]{4}\.up\.railway\.app", created["domain"])
    read = railway.data(DOMAINS, p=project_id, e=environment_id, s=api)["domains"]
    assert read["serviceDomains"] == [
        {
            "id": created["id"],
            "domain": created["domain"],
            "targetPort": 8000,
            "serviceId": api,
            "environmentId": environment_id,
            "suffix": "up.railway.app",
        }
    ]

    railway.data(
        "mutation U($input: ServiceDomainUpdateInput!) { serviceDomainUpdate(input: $input) }",
        input={
            "serviceDomainId": created["id"],
            "serviceId": api,
            "environmentId": environment_id,
            "domain": "railstack-api.up.railway.app",
            "targetPort": 9000,
        },
    )
    updated = railway.data(DOMAINS, p=project_id, e=environment_id, s=api)["domains"]["serviceDomains"][0]
    assert (updated["domain"], updated["targetPort"]) == ("railstack-api.up.railway.app", 9000)

    delete = "mutation D($id: String!) { serviceDomainDelete(id: $id) }"
    assert railway.data(delete, id=created["id"]) == {"serviceDomainDelete": True}
    assert railway.data(DOMAINS, p=project_id, e=environment_id, s=api)["domains"]["serviceDomains"] == []
    assert railway.errors(delete, id=created["id"]) == ["Problem processing request"]


def test_second_service_domain_for_an_instance_is_rejected(railway: RailwayClient) -> None:
    _, environment_id, api = _api(railway)
    railway.data(CREATE_SERVICE_DOMAIN, input={"serviceId": api, "environmentId": environment_id})

    messages = railway.errors(CREATE_SERVICE_DOMAIN, input={"serviceId": api, "environmentId": environment_id})

    assert messages == ["This service already has a Railway domain in this environment"]


def test_custom_domain_routes_by_cname_and_verifies_through_the_verification_fields(railway: RailwayClient) -> None:
    # docs manage-domains.md: routing records in status.dnsRecords, the TXT token in verificationToken.
    project_id, environment_id, api = _api(railway)

    created = railway.data(
        CREATE_CUSTOM_DOMAIN,
        input={
            "projectId": project_id,
            "environmentId": environment_id,
            "serviceId": api,
            "domain": "api.example.com",
            "targetPort": 8000,
        },
    )["customDomainCreate"]

    status = created["status"]
    assert [record["recordType"] for record in status["dnsRecords"]] == ["DNS_RECORD_TYPE_CNAME"]
    cname = status["dnsRecords"][0]
    assert (cname["hostlabel"], cname["fqdn"], cname["zone"], cname["purpose"]) == (
        "api",
        "api.example.com",
        "example.com",
        "DNS_RECORD_PURPOSE_TRAFFIC_ROUTE",
    )
    assert cname["requiredValue"].endswith(".up.railway.app")
    assert status["verificationDnsHost"] == "_railway-verify.api.example.com"
    assert re.fullmatch(r"railway-verify=[0-9a-f]{32}", status["verificationToken"])
    assert status["verified"] is False
    read = railway.data(DOMAINS, p=project_id, e=environment_id, s=api)["domains"]["customDomains"]
    assert [(d["id"], d["domain"], d["targetPort"]) for d in read] == [(created["id"], "api.example.com", 8000)]
    assert [r["recordType"] for r in read[0]["status"]["dnsRecords"]] == ["DNS_RECORD_TYPE_CNAME"]


def test_custom_domain_verification_tokens_differ_per_domain(railway: RailwayClient) -> None:
    project_id, environment_id, api = _api(railway)
    tokens = set()
    for index in range(3):
        created = railway.data(
            CREATE_CUSTOM_DOMAIN,
            input={
                "projectId": project_id,
                "environmentId": environment_id,
                "serviceId": api,
                "domain": f"d{index}.example.com",
            },
        )["customDomainCreate"]
        assert created["status"]["verificationDnsHost"] == f"_railway-verify.d{index}.example.com"
        tokens.add(created["status"]["verificationToken"])

    assert len(tokens) == 3


def test_custom_domain_update_and_delete_and_delete_again(railway: RailwayClient) -> None:
    project_id, environment_id, api = _api(railway)
    created = railway.data(
        CREATE_CUSTOM_DOMAIN,
        input={"projectId": project_id, "environmentId": environment_id, "serviceId": api, "domain": "www.example.org"},
    )["customDomainCreate"]

    railway.data(
        """mutation U($e: String!, $id: String!, $port: Int) {
          customDomainUpdate(environmentId: $e, id: $id, targetPort: $port)
        }""",
        e=environment_id,
        id=created["id"],
        port=3000,
    )
    assert (
        railway.data(DOMAINS, p=project_id, e=environment_id, s=api)["domains"]["customDomains"][0]["targetPort"]
        == 3000
    )

    delete = "mutation D($id: String!) { customDomainDelete(id: $id) }"
    assert railway.data(delete, id=created["id"]) == {"customDomainDelete": True}
    assert railway.data(DOMAINS, p=project_id, e=environment_id, s=api)["domains"]["customDomains"] == []
    assert railway.errors(delete, id=created["id"]) == ["Problem processing request"]


def test_custom_domain_already_in_use_is_rejected(railway: RailwayClient) -> None:
    project_id, environment_id, api = _api(railway)
    payload = {"projectId": project_id, "environmentId": environment_id, "serviceId": api, "domain": "api.example.com"}
    railway.data(CREATE_CUSTOM_DOMAIN, input=payload)

    assert railway.errors(CREATE_CUSTOM_DOMAIN, input=payload) == ['Domain "api.example.com" is already in use']
