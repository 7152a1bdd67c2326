"""Railway's deployment timing as the emulator models it by default (issue 19): a committed patch
deploys the services it touches, late; a newer deployment replaces one in progress; approvals; build
logs apart from deploy logs; the hourly and per-second request budget."""

from __future__ import annotations

import httpx

from tests.emulator.options import FakeClock, served
from tests.emulator.railway_client import RailwayClient

PATCH = """
mutation Patch($environmentId: String!, $patch: EnvironmentConfig!) {
  environmentPatchCommit(environmentId: $environmentId, patch: $patch)
}"""
LATEST = """
query Latest($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) { latestDeployment { id status } }
}"""
STATUS = """query Status($id: String!) { deployment(id: $id) { id status creator { email } meta } }"""
DEPLOY = """
mutation Deploy($serviceId: String!, $environmentId: String!) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId)
}"""
LOGS = """
query Logs($id: String!) {
  buildLogs(deploymentId: $id) { message }
  deploymentLogs(deploymentId: $id) { message }
}"""
APPROVE = """mutation Approve($id: String!) { deploymentApprove(id: $id) }"""


def _setup(railway: RailwayClient) -> tuple[str, str]:
    project, environment = railway.create_project("timing")
    return railway.create_service(project, "api"), environment


def _commit_image(railway: RailwayClient, service: str, environment: str, image: str = "nginx:1") -> None:
    railway.data(PATCH, environmentId=environment, patch={"services": {service: {"source": {"image": image}}}})


def _latest(railway: RailwayClient, service: str, environment: str) -> dict | None:
    return railway.data(LATEST, serviceId=service, environmentId=environment)["serviceInstance"]["latestDeployment"]


def test_a_committed_patch_deploys_and_the_deployment_shows_only_after_the_delay(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, register_delay=2.0) as (_, railway):
        service, environment = _setup(railway)
        _commit_image(railway, service, environment)
        assert _latest(railway, service, environment) is None, "registered asynchronously: not there at once"
        assert railway.deployments(serviceId=service) == []
        clock.advance(2.1)
        latest = _latest(railway, service, environment)
        assert latest is not None and latest["status"] == "SUCCESS"
        status = railway.data(STATUS, id=latest["id"])["deployment"]
        assert status["meta"]["reason"] == "patch_commit" and status["creator"]["email"]


def test_without_patch_deploys_a_commit_deploys_nothing(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, patch_deploys=False) as (_, railway):
        service, environment = _setup(railway)
        _commit_image(railway, service, environment)
        clock.advance(10)
        assert _latest(railway, service, environment) is None


def test_default_delays_are_seeded_between_0_2_and_3_seconds(http: httpx.Client) -> None:
    delays = []
    for _ in range(2):
        with served(http, seed=7, register_delay=None) as (server, _):
            delays.append([server.emulator.state.registration_delay() for _ in range(20)])
    assert delays[0] == delays[1], "the same seed, the same delays"
    assert all(0.2 <= d <= 3.0 for d in delays[0]) and len(set(delays[0])) > 1


def test_an_explicit_deploy_is_readable_by_id_at_once_but_listed_late(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, register_delay=1.0, patch_deploys=False) as (_, railway):
        service, environment = _setup(railway)
        deployment = railway.data(DEPLOY, serviceId=service, environmentId=environment)["serviceInstanceDeployV2"]
        assert railway.data(STATUS, id=deployment)["deployment"]["id"] == deployment
        assert _latest(railway, service, environment) is None
        clock.advance(1.1)
        latest = _latest(railway, service, environment)
        assert latest is not None and latest["id"] == deployment


def test_a_newer_deployment_replaces_one_in_progress_removing_then_removed(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, register_delay=0.0, deploy_seconds=10, patch_deploys=False) as (_, railway):
        service, environment = _setup(railway)
        first = railway.data(DEPLOY, serviceId=service, environmentId=environment)["serviceInstanceDeployV2"]
        clock.advance(2)
        assert railway.data(STATUS, id=first)["deployment"]["status"] == "BUILDING"
        second = railway.data(DEPLOY, serviceId=service, environmentId=environment)["serviceInstanceDeployV2"]
        clock.advance(0.1)
        assert railway.data(STATUS, id=first)["deployment"]["status"] == "REMOVING"
        clock.advance(2)
        assert railway.data(STATUS, id=first)["deployment"]["status"] == "REMOVED"
        clock.advance(10)
        assert railway.data(STATUS, id=first)["deployment"]["status"] == "REMOVED", "never SUCCESS after all"
        assert railway.data(STATUS, id=second)["deployment"]["status"] == "SUCCESS"


def test_an_approval_pending_deployment_waits_until_approved(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, register_delay=0.0, deploy_seconds=4, patch_deploys=False) as (server, railway):
        service, environment = _setup(railway)
        server.script_deployments(service="api", outcome="success", approval="WAITING")
        deployment = railway.data(DEPLOY, serviceId=service, environmentId=environment)["serviceInstanceDeployV2"]
        clock.advance(60)
        assert railway.data(STATUS, id=deployment)["deployment"]["status"] == "WAITING"
        assert railway.data(APPROVE, id=deployment)["deploymentApprove"] is True
        assert railway.data(STATUS, id=deployment)["deployment"]["status"] == "BUILDING"
        clock.advance(4.1)
        assert railway.data(STATUS, id=deployment)["deployment"]["status"] == "SUCCESS"
        assert "not waiting for approval" in railway.errors(APPROVE, id=deployment)[0]


def test_a_build_failure_logs_to_the_build_log_only(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, register_delay=0.0, deploy_seconds=6, patch_deploys=False) as (server, railway):
        service, environment = _setup(railway)
        server.script_deployments(service="api", outcome="build_failed", logs=["step 1", "ERROR: pip failed"])
        deployment = railway.data(DEPLOY, serviceId=service, environmentId=environment)["serviceInstanceDeployV2"]
        clock.advance(4)
        assert railway.data(STATUS, id=deployment)["deployment"]["status"] == "BUILDING", "never DEPLOYING"
        clock.advance(3)
        assert railway.data(STATUS, id=deployment)["deployment"]["status"] == "FAILED"
        logs = railway.data(LOGS, id=deployment)
        assert [line["message"] for line in logs["buildLogs"]] == ["step 1", "ERROR: pip failed"]
        assert logs["deploymentLogs"] == []


def test_the_free_plan_s_hourly_budget_is_100_requests_then_429(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, plan="free") as (_, railway):
        query = "query { projects { edges { node { id } } } }"
        seen = []
        answer = None
        for _ in range(100):
            clock.advance(0.2)  # 5 a second: under the per-second limit
            answer = railway.post(query)
            assert answer.status_code == 200
            seen.append(int(answer.headers["X-RateLimit-Remaining"]))
        assert answer is not None and seen[0] == 99 and seen[-1] == 0 and answer.headers["X-RateLimit-Limit"] == "100"
        refused = railway.post(query)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3000
        assert int(refused.headers["X-RateLimit-Reset"]) >= int(clock.now)
        clock.advance(3600)
        assert railway.post(query).status_code == 200, "the window slid past the oldest requests"


def test_more_than_ten_requests_in_a_second_on_hobby_answer_429_with_retry_after(http: httpx.Client) -> None:
    clock = FakeClock()
    with served(http, clock=clock, plan="hobby") as (_, railway):
        query = "query { projects { edges { node { id } } } }"
        codes = [railway.post(query).status_code for _ in range(11)]
        assert codes == [200] * 10 + [429]
        clock.advance(1.01)
        assert railway.post(query).status_code == 200
