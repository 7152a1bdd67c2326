"""Authentication: Railway's tokens, its "Not Authorized" answer, and the token never echoed."""

from __future__ import annotations

import json

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import CREATE_PROJECT, TOKEN, RailwayClient

NOT_AUTHORIZED = {"data": None, "errors": [{"message": "Not Authorized"}]}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-the-token"},
        {"Authorization": TOKEN},
        {"Project-Access-Token": "not-the-token"},
    ],
    ids=["missing", "wrong-bearer", "no-bearer-scheme", "wrong-project-token"],
)
def test_bad_token_answers_not_authorized_with_http_200_and_changes_nothing(
    http: httpx.Client, emulator: EmulatorServer, headers: dict[str, str]
) -> None:
    before = emulator.state_json()

    response = http.post(
        emulator.url, json={"query": CREATE_PROJECT, "variables": {"input": {"name": "x"}}}, headers=headers
    )

    assert response.status_code == 200
    assert response.json() == NOT_AUTHORIZED
    assert emulator.state_json() == before
    assert emulator.counters()["writes"] == 0


def test_project_access_token_header_is_accepted_for_reads(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project("scoped")

    response = http.post(
        emulator.url,
        json={"query": "query P($id: String!) { project(id: $id) { name } }", "variables": {"id": project_id}},
        headers={"Project-Access-Token": TOKEN},
    )

    assert response.json() == {"data": {"project": {"name": "scoped"}}}


def test_project_access_token_cannot_create_a_project(http: httpx.Client, emulator: EmulatorServer) -> None:
    response = http.post(
        emulator.url,
        json={"query": CREATE_PROJECT, "variables": {"input": {"name": "nope"}}},
        headers={"Project-Access-Token": TOKEN},
    )

    assert response.json()["errors"][0]["message"] == "Not Authorized"
    assert emulator.state_json()["projects"] == []


def test_token_appears_in_no_response_log_or_dump(
    http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient
) -> None:
    bodies = [
        railway.post(CREATE_PROJECT, {"input": {"name": "echo"}}).text,
        railway.post("{ me { id } }").text,
        railway.post("{ nope }").text,
        http.post(
            emulator.url,
            json={"query": "{ projects { edges { node { id } } } }"},
            headers={"Authorization": "Bearer x"},
        ).text,
    ]
    views = [
        http.get(f"{emulator.base_url}/_emulator/{view}").text for view in ("state", "requests", "counters", "faults")
    ]

    for text in bodies + views + [json.dumps(emulator.requests()), repr(emulator), repr(emulator.emulator)]:
        assert TOKEN not in text
