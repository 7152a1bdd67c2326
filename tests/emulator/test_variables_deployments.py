"""Variables kept verbatim, shared versus service scope, and the deploy-on-write rule."""

from __future__ import annotations

import httpx

from railway_emulator import EmulatorServer
from tests.emulator.options import served
from tests.emulator.railway_client import RailwayClient

DEPLOY = "mutation D($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }"
UPSERT_ONE = "mutation U($input: VariableUpsertInput!) { variableUpsert(input: $input) }"
DELETE_ONE = "mutation D($input: VariableDeleteInput!) { variableDelete(input: $input) }"
LATEST = """
query I($s: String!, $e: String!) {
  serviceInstance(serviceId: $s, environmentId: $e) { latestDeployment { id status meta } }
}"""


def _stack(railway: RailwayClient) -> tuple[str, str, str, str]:
    """A project with two services created without a source (so no deployment yet)."""
    project_id, environment_id = railway.create_project()
    api = railway.create_service(project_id, "api")
    worker = railway.create_service(project_id, "worker")
    return project_id, environment_id, api, worker


def test_reference_values_are_stored_and_read_back_verbatim(railway: RailwayClient) -> None:
    project_id, environment_id, api, _ = _stack(railway)
    written = {
        "DATABASE_URL": "${{Postgres.DATABASE_URL}}",
        "SECRET_KEY": "${{shared.SECRET_KEY}}",
        "BROKER": "redis://default:${{Redis.REDIS_PASSWORD}}@${{Redis.RAILWAY_PRIVATE_DOMAIN}}:6379/0",
        "SPACES": "  keep  my  spaces  ",
    }

    railway.upsert_variables(project_id, environment_id, written, api)

    assert railway.variables(project_id, environment_id, api, unrendered=True) == written


def test_shared_and_service_variables_are_separate_maps(railway: RailwayClient) -> None:
    project_id, environment_id, api, worker = _stack(railway)

    railway.upsert_variables(project_id, environment_id, {"SECRET_KEY": "k"})
    railway.upsert_variables(project_id, environment_id, {"PORT": "8000"}, api)

    assert railway.variables(project_id, environment_id) == {"SECRET_KEY": "k"}
    assert railway.variables(project_id, environment_id, api) == {"PORT": "8000"}
    assert railway.variables(project_id, environment_id, worker) == {}


def test_rendered_read_resolves_shared_service_and_own_references(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    postgres = railway.create_service(project_id, "Postgres")
    api = railway.create_service(project_id, "api")
    railway.upsert_variables(project_id, environment_id, {"SECRET_KEY": "k3y"})
    railway.upsert_variables(
        project_id,
        environment_id,
        {
            "PGPASSWORD": "pw",
            "DATABASE_URL": "postgresql://postgres:${{PGPASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/railway",
        },
        postgres,
    )
    railway.upsert_variables(
        project_id,
        environment_id,
        {
            "DATABASE_URL": "${{Postgres.DATABASE_URL}}",
            "SECRET_KEY": "${{shared.SECRET_KEY}}",
            "MISSING": "x${{shared.NOPE}}y",
        },
        api,
    )

    rendered = railway.variables(project_id, environment_id, api, unrendered=False)

    assert rendered["DATABASE_URL"] == "postgresql://postgres:pw@postgres.railway.internal:5432/railway"
    assert rendered["SECRET_KEY"] == "k3y"
    assert rendered["MISSING"] == "xy"
    assert rendered["RAILWAY_SERVICE_NAME"] == "api"


def test_replace_removes_the_variables_not_sent(railway: RailwayClient) -> None:
    project_id, environment_id, api, _ = _stack(railway)
    railway.upsert_variables(project_id, environment_id, {"A": "1", "B": "2"}, api)

    railway.upsert_variables(project_id, environment_id, {"B": "3"}, api, replace=True)

    assert railway.variables(project_id, environment_id, api) == {"B": "3"}


def test_service_variable_write_deploys_that_instance_once(emulator: EmulatorServer, railway: RailwayClient) -> None:
    project_id, environment_id, api, _ = _stack(railway)

    railway.upsert_variables(project_id, environment_id, {"A": "1", "B": "2", "C": "3"}, api)

    deployments = railway.deployments(environmentId=environment_id)
    assert [(d["serviceId"], d["status"]) for d in deployments] == [(api, "SUCCESS")]
    assert emulator.counters()["deployments"] == 1


def test_shared_variable_write_deploys_every_instance_of_the_environment_once(railway: RailwayClient) -> None:
    project_id, environment_id, api, worker = _stack(railway)
    staging = railway.create_environment(project_id, "staging", skipInitialDeploys=True)

    railway.upsert_variables(project_id, environment_id, {"SECRET_KEY": "k"})

    assert sorted(d["serviceId"] for d in railway.deployments(environmentId=environment_id)) == sorted([api, worker])
    assert railway.deployments(environmentId=staging) == []


def test_variable_writes_with_skip_deploys_create_no_deployment(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, environment_id, api, _ = _stack(railway)

    railway.upsert_variables(project_id, environment_id, {"A": "1"}, api, skipDeploys=True)
    railway.upsert_variables(project_id, environment_id, {"S": "1"}, skipDeploys=True)
    railway.data(
        UPSERT_ONE,
        input={
            "projectId": project_id,
            "environmentId": environment_id,
            "serviceId": api,
            "name": "B",
            "value": "2",
            "skipDeploys": True,
        },
    )

    assert railway.deployments(projectId=project_id) == []
    assert emulator.counters()["deployments"] == 0


def test_single_variable_upsert_and_delete_each_deploy_once(railway: RailwayClient) -> None:
    project_id, environment_id, api, _ = _stack(railway)
    target = {"projectId": project_id, "environmentId": environment_id, "serviceId": api}

    railway.data(UPSERT_ONE, input={**target, "name": "PORT", "value": "8000"})
    assert len(railway.deployments(serviceId=api)) == 1

    railway.data(DELETE_ONE, input={**target, "name": "PORT"})
    assert len(railway.deployments(serviceId=api)) == 2
    assert railway.variables(project_id, environment_id, api) == {}

    railway.data(DELETE_ONE, input={**target, "name": "PORT"})
    assert len(railway.deployments(serviceId=api)) == 2, "deleting a missing variable changes nothing"


def test_deploy_v2_creates_exactly_one_deployment_and_returns_its_id(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    project_id, environment_id, api, _ = _stack(railway)

    deployment_id = railway.data(DEPLOY, s=api, e=environment_id)["serviceInstanceDeployV2"]

    assert [d["id"] for d in railway.deployments(projectId=project_id)] == [deployment_id]
    status = railway.data(
        "query D($id: String!) { deployment(id: $id) { status serviceId environmentId } }", id=deployment_id
    )
    assert status == {"deployment": {"status": "SUCCESS", "serviceId": api, "environmentId": environment_id}}
    assert emulator.counters()["deployments"] == 1


def test_latest_deployment_is_the_newest_and_its_meta_snapshots_the_settings(railway: RailwayClient) -> None:
    _, environment_id, api, _ = _stack(railway)
    first = railway.data(DEPLOY, s=api, e=environment_id)["serviceInstanceDeployV2"]
    railway.update_instance(api, environment_id, numReplicas=2, region="europe-west4-drams3a")
    second = railway.data(DEPLOY, s=api, e=environment_id)["serviceInstanceDeployV2"]

    latest = railway.data(LATEST, s=api, e=environment_id)["serviceInstance"]["latestDeployment"]

    assert latest["id"] == second != first
    deploy_settings = latest["meta"]["serviceManifest"]["deploy"]
    assert (deploy_settings["numReplicas"], deploy_settings["region"]) == (2, "europe-west4-drams3a")
    assert deploy_settings["multiRegionConfig"] == {"europe-west4-drams3a": {"numReplicas": 2}}
    statuses = {d["id"]: d["status"] for d in railway.deployments(serviceId=api)}
    assert statuses == {first: "REMOVED", second: "SUCCESS"}


def test_redeploy_reruns_the_latest_deployment_ignoring_a_newly_set_image(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    api = railway.create_service(project_id, "api", source={"image": "acme/api:1"})
    railway.update_instance(api, environment_id, source={"image": "acme/api:2"})

    railway.data(
        "mutation R($s: String!, $e: String!) { serviceInstanceRedeploy(serviceId: $s, environmentId: $e) }",
        s=api,
        e=environment_id,
    )

    latest = railway.data(LATEST, s=api, e=environment_id)["serviceInstance"]["latestDeployment"]
    assert (latest["meta"]["image"], latest["meta"]["reason"]) == ("acme/api:1", "redeploy")
    assert len(railway.deployments(serviceId=api)) == 2


def test_deployments_read_building_until_the_configured_build_time_passes(http: httpx.Client) -> None:
    with served(http, deploy_seconds=30) as (_, railway):
        project_id, environment_id = railway.create_project()
        api = railway.create_service(project_id, "api")

        railway.data(DEPLOY, s=api, e=environment_id)

        assert [d["status"] for d in railway.deployments(serviceId=api)] == ["BUILDING"]
