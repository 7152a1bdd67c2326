"""environmentPatchCommit and Environment.config: the CLI's way to write sources, limits and replicas."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.emulator.options import served
from tests.emulator.railway_client import RailwayClient

COMMIT = """
mutation EnvironmentPatchCommit($environmentId: String!, $patch: EnvironmentConfig!, $commitMessage: String) {
  environmentPatchCommit(environmentId: $environmentId, patch: $patch, commitMessage: $commitMessage)
}"""
CONFIG = """
query GetEnvironmentConfig($id: String!, $decryptVariables: Boolean) {
  environment(id: $id) { id name config(decryptVariables: $decryptVariables) }
}"""
LIMITS = """
query L($s: String!, $e: String!) {
  override: serviceInstanceLimitOverride(serviceId: $s, environmentId: $e)
  merged: serviceInstanceLimits(serviceId: $s, environmentId: $e)
  serviceInstance(serviceId: $s, environmentId: $e) { numReplicas region source { image repo } }
}"""
LIMITS_UPDATE = "mutation L($input: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $input) }"
CONTAINERS = "environmentPatchCommit patch.services.SID.deploy.limitOverride.containers"
POSITIVE_INT = "must be an integer greater than 0"
REGIONS = "use one of us-west2, us-east4-eqdc4a, europe-west4-drams3a, asia-southeast1-eqsg3a"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _setup(railway: RailwayClient) -> tuple[str, str, str]:
    project_id, environment_id = railway.create_project()
    return project_id, environment_id, railway.create_service(project_id, "api")


def _commit(railway: RailwayClient, environment_id: str, patch: Any) -> str:
    commit: str = railway.data(COMMIT, environmentId=environment_id, patch=patch, commitMessage="scale")[
        "environmentPatchCommit"
    ]
    return commit


def _config(railway: RailwayClient, environment_id: str) -> dict[str, Any]:
    config: dict[str, Any] = railway.data(CONFIG, id=environment_id, decryptVariables=True)["environment"]["config"]
    return config


def test_a_patch_writes_limits_replicas_and_source_and_config_reads_them_back(railway: RailwayClient) -> None:
    _, environment_id, api = _setup(railway)

    commit = _commit(
        railway,
        environment_id,
        {
            "services": {
                api: {
                    "source": {"image": "ghcr.io/acme/api:3"},
                    "deploy": {
                        "limitOverride": {"containers": {"cpu": 2, "memoryBytes": 4_000_000_000}},
                        "multiRegionConfig": {"us-east4-eqdc4a": {"numReplicas": 2}, "us-west2": {"numReplicas": 1}},
                    },
                }
            }
        },
    )

    assert UUID.fullmatch(commit)
    assert _config(railway, environment_id) == {
        "services": {
            api: {
                "source": {"image": "ghcr.io/acme/api:3"},
                "deploy": {
                    "limitOverride": {"containers": {"cpu": 2.0, "memoryBytes": 4_000_000_000}},
                    "multiRegionConfig": {"us-east4-eqdc4a": {"numReplicas": 2}, "us-west2": {"numReplicas": 1}},
                    "numReplicas": 3,
                },
            }
        }
    }
    # The older mutations read the same storage.
    read = railway.data(LIMITS, s=api, e=environment_id)
    assert read["override"] == {"vCPUs": 2.0, "memoryGB": 4.0}
    assert read["merged"] == {"vCPUs": 2.0, "memoryGB": 4.0}
    assert read["serviceInstance"] == {
        "numReplicas": 3,
        "region": "us-east4-eqdc4a",
        "source": {"image": "ghcr.io/acme/api:3", "repo": None},
    }


def test_limits_written_by_limits_update_read_back_in_config(railway: RailwayClient) -> None:
    _, environment_id, api = _setup(railway)
    railway.data(
        LIMITS_UPDATE, input={"serviceId": api, "environmentId": environment_id, "vCPUs": 1.5, "memoryGB": 0.5}
    )

    assert _config(railway, environment_id)["services"][api] == {
        "deploy": {"limitOverride": {"containers": {"cpu": 1.5, "memoryBytes": 500_000_000}}}
    }


def test_config_lists_every_instance_with_only_what_is_set(railway: RailwayClient) -> None:
    project_id, environment_id, api = _setup(railway)
    worker = railway.create_service(project_id, "worker", source={"repo": "acme/worker"}, branch="main")
    railway.update_instance(api, environment_id, startCommand="gunicorn app", drainingSeconds=30, overlapSeconds=5)
    railway.upsert_variables(project_id, environment_id, {"SECRET": "never-in-config"}, service_id=api)

    config = _config(railway, environment_id)

    assert config == {
        "services": {
            api: {"deploy": {"startCommand": "gunicorn app", "drainingSeconds": 30, "overlapSeconds": 5}},
            worker: {"source": {"repo": "acme/worker", "branch": "main"}},
        }
    }
    assert "never-in-config" not in str(config)


def test_merge_semantics_null_removes_a_key(railway: RailwayClient) -> None:
    _, environment_id, api = _setup(railway)
    _commit(
        railway,
        environment_id,
        {
            "services": {
                api: {
                    "deploy": {
                        "limitOverride": {"containers": {"cpu": 4, "memoryBytes": 2_000_000_000}},
                        "multiRegionConfig": {
                            "us-west2": {"numReplicas": 1},
                            "europe-west4-drams3a": {"numReplicas": 2},
                        },
                    }
                }
            }
        },
    )

    # Only cpu changes; memory stays. One region goes, another stays.
    _commit(
        railway,
        environment_id,
        {
            "services": {
                api: {
                    "deploy": {
                        "limitOverride": {"containers": {"cpu": None}},
                        "multiRegionConfig": {"us-west2": None},
                    }
                }
            }
        },
    )
    deploy = _config(railway, environment_id)["services"][api]["deploy"]
    assert deploy["limitOverride"] == {"containers": {"memoryBytes": 2_000_000_000}}
    assert deploy["multiRegionConfig"] == {"europe-west4-drams3a": {"numReplicas": 2}}
    assert railway.data(LIMITS, s=api, e=environment_id)["serviceInstance"]["region"] == "europe-west4-drams3a"

    _commit(
        railway, environment_id, {"services": {api: {"deploy": {"limitOverride": None, "multiRegionConfig": None}}}}
    )
    assert _config(railway, environment_id)["services"][api] == {}
    assert railway.data(LIMITS, s=api, e=environment_id)["override"] is None


def test_a_source_patch_merges_key_by_key(railway: RailwayClient) -> None:
    _, environment_id, api = _setup(railway)
    _commit(railway, environment_id, {"services": {api: {"source": {"repo": "acme/api", "branch": "main"}}}})
    _commit(railway, environment_id, {"services": {api: {"source": {"branch": "release"}}}})

    assert _config(railway, environment_id)["services"][api]["source"] == {"repo": "acme/api", "branch": "release"}
    assert railway.errors(
        COMMIT, environmentId=environment_id, patch={"services": {api: {"source": {"image": "x:1"}}}}
    ) == ["A service source is either an image or a repo, not both"]
    _commit(railway, environment_id, {"services": {api: {"source": {"repo": None, "branch": None, "image": "x:1"}}}})
    assert _config(railway, environment_id)["services"][api]["source"] == {"image": "x:1"}


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"sharedVariables": {}}, "patch.sharedVariables"),
        ({"services": {"SID": {"variables": {"K": {"value": "v"}}}}}, "patch.services.SID.variables"),
        ({"services": {"SID": {"deploy": {"startCommand": "x"}}}}, "patch.services.SID.deploy.startCommand"),
        ({"services": {"SID": {"source": {"rootDirectory": "/app"}}}}, "patch.services.SID.source.rootDirectory"),
        (
            {"services": {"SID": {"deploy": {"limitOverride": {"containers": {"diskBytes": 1}}}}}},
            "patch.services.SID.deploy.limitOverride.containers.diskBytes",
        ),
        (
            {"services": {"SID": {"deploy": {"multiRegionConfig": {"us-west2": {"numReplicas": 1, "zone": "a"}}}}}},
            "patch.services.SID.deploy.multiRegionConfig.us-west2.zone",
        ),
        ({"services": {"SID": {"build": {"builder": "NIXPACKS"}}}}, "patch.services.SID.build"),
        ({"services": {"SID": None}}, "patch.services.SID"),
    ],
)
def test_anything_outside_the_modelled_subset_is_refused_by_its_path(
    emulator: Any, railway: RailwayClient, patch: dict[str, Any], path: str
) -> None:
    _, environment_id, api = _setup(railway)
    patch = _replace_sid(patch, api)
    before = emulator.state_json()["serviceInstances"]

    messages = railway.errors(COMMIT, environmentId=environment_id, patch=patch)

    assert messages == [f"environmentPatchCommit {path.replace('SID', api)} is not implemented by the railway emulator"]
    assert emulator.state_json()["serviceInstances"] == before


def _replace_sid(value: Any, service_id: str) -> Any:
    if isinstance(value, dict):
        return {(service_id if key == "SID" else key): _replace_sid(item, service_id) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("deploy", "message"),
    [
        ({"limitOverride": {"containers": {"cpu": 0}}}, f"{CONTAINERS}.cpu must be a number greater than 0"),
        (
            {"limitOverride": {"containers": {"cpu": 1001}}},
            "vCPUs must be greater than 0 and at most 1000 on the pro plan",
        ),
        ({"limitOverride": {"containers": {"memoryBytes": -1}}}, f"{CONTAINERS}.memoryBytes {POSITIVE_INT}"),
        ({"limitOverride": {"containers": {"memoryBytes": 1.5}}}, f"{CONTAINERS}.memoryBytes {POSITIVE_INT}"),
        (
            {"limitOverride": {"containers": {"memoryBytes": 1_000_000_000_001}}},
            "memoryBytes must be at most 1000000000000 (1000 GB) on the pro plan",
        ),
        ({"multiRegionConfig": {"europe-west4": {"numReplicas": 1}}}, f'Unknown region "europe-west4": {REGIONS}'),
        (
            {"multiRegionConfig": {"us-west2": {"numReplicas": -1}}},
            "patch.services.SID.deploy.multiRegionConfig.us-west2.numReplicas must be an integer >= 0",
        ),
        (
            {"multiRegionConfig": {"us-west2": {"numReplicas": 43}}},
            "43 replicas exceed the pro plan's maximum of 42 replicas per service",
        ),
        (
            {"limitOverride": {"containers": {"cpu": 100}}, "multiRegionConfig": {"us-west2": {"numReplicas": 11}}},
            "vCPUs 100 x 11 replicas exceeds the pro plan's maximum of 1000 per service",
        ),
    ],
)
def test_patches_are_validated_strictly_and_atomically(
    emulator: Any, railway: RailwayClient, deploy: dict[str, Any], message: str
) -> None:
    _, environment_id, api = _setup(railway)
    before = emulator.state_json()["serviceInstances"]

    assert railway.errors(COMMIT, environmentId=environment_id, patch={"services": {api: {"deploy": deploy}}}) == [
        message.replace("SID", api)
    ]
    assert emulator.state_json()["serviceInstances"] == before


def test_a_service_of_another_project_is_not_authorized(railway: RailwayClient) -> None:
    _, environment_id, _ = _setup(railway)
    other_project, _ = railway.create_project("other")
    foreign = railway.create_service(other_project, "foreign")
    patch = {"services": {foreign: {"source": {"image": "x:1"}}}}

    assert railway.errors(COMMIT, environmentId=environment_id, patch=patch) == ["Not Authorized"]
    assert railway.errors(COMMIT, environmentId=environment_id, patch={"services": {"nope": {}}}) == ["Not Authorized"]
    assert railway.errors(COMMIT, environmentId="gone", patch={}) == ["Not Authorized"]


def test_a_volume_forbids_replicas_through_a_patch_too(railway: RailwayClient) -> None:
    project_id, environment_id, api = _setup(railway)
    railway.data(
        "mutation V($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        input={"projectId": project_id, "environmentId": environment_id, "serviceId": api, "mountPath": "/data"},
    )

    patch = {"services": {api: {"deploy": {"multiRegionConfig": {"us-west2": {"numReplicas": 2}}}}}}
    assert railway.errors(COMMIT, environmentId=environment_id, patch=patch) == [
        "A service with a volume cannot have more than one replica"
    ]


def test_a_patch_does_not_deploy_with_patch_deploys_off(http: httpx.Client) -> None:
    with served(http, patch_deploys=False) as (emulator, railway):
        _, environment_id, api = _setup(railway)
        _commit(railway, environment_id, {"services": {api: {"source": {"image": "x:1"}}}})

        assert railway.deployments(serviceId=api) == []
        assert emulator.counters()["deployments"] == 0


def test_by_default_a_patch_deploys_each_service_whose_source_or_deploy_settings_it_touches(
    emulator: Any, railway: RailwayClient
) -> None:
    # Only environmentPatchCommitStaged skips deploys (docs deployments/staged-changes.md).
    _, environment_id, api = _setup(railway)
    _commit(railway, environment_id, {"services": {api: {"source": {"image": "x:1"}}}})
    [deployment] = railway.deployments(serviceId=api)
    assert deployment["meta"]["reason"] == "patch_commit"


def test_with_source_deploys_a_patch_deploys_each_touched_service_once(http: httpx.Client) -> None:
    with served(http, source_deploys=True) as (server, railway):
        project_id, environment_id, api = _setup(railway)
        worker = railway.create_service(project_id, "worker")
        idle = railway.create_service(project_id, "idle")
        staging = railway.create_environment(project_id, "staging")

        _commit(
            railway,
            environment_id,
            {
                "services": {
                    api: {"source": {"image": "acme/api:2"}},
                    worker: {"deploy": {"multiRegionConfig": {"us-west2": {"numReplicas": 2}}}},
                    idle: {},
                }
            },
        )

        for service_id in (api, worker):
            deployments = railway.deployments(serviceId=service_id)
            assert [(d["environmentId"], d["meta"]["reason"]) for d in deployments] == [
                (environment_id, "patch_commit")
            ]
        assert railway.deployments(serviceId=idle) == []
        assert railway.deployments(environmentId=staging) == []
        worker_deploy = railway.deployments(serviceId=worker)[0]["meta"]["serviceManifest"]["deploy"]
        assert worker_deploy["multiRegionConfig"] == {"us-west2": {"numReplicas": 2}}
        assert server.counters()["deployments"] == 2
