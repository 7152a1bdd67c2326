"""Throttles and lost answers a provider must survive, each injectable with the fault machinery
(docs/railway-api.md, "Throttles that are not HTTP 429")."""

from __future__ import annotations

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import CREATE_SERVICE, RailwayClient

CREATE_VOLUME = "mutation V($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }"
DEPLOY = "mutation D($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }"
DELETE_DOMAIN = "mutation D($id: String!) { serviceDomainDelete(id: $id) }"
VOLUMES = "query P($id: String!) { project(id: $id) { volumes { edges { node { id } } } } }"
TOO_QUICKLY = "You are creating volumes too quickly. Please wait a moment and try again."
SERVICES = "query P($id: String!) { project(id: $id) { services { edges { node { name } } } } }"


def _volumes(railway: RailwayClient, project_id: str) -> int:
    return len(railway.data(VOLUMES, id=project_id)["project"]["volumes"]["edges"])


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("volumeCreate", "You are creating volumes too quickly. Please wait a moment and try again."),
        ("serviceInstanceDeployV2", "Cannot redeploy yet, a deployment is already in progress"),
        ("serviceDomainDelete", "operation is already in progress"),
    ],
)
def test_graphql_throttle_messages_can_be_injected_and_write_nothing(
    emulator: EmulatorServer, railway: RailwayClient, field: str, message: str
) -> None:
    project_id, environment_id = railway.create_project()
    api = railway.create_service(project_id, "api")
    domain = railway.data(
        "mutation C($input: ServiceDomainCreateInput!) { serviceDomainCreate(input: $input) { id } }",
        input={"serviceId": api, "environmentId": environment_id},
    )["serviceDomainCreate"]["id"]
    requests = {
        "volumeCreate": (CREATE_VOLUME, {"input": {"projectId": project_id, "mountPath": "/data"}}),
        "serviceInstanceDeployV2": (DEPLOY, {"s": api, "e": environment_id}),
        "serviceDomainDelete": (DELETE_DOMAIN, {"id": domain}),
    }
    document, variables = requests[field]
    emulator.inject(field=field, kind="error", message=message)
    before = emulator.state_json()

    response = railway.post(document, variables)

    assert response.status_code == 200
    assert response.json() == {"data": None, "errors": [{"message": message}]}
    assert emulator.state_json() == before, "a throttled write does nothing"
    assert emulator.requests()[-1]["fault"] == "error"
    assert railway.post(document, variables).json().get("errors") is None, "the retry goes through"


def test_a_429_can_ask_for_a_long_retry_after(emulator: EmulatorServer, railway: RailwayClient) -> None:
    emulator.inject(field="*", kind="429", retry_after=900)

    response = railway.post("{ projects { edges { node { id } } } }")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert int(response.headers["X-RateLimit-Reset"]) > 0


def test_a_write_applied_then_answered_502_landed(emulator: EmulatorServer, railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    emulator.inject(field="volumeCreate", kind="500", status=502, html=True, after=True)

    lost = railway.post(CREATE_VOLUME, {"input": {"projectId": project_id, "mountPath": "/data"}})

    assert lost.status_code == 502 and lost.headers["Content-Type"].startswith("text/html")
    assert (emulator.requests()[-1]["status"], emulator.requests()[-1]["writes"]) == (502, ["volumeCreate"])
    assert _volumes(railway, project_id) == 1


def test_a_write_applied_then_answered_too_slowly_landed(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project()
    emulator.inject(field="serviceCreate", kind="slow", delay=1.0, after=True)

    with pytest.raises(httpx.ReadTimeout):
        railway.post(CREATE_SERVICE, {"input": {"projectId": project_id, "name": "api"}}, timeout=0.2)

    names = [e["node"]["name"] for e in railway.data(SERVICES, id=project_id)["project"]["services"]["edges"]]
    assert names == ["api"]


def test_every_nth_request_fails_when_a_test_arms_again_after_each_hit(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project()
    outcomes = []
    for index in range(6):
        if index % 3 == 2:
            emulator.inject(operation="V", kind="error", message=TOO_QUICKLY)
        body = railway.post(CREATE_VOLUME, {"input": {"projectId": project_id, "mountPath": f"/d{index}"}}).json()
        outcomes.append("errors" in body)

    assert outcomes == [False, False, True, False, False, True]
    assert _volumes(railway, project_id) == 4
    assert emulator.emulator.armed_faults() == []


def test_count_hits_exactly_the_next_matching_requests_only(emulator: EmulatorServer, railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    emulator.inject(field="volumeCreate", kind="error", message="operation is already in progress", count=2)

    unrelated = railway.post(SERVICES, {"id": project_id}).json()
    hits = [
        railway.post(CREATE_VOLUME, {"input": {"projectId": project_id, "mountPath": f"/d{i}"}}).json()
        for i in range(3)
    ]

    assert "errors" not in unrelated, "another field does not consume the fault"
    assert ["errors" in body for body in hits] == [True, True, False]
