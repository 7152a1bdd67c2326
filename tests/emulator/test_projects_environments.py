"""Projects and environments: defaults, uniqueness, copies, and what deleting leaves behind."""

from __future__ import annotations

import uuid

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import RailwayClient

PROJECT = """
query P($id: String!) {
  project(id: $id) {
    id name description isPublic createdAt
    environments { edges { node { id name } } }
    services { edges { node { id name } } }
  }
}"""

ENVIRONMENT = "query E($id: String!) { environment(id: $id) { id name projectId } }"

INSTANCES = """
query E($id: String!) {
  environment(id: $id) { serviceInstances { edges { node { serviceId serviceName environmentId } } } }
}"""


def test_project_create_makes_exactly_one_environment_named_production(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project("railstack", description="demo stack", isPublic=False)

    project = railway.data(PROJECT, id=project_id)["project"]

    assert uuid.UUID(project_id).version == 4
    assert project["name"] == "railstack"
    assert project["description"] == "demo stack"
    assert project["environments"]["edges"] == [{"node": {"id": environment_id, "name": "production"}}]
    assert project["services"]["edges"] == []


def test_project_create_names_its_environment_after_default_environment_name(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project("railstack", defaultEnvironmentName="staging")

    environments = railway.data(PROJECT, id=project_id)["project"]["environments"]["edges"]

    assert [edge["node"]["name"] for edge in environments] == ["staging"]


def test_project_update_changes_name_and_description(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project("old")

    railway.data(
        "mutation U($id: String!, $input: ProjectUpdateInput!) { projectUpdate(id: $id, input: $input) { id } }",
        id=project_id,
        input={"name": "new", "description": "renamed"},
    )

    project = railway.data(PROJECT, id=project_id)["project"]
    assert (project["name"], project["description"]) == ("new", "renamed")


def test_project_delete_removes_everything_under_it(emulator: EmulatorServer, railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api", source={"image": "nginx"})
    railway.upsert_variables(project_id, environment_id, {"K": "v"}, service_id)
    railway.data("mutation D($id: String!) { projectDelete(id: $id) }", id=project_id)

    state = emulator.state_json()

    assert all(
        state[kind] == []
        for kind in ("projects", "environments", "services", "serviceInstances", "variables", "deployments")
    )
    assert railway.errors(PROJECT, id=project_id) == ["Not Authorized"]


def test_deleting_a_deleted_project_answers_not_authorized(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    delete = "mutation D($id: String!) { projectDelete(id: $id) }"
    assert railway.data(delete, id=project_id) == {"projectDelete": True}

    assert railway.errors(delete, id=project_id) == ["Not Authorized"]


def test_environment_create_adds_an_instance_of_every_existing_service(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    api = railway.create_service(project_id, "api")
    worker = railway.create_service(project_id, "worker")

    staging = railway.create_environment(project_id, "staging")

    nodes = [edge["node"] for edge in railway.data(INSTANCES, id=staging)["environment"]["serviceInstances"]["edges"]]
    assert sorted((node["serviceId"], node["serviceName"], node["environmentId"]) for node in nodes) == sorted(
        [(api, "api", staging), (worker, "worker", staging)]
    )


def test_environment_names_are_unique_within_a_project(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()

    messages = railway.errors(
        "mutation C($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }",
        input={"projectId": project_id, "name": "production"},
    )

    assert messages == ['Environment with name "production" already exists in this project']


def test_environment_created_from_a_source_copies_its_variables_and_settings(railway: RailwayClient) -> None:
    project_id, production = railway.create_project()
    api = railway.create_service(project_id, "api")
    railway.upsert_variables(project_id, production, {"SECRET_KEY": "s3"}, skipDeploys=True)
    railway.upsert_variables(project_id, production, {"DJANGO_DEBUG": "0"}, api, skipDeploys=True)
    railway.update_instance(api, production, startCommand="gunicorn app")

    staging = railway.create_environment(project_id, "staging", sourceEnvironmentId=production)

    assert railway.variables(project_id, staging) == {"SECRET_KEY": "s3"}
    assert railway.variables(project_id, staging, api) == {"DJANGO_DEBUG": "0"}
    instance = railway.data(
        "query I($s: String!, $e: String!) { serviceInstance(serviceId: $s, environmentId: $e) { startCommand } }",
        s=api,
        e=staging,
    )
    assert instance == {"serviceInstance": {"startCommand": "gunicorn app"}}


def test_environment_create_with_an_empty_source_id_is_rejected(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()

    messages = railway.errors(
        "mutation C($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }",
        input={"projectId": project_id, "name": "staging", "sourceEnvironmentId": ""},
    )

    assert messages == ["sourceEnvironmentId must be a valid environment id or omitted"]


def test_environment_rename_and_list(railway: RailwayClient) -> None:
    project_id, production = railway.create_project()
    staging = railway.create_environment(project_id, "staging")

    railway.data(
        """mutation R($id: String!, $input: EnvironmentRenameInput!) {
          environmentRename(id: $id, input: $input) { name }
        }""",
        id=staging,
        input={"name": "preview"},
    )

    listed = railway.data(
        "query L($p: String!) { environments(projectId: $p) { edges { node { id name } } } }", p=project_id
    )["environments"]["edges"]
    assert [edge["node"] for edge in listed] == [
        {"id": production, "name": "production"},
        {"id": staging, "name": "preview"},
    ]


def test_deleted_environment_reads_as_null_data_with_not_authorized(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    staging = railway.create_environment(project_id, "staging")
    delete = "mutation D($id: String!) { environmentDelete(id: $id) }"
    railway.data(delete, id=staging)

    response = railway.post(ENVIRONMENT, {"id": staging}).json()

    assert response["data"] is None
    assert [error["message"] for error in response["errors"]] == ["Not Authorized"]
    assert railway.errors(delete, id=staging) == ["Not Authorized"]
