"""Volumes (one per service, read through the project) and TCP proxies (one per instance)."""

from __future__ import annotations

from typing import Any

from tests.emulator.railway_client import UPDATE_INSTANCE, RailwayClient

CREATE_VOLUME = "mutation C($input: VolumeCreateInput!) { volumeCreate(input: $input) { id name } }"
PROJECT_VOLUMES = """
query P($id: String!) {
  project(id: $id) {
    volumes {
      edges {
        node { id name volumeInstances { edges { node { id mountPath serviceId environmentId state sizeMB } } } }
      }
    }
  }
}"""
CREATE_PROXY = """
mutation C($input: TCPProxyCreateInput!) { tcpProxyCreate(input: $input) { id domain proxyPort applicationPort } }"""
PROXIES = """
query T($e: String!, $s: String!) {
  tcpProxies(environmentId: $e, serviceId: $s) { id domain proxyPort applicationPort syncStatus }
}"""


def _postgres(railway: RailwayClient) -> tuple[str, str, str]:
    project_id, environment_id = railway.create_project()
    return project_id, environment_id, railway.create_service(project_id, "Postgres")


def _volumes(railway: RailwayClient, project_id: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in railway.data(PROJECT_VOLUMES, id=project_id)["project"]["volumes"]["edges"]]


def test_volume_create_read_update_delete(railway: RailwayClient) -> None:
    project_id, environment_id, postgres = _postgres(railway)

    created = railway.data(
        CREATE_VOLUME,
        input={
            "projectId": project_id,
            "serviceId": postgres,
            "environmentId": environment_id,
            "mountPath": "/var/lib/postgresql/data",
        },
    )["volumeCreate"]

    [volume] = _volumes(railway, project_id)
    [instance] = [edge["node"] for edge in volume["volumeInstances"]["edges"]]
    assert (volume["id"], volume["name"]) == (created["id"], "postgres-volume")
    assert (instance["mountPath"], instance["serviceId"], instance["environmentId"], instance["state"]) == (
        "/var/lib/postgresql/data",
        postgres,
        environment_id,
        "READY",
    )
    by_id = railway.data(
        "query V($id: String!) { volumeInstance(id: $id) { mountPath volume { id } } }", id=instance["id"]
    )
    assert by_id == {"volumeInstance": {"mountPath": "/var/lib/postgresql/data", "volume": {"id": created["id"]}}}

    railway.data(
        "mutation U($v: String!, $input: VolumeUpdateInput!) { volumeUpdate(volumeId: $v, input: $input) { name } }",
        v=created["id"],
        input={"name": "pgdata"},
    )
    railway.data(
        """mutation U($v: String!, $e: String, $input: VolumeInstanceUpdateInput!) {
          volumeInstanceUpdate(volumeId: $v, environmentId: $e, input: $input)
        }""",
        v=created["id"],
        e=environment_id,
        input={"mountPath": "/data"},
    )
    [volume] = _volumes(railway, project_id)
    assert (volume["name"], volume["volumeInstances"]["edges"][0]["node"]["mountPath"]) == ("pgdata", "/data")

    delete = "mutation D($v: String!) { volumeDelete(volumeId: $v) }"
    assert railway.data(delete, v=created["id"]) == {"volumeDelete": True}
    assert _volumes(railway, project_id) == []
    assert railway.errors(delete, v=created["id"]) == ["Not Authorized"]


def test_second_volume_on_a_service_is_rejected(railway: RailwayClient) -> None:
    project_id, environment_id, postgres = _postgres(railway)
    payload = {"projectId": project_id, "serviceId": postgres, "environmentId": environment_id, "mountPath": "/data"}
    railway.data(CREATE_VOLUME, input=payload)

    assert railway.errors(CREATE_VOLUME, input=payload) == [
        "This service already has a volume: a service can have only one"
    ]
    assert len(_volumes(railway, project_id)) == 1


def test_service_with_a_volume_cannot_be_given_replicas(railway: RailwayClient) -> None:
    project_id, environment_id, postgres = _postgres(railway)
    railway.data(
        CREATE_VOLUME,
        input={"projectId": project_id, "serviceId": postgres, "environmentId": environment_id, "mountPath": "/data"},
    )

    messages = railway.errors(
        UPDATE_INSTANCE, serviceId=postgres, environmentId=environment_id, input={"numReplicas": 2}
    )

    assert messages == ["A service with a volume cannot have more than one replica"]


def test_volume_backup_schedule_is_stored_and_read_back(railway: RailwayClient) -> None:
    project_id, environment_id, postgres = _postgres(railway)
    railway.data(
        CREATE_VOLUME,
        input={"projectId": project_id, "serviceId": postgres, "environmentId": environment_id, "mountPath": "/data"},
    )
    [volume] = _volumes(railway, project_id)
    instance_id = volume["volumeInstances"]["edges"][0]["node"]["id"]

    railway.data(
        """mutation B($id: String!, $kinds: [VolumeInstanceBackupScheduleKind!]!) {
          volumeInstanceBackupScheduleUpdate(volumeInstanceId: $id, kinds: $kinds)
        }""",
        id=instance_id,
        kinds=["WEEKLY", "DAILY"],
    )

    schedules = railway.data(
        """query S($id: String!) {
          volumeInstanceBackupScheduleList(volumeInstanceId: $id) { kind name retentionSeconds }
        }""",
        id=instance_id,
    )["volumeInstanceBackupScheduleList"]
    assert [(s["kind"], s["name"]) for s in schedules] == [("DAILY", "Daily"), ("WEEKLY", "Weekly")]


def test_tcp_proxy_create_read_delete_with_railway_style_domain(railway: RailwayClient) -> None:
    _, environment_id, postgres = _postgres(railway)

    created = railway.data(
        CREATE_PROXY, input={"serviceId": postgres, "environmentId": environment_id, "applicationPort": 5432}
    )["tcpProxyCreate"]

    assert created["domain"].endswith(".proxy.rlwy.net."), "Railway returns the domain with a trailing dot"
    assert 10000 <= created["proxyPort"] <= 60000
    listed = railway.data(PROXIES, e=environment_id, s=postgres)["tcpProxies"]
    assert listed == [{**created, "syncStatus": "ACTIVE"}]

    delete = "mutation D($id: String!) { tcpProxyDelete(id: $id) }"
    assert railway.data(delete, id=created["id"]) == {"tcpProxyDelete": True}
    assert railway.data(PROXIES, e=environment_id, s=postgres)["tcpProxies"] == []
    assert railway.errors(delete, id=created["id"]) == ["Problem processing request"]


def test_second_tcp_proxy_for_an_instance_is_rejected(railway: RailwayClient) -> None:
    _, environment_id, postgres = _postgres(railway)
    payload = {"serviceId": postgres, "environmentId": environment_id, "applicationPort": 5432}
    railway.data(CREATE_PROXY, input=payload)

    assert railway.errors(CREATE_PROXY, input=payload) == ["This service already has a TCP proxy in this environment"]


def test_tcp_proxy_shows_in_the_rendered_railway_variables(railway: RailwayClient) -> None:
    project_id, environment_id, postgres = _postgres(railway)
    proxy = railway.data(
        CREATE_PROXY, input={"serviceId": postgres, "environmentId": environment_id, "applicationPort": 5432}
    )["tcpProxyCreate"]

    rendered = railway.variables(project_id, environment_id, postgres, unrendered=False)

    assert rendered["RAILWAY_TCP_PROXY_DOMAIN"] == proxy["domain"].rstrip(".")
    assert rendered["RAILWAY_TCP_PROXY_PORT"] == str(proxy["proxyPort"])
