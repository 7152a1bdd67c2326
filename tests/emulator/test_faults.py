"""Fault injection: rate limits, server errors, slowness, and failures after the write happened."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import CREATE_SERVICE, RailwayClient

SERVICES = "query P($id: String!) { project(id: $id) { services { edges { node { id name } } } } }"


def _service_names(railway: RailwayClient, project_id: str) -> list[str]:
    return [edge["node"]["name"] for edge in railway.data(SERVICES, id=project_id)["project"]["services"]["edges"]]


def test_429_answers_retry_after_and_does_not_write(emulator: EmulatorServer, railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    emulator.inject(field="serviceCreate", kind="429", count=1, retry_after=2)

    response = railway.post(CREATE_SERVICE, {"input": {"projectId": project_id, "name": "api"}})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.json()["errors"][0]["message"].startswith("Rate limit exceeded")
    assert _service_names(railway, project_id) == []
    railway.create_service(project_id, "api")
    assert _service_names(railway, project_id) == ["api"], "the fault applies to `count` requests only"


def test_500_answers_json_or_a_cloudflare_html_page(emulator: EmulatorServer, railway: RailwayClient) -> None:
    emulator.inject(field="projects", kind="500")
    emulator.inject(field="projects", kind="500", status=502, html=True)
    query = "{ projects { edges { node { id } } } }"

    plain = railway.post(query)
    page = railway.post(query)

    assert (plain.status_code, plain.json()) == (500, {"errors": [{"message": "Internal Server Error"}]})
    assert page.status_code == 502
    assert page.headers["Content-Type"].startswith("text/html")
    assert "cloudflare" in page.text.lower()
    assert railway.post(query).status_code == 200


def test_slow_fault_delays_the_answer_then_answers_normally(emulator: EmulatorServer, railway: RailwayClient) -> None:
    emulator.inject(field="projects", kind="slow", delay=0.4)

    started = time.monotonic()
    response = railway.post("{ projects { edges { node { id } } } }")

    assert time.monotonic() - started >= 0.4
    assert response.json() == {"data": {"projects": {"edges": []}}}


def test_error_after_the_write_leaves_the_object_created_exactly_once(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project()
    emulator.inject(field="serviceCreate", kind="500", after=True)

    lost = railway.post(CREATE_SERVICE, {"input": {"projectId": project_id, "name": "api"}})

    assert lost.status_code == 500
    assert _service_names(railway, project_id) == ["api"], "the write landed although the answer was lost"
    # A blind retry duplicates nothing here: Railway rejects the second name, which is why a provider
    # must look the service up by name before retrying a create.
    assert railway.errors(CREATE_SERVICE, input={"projectId": project_id, "name": "api"}) == [
        'Service with name "api" already exists in this project'
    ]
    assert _service_names(railway, project_id) == ["api"]


def test_client_timeout_during_a_slow_answer_after_the_write_still_leaves_the_write(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project()
    emulator.inject(field="serviceCreate", kind="slow", delay=1.0, after=True)

    with pytest.raises(httpx.ReadTimeout):
        railway.post(CREATE_SERVICE, {"input": {"projectId": project_id, "name": "worker"}}, timeout=0.2)

    assert _service_names(railway, project_id) == ["worker"]


def test_fault_can_target_an_operation_name(emulator: EmulatorServer, railway: RailwayClient) -> None:
    emulator.inject(operation="ListProjects", kind="error", message="Not Authorized")

    other = railway.post("query Other { projects { edges { node { id } } } }")
    targeted = railway.post("query ListProjects { projects { edges { node { id } } } }")

    assert other.json() == {"data": {"projects": {"edges": []}}}
    assert (targeted.status_code, targeted.json()) == (200, {"data": None, "errors": [{"message": "Not Authorized"}]})


def test_faults_are_armed_listed_and_cleared_over_http(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    faults = f"{emulator.base_url}/_emulator/faults"

    armed = http.post(faults, json={"field": "projects", "kind": "429", "count": 3, "retry_after": 1})
    assert armed.status_code == 200
    assert [(f["field"], f["count"]) for f in http.get(faults).json()] == [("projects", 3)]
    assert railway.post("{ projects { edges { node { id } } } }").status_code == 429
    assert http.get(faults).json()[0]["count"] == 2

    assert http.delete(faults).status_code == 200
    assert http.get(faults).json() == []
    assert railway.post("{ projects { edges { node { id } } } }").status_code == 200


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"field": "projects", "kind": "418"}, "kind must be one of 429, 500, error, slow"),
        ({"kind": "500"}, 'a fault needs "field"'),
        ({"field": "projects", "kind": "slow"}, "a slow fault needs a positive delay"),
        ({"field": "projects", "kind": "500", "count": 0}, "count must be a positive integer"),
        ({"field": "projects", "kind": "500", "status": 404}, "status must be an HTTP 5xx code"),
        ({"field": "projects", "kind": "500", "colour": "red"}, "unknown fault keys: colour"),
    ],
)
def test_invalid_fault_is_refused_with_400(
    http: httpx.Client, emulator: EmulatorServer, spec: dict[str, object], message: str
) -> None:
    response = http.post(f"{emulator.base_url}/_emulator/faults", json=spec)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert emulator.emulator.armed_faults() == []


def test_a_slow_request_does_not_hold_up_other_requests(emulator: EmulatorServer, railway: RailwayClient) -> None:
    emulator.inject(field="projectCreate", kind="slow", delay=1.0)

    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(railway.create_project, "slow")
        time.sleep(0.1)
        started = time.monotonic()
        railway.data("{ projects { edges { node { id } } } }")
        quick = time.monotonic() - started
        slow.result()

    assert quick < 0.5, f"a read waited {quick:.2f}s behind a slow request"
