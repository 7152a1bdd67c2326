"""`pulumi import` of Railway objects made by hand, for every resource type of the railway package.

The objects are written straight to the emulator (tests/hand_made.py, as the dashboard would), with
no Pulumi state. A program then declares the same objects with the same settings, and each one is
brought into the stack: with `pulumi import railway:index:<Type> <name> <id>` (one stack), and with
the `import` resource option (another). Either way the next preview must be clean, and nothing in
Railway may change: no write, no deployment.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, PulumiWorkspace, write_program
from tests.hand_made import Dashboard
from tests.providers.test_plugin_package import TYPES
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]

IMAGE = "ghcr.io/example/hand-made:1"

PROGRAM = """
import pulumi
from railstack_railway import (
    CustomDomain, Environment, Project, Service, ServiceDeployment, ServiceDomain, ServiceInstance,
    TcpProxy, VariableCollection, Volume,
)

ids = pulumi.Config("test").get_object("importIds") or {}


def adopt(name: str, **extra) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(import_=ids.get(name), **extra)


project_name = pulumi.Config("test").require("projectName")
project = Project("project", name=project_name, opts=adopt("project"))
env = project.default_environment_id
Environment("staging", project_id=project.project_id, name="staging", opts=adopt("staging"))
api = Service("api", project_id=project.project_id, name="api", opts=adopt("api"))
postgres = Service("postgres", project_id=project.project_id, name="Postgres", opts=adopt("postgres"))
settings = ServiceInstance(
    "api-settings", service_id=api.service_id, environment_id=env, project_id=project.project_id,
    start_command="/app/entrypoint api", healthcheck_path="/health", healthcheck_timeout=60,
    opts=adopt("api-settings"),
)
variables = VariableCollection(
    "api-variables", project_id=project.project_id, environment_id=env, service_id=api.service_id,
    variables={"PORT": "8000", "DATABASE_URL": "${{Postgres.DATABASE_URL}}"}, opts=adopt("api-variables"),
)
VariableCollection(
    "shared-variables", project_id=project.project_id, environment_id=env,
    variables={"SECRET_KEY": pulumi.Output.secret("typed-in-by-hand")}, opts=adopt("shared-variables"),
)
ServiceDeployment(
    "api-deployment", service_id=api.service_id, environment_id=env, project_id=project.project_id,
    source_image="IMAGE_REF", service_name="api", poll_seconds=0.2, timeout_seconds=60,
    triggers={"settings": settings.revision, "variables": variables.revision}, opts=adopt("api-deployment"),
)
Volume(
    "postgres-volume", project_id=project.project_id, environment_id=env, service_id=postgres.service_id,
    mount_path="/var/lib/postgresql/data", backup_schedules=["DAILY"], opts=adopt("postgres-volume"),
)
ServiceDomain(
    "api-domain", project_id=project.project_id, environment_id=env, service_id=api.service_id, target_port=8000,
    opts=adopt("api-domain"),
)
CustomDomain(
    "api-custom-domain", project_id=project.project_id, environment_id=env, service_id=api.service_id,
    domain=f"api.{project_name}.example.com", target_port=8000, opts=adopt("api-custom-domain"),
)
TcpProxy(
    "postgres-proxy", environment_id=env, service_id=postgres.service_id, application_port=5432,
    project_id=project.project_id, opts=adopt("postgres-proxy"),
)
""".replace("IMAGE_REF", IMAGE)


def hand_made(emulator: EmulatorServer, name: str) -> list[tuple[str, str, str]]:
    """A project made by hand with one object of every type: (type, resource name, import ID) each."""
    ui = Dashboard(emulator)
    project, env = ui.project(name)
    staging = ui.environment(project, "staging")
    api, postgres = ui.service(project, "api"), ui.service(project, "Postgres")
    ui.settings(api, env, startCommand="/app/entrypoint api", healthcheckPath="/health", healthcheckTimeout=60)
    ui.variables(project, env, api, PORT="8000", DATABASE_URL="${{Postgres.DATABASE_URL}}")
    ui.variables(project, env, None, SECRET_KEY="typed-in-by-hand")
    ui.deploy_image(env, api, IMAGE)
    volume, volume_instance = ui.volume(project, env, postgres, "/var/lib/postgresql/data")
    ui.backups(volume_instance, "DAILY")
    domain, _ = ui.service_domain(env, api, 8000)
    ui.custom_domain(project, env, api, f"api.{name}.example.com", 8000)
    proxy = ui.tcp_proxy(env, postgres, 5432)
    return [
        ("Project", "project", project),
        ("Environment", "staging", staging),
        ("Service", "api", api),
        ("Service", "postgres", postgres),
        ("ServiceInstance", "api-settings", f"{api}:{env}"),
        ("VariableCollection", "api-variables", f"{env}:{api}"),
        ("VariableCollection", "shared-variables", f"{env}:shared"),
        ("ServiceDeployment", "api-deployment", f"{api}:{env}"),
        ("Volume", "postgres-volume", f"{env}:{volume}"),
        ("ServiceDomain", "api-domain", f"{api}:{env}:{domain}"),
        # A custom domain is found by its name as well as by its id.
        ("CustomDomain", "api-custom-domain", f"{api}:{env}:api.{name}.example.com"),
        ("TcpProxy", "postgres-proxy", f"{postgres}:{env}:{proxy}"),
    ]


def workspace(root: Path, emulator: EmulatorServer, stack: str, project_name: str) -> PulumiWorkspace:
    program = root / "program"
    program.mkdir(parents=True, exist_ok=True)
    write_program(program, PROGRAM)
    (root / "state").mkdir(exist_ok=True)
    ws = PulumiWorkspace(
        project_dir=program,
        state_dir=root / "state",
        extra_env={"PYTHONPATH": str(ROOT), "RAILWAY_API_URL": emulator.url},
    )
    ws.run("stack", "init", stack)
    ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    ws.run("config", "set", "test:projectName", project_name)
    return ws


def test_pulumi_import_brings_every_type_in_and_the_next_preview_is_clean(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    objects = hand_made(emulator, "hand-made-cli")
    assert {t for t, _, _ in objects} == TYPES, "one object of every resource type"
    ws = workspace(tmp_path, emulator, "imported", "hand-made-cli")
    before = emulator.counters()
    for rtype, name, import_id in objects:
        ws.run("import", f"railway:index:{rtype}", name, import_id, "--yes", "--generate-code=false")
    state = json.loads(ws.run("stack", "export").stdout)["deployment"]["resources"]
    imported = {(r["type"], r["urn"].rsplit("::", 1)[1]): r for r in state if r["type"].startswith("railway:index:")}
    assert set(imported) == {(f"railway:index:{t}", n) for t, n, _ in objects}

    preview = ws.json("preview", "--expect-no-changes")
    changes = {s["urn"]: s["op"] for s in preview["steps"] if s["op"] != "same"}
    assert changes == {}, f"the preview after import must be clean: {changes}"
    after = emulator.counters()
    assert (after["writes"], after["deployments"]) == (before["writes"], before["deployments"]), (
        "importing and previewing must not write to Railway nor deploy"
    )
    assert "typed-in-by-hand" not in ws.run("stack", "export").stdout, "an imported variable's value is secret"


def test_the_import_option_adopts_every_object_in_one_up_without_changing_any(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    objects = hand_made(emulator, "hand-made-option")
    ws = workspace(tmp_path, emulator, "adopted", "hand-made-option")
    for _, name, import_id in objects:
        ws.run("config", "set", "--path", f"test:importIds.{name}", import_id)
    before = emulator.counters()
    preview = ws.json("preview")
    ops = {s["urn"].rsplit("::", 1)[1]: s["op"] for s in preview["steps"] if s["urn"].count("railway:index:")}
    assert ops == {name: "import" for _, name, _ in objects}, f"every object is imported, nothing else: {ops}"
    ws.run("up", "--yes", "--skip-preview")
    ws.run("preview", "--expect-no-changes")
    after = emulator.counters()
    assert (after["writes"], after["deployments"]) == (before["writes"], before["deployments"])


def test_an_import_id_of_the_wrong_shape_names_the_shape_it_needs(tmp_path: Path, emulator: EmulatorServer) -> None:
    ws = workspace(tmp_path, emulator, "wrong", "nothing")
    result = ws.run(
        "import", "railway:index:TcpProxy", "proxy", "just-an-id", "--yes", "--generate-code=false", check=False
    )
    assert result.returncode != 0
    assert "<serviceId>:<environmentId>:<proxyId>" in result.stdout + result.stderr
