"""The railstack program against the emulator in its strict settings, under the real engine.

Strict: setting a source deploys by itself (observed once on the real API), the token sees two
workspaces (so projectCreate needs workspaceId), deleted objects stay readable with deletedAt,
deployments take time and can be scripted to fail. Whatever Railway does of these, one `up` must
make one deployment per service, wait for each, and stop at the first that fails.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bench.railway import floor_of
from railway_emulator import EmulatorServer
from support.pulumi_cli import PulumiWorkspace, copy_project, edit_stack_config
from tests.engine.faulty_proxy import FaultyProxy
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]

WRONG_SCOPE_TOKEN = "another-teams-token"


@pytest.fixture(scope="module")
def emulator(emulator_factory: Callable[..., EmulatorServer]) -> Iterator[EmulatorServer]:
    """The shared emulator in its strict settings, with a second token scoped to another team."""
    with emulator_factory(strict=True, deploy_seconds=0.6, scoped_token=WRONG_SCOPE_TOKEN) as emu:
        yield emu


def stack_workspace(root: Path, url: str, stack: str, workspace_id: str | None) -> PulumiWorkspace:
    project = copy_project(root / "project", stack)
    state = root / "state"
    state.mkdir(exist_ok=True)
    ws = PulumiWorkspace(project_dir=project, state_dir=state, extra_env={"RAILWAY_API_URL": url})
    ws.run("stack", "init", stack)
    ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    if workspace_id:
        ws.run("config", "set", "railway:workspaceId", workspace_id)
    # Short polls: the emulator's deployments take 0.6 s.
    ws.run("config", "set", "--path", "railstack:stack.deployments.poll_seconds", "0.2")
    return ws


def deployments_by_service(emulator: EmulatorServer, project_id: str) -> Counter:
    state = emulator.state_json()
    names = {s["id"]: s["name"] for s in state["services"] if s["projectId"] == project_id}
    return Counter(names[d["serviceId"]] for d in state["deployments"] if d["serviceId"] in names)


def status_of(emulator: EmulatorServer, deployment_id: str) -> str:
    body = httpx.post(
        emulator.url,
        json={"query": "query($id: String!) { deployment(id: $id) { status } }", "variables": {"id": deployment_id}},
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
    ).json()
    return body["data"]["deployment"]["status"]


def resources_in_state(ws: PulumiWorkspace) -> list[str]:
    return sorted(r["urn"] for r in json.loads(ws.run("stack", "export").stdout)["deployment"]["resources"])


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_up_from_empty_makes_one_deployment_per_service_and_converges(
    stack: str, tmp_path: Path, emulator: EmulatorServer
) -> None:
    ws = stack_workspace(tmp_path, emulator.url, stack, emulator.workspace_ids[1])
    floor = floor_of(ws.json("preview"), source_deploys=True)
    before = emulator.counters()
    ws.run("up", "--yes", "--skip-preview")
    after = emulator.counters()
    assert after["writes"] - before["writes"] == floor.writes, f"writes above the floor of {floor.writes}"
    outputs = ws.json("stack", "output")
    per_service = deployments_by_service(emulator, outputs["project_id"])
    print(
        f"\nstrict {stack} up: {after['requests'] - before['requests']} requests, "
        f"{after['writes'] - before['writes']} writes (floor {floor.writes}), deployments {dict(per_service)}"
    )
    assert set(per_service.values()) == {1} and len(per_service) == len(outputs["service_ids"]), per_service
    state = emulator.state_json()
    project = next(p for p in state["projects"] if p["id"] == outputs["project_id"])
    assert project["workspaceId"] == emulator.workspace_ids[1], "the project goes to railway:workspaceId"
    statuses = Counter(
        status_of(emulator, d["id"]) for d in state["deployments"] if d["projectId"] == outputs["project_id"]
    )
    assert statuses == {"SUCCESS": len(outputs["service_ids"])}, statuses
    ws.run("preview", "--expect-no-changes")
    if stack == "prod":
        records = outputs["dns_records"]
        assert [(r["domain"], r["type"]) for r in records] == [
            ("api.railstack.example.com", "CNAME"),
            ("api.railstack.example.com", "TXT"),
        ], records
        assert records[1]["name"].startswith("_railway-verify.") and records[1]["value"].startswith("railway-verify=")
    ws.run("destroy", "--yes", "--skip-preview", *(["--exclude-protected"] if stack == "prod" else []))


def test_without_a_workspace_the_up_fails_saying_which_setting_to_add(tmp_path: Path, emulator: EmulatorServer) -> None:
    ws = stack_workspace(tmp_path, emulator.url, "demo", None)
    proc = ws.run("up", "--yes", "--skip-preview", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "railway:workspaceId" in output and "RAILWAY_WORKSPACE_ID" in output, output[-3000:]
    assert EMULATOR_TOKEN not in output


def test_a_failing_migration_fails_the_up_and_deploys_nothing_after_the_api(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    ws = stack_workspace(tmp_path, emulator.url, "staging", emulator.workspace_ids[0])
    emulator.emulator.script_deployments(
        service="api",
        outcome="pre_deploy_failed",
        logs=[
            "Running pre-deploy command: /app/entrypoint migrate",
            "sqlalchemy.exc.OperationalError: could not connect to {{DATABASE_URL}}",
            "Pre-deploy command failed with exit code 1",
        ],
    )
    proc = ws.run("up", "--yes", "--skip-preview", check=False, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, "a failed API deployment must fail the up"
    assert "staging: service api: deployment" in output and "ended FAILED" in output, output[-4000:]
    assert "Pre-deploy command failed with exit code 1" in output, "the log's last lines are in the message"
    assert "postgresql://postgres:***@" in output, "the database password is redacted from the quoted log"
    state = emulator.state_json()
    project_id = next(
        p["id"]
        for p in state["projects"]
        if p["name"] == "railstack-staging" and p["workspaceId"] == emulator.workspace_ids[0] and not p.get("deletedAt")
    )
    per_service = deployments_by_service(emulator, project_id)
    assert per_service["api"] == 1 and per_service["Postgres"] == 1 and per_service["Redis"] == 1, per_service
    for role in ("worker-logs", "worker-content-generation", "beat", "flower"):
        assert per_service[role] == 0, f"{role} must not deploy after the API failed: {dict(per_service)}"

    # The fix (the script was used up): the next up deploys the API and then everything after it.
    ws.run("up", "--yes", "--skip-preview", timeout=300)
    per_service = deployments_by_service(emulator, project_id)
    assert per_service["api"] == 2 and all(per_service[r] == 1 for r in ("worker-logs", "beat", "flower")), per_service
    ws.run("preview", "--expect-no-changes")

    # A wrong-scope token: refresh fails, and the state keeps every resource.
    before = resources_in_state(ws)
    ws.run("config", "set", "--secret", "railway:token", WRONG_SCOPE_TOKEN)
    # --run-program: the provider takes the token from the current config, not the one of the last up.
    refused = ws.run("refresh", "--yes", "--skip-preview", "--run-program", check=False)
    output = refused.stdout + refused.stderr
    print(f"\nwrong-scope refresh: exit {refused.returncode}, {len(before)} resources before")
    assert refused.returncode != 0 and "could not confirm that it was deleted" in output, output[-3000:]
    assert WRONG_SCOPE_TOKEN not in output
    after = resources_in_state(ws)
    assert after == before, f"refresh with a wrong-scope token dropped {sorted(set(before) - set(after))}"
    ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    ws.run("refresh", "--yes", "--skip-preview", "--run-program")
    assert resources_in_state(ws) == before, "with the right token again, refresh finds everything"
    ws.run("destroy", "--yes", "--skip-preview")


@pytest.mark.parametrize("source_deploys", [True, False], ids=["source-deploys", "source-does-not-deploy"])
def test_lost_answers_and_throttles_outside_the_emulator_still_converge_in_one_up(
    source_deploys: bool, tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    with (
        emulator_factory(strict=True, source_deploys=source_deploys, deploy_seconds=0.6) as emulator,
        FaultyProxy(emulator.url.removesuffix("/graphql/v2"), lose_every=4, throttle_every=9) as proxy,
    ):
        ws = stack_workspace(tmp_path, proxy.url, "staging", emulator.workspace_ids[0])
        ws.run("config", "set", "--path", "railstack:stack.project_name", "railstack-flaky")
        ws.run("up", "--yes", "--skip-preview", timeout=600)
        print(
            f"\nflaky up: {proxy.requests} requests, {proxy.writes} writes, {len(proxy.lost)} answers lost "
            f"({Counter(proxy.lost)}), {proxy.throttled} throttled"
        )
        assert proxy.lost and proxy.throttled, "the faults must have been hit"
        outputs = ws.json("stack", "output")
        per_service = deployments_by_service(emulator, outputs["project_id"])
        assert len(per_service) == 7 and set(per_service.values()) == {1}, per_service
        state = emulator.state_json()
        projects = [p for p in state["projects"] if p["name"] == "railstack-flaky" and not p.get("deletedAt")]
        assert len(projects) == 1, "no duplicate project"
        names = Counter(s["name"] for s in state["services"] if s["projectId"] == outputs["project_id"])
        assert set(names.values()) == {1}, f"no duplicate service: {names}"
        assert len([v for v in state["volumes"] if v["projectId"] == outputs["project_id"]]) == 2
        ws.run("preview", "--expect-no-changes")
        ws.run("destroy", "--yes", "--skip-preview")


def test_a_stack_the_plan_cannot_hold_fails_the_preview_before_any_request(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    with emulator_factory(plan="hobby") as emulator:
        ws = stack_workspace(tmp_path, emulator.url, "prod", None)
        ws.run("config", "set", "railway:plan", "hobby")
        before = emulator.counters()["requests"]
        proc = ws.run("preview", check=False)
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0 and "Traceback" not in output
        assert "prod: postgres.backups = ['DAILY', 'WEEKLY']: the Hobby plan (railway:plan = hobby)" in output, output[
            -2000:
        ]
        assert emulator.counters()["requests"] == before, "nothing may reach Railway"


def test_a_repo_source_deploys_with_its_branch(tmp_path: Path, emulator: EmulatorServer) -> None:
    ws = stack_workspace(tmp_path, emulator.url, "demo", emulator.workspace_ids[0])
    edit_stack_config(
        ws.project_dir, "demo", {"app": {"repo": "acme/app", "branch": "release", "root_directory": "/svc"}}
    )
    ws.run("up", "--yes", "--skip-preview")
    outputs = ws.json("stack", "output")
    state = emulator.state_json()
    app_ids = {outputs["service_ids"][r] for r in ("api", "beat", "worker-logs")}
    instances = [i for i in state["serviceInstances"] if i["serviceId"] in app_ids]
    assert {(i["source"]["repo"], i["branch"], i["rootDirectory"]) for i in instances} == {
        ("acme/app", "release", "/svc")
    }
    statuses = {status_of(emulator, d["id"]) for d in state["deployments"] if d["serviceId"] in app_ids}
    assert statuses == {"SUCCESS"}, "a repo with its branch builds and deploys"
    triggers = [t for t in state["deploymentTriggers"] if t["serviceId"] in app_ids]
    assert sorted((t["branch"], t["checkSuites"]) for t in triggers) == [("release", False)] * 3, triggers
    ws.run("preview", "--expect-no-changes")
    ws.run("preview", "--refresh", "--expect-no-changes")

    # Auto-deploy off: the triggers go, and nothing is deployed for it.
    deployments = len(emulator.state_json()["deployments"])
    edit_stack_config(
        ws.project_dir,
        "demo",
        {"app": {"repo": "acme/app", "branch": "release", "root_directory": "/svc", "auto_deploy": False}},
    )
    ws.run("up", "--yes", "--skip-preview")
    state = emulator.state_json()
    assert [t for t in state["deploymentTriggers"] if t["serviceId"] in app_ids] == []
    assert len(state["deployments"]) == deployments, "writing auto-deploy deploys nothing"
    ws.run("preview", "--refresh", "--expect-no-changes")
    ws.run("destroy", "--yes", "--skip-preview")
