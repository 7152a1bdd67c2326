"""`scripts/adopt` against the Railway API emulator: a project typed into the dashboard the way the
deployment guides describe it becomes a stack file with the right roles, service names, queues and
import IDs, its data stores' passwords kept as encrypted secrets, the app's own variables carried
(a plain LOG_LEVEL, a SENTRY_DSN kept as an encrypted secret, an ANALYTICS_URL whose Railway reference
becomes railstack's), without one write to Railway; a project that cannot be mapped exits 2 with every
problem and writes nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project
from tests.hand_made import Dashboard
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("pulumi_cli")]

IMAGE = "ghcr.io/example/roadmap:1"
PG_IMAGE = "ghcr.io/railwayapp-templates/postgres-ssl:16"
PG_PASSWORD = "typed-in-pg-3c81f0"
REDIS_PASSWORD = "typed-in-redis-94be27"
JWT = "typed-in-jwt-5d02aa"
SENTRY_DSN = "https://7d3f19ab52c@o90211.ingest.sentry.io/4411"
SECRETS = (PG_PASSWORD, REDIS_PASSWORD, JWT, SENTRY_DSN)
STACK = "staging"


def guide_project(emulator: EmulatorServer, name: str) -> dict[str, Any]:
    """The guides' project, typed into the dashboard and deployed; the ids of what it is made of."""
    ui = Dashboard(emulator)
    project, env = ui.project(name)
    ids = {
        service: ui.service(project, service)
        for service in (
            "Postgres",
            "Redis",
            "roadmap-api",
            "roadmap-celery-logs",
            "roadmap-celery-content",
            "celery-beat",
        )
    }
    pg, redis, api = ids["Postgres"], ids["Redis"], ids["roadmap-api"]
    ui.variables(
        project,
        env,
        pg,
        POSTGRES_PASSWORD=PG_PASSWORD,
        POSTGRES_USER="postgres",
        POSTGRES_DB="railway",
        PGDATA="/var/lib/postgresql/data/pgdata",
        DATABASE_URL=f"postgresql://postgres:{PG_PASSWORD}@${{{{RAILWAY_PRIVATE_DOMAIN}}}}:5432/railway",
    )
    volume, _ = ui.volume(project, env, pg, "/var/lib/postgresql/data")
    ui.variables(
        project,
        env,
        redis,
        REDIS_PASSWORD=REDIS_PASSWORD,
        REDIS_URL=f"redis://default:{REDIS_PASSWORD}@${{{{RAILWAY_PRIVATE_DOMAIN}}}}:6379",
    )
    ui.variables(
        project,
        env,
        api,
        SERVICE_TYPE="api",
        JWT_SECRET_KEY=JWT,
        DATABASE_URL=f"postgresql://postgres:{PG_PASSWORD}@postgres.railway.internal:5432/railway",
        SENTRY_DSN=SENTRY_DSN,
        LOG_LEVEL="debug",
    )
    domain, _ = ui.service_domain(env, api, 8000)
    for service, role, own in (
        ("roadmap-celery-logs", "celery_logs", {"SENTRY_DSN": "${{roadmap-api.SENTRY_DSN}}"}),
        (
            "roadmap-celery-content",
            "celery_content_generation",
            {"ANALYTICS_URL": "https://${{roadmap-api.RAILWAY_PUBLIC_DOMAIN}}/x"},
        ),
    ):
        ui.variables(
            project,
            env,
            ids[service],
            SERVICE_TYPE=role,
            JWT_SECRET_KEY="${{roadmap-api.JWT_SECRET_KEY}}",
            DATABASE_URL="${{roadmap-api.DATABASE_URL}}",
            LOG_LEVEL="debug",
            **own,
        )
    ui.variables(project, env, ids["celery-beat"], SERVICE_TYPE="beat", LOG_LEVEL="debug")
    ui.settings(ids["celery-beat"], env, multiRegionConfig={"us-west2": {"numReplicas": 2}})
    ui.deploy_image(env, pg, PG_IMAGE)
    ui.deploy_image(env, redis, "redis:7")
    for service in ("roadmap-api", "roadmap-celery-logs", "roadmap-celery-content", "celery-beat"):
        ui.deploy_image(env, ids[service], IMAGE)
    return {"project": project, "environment": env, "services": ids, "volume": volume, "domain": domain}


def workspace(root: Path, emulator: EmulatorServer) -> PulumiWorkspace:
    """A copy of the railstack project with no stack file for STACK, and its own state backend."""
    project = copy_project(root / "project", STACK)
    (project / f"Pulumi.{STACK}.yaml").unlink()  # copy_project brings the repository's; adopt writes its own
    (root / "state").mkdir()
    return PulumiWorkspace(
        project_dir=project,
        state_dir=root / "state",
        extra_env={"RAILWAY_API_URL": emulator.url, "RAILWAY_API_TOKEN": EMULATOR_TOKEN},
    )


def run_adopt(ws: PulumiWorkspace, project_id: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(ROOT / "scripts" / "adopt"),
            "--project",
            project_id,
            "--stack",
            STACK,
            "--dir",
            str(ws.project_dir),
            *extra,
        ],
        env=ws.env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer) -> dict[str, Any]:
    seeded = guide_project(emulator, "roadmap")
    ws = workspace(tmp_path_factory.mktemp("adopt"), emulator)
    before = emulator.counters()
    result = run_adopt(ws, seeded["project"])
    after = emulator.counters()
    assert result.returncode == 0, result.stdout + result.stderr
    return {**seeded, "ws": ws, "result": result, "writes": (before["writes"], after["writes"])}


def stack_file(adopted: dict[str, Any]) -> Path:
    return adopted["ws"].project_dir / f"Pulumi.{STACK}.yaml"


def test_adoption_only_reads_railway(adopted: dict[str, Any]) -> None:
    before, after = adopted["writes"]
    assert after == before, "adopt changes nothing in Railway"


def test_the_stack_file_maps_every_service_to_its_role_and_keeps_its_name(adopted: dict[str, Any]) -> None:
    config = yaml.safe_load(stack_file(adopted).read_text())["config"]["railstack:stack"]
    assert config["environment"] == "staging" and config["target"] == "railway"
    assert config["project_name"] == "roadmap"
    assert config["app"] == {"image": IMAGE}
    assert config["api"]["service_name"] == "roadmap-api"
    assert config["api"]["public_domain"] is True
    assert config["api"]["port"] == 8000, "the domain's target port"
    assert config["workers"] == {
        "logs": {"service_name": "roadmap-celery-logs", "queues": ["logs"], "start_command": None},
        "content_generation": {
            "service_name": "roadmap-celery-content",
            "queues": ["content_generation"],
            "start_command": None,
            "variables": {"ANALYTICS_URL": "https://${api.public_domain}/x", "SENTRY_DSN": None},
        },
    }
    assert config["beat"] == {"service_name": "celery-beat", "start_command": None, "variables": {"SENTRY_DSN": None}}
    assert config["flower"] == {"enabled": False}
    assert config["postgres"] == {"service_name": "Postgres", "image": PG_IMAGE, "volume": True}
    assert config["redis"] == {"service_name": "Redis", "image": "redis:7", "volume": False}
    assert config["secrets"] == {"provided": ["postgres_password", "redis_password"]}


def test_the_apps_own_variables_are_carried_and_the_secret_kept_encrypted(adopted: dict[str, Any]) -> None:
    ws, result = adopted["ws"], adopted["result"]
    text = stack_file(adopted).read_text()
    config = yaml.safe_load(text)["config"]
    stack = config["railstack:stack"]
    assert stack["variables"] == {"LOG_LEVEL": "debug"}, "the same on every app service: once, stack-wide"
    assert stack["sensitive_variables"] == ["SENTRY_DSN"]
    assert "variables" not in stack["api"], "the API's SENTRY_DSN is the sensitive variable itself"
    assert stack["workers"]["content_generation"]["variables"]["ANALYTICS_URL"] == "https://${api.public_domain}/x"
    assert "variables" not in stack["workers"]["logs"], "its ${{roadmap-api.SENTRY_DSN}} is the same secret"
    assert set(config["railstack:SENTRY_DSN"]) == {"secure"}
    assert SENTRY_DSN not in text and SENTRY_DSN not in result.stdout + result.stderr
    assert ws.run("config", "get", "-s", STACK, "railstack:SENTRY_DSN").stdout.strip() == SENTRY_DSN
    model = load_stack_config(STACK, stack)
    plan = build_plan(STACK, model)
    assert plan.workload("api").variables["SENTRY_DSN"].text == "${secrets.SENTRY_DSN}"
    assert plan.workload("worker-logs").variables["SENTRY_DSN"].text == "${secrets.SENTRY_DSN}"
    assert "SENTRY_DSN" not in plan.workload("worker-content-generation").variables
    assert plan.workload("beat").variables["LOG_LEVEL"].text == "debug"
    assert "# Variables of the app services (names only):" in text
    assert "#   roadmap-api (api): plain LOG_LEVEL; secret SENTRY_DSN; replaced by railstack " in text


def test_the_summary_names_the_carried_variables(adopted: dict[str, Any]) -> None:
    out = adopted["result"].stdout
    assert "variables carried (names only" in out
    assert "  roadmap-celery-content (workers.content_generation): plain LOG_LEVEL; translated ANALYTICS_URL; " in out
    assert "replaced by railstack DATABASE_URL, JWT_SECRET_KEY, SERVICE_TYPE" in out
    assert "  every app role (variables): LOG_LEVEL" in out
    assert "  secrets (sensitive_variables, values encrypted as railstack:<NAME>): SENTRY_DSN" in out


def test_the_import_ids_are_the_emulators_objects(adopted: dict[str, Any]) -> None:
    imports = yaml.safe_load(stack_file(adopted).read_text())["config"]["railstack:import"]
    env, ids = adopted["environment"], adopted["services"]
    expected = {
        "railstack-project": adopted["project"],
        "railstack-shared-variables": f"{env}:shared",
        "railstack-postgres-volume": f"{env}:{adopted['volume']}",
        "railstack-api-domain": f"{ids['roadmap-api']}:{env}:{adopted['domain']}",
    }
    for component, service in (
        ("postgres", "Postgres"),
        ("redis", "Redis"),
        ("api", "roadmap-api"),
        ("worker-logs", "roadmap-celery-logs"),
        ("worker-content-generation", "roadmap-celery-content"),
        ("beat", "celery-beat"),
    ):
        service_id = ids[service]
        expected[f"railstack-{component}-service"] = service_id
        expected[f"railstack-{component}-settings"] = f"{service_id}:{env}"
        expected[f"railstack-{component}-variables"] = f"{env}:{service_id}"
        expected[f"railstack-{component}-deployment"] = f"{service_id}:{env}"
    assert imports == expected


def test_the_passwords_are_kept_as_encrypted_secrets_and_never_shown(adopted: dict[str, Any]) -> None:
    ws, result = adopted["ws"], adopted["result"]
    text = stack_file(adopted).read_text()
    for secret in SECRETS:
        assert secret not in text, "no secret in plain text in the stack file"
        assert secret not in result.stdout + result.stderr, "no secret in adopt's output"
    config = yaml.safe_load(text)["config"]
    assert set(config["railstack:postgres_password"]) == {"secure"}
    assert ws.run("config", "get", "-s", STACK, "railstack:postgres_password").stdout.strip() == PG_PASSWORD
    assert ws.run("config", "get", "-s", STACK, "railstack:redis_password").stdout.strip() == REDIS_PASSWORD


def test_the_summary_gives_the_mapping_imports_secrets_and_next_commands(adopted: dict[str, Any]) -> None:
    out = adopted["result"].stdout
    assert "roadmap-celery-content  -> worker content_generation (queues: content_generation)" in out
    assert "28 import IDs under railstack:import" in out
    assert "railstack:postgres_password, railstack:redis_password, railstack:SENTRY_DSN" in out
    assert "celery-beat runs 2 replicas" in out
    assert f"pulumi preview -s {STACK}" in out and f"pulumi up -s {STACK}" in out


def test_an_existing_stack_file_is_kept_unless_forced(adopted: dict[str, Any], tmp_path: Path) -> None:
    ws, path = adopted["ws"], stack_file(adopted)
    written = path.read_text()
    again = run_adopt(ws, adopted["project"])
    assert again.returncode == 1 and f"Pulumi.{STACK}.yaml exists" in again.stderr
    assert path.read_text() == written

    backup = tmp_path / "backup.yaml"
    shutil.copy(path, backup)
    try:
        forced = run_adopt(ws, adopted["project"], "--force")
        assert forced.returncode == 0, forced.stdout + forced.stderr
        rewritten = yaml.safe_load(path.read_text())
        assert rewritten["encryptionsalt"] == yaml.safe_load(written)["encryptionsalt"], "the stack's salt stays"
        assert ws.run("config", "get", "-s", STACK, "railstack:postgres_password").stdout.strip() == PG_PASSWORD
    finally:
        shutil.copy(backup, path)


def test_a_failed_secret_write_puts_the_stack_file_back(adopted: dict[str, Any]) -> None:
    ws, path = adopted["ws"], stack_file(adopted)
    written = path.read_text()
    wrong = PulumiWorkspace(ws.project_dir, ws.state_dir, {**ws.extra_env, "PULUMI_CONFIG_PASSPHRASE": "not-the-one"})
    failed = run_adopt(wrong, adopted["project"], "--force")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "pulumi config set --secret" in failed.stderr and "nothing was written" in failed.stderr
    assert path.read_text() == written, "the previous stack file is back, byte for byte"
    for secret in SECRETS:
        assert secret not in failed.stdout + failed.stderr


@pytest.mark.engine
def test_the_first_preview_imports_every_railway_object_and_creates_none(adopted: dict[str, Any]) -> None:
    ws = adopted["ws"]
    ws.run("config", "set", "--secret", "-s", STACK, "railway:token", EMULATOR_TOKEN)
    steps = ws.json("preview", "-s", STACK)["steps"]
    # urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>
    railway = [
        (s["urn"].rsplit("::", 1)[1], s["op"])
        for s in steps
        if s["urn"].split("::")[2].rsplit("$", 1)[-1].startswith("railway:index:")
    ]
    imports = yaml.safe_load(stack_file(adopted).read_text())["config"]["railstack:import"]
    assert {name for name, op in railway if op == "import"} == set(imports), "every import ID is used"
    assert [name for name, op in railway if op == "create"] == [], "every Railway object exists already"
    assert not [s["urn"] for s in steps if s["op"] in ("create-replacement", "replace", "delete", "delete-replaced")]


def test_a_project_that_cannot_be_mapped_exits_2_lists_every_problem_and_writes_nothing(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    ui = Dashboard(emulator)
    project, env = ui.project("tangle")
    pg = ui.service(project, "Postgres")
    ui.variables(project, env, pg, POSTGRES_PASSWORD=PG_PASSWORD, PGDATA="/var/lib/postgresql/data/pgdata")
    ui.volume(project, env, pg, "/var/lib/postgresql/data")
    ui.deploy_image(env, pg, PG_IMAGE)
    ids = {name: ui.service(project, name) for name in ("api-one", "api-two", "mystery")}
    for name in ("api-one", "api-two"):
        ui.variables(project, env, ids[name], SERVICE_TYPE="api")
        ui.deploy_image(env, ids[name], IMAGE)
    ui.deploy_image(env, ids["mystery"], "ghcr.io/example/other:2")
    ws = workspace(tmp_path, emulator)
    before = emulator.counters()["writes"]

    result = run_adopt(ws, project)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"adopt: tangle ({project}) cannot be adopted as stack {STACK}:"
    assert f'  - service "api-one" ({ids["api-one"]}): one of 2 API services' in result.stderr
    assert f'  - service "api-two" ({ids["api-two"]}): one of 2 API services' in result.stderr
    assert (
        f'  - service "mystery" ({ids["mystery"]}): it runs image ghcr.io/example/other:2, while the other app '
        f"services run image {IMAGE}"
    ) in result.stderr
    assert f'  - service "mystery" ({ids["mystery"]}): no rule places it' in result.stderr
    assert "Nothing was written" in result.stderr
    assert PG_PASSWORD not in result.stdout + result.stderr
    assert not (ws.project_dir / f"Pulumi.{STACK}.yaml").exists(), "nothing is written"
    assert ws.json("stack", "ls") == [], "no stack is created"
    assert emulator.counters()["writes"] == before
