"""Repository sources in bookkeeping mode: a patch's commitSha and checkSuites, deployment triggers,
the commit a deployment records, GitHub pushes with watch patterns and check suites
(docs/railway-api.md, "Repository builds", "Auto-deploys and watch paths")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.git_repos import commit
from tests.emulator.options import served
from tests.emulator.railway_client import RailwayClient

REPO = "acme/shop"

PATCH = """
mutation Patch($environmentId: String!, $patch: EnvironmentConfig!) {
  environmentPatchCommit(environmentId: $environmentId, patch: $patch)
}"""

CONFIG = """
query Config($id: String!) { environment(id: $id) { config(decryptVariables: false) } }"""

TRIGGERS = """
query Triggers($projectId: String!, $environmentId: String!, $serviceId: String!) {
  deploymentTriggers(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId) {
    edges { node { id provider repository branch checkSuites environmentId projectId serviceId } }
  }
}"""

ENVIRONMENT_TRIGGERS = """
query EnvironmentTriggers($id: String!) {
  environment(id: $id) { deploymentTriggers { edges { node { id branch serviceId } } } }
}"""

TRIGGER_CREATE = """
mutation TriggerCreate($input: DeploymentTriggerCreateInput!) {
  deploymentTriggerCreate(input: $input) { id branch checkSuites repository provider }
}"""

TRIGGER_UPDATE = """
mutation TriggerUpdate($id: String!, $input: DeploymentTriggerUpdateInput!) {
  deploymentTriggerUpdate(id: $id, input: $input) { id branch checkSuites }
}"""

TRIGGER_DELETE = """
mutation TriggerDelete($id: String!) { deploymentTriggerDelete(id: $id) }"""

CONNECT = """
mutation Connect($id: String!, $input: ServiceConnectInput!) { serviceConnect(id: $id, input: $input) { id } }"""

DISCONNECT = """
mutation Disconnect($id: String!) { serviceDisconnect(id: $id) { id } }"""

DEPLOY = """
mutation Deploy($serviceId: String!, $environmentId: String!, $commitSha: String) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId, commitSha: $commitSha)
}"""

DEPLOYMENT = """
query Deployment($id: String!) { deployment(id: $id) { id status meta creator { id } } }"""

BUILD_LOGS = """
query BuildLogs($id: String!) { buildLogs(deploymentId: $id, limit: 100) { message } }"""


def _source_patch(service_id: str, **source: Any) -> dict[str, Any]:
    return {"services": {service_id: {"source": source}}}


def _triggers(railway: RailwayClient, project_id: str, environment_id: str, service_id: str) -> list[dict[str, Any]]:
    found = railway.data(TRIGGERS, projectId=project_id, environmentId=environment_id, serviceId=service_id)
    return [edge["node"] for edge in found["deploymentTriggers"]["edges"]]


def _deployment(railway: RailwayClient, deployment_id: str) -> dict[str, Any]:
    found: dict[str, Any] = railway.data(DEPLOYMENT, id=deployment_id)["deployment"]
    return found


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    commit(folder, {"backend/Dockerfile": "FROM scratch\n", "docs/readme.md": "hello\n"}, "first")
    return folder


@pytest.fixture
def mapped(http: httpx.Client, shop: Path) -> Any:
    with served(http, repo_map={REPO: str(shop)}) as (server, railway):
        yield server, railway


def test_a_patch_stores_commit_sha_and_check_suites_and_the_snapshot_carries_them(
    railway: RailwayClient, emulator: EmulatorServer
) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")
    sha = "0123456789abcdef0123456789abcdef01234567"

    railway.data(
        PATCH,
        environmentId=environment_id,
        patch=_source_patch(service_id, repo=REPO, branch="main", commitSha=sha, checkSuites=True),
    )

    source = railway.data(CONFIG, id=environment_id)["environment"]["config"]["services"][service_id]["source"]
    assert source == {"repo": REPO, "branch": "main", "commitSha": sha, "checkSuites": True}
    deployment = railway.deployments(serviceId=service_id, environmentId=environment_id)[0]
    manifest_source = deployment["meta"]["serviceManifest"]["source"]
    assert (manifest_source["commitSha"], manifest_source["checkSuites"]) == (sha, True)


def test_a_commit_sha_that_is_not_a_git_sha_is_refused_and_nothing_changes(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")

    errors = railway.errors(
        PATCH, environmentId=environment_id, patch=_source_patch(service_id, repo=REPO, branch="main", commitSha="HEAD")
    )

    assert any("commitSha" in e and "not a git commit SHA" in e for e in errors), errors
    assert railway.data(CONFIG, id=environment_id)["environment"]["config"]["services"][service_id] == {}


def test_connecting_a_repo_creates_a_trigger_a_branch_change_updates_it_and_removing_the_repo_deletes_it(
    railway: RailwayClient,
) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")

    railway.data(PATCH, environmentId=environment_id, patch=_source_patch(service_id, repo=REPO, branch="main"))
    [trigger] = _triggers(railway, project_id, environment_id, service_id)
    assert {k: v for k, v in trigger.items() if k != "id"} == {
        "provider": "github",
        "repository": REPO,
        "branch": "main",
        "checkSuites": False,
        "environmentId": environment_id,
        "projectId": project_id,
        "serviceId": service_id,
    }
    listed = railway.data(ENVIRONMENT_TRIGGERS, id=environment_id)["environment"]["deploymentTriggers"]["edges"]
    assert [edge["node"]["id"] for edge in listed] == [trigger["id"]], "Environment.deploymentTriggers lists it too"

    railway.data(
        PATCH, environmentId=environment_id, patch=_source_patch(service_id, branch="release", checkSuites=True)
    )
    [updated] = _triggers(railway, project_id, environment_id, service_id)
    assert (updated["id"], updated["branch"], updated["checkSuites"]) == (trigger["id"], "release", True)

    railway.data(PATCH, environmentId=environment_id, patch=_source_patch(service_id, repo=None, image="nginx:1"))
    assert _triggers(railway, project_id, environment_id, service_id) == []


def test_service_create_and_connect_make_a_trigger_and_disconnect_removes_it(railway: RailwayClient) -> None:
    project_id, environment_id = railway.create_project()
    created = railway.create_service(project_id, "web", source={"repo": REPO}, branch="main")
    assert [t["branch"] for t in _triggers(railway, project_id, environment_id, created)] == ["main"]
    connected = railway.create_service(project_id, "worker")
    assert _triggers(railway, project_id, environment_id, connected) == []

    railway.data(CONNECT, id=connected, input={"repo": REPO, "branch": "jobs"})
    assert [t["branch"] for t in _triggers(railway, project_id, environment_id, connected)] == ["jobs"]

    railway.data(DISCONNECT, id=connected)
    assert _triggers(railway, project_id, environment_id, connected) == []
    assert len(_triggers(railway, project_id, environment_id, created)) == 1, "another service keeps its trigger"


def test_trigger_mutations_create_update_delete_and_refuse_a_second_for_the_same_branch(
    railway: RailwayClient,
) -> None:
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api")
    ids = {"projectId": project_id, "environmentId": environment_id, "serviceId": service_id}

    made = railway.data(TRIGGER_CREATE, input={**ids, "provider": "github", "repository": REPO, "branch": "main"})[
        "deploymentTriggerCreate"
    ]
    assert (made["branch"], made["checkSuites"], made["provider"]) == ("main", False, "github")
    again = railway.errors(TRIGGER_CREATE, input={**ids, "provider": "github", "repository": REPO, "branch": "main"})
    assert any("already exists" in e for e in again), again

    updated = railway.data(TRIGGER_UPDATE, id=made["id"], input={"branch": "next", "checkSuites": True})
    assert updated["deploymentTriggerUpdate"] == {"id": made["id"], "branch": "next", "checkSuites": True}
    assert railway.data(TRIGGER_DELETE, id=made["id"]) == {"deploymentTriggerDelete": True}
    assert _triggers(railway, project_id, environment_id, service_id) == []
    assert railway.errors(TRIGGER_DELETE, id=made["id"]) == ["Not Authorized"]
    assert railway.errors(TRIGGER_UPDATE, id="nope", input={"branch": "x"}) == ["Not Authorized"]


def test_triggers_go_with_their_service_and_environment(railway: RailwayClient, emulator: EmulatorServer) -> None:
    project_id, environment_id = railway.create_project()
    staging = railway.create_environment(project_id, "staging")
    kept = railway.create_service(project_id, "kept", source={"repo": REPO}, branch="main")
    doomed = railway.create_service(project_id, "doomed", source={"repo": REPO}, branch="main")
    assert len(emulator.state_json()["deploymentTriggers"]) == 4, "one per service instance"

    railway.data("mutation D($id: String!) { serviceDelete(id: $id) }", id=doomed)
    railway.data("mutation E($id: String!) { environmentDelete(id: $id) }", id=staging)

    left = emulator.state_json()["deploymentTriggers"]
    assert [(t["serviceId"], t["environmentId"]) for t in left] == [(kept, environment_id)]


def test_a_mapped_repo_deployment_records_the_branch_head_or_the_pinned_commit(
    mapped: tuple[EmulatorServer, RailwayClient], shop: Path
) -> None:
    _server, railway = mapped
    head = commit(shop, {"app.py": "print(1)\n"}, "second")
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api", source={"repo": REPO}, branch="main")
    [created] = railway.deployments(serviceId=service_id, environmentId=environment_id)
    assert (created["meta"]["commitHash"], created["meta"]["branch"], created["meta"]["repo"]) == (head, "main", REPO)

    first = commit(shop, {}, "third")  # a newer head; the pinned commit below wins over it
    pinned = railway.data(DEPLOY, serviceId=service_id, environmentId=environment_id, commitSha=head[:10])
    assert _deployment(railway, pinned["serviceInstanceDeployV2"])["meta"]["commitHash"] == head
    railway.data(PATCH, environmentId=environment_id, patch=_source_patch(service_id, commitSha=head))
    patched = railway.data(DEPLOY, serviceId=service_id, environmentId=environment_id)["serviceInstanceDeployV2"]
    assert _deployment(railway, patched)["meta"]["commitHash"] == head, "source.commitSha pins it"
    railway.data(PATCH, environmentId=environment_id, patch=_source_patch(service_id, commitSha=None))
    latest = railway.data(DEPLOY, serviceId=service_id, environmentId=environment_id)["serviceInstanceDeployV2"]
    assert _deployment(railway, latest)["meta"]["commitHash"] == first


def test_a_missing_branch_or_commit_fails_the_deployment_naming_it(
    mapped: tuple[EmulatorServer, RailwayClient],
) -> None:
    _server, railway = mapped
    project_id, environment_id = railway.create_project()
    service_id = railway.create_service(project_id, "api", source={"repo": REPO}, branch="nowhere")
    [created] = railway.deployments(serviceId=service_id, environmentId=environment_id)
    assert created["status"] == "FAILED"
    assert any(
        "branch nowhere does not exist" in line["message"]
        for line in railway.data(BUILD_LOGS, id=created["id"])["buildLogs"]
    )

    railway.data(CONNECT, id=service_id, input={"repo": REPO, "branch": "main"})
    missing = railway.data(DEPLOY, serviceId=service_id, environmentId=environment_id, commitSha="abcdef1234567")
    deployment_id = missing["serviceInstanceDeployV2"]
    assert _deployment(railway, deployment_id)["status"] == "FAILED"
    lines = [line["message"] for line in railway.data(BUILD_LOGS, id=deployment_id)["buildLogs"]]
    assert any("commit abcdef1234567 does not exist" in line for line in lines), lines


def test_a_push_deploys_the_new_head_as_github_and_skips_outside_the_watch_patterns(
    mapped: tuple[EmulatorServer, RailwayClient], shop: Path
) -> None:
    server, railway = mapped
    project_id, environment_id = railway.create_project()
    plain = railway.create_service(project_id, "plain", source={"repo": REPO}, branch="main")
    backend = railway.create_service(project_id, "backend", source={"repo": REPO}, branch="main")
    # Watch patterns match from the repository root even with a root directory (docs build-configuration.md).
    railway.update_instance(backend, environment_id, rootDirectory="/backend", watchPatterns=["/backend/**"])

    head = commit(shop, {"docs/readme.md": "changed\n"}, "docs only")
    answer = server.push(REPO, "main")

    rows = {row["serviceName"]: row for row in answer["services"]}
    assert answer["changed"] == ["docs/readme.md"] and answer["commit"] == head
    pushed = _deployment(railway, rows["plain"]["deployed"])
    assert (pushed["meta"]["reason"], pushed["meta"]["commitHash"], pushed["creator"]) == ("push", head, None)
    assert pushed["status"] == "SUCCESS"
    assert rows["backend"]["why"] == "no changed file matches the watch patterns"
    assert _deployment(railway, rows["backend"]["skipped"])["status"] == "SKIPPED"
    statuses = [d["status"] for d in railway.deployments(serviceId=backend, environmentId=environment_id)]
    assert statuses[0] == "SKIPPED" and "SUCCESS" in statuses[1:], "the skip is in the history; the live one stays"

    commit(shop, {"backend/app.py": "print(2)\n"}, "backend change")
    second = {row["serviceName"]: row for row in server.push(REPO, "main")["services"]}
    assert "deployed" in second["backend"] and "deployed" in second["plain"]
    assert plain != backend


def test_a_push_over_http_waits_for_check_suites_and_a_deleted_trigger_gets_nothing(
    http: httpx.Client, mapped: tuple[EmulatorServer, RailwayClient], shop: Path
) -> None:
    server, railway = mapped
    project_id, environment_id = railway.create_project()
    gated = railway.create_service(project_id, "gated")
    railway.data(
        PATCH,
        environmentId=environment_id,
        patch=_source_patch(gated, repo=REPO, branch="main", checkSuites=True),
    )
    off = railway.create_service(project_id, "off", source={"repo": REPO}, branch="main")
    [trigger] = _triggers(railway, project_id, environment_id, off)
    railway.data(TRIGGER_DELETE, id=trigger["id"])

    head = commit(shop, {"app.py": "print(3)\n"})
    answer = http.post(f"{server.base_url}/_emulator/push", params={"repo": REPO, "branch": "main"}).json()
    rows = {row["serviceName"]: row for row in answer["services"]}
    assert rows["off"] == {"serviceId": off, "serviceName": "off", "environmentId": environment_id, "noTrigger": True}
    waiting = rows["gated"]["deployed"]
    assert _deployment(railway, waiting)["status"] == "WAITING"

    checks = f"{server.base_url}/_emulator/checks"
    done = http.post(checks, params={"repo": REPO, "sha": head[:12], "conclusion": "success"}).json()
    assert done["proceeded"] == [waiting]
    assert _deployment(railway, waiting)["status"] == "SUCCESS"

    failed_head = commit(shop, {"app.py": "print(4)\n"})
    failed = server.push(REPO, "main")["services"]
    failing = next(row["deployed"] for row in failed if row["serviceName"] == "gated")
    assert http.post(checks, params={"repo": REPO, "sha": failed_head, "conclusion": "failure"}).json()["skipped"] == [
        failing
    ]
    assert _deployment(railway, failing)["status"] == "SKIPPED"
    assert _deployment(railway, waiting)["status"] == "SUCCESS", "the previous one stays live"


def test_a_push_of_an_unmapped_repo_or_a_missing_branch_is_a_bad_request(
    http: httpx.Client, mapped: tuple[EmulatorServer, RailwayClient]
) -> None:
    server, _railway = mapped
    unmapped = http.post(f"{server.base_url}/_emulator/push", params={"repo": "acme/other", "branch": "main"})
    assert unmapped.status_code == 400 and "--repo-map acme/other=PATH" in unmapped.json()["error"]
    missing = http.post(f"{server.base_url}/_emulator/push", params={"repo": REPO, "branch": "gone"})
    assert missing.status_code == 400 and "branch gone does not exist" in missing.json()["error"]
