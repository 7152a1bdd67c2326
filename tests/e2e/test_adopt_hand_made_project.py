"""Adopting a Railway project made by hand, the way the deployment guides describe one, against the
emulator in container mode (real containers, a real Docker volume under Postgres).

The project is typed into the dashboard (tests/hand_made.py): Postgres and Redis from templates,
`roadmap-api` with literal JWT and Django secrets and a DATABASE_URL holding the database password,
two Celery workers reading `${{roadmap-api.*}}`, a `celery-beat` with two replicas, and a row in the
database. `scripts/adopt` maps it to a `prod` stack; the first preview must show the imports and
railstack's intended changes only (never a replacement, never a delete); `up` keeps every object id
and the row; the preview after it is clean.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from railway_emulator import EmulatorServer
from railway_emulator.runtime.resources import LABEL, SERVICE_LABEL
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project
from tests.e2e.test_staging_on_emulated_railway import APP_IMAGE, IMAGE_MAP, TOKEN
from tests.hand_made import Dashboard, project_objects

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.docker, pytest.mark.usefixtures("pulumi_cli")]

PG_PASSWORD = "hand-typed-pg-7f3e1c"
REDIS_PASSWORD = "hand-typed-redis-2b9d4a"
JWT = "hand-typed-jwt-5c1a9e"
DJANGO = "hand-typed-django-8e2f6b"
REDIS_START = '/bin/sh -c "exec redis-server --requirepass \\"$REDIS_PASSWORD\\" --appendonly yes --dir /data"'
APP_SERVICES = ("roadmap-api", "roadmap-celery-logs", "roadmap-celery-content", "celery-beat")


@pytest.fixture(scope="module")
def emulator(app_engine: docker.DockerClient) -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, run_containers=True, image_map=IMAGE_MAP) as emu:
        yield emu


def wait_live(ui: Dashboard, environment_id: str, service_ids: dict[str, str], timeout: float = 240) -> None:
    """Every service's latest deployment is SUCCESS."""
    deadline = time.monotonic() + timeout
    statuses: dict[str, Any] = {}
    while time.monotonic() < deadline:
        statuses = {}
        for name, service_id in service_ids.items():
            instance = ui.gql(
                "query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) "
                "{ latestDeployment { status } } }",
                e=environment_id,
                s=service_id,
            )["serviceInstance"]
            statuses[name] = (instance.get("latestDeployment") or {}).get("status")
        if all(s == "SUCCESS" for s in statuses.values()):
            return
        if any(s in ("FAILED", "CRASHED") for s in statuses.values()):
            break
        time.sleep(1)
    pytest.fail(f"the hand-made deployments did not all succeed: {statuses}")


def shared_app_variables(api: str) -> dict[str, str]:
    """What each worker and beat got typed in: references to the API's variables."""
    return {
        "DATABASE_URL": "${{" + api + ".DATABASE_URL}}",
        "REDIS_URL": "${{Redis.REDIS_URL}}",
        "CELERY_BROKER_URL": "${{Redis.REDIS_URL}}",
        "CELERY_RESULT_BACKEND": "${{Redis.REDIS_URL}}",
        "SECRET_KEY": "${{" + api + ".SECRET_KEY}}",
        "JWT_SECRET_KEY": "${{" + api + ".JWT_SECRET_KEY}}",
        "CELERY_CONCURRENCY": "1",
        "CELERY_MAX_TASKS_PER_CHILD": "100",
        "HEARTBEAT_SECONDS": "2",
    }


@pytest.fixture(scope="module")
def hand_made(emulator: EmulatorServer) -> dict[str, Any]:
    """The guides' project, typed into the dashboard, deployed, with a row in its database."""
    ui = Dashboard(emulator, TOKEN)
    project, env = ui.project("roadmap")
    ids = {name: ui.service(project, name) for name in ("Postgres", "Redis", *APP_SERVICES)}
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
    ui.volume(project, env, redis, "/data")
    ui.settings(redis, env, startCommand=REDIS_START)
    ui.variables(
        project,
        env,
        redis,
        REDIS_PASSWORD=REDIS_PASSWORD,
        REDIS_URL=f"redis://default:{REDIS_PASSWORD}@${{{{RAILWAY_PRIVATE_DOMAIN}}}}:6379",
    )
    ui.settings(
        api,
        env,
        startCommand="/app/entrypoint api",
        preDeployCommand=["/app/entrypoint migrate"],
        healthcheckPath="/health",
        healthcheckTimeout=60,
    )
    ui.variables(
        project,
        env,
        api,
        SERVICE_TYPE="api",
        PORT="8000",
        WEB_CONCURRENCY="1",
        THREADS="2",
        DATABASE_URL=f"postgresql://postgres:{PG_PASSWORD}@postgres.railway.internal:5432/railway",
        REDIS_URL="${{Redis.REDIS_URL}}",
        CELERY_BROKER_URL="${{Redis.REDIS_URL}}",
        CELERY_RESULT_BACKEND="${{Redis.REDIS_URL}}",
        SECRET_KEY=DJANGO,
        JWT_SECRET_KEY=JWT,
    )
    domain, _ = ui.service_domain(env, api, 8000)
    for name, role in (
        ("roadmap-celery-logs", "celery_logs"),
        ("roadmap-celery-content", "celery_content_generation"),
        ("celery-beat", "beat"),
    ):
        ui.variables(project, env, ids[name], SERVICE_TYPE=role, **shared_app_variables("roadmap-api"))
    # Two schedulers: the mistake the guides warn about.
    ui.settings(ids["celery-beat"], env, multiRegionConfig={"us-west2": {"numReplicas": 2}})

    ui.deploy_image(env, pg, "ghcr.io/railwayapp-templates/postgres-ssl:16")
    ui.deploy_image(env, redis, "redis:7")
    wait_live(ui, env, {"Postgres": pg, "Redis": redis})
    ui.deploy_image(env, api, APP_IMAGE)
    wait_live(ui, env, {"roadmap-api": api})
    for name in APP_SERVICES[1:]:
        ui.deploy_image(env, ids[name], APP_IMAGE)
    wait_live(ui, env, ids)
    psql(emulator, pg, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('typed by hand')")
    return {"project": project, "environment": env, "services": ids, "volume": volume, "domain": domain}


def psql(emulator: EmulatorServer, postgres_id: str, sql: str) -> str:
    """Runs SQL in the Postgres service's running container (its data lives on the Railway volume)."""
    client = docker.from_env()
    running = client.containers.list(filters={"label": [LABEL, f"{SERVICE_LABEL}={postgres_id}"]})
    assert running, "the Postgres service has no running container"
    container = max(running, key=lambda c: c.attrs["Created"])  # the live one, after a redeploy
    code, out = container.exec_run(["psql", "-U", "postgres", "-d", "railway", "-tAc", sql])
    text = out.decode() if isinstance(out, bytes) else ""
    assert code == 0, text
    return text.strip()


def resource_type(urn: str) -> str:
    """The resource's own type in a URN (`...AppStack$railway:index:Service::name` -> railway:index:Service)."""
    return urn.split("::")[2].rsplit("$", 1)[-1]


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer, hand_made: dict) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("adopt")
    project = copy_project(root / "project", "prod")
    (project / "Pulumi.prod.yaml").unlink()  # adoption writes the stack's file
    (root / "state").mkdir()
    ws = PulumiWorkspace(
        project_dir=project,
        state_dir=root / "state",
        extra_env={"RAILWAY_API_URL": emulator.url, "RAILWAY_API_TOKEN": TOKEN},
    )
    before = emulator.counters()
    result = subprocess.run(
        [str(ROOT / "scripts" / "adopt"), "--project", hand_made["project"], "--stack", "prod", "--dir", str(project)],
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert emulator.counters()["writes"] == before["writes"], "adoption only reads Railway"
    ws.run("config", "set", "--secret", "railway:token", TOKEN)
    yield ws, result
    ws.run("destroy", "--yes", "--skip-preview", check=False, timeout=600)


def test_adoption_maps_every_service_to_its_role_and_keeps_their_names(adopted: Any, hand_made: dict) -> None:
    ws, result = adopted
    text = (ws.project_dir / "Pulumi.prod.yaml").read_text()
    for secret in (PG_PASSWORD, REDIS_PASSWORD, JWT, DJANGO):
        assert secret not in text and secret not in result.stdout + result.stderr, "no secret in the file or output"
    stack = yaml.safe_load(text)["config"]["railstack:stack"]
    assert stack["api"]["service_name"] == "roadmap-api"
    workers = {name: w for name, w in stack["workers"].items() if w}
    assert {n: (w["service_name"], w["queues"]) for n, w in workers.items()} == {
        "logs": ("roadmap-celery-logs", ["logs"]),
        "content_generation": ("roadmap-celery-content", ["content_generation"]),
    }
    assert stack["beat"]["service_name"] == "celery-beat"
    assert sorted(stack["secrets"]["provided"]) == ["postgres_password", "redis_password"]
    assert ws.run("config", "get", "railstack:postgres_password").stdout.strip() == PG_PASSWORD


def test_the_first_preview_lists_the_imports_and_intended_updates_only(adopted: Any, hand_made: dict) -> None:
    ws, _ = adopted
    steps = ws.json("preview")["steps"]
    railway = [s for s in steps if resource_type(s["urn"]).startswith("railway:index:")]
    ops = Counter(s["op"] for s in railway)
    forbidden = [s["urn"] for s in steps if s["op"] in ("replace", "create-replacement", "delete", "delete-replaced")]
    assert forbidden == [], f"adoption must never replace or delete: {forbidden}"
    created = [s["urn"] for s in railway if s["op"] == "create"]
    assert created == [], f"every Railway object exists already: {created}"
    expected = (
        1  # project
        + 1  # shared variables
        + 6 * 4  # service, settings, variables, deployment of each service
        + 2  # the Postgres and Redis volumes
        + 1  # the API's domain
    )
    assert ops["import"] == expected, dict(ops)
    others = Counter(
        resource_type(s["urn"])
        for s in steps
        if not resource_type(s["urn"]).startswith("railway:index:") and s["op"] == "create"
    )
    assert set(others) <= {
        "random:index/randomPassword:RandomPassword",
        "railstack:railway:AppStack",
        "railstack:railway:PostgresDatabase",
        "railstack:railway:RedisCache",
        "railstack:railway:AppService",
        "railstack:secrets:SecretSet",
        "pulumi:providers:random",
        "pulumi:providers:railway",
        "pulumi:pulumi:Stack",
    }, others
    beat = next(s for s in railway if s["urn"].endswith("::railstack-beat-settings") and s["op"] == "update")
    changed = set(beat.get("diffReasons") or []) | set(beat.get("detailedDiff") or {}) | set(beat.get("diffs") or [])
    assert "numReplicas" in changed, f"beat goes from 2 replicas to 1: {sorted(changed)}"
    assert beat["oldState"]["inputs"]["numReplicas"] == 2 and beat["newState"]["inputs"]["numReplicas"] == 1


def test_up_keeps_every_object_and_the_data_then_previews_clean(
    adopted: Any, hand_made: dict, emulator: EmulatorServer
) -> None:
    ws, _ = adopted
    before = project_objects(emulator, hand_made["project"])
    ws.run("up", "--yes", "--skip-preview", timeout=900)
    after = project_objects(emulator, hand_made["project"])
    assert after == before, "up must keep every object id (services, volumes, domains)"
    assert (len(before["services"]), len(before["volumes"]), len(before["serviceDomains"])) == (6, 2, 1), before
    assert psql(emulator, hand_made["services"]["Postgres"], "SELECT note FROM kept") == "typed by hand"
    ws.run("preview", "--expect-no-changes")

    ui = Dashboard(emulator, TOKEN)
    env, api = hand_made["environment"], hand_made["services"]["roadmap-api"]
    typed = ui.gql(
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        p=hand_made["project"],
        e=env,
        s=api,
    )["variables"]
    assert typed["JWT_SECRET_KEY"] == "${{shared.JWT_SECRET_KEY}}", "the literal secret became a shared reference"
    assert typed["DATABASE_URL"] == "${{Postgres.DATABASE_URL}}", "no password copied into the API any more"
    beat = ui.gql(
        "query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { latestDeployment { meta } } }",
        e=env,
        s=hand_made["services"]["celery-beat"],
    )["serviceInstance"]["latestDeployment"]["meta"]
    regions = beat["serviceManifest"]["deploy"]["multiRegionConfig"]
    assert [r["numReplicas"] for r in regions.values()] == [1], regions
    wait_live(ui, env, hand_made["services"])


def test_adopting_an_adopted_project_again_is_refused_without_force(
    adopted: Any, hand_made: dict, tmp_path: Path
) -> None:
    ws, _ = adopted
    again = subprocess.run(
        [
            str(ROOT / "scripts" / "adopt"),
            "--project",
            hand_made["project"],
            "--stack",
            "prod",
            "--dir",
            str(ws.project_dir),
        ],
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0 and "Pulumi.prod.yaml" in again.stdout + again.stderr
