"""Services and service instances: uniqueness, one instance per environment, settings and limits."""

from __future__ import annotations

from railway_emulator import EmulatorServer
from tests.emulator.railway_client import CREATE_SERVICE, RailwayClient

INSTANCE = """
query I($s: String!, $e: String!) {
  serviceInstance(serviceId: $s, environmentId: $e) {
    serviceId environmentId serviceName startCommand preDeployCommand numReplicas region restartPolicyType
    restartPolicyMaxRetries healthcheckPath healthcheckTimeout cronSchedule sleepApplication builder watchPatterns
    source { image repo }
  }
}"""


def test_duplicate_service_name_is_rejected_with_a_clear_message(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, _ = railway.create_project()
    railway.create_service(project_id, "api")

    messages = railway.errors(CREATE_SERVICE, input={"projectId": project_id, "name": "api"})

    assert messages == ['Service with name "api" already exists in this project']
    assert [s["name"] for s in emulator.state_json()["services"]] == ["api"]


def test_same_service_name_in_two_projects_is_allowed(railway: RailwayClient) -> None:
    first, _ = railway.create_project("one")
    second, _ = railway.create_project("two")

    assert railway.create_service(first, "api") != railway.create_service(second, "api")


def test_service_create_makes_an_instance_in_every_environment(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, production = railway.create_project()
    staging = railway.create_environment(project_id, "staging")

    service_id = railway.create_service(project_id, "api", source={"image": "ghcr.io/acme/api:1"})

    instances = {(i["serviceId"], i["environmentId"]) for i in emulator.state_json()["serviceInstances"]}
    assert instances == {(service_id, production), (service_id, staging)}
    for environment_id in (production, staging):
        instance = railway.data(INSTANCE, s=service_id, e=environment_id)["serviceInstance"]
        assert instance["source"] == {"image": "ghcr.io/acme/api:1", "repo": None}


def test_variables_given_at_create_go_to_the_given_environment_only(railway: RailwayClient) -> None:
    project_id, production = railway.create_project()
    staging = railway.create_environment(project_id, "staging")

    service_id = railway.create_service(project_id, "api", environmentId=staging, variables={"PORT": "8000"})

    assert railway.variables(project_id, staging, service_id) == {"PORT": "8000"}
    assert railway.variables(project_id, production, service_id) == {}


def test_variables_given_at_create_without_environment_go_to_every_environment(railway: RailwayClient) -> None:
    project_id, production = railway.create_project()
    staging = railway.create_environment(project_id, "staging")

    service_id = railway.create_service(project_id, "api", variables={"PORT": "8000"})

    assert railway.variables(project_id, staging, service_id) == {"PORT": "8000"}
    assert railway.variables(project_id, production, service_id) == {"PORT": "8000"}


def test_service_created_with_a_source_deploys_once_per_instance_and_without_one_not_at_all(
    railway: RailwayClient,
) -> None:
    project_id, _ = railway.create_project()
    railway.create_environment(project_id, "staging")

    with_image = railway.create_service(project_id, "api", source={"image": "nginx"})
    empty = railway.create_service(project_id, "placeholder")

    assert len(railway.deployments(serviceId=with_image)) == 2
    assert railway.deployments(serviceId=empty) == []


def test_unset_instance_settings_read_back_as_railway_platform_defaults(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")

    instance = railway.data(INSTANCE, s=service_id, e=environment_id)["serviceInstance"]

    assert instance["restartPolicyType"] == "ON_FAILURE"
    assert instance["restartPolicyMaxRetries"] == 10
    assert instance["numReplicas"] == 1
    assert instance["watchPatterns"] == []
    assert instance["startCommand"] is None
    assert instance["serviceName"] == "api"


def test_service_instance_update_stores_settings_as_given_and_does_not_deploy(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api", source={"image": "ghcr.io/acme/api:1"})
    deployments_before = len(railway.deployments(serviceId=service_id))

    railway.update_instance(
        service_id,
        environment_id,
        startCommand="gunicorn config.wsgi",
        preDeployCommand=["python manage.py migrate"],
        numReplicas=3,
        multiRegionConfig={"us-west2": {"numReplicas": 3}},
        restartPolicyType="ALWAYS",
        restartPolicyMaxRetries=0,
        healthcheckPath="/healthz",
        healthcheckTimeout=120,
        sleepApplication=True,
        source={"image": "ghcr.io/acme/api:2"},
    )

    instance = railway.data(INSTANCE, s=service_id, e=environment_id)["serviceInstance"]
    assert instance["startCommand"] == "gunicorn config.wsgi"
    assert instance["preDeployCommand"] == ["python manage.py migrate"]
    assert (instance["numReplicas"], instance["restartPolicyType"], instance["restartPolicyMaxRetries"]) == (
        3,
        "ALWAYS",
        0,
    )
    assert (instance["healthcheckPath"], instance["healthcheckTimeout"], instance["sleepApplication"]) == (
        "/healthz",
        120,
        True,
    )
    assert instance["source"] == {"image": "ghcr.io/acme/api:2", "repo": None}
    assert len(railway.deployments(serviceId=service_id)) == deployments_before


def test_service_instance_update_without_environment_updates_every_environment(railway: RailwayClient) -> None:
    project_id, production = railway.create_project()
    staging = railway.create_environment(project_id, "staging")
    service_id = railway.create_service(project_id, "beat")

    railway.update_instance(service_id, None, cronSchedule="*/5 * * * *")

    for environment_id in (production, staging):
        assert (
            railway.data(INSTANCE, s=service_id, e=environment_id)["serviceInstance"]["cronSchedule"] == "*/5 * * * *"
        )


def test_setting_a_non_null_setting_to_null_restores_the_platform_default(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")
    railway.update_instance(service_id, environment_id, restartPolicyType="NEVER")

    railway.update_instance(service_id, environment_id, restartPolicyType=None)

    assert (
        railway.data(INSTANCE, s=service_id, e=environment_id)["serviceInstance"]["restartPolicyType"] == "ON_FAILURE"
    )


def test_instance_limits_read_back_merged_over_the_plan_and_as_overrides(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "worker")
    limits = """
    query L($s: String!, $e: String!) {
      merged: serviceInstanceLimits(serviceId: $s, environmentId: $e)
      override: serviceInstanceLimitOverride(serviceId: $s, environmentId: $e)
    }"""
    assert railway.data(limits, s=service_id, e=environment_id)["override"] is None

    railway.data(
        "mutation L($input: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $input) }",
        input={"serviceId": service_id, "environmentId": environment_id, "vCPUs": 2, "memoryGB": 1.5},
    )

    read = railway.data(limits, s=service_id, e=environment_id)
    assert read["override"] == {"vCPUs": 2.0, "memoryGB": 1.5}
    assert read["merged"] == {"vCPUs": 2.0, "memoryGB": 1.5}


def test_service_update_renames_and_checks_uniqueness(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    api = railway.create_service(project_id, "api")
    railway.create_service(project_id, "worker")
    update = (
        "mutation U($id: String!, $input: ServiceUpdateInput!) { serviceUpdate(id: $id, input: $input) { name icon } }"
    )

    assert railway.data(update, id=api, input={"name": "web", "icon": "globe"}) == {
        "serviceUpdate": {"name": "web", "icon": "globe"}
    }
    assert railway.errors(update, id=api, input={"name": "worker"}) == [
        'Service with name "worker" already exists in this project'
    ]


def test_service_connect_sets_the_source_everywhere_and_deploys(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")

    railway.data(
        "mutation C($id: String!, $input: ServiceConnectInput!) { serviceConnect(id: $id, input: $input) { id } }",
        id=service_id,
        input={"repo": "acme/api", "branch": "main"},
    )

    instance = railway.data(INSTANCE, s=service_id, e=environment_id)["serviceInstance"]
    assert instance["source"] == {"image": None, "repo": "acme/api"}
    assert len(railway.deployments(serviceId=service_id)) == 1


def test_deleting_a_deleted_service_answers_not_authorized(emulator: EmulatorServer, railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api", source={"image": "nginx"})
    delete = "mutation D($id: String!, $e: String) { serviceDelete(id: $id, environmentId: $e) }"

    assert railway.data(delete, id=service_id, e=environment_id) == {"serviceDelete": True}

    assert railway.errors(delete, id=service_id, e=None) == ["Not Authorized"]
    assert railway.errors(INSTANCE, s=service_id, e=environment_id) == ["Not Authorized"]
    state = emulator.state_json()
    assert state["services"] == [] and state["serviceInstances"] == [] and state["deployments"] == []
