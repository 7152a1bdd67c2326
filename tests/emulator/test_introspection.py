"""The /_emulator/ views: a state dump without secrets, a redacted request log, counters, reset."""

from __future__ import annotations

import json

import httpx

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import CREATE_SERVICE, RailwayClient

SECRET = "s3cr3t-plaintext-never-shown"
PASSWORD = "registry-password-never-shown"


def _secret_stack(railway: RailwayClient) -> tuple[str, str, str]:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(
        project_id,
        "api",
        source={"image": "ghcr.io/acme/api:1"},
        variables={"DJANGO_SECRET_KEY": SECRET, "ALSO_SECRET": SECRET, "PORT": "8000"},
        registryCredentials={"username": "acme", "password": PASSWORD},
    )
    railway.upsert_variables(project_id, environment_id, {"SHARED_SECRET": SECRET})
    railway.data(
        "mutation U($input: VariableUpsertInput!) { variableUpsert(input: $input) }",
        input={
            "projectId": project_id,
            "environmentId": environment_id,
            "serviceId": service_id,
            "name": "ONE_MORE",
            "value": SECRET,
        },
    )
    return project_id, environment_id, service_id


def test_state_dump_never_contains_a_variable_value_or_password(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    _secret_stack(railway)

    dump = http.get(f"{emulator.base_url}/_emulator/state")

    assert dump.status_code == 200
    assert SECRET not in dump.text
    assert PASSWORD not in dump.text
    assert "8000" not in json.dumps(dump.json()["variables"])


def test_state_dump_fingerprints_let_tests_compare_values_without_seeing_them(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, environment_id, service_id = _secret_stack(railway)

    rows = {(row["serviceId"], row["name"]): row["value"] for row in emulator.state_json()["variables"]}

    assert rows[(service_id, "DJANGO_SECRET_KEY")] == rows[(service_id, "ALSO_SECRET")] == rows[(None, "SHARED_SECRET")]
    assert rows[(service_id, "PORT")] != rows[(service_id, "DJANGO_SECRET_KEY")]
    assert rows[(service_id, "PORT")].startswith("<redacted:sha256:")
    # The API itself still answers the real values to a caller holding the token.
    assert railway.variables(project_id, environment_id, service_id)["DJANGO_SECRET_KEY"] == SECRET


def test_request_log_redacts_variable_maps_values_and_secret_keys(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    _secret_stack(railway)
    railway.post(
        "query Q($apiToken: String!, $id: String!) { project(id: $id) { id } }", {"apiToken": SECRET, "id": "p"}
    )

    log = http.get(f"{emulator.base_url}/_emulator/requests")

    assert SECRET not in log.text and PASSWORD not in log.text
    entries = log.json()
    create = next(entry for entry in entries if entry["fields"] == ["serviceCreate"])
    assert create["variables"]["input"]["variables"] == "<redacted>"
    assert create["variables"]["input"]["registryCredentials"] == {"username": "acme", "password": "<redacted>"}
    assert create["variables"]["input"]["name"] == "api", "non-secret inputs stay readable"
    upsert = next(entry for entry in entries if entry["fields"] == ["variableUpsert"])
    assert upsert["variables"]["input"]["value"] == "<redacted>"
    assert upsert["variables"]["input"]["name"] == "ONE_MORE"
    assert entries[-1]["variables"]["apiToken"] == "<redacted>"


def test_request_log_records_fields_operation_status_and_fault(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project()
    emulator.inject(field="serviceCreate", kind="429")

    railway.post(CREATE_SERVICE, {"input": {"projectId": project_id, "name": "api"}})
    railway.post("{ nope }")

    *_, limited, invalid = emulator.requests()
    assert (limited["fields"], limited["operationName"], limited["status"], limited["fault"]) == (
        ["serviceCreate"],
        "CreateService",
        429,
        "429",
    )
    assert (invalid["status"], invalid["errors"]) == (400, ["Cannot query field 'nope' on type 'Query'."])


def test_counters_count_requests_writes_deployments_and_fields(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")
    railway.upsert_variables(project_id, environment_id, {"A": "1"}, service_id)
    railway.variables(project_id, environment_id, service_id)

    counters = http.get(f"{emulator.base_url}/_emulator/counters").json()

    assert counters == {
        "requests": 4,
        "writes": 3,
        "deployments": 1,
        "by_field": {"projectCreate": 1, "serviceCreate": 1, "variableCollectionUpsert": 1, "variables": 1},
        "by_operation": {"CreateProject": 1, "CreateService": 1, "Upsert": 1, "Vars": 1},
        "builds": 0,
    }


def test_reset_forgets_objects_requests_faults_and_counts(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    _secret_stack(railway)
    emulator.inject(field="projects", kind="500")

    assert http.post(f"{emulator.base_url}/_emulator/reset").status_code == 200

    assert all(rows == [] for rows in emulator.state_json().values())
    assert emulator.requests() == []
    assert emulator.counters() == {
        "requests": 0,
        "writes": 0,
        "deployments": 0,
        "by_field": {},
        "by_operation": {},
        "builds": 0,
    }
    assert railway.post("{ projects { edges { node { id } } } }").status_code == 200


def test_request_log_cuts_values_that_validation_messages_quote(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    upsert = "mutation U($input: VariableUpsertInput!) { variableUpsert(input: $input) }"
    railway.post(upsert, {"input": {"projectId": "p", "environmentId": "e", "name": "PIN", "value": 987654321}})
    railway.post(
        'mutation { variableUpsert(input: {projectId: "p", environmentId: "e", name: "PIN", value: 987654321}) }'
    )
    railway.post('{ project(id: "p") { environments(sort: top987654321) { edges { cursor } } } }')

    entries = emulator.requests()[-3:]

    assert "987654321" not in json.dumps(entries)
    assert entries[0]["errors"] == ["Variable '$input' has invalid value at .value: <redacted>"]
    assert entries[1]["errors"] == ["String cannot represent a non string value: <redacted>"]
    assert entries[2]["errors"] == ["Value <redacted> does not exist in 'SortOrder' enum."]
