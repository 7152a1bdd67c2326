"""A tiny Railway GraphQL client for the emulator tests, plus the documents they send.

It speaks plain HTTP with httpx, like the provider will, so the tests exercise the emulator's HTTP
layer as well as its resolvers.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.shared_emulator import EMULATOR_TOKEN

#: The token of the emulators these tests talk to (the shared fixtures' token).
TOKEN = EMULATOR_TOKEN

CREATE_PROJECT = """
mutation CreateProject($input: ProjectCreateInput!) {
  projectCreate(input: $input) { id name environments { edges { node { id name } } } }
}"""

CREATE_SERVICE = """
mutation CreateService($input: ServiceCreateInput!) {
  serviceCreate(input: $input) { id name projectId }
}"""

CREATE_ENVIRONMENT = """
mutation CreateEnvironment($input: EnvironmentCreateInput!) {
  environmentCreate(input: $input) { id name projectId }
}"""

UPSERT_VARIABLES = """
mutation Upsert($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }"""

READ_VARIABLES = """
query Vars($projectId: String!, $environmentId: String!, $serviceId: String, $unrendered: Boolean) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, unrendered: $unrendered)
}"""

UPDATE_INSTANCE = """
mutation UpdateInstance($serviceId: String!, $environmentId: String, $input: ServiceInstanceUpdateInput!) {
  serviceInstanceUpdate(serviceId: $serviceId, environmentId: $environmentId, input: $input)
}"""

DEPLOYMENTS = """
query Deployments($input: DeploymentListInput!) {
  deployments(input: $input) { edges { node { id status serviceId environmentId meta } } }
}"""


class RailwayError(AssertionError):
    """Railway answered errors where the test expected data."""


class RailwayClient:
    """POSTs GraphQL documents to the emulator with the account token, over a shared httpx client."""

    def __init__(self, http: httpx.Client, url: str, token: str) -> None:
        self.http = http
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        return self.http.post(
            self.url,
            params={"source": "railstack-tests"},
            json={"query": query, "variables": variables or {}},
            headers=kwargs.pop("headers", self.headers),
            **kwargs,
        )

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The response's data; fails the test on an HTTP or GraphQL error."""
        response = self.post(query, variables)
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RailwayError(f"HTTP {response.status_code}: {body}")
        data: dict[str, Any] = body["data"]
        return data

    def errors(self, query: str, **variables: Any) -> list[str]:
        """The GraphQL error messages of a request expected to fail with HTTP 200."""
        response = self.post(query, variables)
        assert response.status_code == 200, (
            f"expected HTTP 200 with errors, got {response.status_code}: {response.text}"
        )
        body = response.json()
        assert body.get("errors"), f"expected errors, got {body}"
        return [error["message"] for error in body["errors"]]

    # --- shortcuts for the objects most tests need ---------------------------------------------------

    def create_project(self, name: str = "railstack", **extra: Any) -> tuple[str, str]:
        """A new project and the id of its one environment."""
        created = self.data(CREATE_PROJECT, input={"name": name, **extra})["projectCreate"]
        return str(created["id"]), str(created["environments"]["edges"][0]["node"]["id"])

    def create_service(self, project_id: str, name: str, **extra: Any) -> str:
        created = self.data(CREATE_SERVICE, input={"projectId": project_id, "name": name, **extra})["serviceCreate"]
        return str(created["id"])

    def create_environment(self, project_id: str, name: str, **extra: Any) -> str:
        created = self.data(CREATE_ENVIRONMENT, input={"projectId": project_id, "name": name, **extra})
        return str(created["environmentCreate"]["id"])

    def variables(
        self, project_id: str, environment_id: str, service_id: str | None = None, *, unrendered: bool = True
    ) -> dict[str, str]:
        variables: dict[str, str] = self.data(
            READ_VARIABLES,
            projectId=project_id,
            environmentId=environment_id,
            serviceId=service_id,
            unrendered=unrendered,
        )["variables"]
        return variables

    def upsert_variables(
        self, project_id: str, environment_id: str, values: dict[str, str], service_id: str | None = None, **extra: Any
    ) -> None:
        self.data(
            UPSERT_VARIABLES,
            input={
                "projectId": project_id,
                "environmentId": environment_id,
                "serviceId": service_id,
                "variables": values,
                **extra,
            },
        )

    def update_instance(self, service_id: str, environment_id: str | None, **settings: Any) -> None:
        self.data(UPDATE_INSTANCE, serviceId=service_id, environmentId=environment_id, input=settings)

    def deployments(self, **filters: str) -> list[dict[str, Any]]:
        edges = self.data(DEPLOYMENTS, input=filters)["deployments"]["edges"]
        return [edge["node"] for edge in edges]
