"""Workspaces, a wrong-scope token, and the plan's maxima (replicas, limits, volumes, backups)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.options import SCOPED_TOKEN, FakeClock, scoped_client, served
from tests.emulator.railway_client import CREATE_PROJECT, UPDATE_INSTANCE, RailwayClient

MULTIPLE = "workspaceId is required: this token has access to more than one workspace"
API_TOKEN = "{ apiToken { workspaces { id name } } }"
PROJECT = "query P($id: String!) { project(id: $id) { id workspaceId } }"
PROJECTS = "{ projects { edges { node { id } } } }"
LIMITS_UPDATE = "mutation L($input: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $input) }"
LIMITS = "query L($s: String!, $e: String!) { serviceInstanceLimits(serviceId: $s, environmentId: $e) }"
CREATE_VOLUME = "mutation V($input: VolumeCreateInput!) { volumeCreate(input: $input) { id volumeInstances { edges { node { id } } } } }"
BACKUPS = """
mutation B($id: String!) { volumeInstanceBackupScheduleUpdate(volumeInstanceId: $id, kinds: [DAILY]) }"""
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- workspaces ---------------------------------------------------------------------------------------


def test_api_token_lists_the_one_default_workspace(emulator: EmulatorServer, railway: RailwayClient) -> None:
    workspaces = railway.data(API_TOKEN)["apiToken"]["workspaces"]

    assert workspaces == [{"id": emulator.workspace_ids[0], "name": "Workspace 1"}]
    assert UUID.fullmatch(workspaces[0]["id"])
    project_id, _ = railway.create_project()
    assert railway.data(PROJECT, id=project_id)["project"]["workspaceId"] == emulator.workspace_ids[0]


def test_with_two_workspaces_project_create_needs_a_workspace_id(http: httpx.Client) -> None:
    with served(http, workspaces=2) as (server, railway):
        first, second = server.workspace_ids
        assert railway.data(API_TOKEN)["apiToken"]["workspaces"] == [
            {"id": first, "name": "Workspace 1"},
            {"id": second, "name": "Workspace 2"},
        ]

        assert railway.errors(CREATE_PROJECT, input={"name": "nowhere"}) == [MULTIPLE]
        assert railway.data(PROJECTS)["projects"]["edges"] == [], "the refused create wrote nothing"
        assert railway.errors(CREATE_PROJECT, input={"name": "x", "workspaceId": "not-a-workspace"}) == [
            "Not Authorized"
        ]

        project_id, _ = railway.create_project(workspaceId=second)
        assert railway.data(PROJECT, id=project_id)["project"]["workspaceId"] == second
        listed = "query P($w: String) { projects(workspaceId: $w) { edges { node { id } } } }"
        assert railway.data(listed, w=first)["projects"]["edges"] == []
        assert railway.data(listed, w=second)["projects"]["edges"] == [{"node": {"id": project_id}}]


def test_strict_means_two_workspaces_unless_told_otherwise(http: httpx.Client) -> None:
    with served(http, strict=True) as (server, railway):
        assert len(server.workspace_ids) == 2
        assert railway.errors(CREATE_PROJECT, input={"name": "x"}) == [MULTIPLE]
    with served(http, strict=True, workspaces=1) as (server, railway):
        assert len(server.workspace_ids) == 1
        railway.create_project()


def test_reset_keeps_the_workspace_ids(http: httpx.Client) -> None:
    with served(http, workspaces=3) as (server, railway):
        before = server.workspace_ids
        server.reset()
        assert server.workspace_ids == before
        assert [w["id"] for w in railway.data(API_TOKEN)["apiToken"]["workspaces"]] == before


# --- the scoped (wrong-scope) token ------------------------------------------------------------------------


def _full_stack(railway: RailwayClient) -> dict[str, str]:
    project_id, environment_id = railway.create_project()
    api = railway.create_service(project_id, "api", source={"image": "acme/api:1"})
    deployment = railway.data(
        "mutation D($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }",
        s=api,
        e=environment_id,
    )["serviceInstanceDeployV2"]
    domain = railway.data(
        "mutation C($input: ServiceDomainCreateInput!) { serviceDomainCreate(input: $input) { id } }",
        input={"serviceId": api, "environmentId": environment_id},
    )["serviceDomainCreate"]["id"]
    proxy = railway.data(
        "mutation T($input: TCPProxyCreateInput!) { tcpProxyCreate(input: $input) { id } }",
        input={"serviceId": api, "environmentId": environment_id, "applicationPort": 5432},
    )["tcpProxyCreate"]["id"]
    volume = railway.data(
        CREATE_VOLUME, input={"projectId": project_id, "environmentId": environment_id, "mountPath": "/data"}
    )["volumeCreate"]
    return {
        "project": project_id,
        "environment": environment_id,
        "service": api,
        "deployment": deployment,
        "domain": domain,
        "proxy": proxy,
        "volume": volume["id"],
        "volumeInstance": volume["volumeInstances"]["edges"][0]["node"]["id"],
    }


SCOPED_READS = {
    "project": ("query Q($project: String!) { project(id: $project) { id } }", ("project",)),
    "environment": ("query Q($environment: String!) { environment(id: $environment) { id } }", ("environment",)),
    "environments": (
        "query Q($project: String!) { environments(projectId: $project) { edges { node { id } } } }",
        ("project",),
    ),
    "service": ("query Q($service: String!) { service(id: $service) { id } }", ("service",)),
    "instance": (
        "query Q($service: String!, $environment: String!) "
        "{ serviceInstance(serviceId: $service, environmentId: $environment) { id } }",
        ("service", "environment"),
    ),
    "variables": (
        "query Q($project: String!, $environment: String!, $service: String) "
        "{ variables(projectId: $project, environmentId: $environment, serviceId: $service) }",
        ("project", "environment", "service"),
    ),
    "deployment": ("query Q($deployment: String!) { deployment(id: $deployment) { id } }", ("deployment",)),
    "deployments": (
        "query Q($service: String!) { deployments(input: {serviceId: $service}) { edges { node { id } } } }",
        ("service",),
    ),
    "deploymentLogs": (
        "query Q($deployment: String!) { deploymentLogs(deploymentId: $deployment) { message } }",
        ("deployment",),
    ),
    "domains": (
        "query Q($project: String!, $environment: String!, $service: String!) "
        "{ domains(projectId: $project, environmentId: $environment, serviceId: $service) { serviceDomains { id } } }",
        ("project", "environment", "service"),
    ),
    "tcpProxies": (
        "query Q($service: String!, $environment: String!) "
        "{ tcpProxies(serviceId: $service, environmentId: $environment) { id } }",
        ("service", "environment"),
    ),
    "volumeInstance": (
        "query Q($volumeInstance: String!) { volumeInstance(id: $volumeInstance) { id } }",
        ("volumeInstance",),
    ),
}

SCOPED_WRITES = {
    "projectUpdate": (
        'mutation M($project: String!) { projectUpdate(id: $project, input: {name: "x"}) { id } }',
        ("project",),
    ),
    "serviceCreate": (
        'mutation M($project: String!) { serviceCreate(input: {projectId: $project, name: "evil"}) { id } }',
        ("project",),
    ),
    "serviceInstanceUpdate": (
        "mutation M($service: String!, $environment: String!) "
        '{ serviceInstanceUpdate(serviceId: $service, environmentId: $environment, input: {startCommand: "x"}) }',
        ("service", "environment"),
    ),
    "variableUpsert": (
        "mutation M($project: String!, $environment: String!, $service: String!) { variableUpsert(input: "
        '{projectId: $project, environmentId: $environment, serviceId: $service, name: "K", value: "v"}) }',
        ("project", "environment", "service"),
    ),
    "deploymentRedeploy": (
        "mutation M($deployment: String!) { deploymentRedeploy(id: $deployment) { id } }",
        ("deployment",),
    ),
    "serviceDomainDelete": ("mutation M($domain: String!) { serviceDomainDelete(id: $domain) }", ("domain",)),
    "tcpProxyDelete": ("mutation M($proxy: String!) { tcpProxyDelete(id: $proxy) }", ("proxy",)),
    "volumeDelete": ("mutation M($volume: String!) { volumeDelete(volumeId: $volume) }", ("volume",)),
    "environmentPatchCommit": (
        "mutation M($environment: String!, $patch: EnvironmentConfig) "
        "{ environmentPatchCommit(environmentId: $environment, patch: $patch) }",
        ("environment",),
    ),
    "projectDelete": ("mutation M($project: String!) { projectDelete(id: $project) }", ("project",)),
}


@pytest.mark.parametrize("name", sorted(SCOPED_READS) + sorted(SCOPED_WRITES))
def test_a_wrong_scope_token_sees_every_object_of_the_other_workspace_as_deleted(http: httpx.Client, name: str) -> None:
    with served(http, scoped_token=SCOPED_TOKEN) as (server, railway):
        ids = _full_stack(railway)
        document, keys = {**SCOPED_READS, **SCOPED_WRITES}[name]
        variables: dict[str, Any] = {key: ids[key] for key in keys}
        if name == "environmentPatchCommit":
            variables["patch"] = {"services": {ids["service"]: {"source": {"image": "evil/x:1"}}}}
        before = server.state_json()

        assert scoped_client(http, server).errors(document, **variables) == ["Not Authorized"]

        after = server.state_json()
        assert after["projects"] == before["projects"]
        assert after["services"] == before["services"]
        assert after["serviceInstances"] == before["serviceInstances"]
        assert after["variables"] == before["variables"] and after["volumes"] == before["volumes"]
        assert len(after["serviceDomains"]) == len(after["tcpProxies"]) == 1
        # The main token still reads the object the scoped token was refused.
        assert railway.data(PROJECT, id=ids["project"])["project"]["id"] == ids["project"]


def test_a_wrong_scope_token_lists_only_its_own_empty_workspace(http: httpx.Client) -> None:
    with served(http, scoped_token=SCOPED_TOKEN, workspaces=2) as (server, railway):
        railway.create_project(workspaceId=server.workspace_ids[0])
        scoped = scoped_client(http, server)

        assert scoped.data(PROJECTS)["projects"]["edges"] == []
        workspaces = scoped.data(API_TOKEN)["apiToken"]["workspaces"]
        assert len(workspaces) == 1 and workspaces[0]["id"] not in server.workspace_ids
        assert scoped.errors(
            "query P($w: String) { projects(workspaceId: $w) { edges { node { id } } } }", w=server.workspace_ids[0]
        ) == ["Not Authorized"]

        # Its own workspace works, and the main token does not see into it.
        own, _ = scoped.create_project("theirs")
        assert [e["node"]["id"] for e in scoped.data(PROJECTS)["projects"]["edges"]] == [own]
        assert own not in [e["node"]["id"] for e in railway.data(PROJECTS)["projects"]["edges"]]
        assert railway.errors(PROJECT, id=own) == ["Not Authorized"]


def test_the_scoped_token_is_refused_as_a_project_token_and_never_shown(http: httpx.Client) -> None:
    with served(http, scoped_token=SCOPED_TOKEN) as (server, railway):
        response = railway.post(PROJECTS, headers={"Project-Access-Token": SCOPED_TOKEN})
        assert response.json() == {"data": None, "errors": [{"message": "Not Authorized"}]}
        assert SCOPED_TOKEN not in repr(server) + repr(server.emulator) + str(server.requests())
    with pytest.raises(ValueError, match="scoped token"):
        EmulatorServer(token="same", scoped_token="same")


# --- plans ------------------------------------------------------------------------------------------------


def _service(railway: RailwayClient) -> tuple[str, str, str]:
    project_id, environment_id = railway.create_project()
    return project_id, environment_id, railway.create_service(project_id, "worker")


@pytest.mark.parametrize(
    ("plan", "maxima"),
    [
        ("free", {"vCPUs": 1.0, "memoryGB": 0.5}),
        ("hobby", {"vCPUs": 48.0, "memoryGB": 48.0}),
        ("pro", {"vCPUs": 1000.0, "memoryGB": 1000.0}),
    ],
)
def test_instance_limits_default_to_the_plans_maxima(http: httpx.Client, plan: str, maxima: dict[str, float]) -> None:
    with served(http, plan=plan) as (_, railway):
        _, environment_id, service_id = _service(railway)
        assert railway.data(LIMITS, s=service_id, e=environment_id)["serviceInstanceLimits"] == maxima


def test_limits_beyond_the_plan_are_refused(http: httpx.Client) -> None:
    with served(http, plan="hobby") as (_, railway):
        _, environment_id, service_id = _service(railway)
        base = {"serviceId": service_id, "environmentId": environment_id}

        assert railway.errors(LIMITS_UPDATE, input={**base, "vCPUs": 49}) == [
            "vCPUs must be greater than 0 and at most 48 on the hobby plan"
        ]
        assert railway.errors(LIMITS_UPDATE, input={**base, "memoryGB": 0}) == [
            "memoryGB must be greater than 0 and at most 48 on the hobby plan"
        ]
        railway.data(LIMITS_UPDATE, input={**base, "vCPUs": 48, "memoryGB": 48})
        assert railway.data(LIMITS, s=service_id, e=environment_id)["serviceInstanceLimits"] == {
            "vCPUs": 48.0,
            "memoryGB": 48.0,
        }


def test_replicas_multiply_the_per_replica_limits_against_the_plan(http: httpx.Client) -> None:
    with served(http, plan="hobby") as (_, railway):
        _, environment_id, service_id = _service(railway)
        base = {"serviceId": service_id, "environmentId": environment_id}
        railway.data(LIMITS_UPDATE, input={**base, "vCPUs": 16})

        messages = railway.errors(
            UPDATE_INSTANCE,
            serviceId=service_id,
            environmentId=environment_id,
            input={"multiRegionConfig": {"us-west2": {"numReplicas": 2}, "us-east4-eqdc4a": {"numReplicas": 2}}},
        )
        assert messages == ["vCPUs 16 x 4 replicas exceeds the hobby plan's maximum of 48 per service"]

        railway.update_instance(service_id, environment_id, multiRegionConfig={"us-west2": {"numReplicas": 3}})
        assert railway.errors(LIMITS_UPDATE, input={**base, "vCPUs": 17}) == [
            "vCPUs 17 x 3 replicas exceeds the hobby plan's maximum of 48 per service"
        ]


def test_replica_totals_across_regions_stay_within_the_plan(http: httpx.Client) -> None:
    with served(http, plan="hobby") as (_, railway):
        _, environment_id, service_id = _service(railway)
        too_many = {"us-west2": {"numReplicas": 4}, "europe-west4-drams3a": {"numReplicas": 3}}

        assert railway.errors(
            UPDATE_INSTANCE, serviceId=service_id, environmentId=environment_id, input={"multiRegionConfig": too_many}
        ) == ["7 replicas exceed the hobby plan's maximum of 6 replicas per service"]
        assert railway.errors(
            UPDATE_INSTANCE, serviceId=service_id, environmentId=environment_id, input={"numReplicas": 7}
        ) == ["7 replicas exceed the hobby plan's maximum of 6 replicas per service"]
        railway.update_instance(service_id, environment_id, multiRegionConfig={"us-west2": {"numReplicas": 6}})
    with served(http, plan="free") as (_, railway):
        _, environment_id, service_id = _service(railway)
        assert railway.errors(
            UPDATE_INSTANCE, serviceId=service_id, environmentId=environment_id, input={"numReplicas": 2}
        ) == ["2 replicas exceed the free plan's maximum of 1 replicas per service"]


@pytest.mark.parametrize(("plan", "allowed"), [("free", 1), ("hobby", 10), ("pro", 20)])
def test_volumes_per_project_stop_at_the_plans_limit(http: httpx.Client, plan: str, allowed: int) -> None:
    clock = FakeClock()  # paced under the plan's per-second request limit
    with served(http, plan=plan, clock=clock) as (_, railway):
        project_id, _ = railway.create_project()
        railway.create_environment(project_id, "staging")  # two environments: each volume still counts once
        for index in range(allowed):
            clock.advance(0.2)
            railway.data(CREATE_VOLUME, input={"projectId": project_id, "mountPath": f"/data{index}"})
        clock.advance(1)

        messages = railway.errors(CREATE_VOLUME, input={"projectId": project_id, "mountPath": "/more"})

        plural = "volume" if allowed == 1 else "volumes"
        assert messages == [f"The {plan} plan allows at most {allowed} {plural} per project"]
        other, _ = railway.create_project("other")
        railway.data(CREATE_VOLUME, input={"projectId": other, "mountPath": "/data"})


@pytest.mark.parametrize(("plan", "refused"), [("free", True), ("hobby", True), ("pro", False)])
def test_backup_schedules_need_the_pro_plan(http: httpx.Client, plan: str, refused: bool) -> None:
    with served(http, plan=plan) as (_, railway):
        project_id, environment_id = railway.create_project()
        volume = railway.data(
            CREATE_VOLUME, input={"projectId": project_id, "environmentId": environment_id, "mountPath": "/data"}
        )["volumeCreate"]
        instance_id = volume["volumeInstances"]["edges"][0]["node"]["id"]

        if refused:
            assert railway.errors(BACKUPS, id=instance_id) == ["Not Authorized"]
        else:
            assert railway.data(BACKUPS, id=instance_id) == {"volumeInstanceBackupScheduleUpdate": True}


def test_an_unknown_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="plan must be one of free, hobby, pro"):
        EmulatorServer(token="t", plan="team")
