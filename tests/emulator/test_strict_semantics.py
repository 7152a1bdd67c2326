"""The stricter readings: source deploys, soft deletes, dropped numReplicas, regions, and `strict` itself."""

from __future__ import annotations

import re
import signal
from typing import Any

import httpx
import pytest

from tests.emulator.options import SCOPED_TOKEN, served
from tests.emulator.railway_client import UPDATE_INSTANCE, RailwayClient
from tests.emulator.test_cli import LISTENING, _launched

INSTANCE = """
query I($s: String!, $e: String!) {
  serviceInstance(serviceId: $s, environmentId: $e) {
    numReplicas region latestDeployment { meta }
  }
}"""
DEPLOY = "mutation D($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }"
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


# --- source deploys ------------------------------------------------------------------------------------


def test_with_source_deploys_setting_a_source_deploys_each_targeted_instance_once(http: httpx.Client) -> None:
    with served(http, source_deploys=True) as (server, railway):
        project_id, production = railway.create_project()
        staging = railway.create_environment(project_id, "staging")
        api = railway.create_service(project_id, "api")

        railway.update_instance(api, production, source={"image": "acme/api:1"})
        [first] = railway.deployments(serviceId=api)
        assert (first["environmentId"], first["meta"]["reason"], first["meta"]["image"]) == (
            production,
            "source_change",
            "acme/api:1",
        )

        # The same source again still deploys (stricter); without an environment, every environment.
        railway.update_instance(api, None, source={"image": "acme/api:1"})
        assert sorted(d["environmentId"] for d in railway.deployments(serviceId=api)) == sorted(
            [production, production, staging]
        )

        # Settings without a source, or a null source, do not deploy.
        railway.update_instance(api, production, startCommand="serve")
        railway.update_instance(api, production, source=None)
        assert len(railway.deployments(serviceId=api)) == 3
        assert server.counters()["deployments"] == 3


def test_without_source_deploys_setting_a_source_does_not_deploy(http: httpx.Client) -> None:
    for options in ({}, {"strict": True, "source_deploys": False, "workspaces": 1}):
        with served(http, **options) as (server, railway):
            project_id, environment_id = railway.create_project()
            api = railway.create_service(project_id, "api")
            railway.update_instance(api, environment_id, source={"image": "acme/api:1"})
            assert railway.deployments(serviceId=api) == []
            assert server.counters()["deployments"] == 0


def test_strict_turns_source_deploys_on(http: httpx.Client) -> None:
    with served(http, strict=True, workspaces=1) as (server, railway):
        project_id, environment_id = railway.create_project()
        api = railway.create_service(project_id, "api")
        railway.update_instance(api, environment_id, source={"image": "acme/api:1"})
        assert len(railway.deployments(serviceId=api)) == 1


def test_counters_count_implicit_deployments(http: httpx.Client) -> None:
    with served(http, source_deploys=True) as (server, railway):
        project_id, environment_id = railway.create_project()
        api = railway.create_service(project_id, "api", source={"image": "a:1"})  # service_create: 1
        railway.upsert_variables(project_id, environment_id, {"K": "v"}, service_id=api)  # variable_change: 2
        railway.update_instance(api, environment_id, source={"image": "a:2"})  # source_change: 3
        railway.data(
            "mutation C($e: String!, $p: EnvironmentConfig) { environmentPatchCommit(environmentId: $e, patch: $p) }",
            e=environment_id,
            p={"services": {api: {"source": {"image": "a:3"}}}},
        )  # patch_commit: 4
        railway.data(DEPLOY, s=api, e=environment_id)  # deploy: 5

        reasons = [d["meta"]["reason"] for d in railway.deployments(serviceId=api)]
        assert reasons == ["deploy", "patch_commit", "source_change", "variable_change", "service_create"]
        assert server.counters()["deployments"] == 5


# --- soft deletes ----------------------------------------------------------------------------------------

PROJECT = "query P($id: String!) { project(id: $id) { id deletedAt } }"
SERVICE = "query S($id: String!) { service(id: $id) { id name deletedAt } }"
ENVIRONMENT = "query E($id: String!) { environment(id: $id) { id name deletedAt } }"
PROJECT_CHILDREN = """
query P($id: String!) {
  project(id: $id) { services { edges { node { id } } } environments { edges { node { id } } } }
}"""


def test_soft_deleted_projects_stay_readable_but_vanish_from_listings_and_refuse_writes(http: httpx.Client) -> None:
    with served(http, soft_deletes=True) as (_, railway):
        project_id, environment_id = railway.create_project()
        api = railway.create_service(project_id, "api")
        railway.data("mutation D($id: String!) { projectDelete(id: $id) }", id=project_id)

        read = railway.data(PROJECT, id=project_id)["project"]
        assert read["id"] == project_id and ISO.fullmatch(read["deletedAt"])
        assert railway.data("{ projects { edges { node { id } } } }")["projects"]["edges"] == []
        assert railway.errors("mutation D($id: String!) { projectDelete(id: $id) }", id=project_id) == [
            "Not Authorized"
        ]
        assert railway.errors(
            'mutation U($id: String!) { projectUpdate(id: $id, input: {name: "x"}) { id } }', id=project_id
        ) == ["Not Authorized"]
        assert railway.errors(
            "query E($p: String!) { environments(projectId: $p) { edges { node { id } } } }", p=project_id
        ) == ["Not Authorized"]
        assert set(railway.errors(PROJECT_CHILDREN, id=project_id)) == {"Not Authorized"}
        # Its services and environments went with it, readable with deletedAt, children refused.
        assert railway.data(SERVICE, id=api)["service"]["deletedAt"] is not None
        assert railway.data(ENVIRONMENT, id=environment_id)["environment"]["deletedAt"] is not None
        assert railway.errors(INSTANCE, s=api, e=environment_id) == ["Not Authorized"]


def test_soft_deleted_services_free_their_name_and_refuse_their_children(http: httpx.Client) -> None:
    with served(http, soft_deletes=True) as (_, railway):
        project_id, environment_id = railway.create_project()
        api = railway.create_service(project_id, "api", source={"image": "a:1"})
        railway.data(
            "mutation D($id: String!, $e: String) { serviceDelete(id: $id, environmentId: $e) }",
            id=api,
            e=environment_id,
        )

        read = railway.data(SERVICE, id=api)["service"]
        assert (read["name"], bool(ISO.fullmatch(read["deletedAt"]))) == ("api", True)
        assert railway.data(PROJECT_CHILDREN, id=project_id)["project"]["services"]["edges"] == []
        assert railway.errors(INSTANCE, s=api, e=environment_id) == ["Not Authorized"]
        assert railway.errors(
            "query V($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
            p=project_id,
            e=environment_id,
            s=api,
        ) == ["Not Authorized"]
        assert railway.errors(
            "query D($s: String!) { deployments(input: {serviceId: $s}) { edges { node { id } } } }", s=api
        ) == ["Not Authorized"]
        assert railway.errors(
            "query D($p: String!, $e: String!, $s: String!) "
            "{ domains(projectId: $p, environmentId: $e, serviceId: $s) { serviceDomains { id } } }",
            p=project_id,
            e=environment_id,
            s=api,
        ) == ["Not Authorized"]
        assert railway.errors(
            'mutation U($id: String!) { serviceUpdate(id: $id, input: {name: "web"}) { id } }', id=api
        ) == ["Not Authorized"]
        assert railway.errors(
            "query S($id: String!) { service(id: $id) { serviceInstances { edges { node { id } } } } }", id=api
        ) == ["Not Authorized"]
        assert railway.create_service(project_id, "api") != api, "the name is free again"


def test_soft_deleted_environments_stay_readable_and_vanish_from_listings(http: httpx.Client) -> None:
    with served(http, soft_deletes=True) as (_, railway):
        project_id, production = railway.create_project()
        api = railway.create_service(project_id, "api")
        staging = railway.create_environment(project_id, "staging")
        railway.data("mutation D($id: String!) { environmentDelete(id: $id) }", id=staging)

        read = railway.data(ENVIRONMENT, id=staging)["environment"]
        assert (read["name"], bool(ISO.fullmatch(read["deletedAt"]))) == ("staging", True)
        listed = railway.data(
            "query E($p: String!) { environments(projectId: $p) { edges { node { id } } } }", p=project_id
        )["environments"]["edges"]
        assert listed == [{"node": {"id": production}}]
        assert [
            e["node"]["id"] for e in railway.data(PROJECT_CHILDREN, id=project_id)["project"]["environments"]["edges"]
        ] == [production]
        assert railway.errors(INSTANCE, s=api, e=staging) == ["Not Authorized"]
        assert railway.errors("query E($id: String!) { environment(id: $id) { config } }", id=staging) == [
            "Not Authorized"
        ]
        assert railway.errors(
            'mutation R($id: String!) { environmentRename(id: $id, input: {name: "qa"}) { id } }', id=staging
        ) == ["Not Authorized"]
        assert railway.create_environment(project_id, "staging") != staging, "the name is free again"


def test_without_soft_deletes_a_deleted_project_reads_not_authorized(railway: RailwayClient) -> None:
    project_id, _ = railway.create_project()
    railway.data("mutation D($id: String!) { projectDelete(id: $id) }", id=project_id)
    assert railway.errors(PROJECT, id=project_id) == ["Not Authorized"]


# --- replicas and regions ------------------------------------------------------------------------------


def _instance(railway: RailwayClient) -> tuple[str, str, str]:
    project_id, environment_id = railway.create_project()
    return project_id, environment_id, railway.create_service(project_id, "api", source={"image": "a:1"})


def test_drop_num_replicas_ignores_a_top_level_replica_count(http: httpx.Client) -> None:
    cases: list[dict[str, Any]] = [
        {"drop_num_replicas": True},
        {"strict": True, "workspaces": 1, "source_deploys": False},
    ]
    for options in cases:
        with served(http, **options) as (_, railway):
            project_id, environment_id, api = _instance(railway)
            railway.data(
                "mutation V($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
                input={"projectId": project_id, "environmentId": environment_id, "serviceId": api, "mountPath": "/d"},
            )
            # Stored but ignored, so the volume does not forbid it: one replica runs, in the default region.
            railway.update_instance(api, environment_id, numReplicas=3, region="europe-west4-drams3a")
            railway.data(DEPLOY, s=api, e=environment_id)

            instance = railway.data(INSTANCE, s=api, e=environment_id)["serviceInstance"]
            assert (instance["numReplicas"], instance["region"]) == (1, "us-west2")
            deploy = instance["latestDeployment"]["meta"]["serviceManifest"]["deploy"]
            assert deploy["multiRegionConfig"] == {"us-west2": {"numReplicas": 1}}
            assert deploy["numReplicas"] == 1


def test_multi_region_config_is_the_placement_and_num_replicas_its_mirror(http: httpx.Client) -> None:
    for drop in (False, True):
        with served(http, drop_num_replicas=drop) as (_, railway):
            _, environment_id, api = _instance(railway)
            placement = {"europe-west4-drams3a": {"numReplicas": 2}, "asia-southeast1-eqsg3a": {"numReplicas": 1}}
            railway.update_instance(api, environment_id, numReplicas=1, multiRegionConfig=placement)
            railway.data(DEPLOY, s=api, e=environment_id)

            instance = railway.data(INSTANCE, s=api, e=environment_id)["serviceInstance"]
            assert (instance["numReplicas"], instance["region"]) == (3, "europe-west4-drams3a")
            assert instance["latestDeployment"]["meta"]["serviceManifest"]["deploy"]["multiRegionConfig"] == placement


def test_without_drop_a_top_level_replica_count_counts(railway: RailwayClient) -> None:
    _, environment_id, api = _instance(railway)
    railway.update_instance(api, environment_id, numReplicas=3)

    instance = railway.data(INSTANCE, s=api, e=environment_id)["serviceInstance"]
    assert (instance["numReplicas"], instance["region"]) == (3, "us-west2")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"multiRegionConfig": {"us-west1": {"numReplicas": 1}}},
            'Unknown region "us-west1": use one of us-west2, us-east4-eqdc4a, europe-west4-drams3a, asia-southeast1-eqsg3a',
        ),
        (
            {"region": "europe-west4"},
            'Unknown region "europe-west4": use one of us-west2, us-east4-eqdc4a, europe-west4-drams3a, asia-southeast1-eqsg3a',
        ),
        (
            {"multiRegionConfig": {"us-west2": {"numReplicas": -1}}},
            "multiRegionConfig.us-west2.numReplicas must be an integer >= 0",
        ),
        (
            {"multiRegionConfig": {"us-west2": {"numReplicas": "2"}}},
            "multiRegionConfig.us-west2.numReplicas must be an integer >= 0",
        ),
        ({"multiRegionConfig": {"us-west2": {}}}, 'multiRegionConfig.us-west2 must be {"numReplicas": N}'),
    ],
)
def test_regions_and_replica_counts_are_checked(railway: RailwayClient, settings: dict, message: str) -> None:
    _, environment_id, api = _instance(railway)
    assert railway.errors(UPDATE_INSTANCE, serviceId=api, environmentId=environment_id, input=settings) == [message]


def test_a_volume_forbids_more_than_one_effective_replica(railway: RailwayClient) -> None:
    project_id, environment_id, api = _instance(railway)
    railway.data(
        "mutation V($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        input={"projectId": project_id, "environmentId": environment_id, "serviceId": api, "mountPath": "/d"},
    )
    placement = {"us-west2": {"numReplicas": 1}, "us-east4-eqdc4a": {"numReplicas": 1}}
    assert railway.errors(
        UPDATE_INSTANCE, serviceId=api, environmentId=environment_id, input={"multiRegionConfig": placement}
    ) == ["A service with a volume cannot have more than one replica"]


# --- the command line ------------------------------------------------------------------------------------


def test_the_launcher_takes_the_new_options(http: httpx.Client) -> None:
    with _launched(
        "--token",
        "cli-strict-token",
        "--strict",
        "--plan",
        "hobby",
        "--scoped-token",
        SCOPED_TOKEN,
        "--workspaces",
        "3",
    ) as process:
        assert process.stdout is not None
        match = LISTENING.fullmatch(process.stdout.readline().strip())
        assert match
        url = match.group(1)

        def post(token: str, query: str) -> dict:
            return http.post(url, json={"query": query}, headers={"Authorization": f"Bearer {token}"}).json()

        workspaces = post("cli-strict-token", "{ apiToken { workspaces { id } } }")["data"]["apiToken"]["workspaces"]
        scoped = post(SCOPED_TOKEN, "{ apiToken { workspaces { id } } }")["data"]["apiToken"]["workspaces"]
        refused = post("cli-strict-token", 'mutation { projectCreate(input: {name: "x"}) { id } }')
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)

    assert len(workspaces) == 3 and len(scoped) == 1 and scoped[0] not in workspaces
    assert (
        refused["errors"][0]["message"] == "workspaceId is required: this token has access to more than one workspace"
    )
    assert SCOPED_TOKEN not in stdout + stderr
    assert process.returncode == 0
