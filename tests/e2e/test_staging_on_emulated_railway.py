"""`pulumi up -s staging` against the emulator in container mode: every deployment runs for real on
the local Docker engine with Railway's semantics (railway_emulator/runtime/), so the stack is
proven to work, not only to be booked.

Real engine, real Docker, the reference app's image built locally (`app.image` overridden to it),
Railway's registry images mapped to the base images `scripts/base-images` builds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import docker
import httpx
import pytest

from railway_emulator import EmulatorServer
from railway_emulator.runtime.resources import LABEL
from support.pulumi_cli import PulumiWorkspace, copy_project, edit_stack_config

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.docker, pytest.mark.usefixtures("pulumi_cli")]

TOKEN = "container-mode-token"
APP_IMAGE = "railstack/app:emulated"
IMAGE_MAP = {
    # Railway's images exist only in registries; these machines build look-alikes from Debian's packages.
    "ghcr.io/railwayapp-templates/postgres-ssl:16": "railstack/postgres:15",
    "redis:7": "railstack/redis:7",
}
UNWRAPPED_REDIS = "redis-server --requirepass $REDIS_PASSWORD --appendonly yes --dir /data"


@pytest.fixture(scope="module")
def emulator(app_engine: docker.DockerClient) -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, run_containers=True, image_map=IMAGE_MAP) as emu:
        yield emu
    left = [c.name for c in app_engine.containers.list(all=True, filters={"label": LABEL})]
    assert left == [], f"stopping the emulator must remove its containers: {left}"


def graphql(emulator: EmulatorServer, query: str, variables: dict) -> dict:
    body = httpx.post(
        emulator.url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    ).json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer) -> Iterator[PulumiWorkspace]:
    root = tmp_path_factory.mktemp("emulated-staging")
    project = copy_project(root / "project", "staging")
    edit_stack_config(
        project,
        "staging",
        {
            "app": {"image": APP_IMAGE},
            "variables": {"HEARTBEAT_SECONDS": "2"},
            "deployments": {"poll_seconds": 0.5},
        },
    )
    (root / "state").mkdir()
    ws = PulumiWorkspace(project_dir=project, state_dir=root / "state", extra_env={"RAILWAY_API_URL": emulator.url})
    ws.run("stack", "init", "staging")
    ws.run("config", "set", "--secret", "railway:token", TOKEN)
    started = time.monotonic()
    ws.run("up", "--yes", "--skip-preview", timeout=900)
    print(f"\nstaging up in container mode: {time.monotonic() - started:.1f} s")
    yield ws
    ws.run("destroy", "--yes", "--skip-preview", check=False, timeout=600)


def outputs(ws: PulumiWorkspace) -> dict:
    return ws.json("stack", "output", "--show-secrets")


def environment_id(emulator: EmulatorServer, project_id: str) -> str:
    edges = graphql(
        emulator,
        "query($id: String!) { project(id: $id) { environments { edges { node { id } } } } }",
        {"id": project_id},
    )["project"]["environments"]["edges"]
    return edges[0]["node"]["id"]


def rendered(emulator: EmulatorServer, ws: PulumiWorkspace, role: str) -> dict[str, str]:
    out = outputs(ws)
    return graphql(
        emulator,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        {"p": out["project_id"], "e": environment_id(emulator, out["project_id"]), "s": out["service_ids"][role]},
    )["variables"]


def edge_get(emulator: EmulatorServer, ws: PulumiWorkspace, path: str) -> httpx.Response:
    host = outputs(ws)["api_url"].removeprefix("https://")
    assert emulator.edge is not None
    return httpx.get(f"http://127.0.0.1:{emulator.edge.port}{path}", headers={"Host": host}, timeout=15)


def edge_post(emulator: EmulatorServer, ws: PulumiWorkspace, path: str, body: dict) -> httpx.Response:
    host = outputs(ws)["api_url"].removeprefix("https://")
    assert emulator.edge is not None
    return httpx.post(f"http://127.0.0.1:{emulator.edge.port}{path}", headers={"Host": host}, json=body, timeout=15)


def containers_by_service(engine: docker.DockerClient, ws: PulumiWorkspace) -> dict[str, set[str]]:
    ids = {v: k for k, v in outputs(ws)["service_ids"].items()}
    found: dict[str, set[str]] = {role: set() for role in ids.values()}
    for container in engine.containers.list(filters={"label": "railway-emulator.service"}):
        role = ids.get(container.labels["railway-emulator.service"])
        if role and container.id:
            found[role].add(container.id)
    return found


def heartbeats_in(engine: docker.DockerClient, postgres: str) -> int:
    """The heartbeats beat recorded, counted by psql in the Postgres container."""
    query = ["psql", "-U", "postgres", "-d", "railway", "-tAc", "SELECT count(*) FROM heartbeats"]
    output = engine.containers.get(postgres).exec_run(query).output
    assert isinstance(output, bytes), "exec_run without stream returns the whole output"
    return int(output.strip() or 0)


def wait_for(check, seconds: float = 60, every: float = 1.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def test_every_service_runs_and_every_deployment_succeeded(
    staging: PulumiWorkspace, emulator: EmulatorServer, app_engine: docker.DockerClient
) -> None:
    view = emulator.emulator.runtime_view()
    statuses = {row["serviceName"]: row["status"] for row in view["deployments"]}
    print(
        f"\ndeployments: {statuses}; durations: { {row['serviceName']: row['seconds'] for row in view['deployments']} }"
    )
    assert statuses == {
        name: "SUCCESS"
        for name in ("Postgres", "Redis", "api", "worker-logs", "worker-content-generation", "beat", "flower")
    }
    running = containers_by_service(app_engine, staging)
    assert all(len(ids) == 1 for ids in running.values()), running


def test_the_api_is_healthy_through_the_edge(staging: PulumiWorkspace, emulator: EmulatorServer) -> None:
    health = edge_get(emulator, staging, "/health")
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": True, "redis": True}, health.text


def test_tasks_run_on_their_workers_and_beat_records_heartbeats(
    staging: PulumiWorkspace, emulator: EmulatorServer, app_engine: docker.DockerClient
) -> None:
    content = edge_post(emulator, staging, "/tasks/content", {"topic": "railways"})
    log = edge_post(emulator, staging, "/logs", {"level": "info", "message": "hello from the edge"})
    assert content.status_code == 202 and log.status_code == 202, (content.text, log.text)
    for task in (content.json()["id"], log.json()["id"]):
        done = wait_for(lambda t=task: edge_get(emulator, staging, f"/tasks/{t}").json().get("status") == "done", 60)
        assert done, edge_get(emulator, staging, f"/tasks/{task}").text
    postgres = next(iter(containers_by_service(app_engine, staging)["postgres"]))
    beats = wait_for(lambda: heartbeats_in(app_engine, postgres) >= 1, 30)
    assert beats, "beat must record heartbeats"


def test_flower_asks_for_its_generated_credentials(
    staging: PulumiWorkspace, emulator: EmulatorServer, app_engine: docker.DockerClient
) -> None:
    flower = app_engine.containers.get(next(iter(containers_by_service(app_engine, staging)["flower"])))
    address = next(iter(flower.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
    user, password = rendered(emulator, staging, "flower")["FLOWER_BASIC_AUTH"].split(":", 1)
    assert httpx.get(f"http://{address}:5555/", timeout=10).status_code == 401
    assert httpx.get(f"http://{address}:5555/", auth=(user, password), timeout=10).status_code == 200


def test_the_apis_database_url_comes_from_railways_reference(
    staging: PulumiWorkspace, app_engine: docker.DockerClient
) -> None:
    api = app_engine.containers.get(next(iter(containers_by_service(app_engine, staging)["api"])))
    env = dict(line.split("=", 1) for line in api.attrs["Config"]["Env"] if "=" in line)
    assert "@postgres.railway.internal:5432/railway" in env["DATABASE_URL"], "rendered from ${{Postgres.DATABASE_URL}}"
    assert env["RAILWAY_SERVICE_NAME"] == "api" and env["RAILWAY_ENVIRONMENT_NAME"] == "staging"


def test_the_old_unwrapped_redis_command_breaks_redis_and_the_wrapped_one_mends_it(
    staging: PulumiWorkspace, emulator: EmulatorServer
) -> None:
    out = outputs(staging)
    ids = {"serviceId": out["service_ids"]["redis"], "environmentId": environment_id(emulator, out["project_id"])}
    wrapped = graphql(
        emulator,
        "query($serviceId: String!, $environmentId: String!) { serviceInstance("
        "serviceId: $serviceId, environmentId: $environmentId) { startCommand } }",
        ids,
    )
    wrapped = wrapped["serviceInstance"]["startCommand"]

    def redeploy(command: str) -> None:
        graphql(
            emulator,
            "mutation($serviceId: String!, $environmentId: String!, $input: ServiceInstanceUpdateInput!) "
            "{ serviceInstanceUpdate(serviceId: $serviceId, environmentId: $environmentId, input: $input) }",
            {**ids, "input": {"startCommand": command}},
        )
        deployment = graphql(
            emulator,
            "mutation($serviceId: String!, $environmentId: String!) "
            "{ serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId) }",
            ids,
        )
        assert wait_for(
            lambda: (
                graphql(
                    emulator,
                    "query($id: String!) { deployment(id: $id) { status } }",
                    {"id": deployment["serviceInstanceDeployV2"]},
                )["deployment"]["status"]
                in ("SUCCESS", "FAILED", "CRASHED")
            ),
            60,
        )

    redeploy(UNWRAPPED_REDIS)
    broken = wait_for(lambda: edge_get(emulator, staging, "/health").json().get("redis") is False, 30)
    assert broken, "with $REDIS_PASSWORD unexpanded, Redis must refuse the API's password"
    redeploy(wrapped)
    mended = wait_for(lambda: edge_get(emulator, staging, "/health").json().get("redis") is True, 30)
    assert mended, "the shell-wrapped command must give Redis the real password again"
    staging.run("refresh", "--yes", "--skip-preview")
    staging.run("preview", "--expect-no-changes")


def test_a_one_variable_change_redeploys_exactly_that_service(
    staging: PulumiWorkspace, app_engine: docker.DockerClient
) -> None:
    before = containers_by_service(app_engine, staging)
    edit_stack_config(
        staging.project_dir, "staging", {"workers": {"logs": {"concurrency": 3}, "content_generation": {}}}
    )
    staging.run("up", "--yes", "--skip-preview", timeout=600)
    after = wait_for(
        lambda: (lambda c: c if len(c["worker-logs"]) == 1 else None)(containers_by_service(app_engine, staging)), 60
    )
    assert after is not None, "the logs worker must be down to one (new) container"
    changed = {role for role in before if before[role] != after[role]}
    assert changed == {"worker-logs"}, f"only the logs worker may change: {changed}"
    assert before["worker-logs"].isdisjoint(after["worker-logs"]), "a new container replaced the old one"


def test_a_failing_migration_ends_failed_with_its_output_and_fails_the_up(
    staging: PulumiWorkspace, emulator: EmulatorServer, app_engine: docker.DockerClient
) -> None:
    before = containers_by_service(app_engine, staging)
    edit_stack_config(
        staging.project_dir,
        "staging",
        {"api": {"pre_deploy_command": '/bin/sh -c "echo migration 0042 broke: relation missing >&2; exit 3"'}},
    )
    proc = staging.run("up", "--yes", "--skip-preview", check=False, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "staging: service api: deployment" in output and "ended FAILED" in output, output[
        -3000:
    ]
    assert "migration 0042 broke: relation missing" in output and "exit code 3" in output, output[-3000:]
    assert containers_by_service(app_engine, staging)["api"] == before["api"], "the live API keeps running"
    assert edge_get(emulator, staging, "/health").status_code == 200

    edit_stack_config(staging.project_dir, "staging", {"api": {"pre_deploy_command": "/app/entrypoint migrate"}})
    staging.run("up", "--yes", "--skip-preview", timeout=600)
    staging.run("preview", "--expect-no-changes")


def test_destroy_leaves_no_container_network_or_volume(
    staging: PulumiWorkspace, emulator: EmulatorServer, app_engine: docker.DockerClient
) -> None:
    staging.run("destroy", "--yes", "--skip-preview", timeout=600)
    owned = emulator.emulator.runtime_view()["owned"]
    labelled = {
        "containers": len(app_engine.containers.list(all=True, filters={"label": LABEL})),
        "networks": len(app_engine.networks.list(filters={"label": LABEL})),
        "volumes": len(app_engine.volumes.list(filters={"label": LABEL})),
    }
    print(f"\nafter destroy: {labelled}")
    assert owned == {"containers": [], "networks": [], "volumes": [], "images": []} and labelled == {
        "containers": 0,
        "networks": 0,
        "volumes": 0,
    }, (owned, labelled)
