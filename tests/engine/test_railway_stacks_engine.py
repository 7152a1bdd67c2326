"""The railstack program's demo, staging and prod stacks under the real engine, against the emulator.

The project is copied to a temporary directory (tests never modify tracked files) and run with a
local state backend; the Railway API is the emulator, whose records are the evidence.

Each test gets the stack it needs from a fixture, so the tests pass in any order: the module's staging
stack is brought up once; a test that changes it puts it back, and after the test that destroys it the
next test that needs it brings it up again (tests/engine/brought_up.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from railway_emulator import EmulatorServer
from support.pulumi_cli import PulumiWorkspace, copy_project, edit_stack_config
from tests.engine.brought_up import ModuleStack, Up
from tests.shared_emulator import EMULATOR_TOKEN
from tests.stacks.test_config_model import BAD

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]


def stack_workspace(root: Path, emulator: EmulatorServer, stack: str) -> PulumiWorkspace:
    project = copy_project(root / "project", stack)
    state = root / "state"
    state.mkdir(exist_ok=True)
    ws = PulumiWorkspace(project_dir=project, state_dir=state, extra_env={"RAILWAY_API_URL": emulator.url})
    ws.run("stack", "init", stack)
    ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    return ws


def creates_by_role(preview: dict) -> Counter:
    """How many resources the preview creates under each component (role)."""
    counts: Counter = Counter()
    for step in preview["steps"]:
        if step["op"] != "create":
            continue
        name = step["urn"].split("::")[-1]
        parts = name.split("-")
        role = "stack" if len(parts) < 2 else parts[1] if parts[1] != "worker" else "-".join(parts[1:3])
        counts[role] += 1
    return counts


@pytest.mark.parametrize("stack", ["demo", "staging", "prod"])
def test_preview_plans_every_role(stack: str, tmp_path: Path, emulator: EmulatorServer) -> None:
    ws = stack_workspace(tmp_path, emulator, stack)
    before = emulator.counters()["writes"]
    preview = ws.json("preview")
    assert emulator.counters()["writes"] == before, "a preview must not write to Railway"
    counts = creates_by_role(preview)
    print(f"\n{stack} preview creates: {dict(sorted(counts.items()))}, total {sum(counts.values())}")
    for role in ("postgres", "redis", "api", "worker-logs", "worker-content", "beat"):
        assert counts[role] > 0, f"{stack}: nothing planned for {role}: {dict(counts)}"
    assert ("flower" in counts) == (stack == "staging"), "flower is enabled on staging only"


def graphql(emulator: EmulatorServer, query: str, variables: dict) -> dict:
    body = httpx.post(
        emulator.url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
    ).json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


@pytest.fixture(scope="module")
def staging_stack(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer) -> Iterator[ModuleStack]:
    """The module's staging stack. A test that changes it puts it back before it ends; the one that
    destroys it leaves the next test that needs it to bring it up again."""
    stack = ModuleStack(stack_workspace(tmp_path_factory.mktemp("staging"), emulator, "staging"), emulator)
    yield stack
    stack.close()


@pytest.fixture
def staging_up(staging_stack: ModuleStack) -> Up:
    return staging_stack.up()


@pytest.fixture
def staging(staging_up: Up) -> PulumiWorkspace:
    return staging_up.workspace


def test_staging_up_then_preview_shows_no_changes(staging_up: Up) -> None:
    staging, before, after = staging_up.workspace, staging_up.before, staging_up.after
    services = len(staging.json("stack", "output")["service_ids"])
    deployments = after["deployments"] - before["deployments"]
    print(
        f"\nstaging up: {after['requests'] - before['requests']} requests, {deployments} deployments, {services} services"
    )
    assert deployments == services, "exactly one deployment per service"
    staging.run("preview", "--expect-no-changes")


def test_workers_beat_and_flower_deploy_after_the_api(staging: PulumiWorkspace) -> None:
    resources = json.loads(staging.run("stack", "export").stdout)["deployment"]["resources"]
    urns = {r["urn"].split("::")[-1]: r for r in resources}
    api = urns["railstack-api-deployment"]["urn"]
    for role in ("worker-logs", "worker-content-generation", "beat", "flower"):
        assert api in urns[f"railstack-{role}-deployment"].get("dependencies", []), f"{role} must deploy after the api"
    for backing in ("railstack-postgres-deployment", "railstack-redis-deployment"):
        assert urns[backing]["urn"] in urns["railstack-api-deployment"]["dependencies"], (
            "the api waits for its data stores"
        )


def test_state_holds_no_generated_secret_in_plaintext(staging: PulumiWorkspace) -> None:
    revealed = json.loads(staging.run("stack", "export", "--show-secrets").stdout)
    results = {
        r["urn"].split("::")[-1]: r["outputs"]["result"]
        for r in revealed["deployment"]["resources"]
        if r["type"] == "random:index/randomPassword:RandomPassword"
    }
    # --show-secrets keeps the secret envelope, with the value as JSON in "plaintext".
    values = {n: json.loads(r["plaintext"]) if isinstance(r, dict) else r for n, r in results.items()}
    key = values.pop("railstack-secrets-fingerprint-key")
    assert isinstance(key, str) and len(key) == 64, "the key of the variables' fingerprints"
    secrets = [*values.values(), key]
    assert all(isinstance(s, str) and len(s) == 48 for s in values.values())
    assert len(values) == 6, "secret key, JWT, admin, postgres, redis and flower passwords"
    plain = staging.run("stack", "export").stdout
    leaked = [s[:4] + "…" for s in secrets if s in plain]
    assert leaked == [], f"generated secrets in the state in plaintext: {leaked}"


def test_every_app_service_resolves_the_same_connections_and_secrets(
    staging: PulumiWorkspace, emulator: EmulatorServer
) -> None:
    outputs = staging.json("stack", "output", "--show-secrets")
    project = graphql(
        emulator,
        "query($id: String!) { project(id: $id) { environments { edges { node { id } } } } }",
        {"id": outputs["project_id"]},
    )["project"]
    environment_id = project["environments"]["edges"][0]["node"]["id"]
    rendered = {}
    for role, service_id in outputs["service_ids"].items():
        if role in ("postgres", "redis"):
            continue
        rendered[role] = graphql(
            emulator,
            "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: false) }",
            {"p": outputs["project_id"], "e": environment_id, "s": service_id},
        )["variables"]
    assert set(rendered) == {"api", "worker-logs", "worker-content-generation", "beat", "flower"}
    for key in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "JWT_SECRET_KEY"):
        values = {role: v.get(key) for role, v in rendered.items()}
        assert len(set(values.values())) == 1 and None not in values.values(), f"{key} differs between roles"
        assert "${{" not in next(iter(values.values())), f"{key} must resolve to a value"
    assert rendered["api"]["DATABASE_URL"].startswith("postgresql://postgres:")
    service_types = {role: v["SERVICE_TYPE"] for role, v in rendered.items()}
    assert service_types == {
        "api": "api",
        "worker-logs": "celery_logs",
        "worker-content-generation": "celery_content_generation",
        "beat": "beat",
        "flower": "flower",
    }
    for role, variables in outputs["variables"].items():
        for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
            if key in variables:
                assert variables[key].startswith("${{"), f"{role}.{key} must be a reference, not a copied value"


def test_rotating_one_secret_redeploys_only_the_services_using_it(
    staging: PulumiWorkspace, emulator: EmulatorServer
) -> None:
    counter = "railstack:stack.secrets.rotation.admin_password"
    staging.run("config", "set", "--path", counter, "1")
    try:
        before = emulator.requests()
        staging.run("up", "--yes", "--skip-preview")
        new = emulator.requests()[len(before) :]
        fields = Counter(f for r in new for f in r["fields"])
        print(f"\nrotating admin_password: {dict(fields)}")
        assert fields["serviceInstanceDeployV2"] == 1, "only the api uses the admin password"
        assert fields["variableCollectionUpsert"] == 1, "only the shared variables change"
        staging.run("preview", "--expect-no-changes")
    finally:
        # Back to the module's configuration (the password is generated once more, the counter is as it was).
        staging.run("config", "rm", "--path", counter)
        staging.run("up", "--yes", "--skip-preview")


def test_staging_destroy_leaves_the_emulator_empty(staging_stack: ModuleStack, emulator: EmulatorServer) -> None:
    project_id = staging_stack.up().workspace.json("stack", "output")["project_id"]
    staging_stack.destroy()
    state = emulator.state_json()
    assert [p for p in state["projects"] if p["id"] == project_id] == []
    assert [s for s in state["services"] if s["projectId"] == project_id] == []


def test_prod_destroy_keeps_only_the_protected_database_volume_and_project(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    ws = stack_workspace(tmp_path, emulator, "prod")
    ws.run("up", "--yes", "--skip-preview")
    project_id = ws.json("stack", "output")["project_id"]

    refused = ws.run("destroy", "--yes", "--skip-preview", check=False)
    assert refused.returncode != 0, "a plain destroy must refuse to delete protected production data"
    ws.run("destroy", "--yes", "--skip-preview", "--exclude-protected")

    state = emulator.state_json()
    assert [p["name"] for p in state["projects"] if p["id"] == project_id] == ["railstack-prod"]
    assert [s["name"] for s in state["services"] if s["projectId"] == project_id] == ["Postgres"]
    assert len([v for v in state["volumes"] if v["projectId"] == project_id]) == 1


@pytest.mark.parametrize(("stack", "overrides", "expected"), BAD, ids=[f"bad-{i}" for i in range(len(BAD))])
def test_bad_configuration_fails_the_preview_before_touching_railway(
    stack: str, overrides: dict, expected: str, tmp_path: Path, emulator: EmulatorServer
) -> None:
    ws = stack_workspace(tmp_path, emulator, stack)
    edit_stack_config(ws.project_dir, stack, overrides, replace=True)

    before = emulator.counters()["requests"]
    proc = ws.run("preview", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert expected in output, output[-2000:]
    assert "Traceback" not in output, "a configuration error is a message, not a crash"
    assert emulator.counters()["requests"] == before, "nothing may reach Railway when the configuration is bad"
