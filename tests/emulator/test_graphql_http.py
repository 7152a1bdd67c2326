"""GraphQL over HTTP: documents are validated against Railway's schema and answered in its shapes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from graphql import build_schema

from railway_emulator import EmulatorServer, registry
from railway_emulator.registry import implemented_root_fields
from railway_emulator.schema import schema_path
from tests.emulator.railway_client import CREATE_SERVICE, TOKEN, RailwayClient


def test_unknown_field_is_rejected_with_400_and_the_validation_message(railway: RailwayClient) -> None:
    response = railway.post("{ projects { edges { node { id nmae } } } }")

    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages == ["Cannot query field 'nmae' on type 'Project'. Did you mean 'name'?"]


def test_argument_of_the_wrong_type_is_rejected_with_400(railway: RailwayClient) -> None:
    response = railway.post("{ project(id: 42) { id } }")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "String cannot represent a non string value: 42"


def test_missing_required_argument_is_rejected_with_400(railway: RailwayClient) -> None:
    response = railway.post('mutation { serviceCreate(input: {name: "api"}) { id } }')

    assert response.status_code == 400
    assert [error["message"] for error in response.json()["errors"]] == [
        "Expected value of type 'ServiceCreateInput' to include required field 'projectId', found: { name: \"api\" }."
    ]


def test_variable_of_the_wrong_type_is_rejected_with_400(railway: RailwayClient) -> None:
    response = railway.post("query P($id: String!) { project(id: $id) { id } }", {"id": 7})

    assert response.status_code == 400
    assert "String cannot represent a non string value: 7" in response.json()["errors"][0]["message"]


def test_unparsable_document_is_rejected_with_400_and_the_syntax_error(railway: RailwayClient) -> None:
    response = railway.post("{ project(id: ")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Syntax Error")


def test_body_without_a_query_is_rejected_with_400(http: httpx.Client, emulator: EmulatorServer) -> None:
    response = http.post(emulator.url, json={"variables": {}}, headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Must provide query string."}]}


def test_unimplemented_root_field_answers_an_explicit_error_not_null(railway: RailwayClient) -> None:
    response = railway.post("{ me { id } }")

    assert response.status_code == 200
    assert response.json()["data"] is None
    assert response.json()["errors"][0]["message"] == "me is not implemented by the railway emulator"


def test_unmodelled_object_field_answers_an_explicit_error_not_null(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()

    messages = railway.errors("query P($id: String!) { project(id: $id) { id workspace { id } } }", id=project_id)

    assert messages == ["Project.workspace is not implemented by the railway emulator"]


def test_source_query_parameter_and_operation_name_are_accepted(http: httpx.Client, emulator: EmulatorServer) -> None:
    response = http.post(
        emulator.url + "?source=railstack",
        json={"query": "query A { projects { edges { node { id } } } } query B { me { id } }", "operationName": "A"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"projects": {"edges": []}}}


def test_aliases_and_fragments_shape_the_response_as_asked(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project("shapes")

    data = railway.data(
        """
        query Q($id: String!) {
          mine: project(id: $id) { ...Names environments { edges { cursor node { id } } pageInfo { hasNextPage } } }
        }
        fragment Names on Project { title: name }
        """,
        id=project_id,
    )

    assert data == {
        "mine": {
            "title": "shapes",
            "environments": {
                "edges": [{"cursor": environment_id, "node": {"id": environment_id}}],
                "pageInfo": {"hasNextPage": False},
            },
        }
    }


def test_get_on_the_graphql_endpoint_is_refused(http: httpx.Client, emulator: EmulatorServer) -> None:
    assert http.get(emulator.url).status_code == 405


def test_every_field_the_provider_family_needs_is_implemented() -> None:
    implemented = implemented_root_fields()

    assert {
        "project",
        "projects",
        "environment",
        "environments",
        "service",
        "serviceInstance",
        "serviceInstanceLimits",
        "variables",
        "deployment",
        "deployments",
        "domains",
        "tcpProxies",
        "volumeInstance",
    } <= set(implemented["Query"])
    assert {
        "projectCreate",
        "projectUpdate",
        "projectDelete",
        "environmentCreate",
        "environmentRename",
        "environmentDelete",
        "serviceCreate",
        "serviceUpdate",
        "serviceConnect",
        "serviceDelete",
        "serviceInstanceUpdate",
        "serviceInstanceLimitsUpdate",
        "variableCollectionUpsert",
        "variableUpsert",
        "variableDelete",
        "serviceInstanceDeployV2",
        "serviceInstanceRedeploy",
        "serviceDomainCreate",
        "serviceDomainUpdate",
        "serviceDomainDelete",
        "customDomainCreate",
        "customDomainUpdate",
        "customDomainDelete",
        "volumeCreate",
        "volumeUpdate",
        "volumeInstanceUpdate",
        "volumeDelete",
        "volumeInstanceBackupScheduleUpdate",
        "tcpProxyCreate",
        "tcpProxyDelete",
    } <= set(implemented["Mutation"])


def test_a_resolver_for_a_field_railway_lacks_fails_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._FIELDS, ("Project", "colour"), lambda ctx, parent: "red")

    with pytest.raises(RuntimeError, match=r"Project\.colour, which Railway's schema lacks"):
        registry.attach(build_schema(schema_path().read_text(), assume_valid=True))


def test_concurrent_creates_of_one_name_make_exactly_one_service(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project()

    def create(_: int) -> bool:
        return (
            railway.post(CREATE_SERVICE, {"input": {"projectId": project_id, "name": "api"}}).json().get("errors")
            is None
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(create, range(16)))

    assert outcomes.count(True) == 1
    assert [service["name"] for service in emulator.state_json()["services"]] == ["api"]
