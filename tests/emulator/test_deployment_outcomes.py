"""Deployments take time and fail: statuses over time, scripted outcomes, REMOVED, and deployment logs."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.options import FakeClock, served
from tests.emulator.railway_client import RailwayClient

DEPLOY = "mutation D($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }"
STATUS = "query S($id: String!) { deployment(id: $id) { status } }"
LOGS = """
query L($id: String!, $limit: Int, $filter: String, $start: DateTime, $end: DateTime) {
  deploymentLogs(deploymentId: $id, limit: $limit, filter: $filter, startDate: $start, endDate: $end) {
    message severity timestamp attributes { key value } tags { deploymentId }
  }
}"""
INSTANCE = """
query I($s: String!, $e: String!) {
  serviceInstance(serviceId: $s, environmentId: $e) {
    latestDeployment { id status }
    activeDeployments { id }
  }
}"""


def _api(railway: RailwayClient, name: str = "api", **extra: Any) -> tuple[str, str, str]:
    project_id, environment_id = railway.create_project()
    return project_id, environment_id, railway.create_service(project_id, name, **extra)


def _deploy(railway: RailwayClient, service_id: str, environment_id: str) -> str:
    deployment_id: str = railway.data(DEPLOY, s=service_id, e=environment_id)["serviceInstanceDeployV2"]
    return deployment_id


def _status(railway: RailwayClient, deployment_id: str) -> str:
    status: str = railway.data(STATUS, id=deployment_id)["deployment"]["status"]
    return status


BUILD_LOGS = """query Build($id: String!) { buildLogs(deploymentId: $id) { message } }"""


def _messages(railway: RailwayClient, deployment_id: str, **arguments: Any) -> list[str]:
    return [line["message"] for line in railway.data(LOGS, id=deployment_id, **arguments)["deploymentLogs"]]


def test_a_deployment_builds_then_deploys_then_succeeds_and_logs_as_it_goes(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, deploy_seconds=10) as (_, railway):
        _, environment_id, api = _api(railway)
        railway.update_instance(api, environment_id, preDeployCommand=["python manage.py migrate"])
        deployment_id = _deploy(railway, api, environment_id)

        assert (_status(railway, deployment_id), _messages(railway, deployment_id)) == ("BUILDING", [])
        clock.advance(4.9)
        assert _status(railway, deployment_id) == "BUILDING"
        clock.advance(0.2)
        assert _status(railway, deployment_id) == "DEPLOYING"
        assert _messages(railway, deployment_id) == [
            "Running pre-deploy command: python manage.py migrate",
            "Starting Container",
        ]
        clock.advance(5)
        assert _status(railway, deployment_id) == "SUCCESS"
        lines = railway.data(LOGS, id=deployment_id)["deploymentLogs"]
        assert {(line["severity"], json.dumps(line["attributes"]), line["tags"]) for line in lines} == {
            ("info", "[]", None)
        }
        assert lines[0]["timestamp"] < lines[1]["timestamp"]
        assert lines[0]["timestamp"].endswith("Z") and len(lines[0]["timestamp"].split(".")[1]) == 10


def test_a_newer_failed_deployment_leaves_the_live_one_live(emulator: EmulatorServer, railway: RailwayClient) -> None:
    _, environment_id, api = _api(railway)
    live = _deploy(railway, api, environment_id)
    emulator.script_deployments("api", "crashed")
    crashed = _deploy(railway, api, environment_id)

    assert (_status(railway, live), _status(railway, crashed)) == ("SUCCESS", "CRASHED")
    instance = railway.data(INSTANCE, s=api, e=environment_id)["serviceInstance"]
    assert instance["latestDeployment"] == {"id": crashed, "status": "CRASHED"}
    assert instance["activeDeployments"] == [{"id": live}]

    newest = _deploy(railway, api, environment_id)
    assert [_status(railway, d) for d in (live, crashed, newest)] == ["REMOVED", "CRASHED", "SUCCESS"]


def test_a_deployment_overtaken_before_it_finished_is_removed_when_the_newer_one_starts(http: httpx.Client) -> None:
    # A new deployment replaces the one in progress (docs deployments/deployment-actions.md): it never
    # finishes, whatever the newer one's outcome.
    clock = FakeClock()
    with served(http, clock=clock, deploy_seconds=10) as (server, railway):
        _, environment_id, api = _api(railway)
        slow = _deploy(railway, api, environment_id)
        clock.advance(1)
        server.script_deployments("api", "crashed", seconds=2)
        quick = _deploy(railway, api, environment_id)

        assert (_status(railway, slow), _status(railway, quick)) == ("REMOVING", "BUILDING")
        clock.advance(2)
        assert (_status(railway, slow), _status(railway, quick)) == ("REMOVED", "CRASHED")
        clock.advance(20)
        assert _status(railway, slow) == "REMOVED"


@pytest.mark.parametrize(
    ("outcome", "status", "deploying_lines", "final_lines"),
    [
        (
            "pre_deploy_failed",
            "FAILED",
            ["Running pre-deploy command: ./migrate", "Error: the pre-deploy command exited with a non-zero status"],
            ["Pre-deploy command failed with exit code 1"],
        ),
        (
            "healthcheck_failed",
            "FAILED",
            [
                "Running pre-deploy command: ./migrate",
                "Starting Container",
                "Starting Healthcheck: path /healthz, retry window 60s",
            ],
            ["1/1 replicas never became healthy!", "Healthcheck failed!"],
        ),
        (
            "crashed",
            "CRASHED",
            ["Running pre-deploy command: ./migrate", "Starting Container"],
            ["Error: the application exited unexpectedly", "Container exited with code 1"],
        ),
    ],
)
def test_scripted_failures_end_in_their_status_with_their_logs(
    http: httpx.Client, outcome: str, status: str, deploying_lines: list[str], final_lines: list[str]
) -> None:
    clock = FakeClock()
    with served(http, clock=clock, deploy_seconds=4) as (server, railway):
        _, environment_id, api = _api(railway)
        railway.update_instance(
            api, environment_id, preDeployCommand=["./migrate"], healthcheckPath="/healthz", healthcheckTimeout=60
        )
        server.script_deployments("api", outcome)
        deployment_id = _deploy(railway, api, environment_id)

        clock.advance(2)
        assert _status(railway, deployment_id) == "DEPLOYING"
        assert _messages(railway, deployment_id) == deploying_lines
        clock.advance(2)
        assert _status(railway, deployment_id) == status
        lines = railway.data(LOGS, id=deployment_id)["deploymentLogs"]
        assert [line["message"] for line in lines] == deploying_lines + final_lines
        assert {line["severity"] for line in lines[-len(final_lines) :]} == {"error"}


def test_scripts_apply_by_service_name_in_arming_order_for_count_deployments(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    _, environment_id, api = _api(railway)
    other_project, other_environment = railway.create_project("other")
    other_api = railway.create_service(other_project, "api")
    worker = railway.create_service(other_project, "worker")
    emulator.script_deployments("api", "crashed", count=2)
    emulator.script_deployments("api", "pre_deploy_failed")

    assert _status(railway, _deploy(railway, worker, other_environment)) == "SUCCESS", "another name is unaffected"
    first = _deploy(railway, api, environment_id)
    second = _deploy(railway, other_api, other_environment)  # same name, another project
    third = _deploy(railway, api, environment_id)
    fourth = _deploy(railway, api, environment_id)

    assert [_status(railway, d) for d in (first, second, third, fourth)] == ["CRASHED", "CRASHED", "FAILED", "SUCCESS"]
    assert emulator.deployment_scripts() == []


def test_seconds_and_logs_override_the_defaults_and_logs_render_variables(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock) as (server, railway):
        project_id, environment_id, api = _api(railway)
        railway.upsert_variables(
            project_id,
            environment_id,
            {"DATABASE_URL": "postgresql://app:${{PGPASSWORD}}@db:5432/app", "PGPASSWORD": "hunter2-secret"},
            service_id=api,
            skipDeploys=True,
        )
        server.script_deployments(
            "api",
            "success",
            seconds=6,
            logs=["connecting to {{DATABASE_URL}}", "service {{RAILWAY_SERVICE_NAME}} {{NOT_SET}}!"],
        )
        deployment_id = _deploy(railway, api, environment_id)

        assert _status(railway, deployment_id) == "BUILDING"
        clock.advance(3)
        assert _messages(railway, deployment_id) == [
            "connecting to postgresql://app:hunter2-secret@db:5432/app",
            "service api !",
        ]
        clock.advance(3)
        assert _status(railway, deployment_id) == "SUCCESS"
        dump = json.dumps(server.state_json()) + json.dumps(server.requests())
        assert "hunter2-secret" not in dump


def test_a_repo_without_a_branch_fails_loudly(emulator: EmulatorServer, railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    unbranched = railway.create_service(project_id, "web", source={"repo": "acme/web"})
    branched = railway.create_service(project_id, "api", source={"repo": "acme/api"}, branch="main")

    [failed] = railway.deployments(serviceId=unbranched)
    [succeeded] = railway.deployments(serviceId=branched)
    assert (failed["status"], succeeded["status"]) == ("FAILED", "SUCCESS")
    # A build that cannot start is a build failure: its reason is in the build log (railwayapp/cli PR #1222).
    assert _messages(railway, failed["id"]) == []
    build = railway.data(BUILD_LOGS, id=failed["id"])["buildLogs"]
    assert build[0]["message"] == "No branch is connected to repo acme/web: nothing to build"


def test_deployment_logs_limit_keeps_the_newest_lines_and_filter_matches_substrings(
    emulator: EmulatorServer, railway: RailwayClient
) -> None:
    _, environment_id, api = _api(railway)
    emulator.script_deployments("api", "success", logs=[f"line {index}" for index in range(150)] + ["done"])
    deployment_id = _deploy(railway, api, environment_id)

    default = _messages(railway, deployment_id)
    assert len(default) == 100 and default[0] == "line 51" and default[-1] == "done"
    assert _messages(railway, deployment_id, limit=2) == ["line 149", "done"]
    assert _messages(railway, deployment_id, limit=0) == []
    assert _messages(railway, deployment_id, filter="line 14", limit=3) == ["line 147", "line 148", "line 149"]
    assert len(_messages(railway, deployment_id, limit=5000)) == 151
    assert railway.errors(LOGS, id=deployment_id, limit=5001) == ["limit must be between 0 and 5000"]
    assert _messages(railway, deployment_id, end="2000-01-01T00:00:00Z") == []
    assert len(_messages(railway, deployment_id, start="2000-01-01T00:00:00Z", limit=5000)) == 151
    assert railway.errors(LOGS, id="no-such-deployment") == ["Not Authorized"]


def test_script_controls_over_http(http: httpx.Client, emulator: EmulatorServer, railway: RailwayClient) -> None:
    route = f"{emulator.base_url}/_emulator/deployments"

    armed = http.post(route, json={"service": "api", "outcome": "healthcheck_failed", "count": 2, "seconds": 0})
    assert armed.status_code == 200
    assert (armed.json()["service"], armed.json()["outcome"], armed.json()["count"]) == ("api", "healthcheck_failed", 2)
    assert [s["outcome"] for s in http.get(route).json()] == ["healthcheck_failed"]

    bad = http.post(route, json={"service": "api", "outcome": "exploded"})
    assert bad.status_code == 400
    assert "outcome" in bad.json()["error"] and "exploded" in bad.json()["error"]
    for spec in (
        {"outcome": "crashed"},
        {"service": "api", "outcome": "crashed", "count": 0},
        {"service": "api", "outcome": "crashed", "color": 1},
    ):
        assert http.post(route, json=spec).status_code == 400

    _, environment_id, api = _api(railway)
    assert _status(railway, _deploy(railway, api, environment_id)) == "FAILED"

    assert http.delete(route).json() == {"cleared": True}
    assert http.get(route).json() == []
    assert _status(railway, _deploy(railway, api, environment_id)) == "SUCCESS"


def test_script_errors_and_reset(emulator: EmulatorServer) -> None:
    with pytest.raises(ValueError, match="outcome"):
        emulator.script_deployments("api", "flaky")
    with pytest.raises(ValueError, match="seconds"):
        emulator.script_deployments("api", "crashed", seconds=-1)

    emulator.script_deployments("api", "crashed")
    emulator.reset()
    assert emulator.deployment_scripts() == []


def test_latest_deployment_and_deployments_first_n_read_newest_first(railway: RailwayClient) -> None:
    _, environment_id, api = _api(railway)
    created = [_deploy(railway, api, environment_id) for _ in range(3)]

    listed = railway.data(
        "query D($input: DeploymentListInput!) { deployments(input: $input, first: 2) { edges { node { id } } } }",
        input={"serviceId": api, "environmentId": environment_id},
    )["deployments"]["edges"]
    assert [edge["node"]["id"] for edge in listed] == [created[2], created[1]]
    latest = railway.data(INSTANCE, s=api, e=environment_id)["serviceInstance"]["latestDeployment"]
    assert latest == {"id": created[2], "status": "SUCCESS"}
