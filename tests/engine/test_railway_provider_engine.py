"""railstack's Railway resources under the real Pulumi engine, against the Railway API emulator.

A small program (every Railway resource kind: project, extra environment, services, settings,
variables, deployments, domains, volume, TCP proxy) is brought up, previewed, refreshed after an
out-of-band delete, changed, and destroyed; the emulator's own records are the evidence.

Each test gets the stack it needs from a fixture, so the tests pass in any order: the module's stack is
brought up once; a test that changes it (a setting, the variant, an out-of-band delete) puts it back
before it ends, and after the destroy test the next test that needs it brings it up again
(tests/engine/brought_up.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, PulumiWorkspace, write_program
from tests.engine.brought_up import ModuleStack, Up
from tests.hand_made import Dashboard
from tests.providers.test_plugin_package import TYPES
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]

PROGRAM = """
import pulumi
from railstack_railway import (
    CustomDomain, Environment, Project, Service, ServiceDeployment, ServiceDomain, ServiceInstance,
    TcpProxy, VariableCollection, Volume,
)

cfg = pulumi.Config("tiny")
variant = cfg.get_int("variant") or 1  # the update test switches to variant 2
project = Project("project", name=f"tiny-{pulumi.get_stack()}", description=f"railstack provider test v{variant}")
env_id = project.default_environment_id
preview_env = Environment("preview-env", project_id=project.project_id, name="preview" if variant == 1 else "review")

postgres = Service("postgres", project_id=project.project_id, name="Postgres")
api = Service("api", project_id=project.project_id, name="api")

shared = VariableCollection(
    "shared-vars", project_id=project.project_id, environment_id=env_id,
    variables={"SECRET_KEY": cfg.require_secret("secretKey"), "POSTGRES_PASSWORD": cfg.require_secret("dbPassword")},
)
postgres_vars = VariableCollection(
    "postgres-vars", project_id=project.project_id, environment_id=env_id, service_id=postgres.service_id,
    variables={
        "POSTGRES_PASSWORD": "${{shared.POSTGRES_PASSWORD}}",
        "DATABASE_URL": "postgresql://postgres:${{shared.POSTGRES_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/railway",
    },
)
api_vars = VariableCollection(
    "api-vars", project_id=project.project_id, environment_id=env_id, service_id=api.service_id,
    variables={
        "DATABASE_URL": "${{Postgres.DATABASE_URL}}",
        "SECRET_KEY": "${{shared.SECRET_KEY}}",
        "SERVICE_TYPE": "api",
        "PORT": "8000",
        **({} if variant == 1 else {"FEATURE": "on"}),
    },
)
postgres_settings = ServiceInstance(
    "postgres-settings", service_id=postgres.service_id, environment_id=env_id, project_id=project.project_id,
    restart_policy_type="ALWAYS",
)
api_settings = ServiceInstance(
    "api-settings", service_id=api.service_id, environment_id=env_id, project_id=project.project_id,
    start_command="/app/entrypoint api",
    pre_deploy_command="alembic upgrade head", healthcheck_path="/health", healthcheck_timeout=120,
    num_replicas=cfg.get_int("apiReplicas") or 2, restart_policy_type="ON_FAILURE", restart_policy_max_retries=10,
    overlap_seconds=30, draining_seconds=15,
)
volume = Volume(
    "postgres-volume", project_id=project.project_id, environment_id=env_id, service_id=postgres.service_id,
    mount_path="/var/lib/postgresql/data", backup_schedules=["DAILY", "WEEKLY"] + ([] if variant == 1 else ["MONTHLY"]),
)
proxy = TcpProxy("postgres-proxy", environment_id=env_id, service_id=postgres.service_id, application_port=5432,
                 project_id=project.project_id)
domain = ServiceDomain(
    "api-domain", project_id=project.project_id, environment_id=env_id, service_id=api.service_id,
    target_port=8000 if variant == 1 else 8080,
)
custom = CustomDomain(
    "api-custom-domain", project_id=project.project_id, environment_id=env_id, service_id=api.service_id,
    domain="api.tiny.example.com", target_port=8000 if variant == 1 else 8080,
)

postgres_deploy = ServiceDeployment(
    "postgres-deploy", service_id=postgres.service_id, environment_id=env_id, project_id=project.project_id,
    source_image="ghcr.io/railwayapp-templates/postgres-ssl:16", service_name="Postgres", stack=pulumi.get_stack(),
    poll_seconds=0.2, timeout_seconds=60,
    triggers={"settings": postgres_settings.revision, "variables": postgres_vars.revision},
    opts=pulumi.ResourceOptions(depends_on=[shared, volume, proxy]),
)
ServiceDeployment(
    "api-deploy", service_id=api.service_id, environment_id=env_id, project_id=project.project_id,
    source_image="ghcr.io/example/railstack-app:1", vcpus=1, memory_gb=1, service_name="api", stack=pulumi.get_stack(),
    poll_seconds=0.2, timeout_seconds=60,
    triggers={"settings": api_settings.revision, "variables": api_vars.revision},
    opts=pulumi.ResourceOptions(depends_on=[shared, postgres_deploy, domain, custom]),
)

pulumi.export("project_id", project.project_id)
pulumi.export("api_domain", domain.domain)
pulumi.export("proxy", pulumi.Output.concat(proxy.domain, ":", proxy.proxy_port.apply(str)))
pulumi.export("dns", custom.cname_record)
"""

SECRET_KEY = "sk-engine-test-4f1d2c3b"
DB_PASSWORD = "pw-engine-test-9a8b7c6d"


def _workspace(root: Path, emulator: EmulatorServer, stack: str) -> PulumiWorkspace:
    project = root / "program"
    project.mkdir(exist_ok=True)
    write_program(project, PROGRAM)
    state = root / "state"
    state.mkdir(exist_ok=True)
    ws = PulumiWorkspace(
        project_dir=project,
        state_dir=state,
        extra_env={"PYTHONPATH": str(ROOT), "RAILWAY_API_URL": emulator.url},
    )
    ws.run("stack", "init", stack)
    ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    ws.run("config", "set", "--secret", "secretKey", SECRET_KEY)
    ws.run("config", "set", "--secret", "dbPassword", DB_PASSWORD)
    return ws


@pytest.fixture(scope="module")
def lifecycle_stack(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer) -> Iterator[ModuleStack]:
    """The module's stack of the program (variant 1, the default replicas). A test that changes it puts it
    back before it ends; after the one that destroys it, the next test that needs it brings it up again."""
    stack = ModuleStack(_workspace(tmp_path_factory.mktemp("railway-program"), emulator, "lifecycle"), emulator)
    yield stack
    stack.close()


@pytest.fixture
def lifecycle(lifecycle_stack: ModuleStack) -> Up:
    return lifecycle_stack.up()


@pytest.fixture
def workspace(lifecycle: Up) -> PulumiWorkspace:
    return lifecycle.workspace


def _restore(workspace: PulumiWorkspace, key: str) -> None:
    """Takes `key` out of the stack's config again and brings the stack back to the module's `up`."""
    workspace.run("config", "rm", key)
    workspace.run("up", "--yes", "--skip-preview")


def _projects(emulator: EmulatorServer, name: str) -> list[dict]:
    """The emulator's projects of that name, each with the objects that belong to it."""
    state = emulator.state_json()
    views = []
    for project in (p for p in state["projects"] if p["name"] == name):
        services = [s for s in state["services"] if s["projectId"] == project["id"]]
        service_ids = {s["id"] for s in services}
        views.append(
            {
                **project,
                "environments": [e for e in state["environments"] if e["projectId"] == project["id"]],
                "services": services,
                "volumes": [v for v in state["volumes"] if v["projectId"] == project["id"]],
                **{
                    kind: [o for o in state[kind] if o["serviceId"] in service_ids]
                    for kind in ("tcpProxies", "serviceDomains", "customDomains")
                },
            }
        )
    return views


def _service_deployments(emulator: EmulatorServer, project_name: str, service_name: str) -> int:
    """How many deployments the emulator holds for that service of that project."""
    (project,) = _projects(emulator, project_name)
    (service,) = [s for s in project["services"] if s["name"] == service_name]
    return sum(1 for d in emulator.state_json()["deployments"] if d["serviceId"] == service["id"])


def _deployments(emulator: EmulatorServer) -> int:
    return emulator.counters()["deployments"]


def _graphql(emulator: EmulatorServer, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return Dashboard(emulator).gql(query, **variables)


def test_up_creates_every_object_with_one_deployment_per_service(lifecycle: Up, emulator: EmulatorServer) -> None:
    before, after = lifecycle.before, lifecycle.after
    (project,) = _projects(emulator, "tiny-lifecycle")
    assert sorted(e["name"] for e in project["environments"]) == ["preview", "production"]
    assert sorted(s["name"] for s in project["services"]) == ["Postgres", "api"]
    deployments = after["deployments"] - before["deployments"]
    assert deployments == 2, f"one deployment per service, got {deployments}"
    print(f"\nup from empty: {after['requests'] - before['requests']} API requests, {deployments} deployments")

    outputs = lifecycle.workspace.json("stack", "output")
    assert outputs["api_domain"].endswith(".up.railway.app")
    assert not outputs["proxy"].split(":")[0].endswith("."), "the TCP proxy domain must not keep Railway's trailing dot"
    assert outputs["dns"]["type"] == "CNAME"


def test_variables_are_stored_verbatim_and_secrets_stay_out_of_the_state(
    workspace: PulumiWorkspace, emulator: EmulatorServer
) -> None:
    project_id = workspace.json("stack", "output")["project_id"]
    env_id = _graphql(
        emulator,
        "query($id: String!) { project(id: $id) { environments { edges { node { id name } } } } }",
        {"id": project_id},
    )["project"]["environments"]["edges"]
    production = next(e["node"]["id"] for e in env_id if e["node"]["name"] == "production")
    api_id = next(s["id"] for s in _projects(emulator, "tiny-lifecycle")[0]["services"] if s["name"] == "api")
    variables = _graphql(
        emulator,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        {"p": project_id, "e": production, "s": api_id},
    )["variables"]
    assert variables["DATABASE_URL"] == "${{Postgres.DATABASE_URL}}"
    assert variables["SECRET_KEY"] == "${{shared.SECRET_KEY}}"

    state = workspace.run("stack", "export").stdout
    for secret in (SECRET_KEY, DB_PASSWORD, EMULATOR_TOKEN):
        assert secret not in state, "a secret is in the state in plaintext"
    assert EMULATOR_TOKEN not in str(emulator.requests()), "the token must never be recorded"


def test_the_state_holds_railway_resources_of_the_plugin_and_no_provider_code(workspace: PulumiWorkspace) -> None:
    resources = json.loads(workspace.run("stack", "export").stdout)["deployment"]["resources"]
    types = Counter(r["type"] for r in resources)
    assert "pulumi-python:dynamic:Resource" not in types, "no Railway resource may be a dynamic resource"
    assert types["pulumi:providers:railway"] == 1, f"one railway provider: {dict(types)}"
    assert {t for t in types if t.startswith("railway:")} == {f"railway:index:{name}" for name in TYPES}
    provider = next(r for r in resources if r["type"] == "pulumi:providers:railway")
    assert provider["inputs"]["version"] == "0.14.0", "the default provider is the plugin at the SDK's version"
    for resource in resources:
        assert "__provider" not in (resource.get("inputs") or {}), f"serialized provider code in {resource['urn']}"
        assert "__provider" not in (resource.get("outputs") or {}), f"serialized provider code in {resource['urn']}"


def test_second_preview_after_up_shows_no_changes(workspace: PulumiWorkspace) -> None:
    workspace.run("preview", "--expect-no-changes")


def test_changing_one_setting_redeploys_only_that_service(workspace: PulumiWorkspace, emulator: EmulatorServer) -> None:
    workspace.run("config", "set", "apiReplicas", "3")
    try:
        before = emulator.requests()
        workspace.run("up", "--yes", "--skip-preview")
        new = emulator.requests()[len(before) :]
        fields = Counter(field for r in new for field in r["fields"])
        assert fields["serviceInstanceDeployV2"] == 1, f"only the api redeploys: {dict(fields)}"
        assert fields["serviceInstanceUpdate"] == 1, f"only the api's settings are written: {dict(fields)}"
        assert fields["variableCollectionUpsert"] == 0, f"no variable changed: {dict(fields)}"
        workspace.run("preview", "--expect-no-changes")
    finally:
        _restore(workspace, "apiReplicas")


def test_in_place_updates_keep_every_object_and_redeploy_only_what_changed(
    workspace: PulumiWorkspace, emulator: EmulatorServer
) -> None:
    before_ids = {
        kind: sorted(o["id"] for o in objs)
        for kind, objs in _projects(emulator, "tiny-lifecycle")[0].items()
        if isinstance(objs, list)
    }
    workspace.run("config", "set", "variant", "2")
    try:
        before = emulator.requests()
        workspace.run("up", "--yes", "--skip-preview")
        fields = Counter(field for r in emulator.requests()[len(before) :] for field in r["fields"])

        (project,) = _projects(emulator, "tiny-lifecycle")
        after_ids = {kind: sorted(o["id"] for o in objs) for kind, objs in project.items() if isinstance(objs, list)}
        assert after_ids == before_ids, "updates must happen in place, never by replacement"
        assert project["description"] == "railstack provider test v2"
        assert sorted(e["name"] for e in project["environments"]) == ["production", "review"]
        assert [d["targetPort"] for d in project["serviceDomains"]] == [8080]
        assert [d["targetPort"] for d in project["customDomains"]] == [8080]
        assert fields["serviceInstanceDeployV2"] == 1, f"only the api (new variable) redeploys: {dict(fields)}"
        assert fields["variableCollectionUpsert"] == 1, f"one write for the api's variables: {dict(fields)}"
        for field in (
            "projectUpdate",
            "environmentRename",
            "serviceDomainUpdate",
            "customDomainUpdate",
            "volumeInstanceBackupScheduleUpdate",
        ):
            assert fields[field] == 1, f"{field} expected once: {dict(fields)}"
        workspace.run("preview", "--expect-no-changes")
    finally:
        # Variant 1 again, in place as well: the other tests expect the module's objects and names.
        _restore(workspace, "variant")


def test_noop_up_makes_no_write_and_no_deployment(workspace: PulumiWorkspace, emulator: EmulatorServer) -> None:
    before = emulator.counters()
    workspace.run("up", "--yes", "--skip-preview")
    after = emulator.counters()
    assert after["writes"] == before["writes"], "a no-op up must not write"
    assert after["deployments"] == before["deployments"], "a no-op up must not deploy"


def test_refresh_notices_a_service_deleted_out_of_band(workspace: PulumiWorkspace, emulator: EmulatorServer) -> None:
    api_id = next(s["id"] for s in _projects(emulator, "tiny-lifecycle")[0]["services"] if s["name"] == "api")
    _graphql(emulator, "mutation($id: String!) { serviceDelete(id: $id) }", {"id": api_id})

    try:
        workspace.run("refresh", "--yes", "--skip-preview")
        state = json.loads(workspace.run("stack", "export").stdout)
        services = [r for r in state["deployment"]["resources"] if r["type"] == "railway:index:Service"]
        assert [s["outputs"]["name"] for s in services] == ["Postgres"], "refresh must drop the deleted api service"
    finally:
        # The up that brings the api back is also what puts the module's stack back for the other tests.
        workspace.run("up", "--yes", "--skip-preview")
    assert sorted(s["name"] for s in _projects(emulator, "tiny-lifecycle")[0]["services"]) == ["Postgres", "api"]
    workspace.run("preview", "--expect-no-changes")


def test_destroy_leaves_the_emulator_empty(lifecycle_stack: ModuleStack, emulator: EmulatorServer) -> None:
    lifecycle_stack.up()
    lifecycle_stack.destroy()
    left = {kind: objects for kind, objects in emulator.state_json().items() if objects and kind != "deployments"}
    assert left == {}, f"objects left in the emulator after destroy: {left}"


WRITES = [
    "projectCreate",
    "environmentCreate",
    "serviceCreate",
    "serviceInstanceUpdate",
    "environmentPatchCommit",
    "variableCollectionUpsert",
    "volumeCreate",
    "volumeInstanceBackupScheduleUpdate",
    "tcpProxyCreate",
    "serviceDomainCreate",
    "customDomainCreate",
    "serviceInstanceDeployV2",
]


@pytest.mark.parametrize("field", WRITES)
def test_up_converges_without_duplicates_when_a_write_is_rate_limited_then_lost(
    field: str, tmp_path: Path, emulator: EmulatorServer
) -> None:
    stack = f"fault-{field.lower()}"
    ws = _workspace(tmp_path, emulator, stack)
    explicit_deploy = field == "serviceInstanceDeployV2"
    api_before = 0
    if explicit_deploy:
        # A first release deploys through its source patch; railstack calls serviceInstanceDeployV2 only
        # when nothing of the source changed: here a setting of the API (its replicas).
        ws.run("up", "--yes", "--skip-preview")
        ws.run("config", "set", "tiny:apiReplicas", "3")
        api_before = _service_deployments(emulator, f"tiny-{stack}", "api")
    # First answer: 429 with Retry-After (nothing written). Second: the write happens, its answer is lost.
    emulator.inject(field=field, kind="429", count=1, retry_after=0)
    emulator.inject(field=field, kind="500", count=1, after=True)
    try:
        first = ws.run("up", "--yes", "--skip-preview", check=False)
        if first.returncode != 0:
            ws.run("up", "--yes", "--skip-preview")
        assert emulator.emulator.armed_faults() == [], f"both faults on {field} must have been hit"
        ws.run("preview", "--expect-no-changes")
        if explicit_deploy:
            # The lost deploy's deployment registers late; the release waited for it, never deployed twice.
            assert _service_deployments(emulator, f"tiny-{stack}", "api") == api_before + 1

        (project,) = _projects(emulator, f"tiny-{stack}")
        assert sorted(s["name"] for s in project["services"]) == ["Postgres", "api"]
        assert sorted(e["name"] for e in project["environments"]) == ["preview", "production"]
        assert len(project["volumes"]) == 1
        assert len(project["tcpProxies"]) == 1
        assert len(project["serviceDomains"]) == 1
        assert len(project["customDomains"]) == 1
    finally:
        emulator.clear_faults()
        ws.run("destroy", "--yes", "--skip-preview", check=False)
    assert _projects(emulator, f"tiny-{stack}") == []
