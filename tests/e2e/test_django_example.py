"""The README's Django example, as written, deploys a real Django project: on `dev` (the real engine,
the real Docker engine) and on `staging` against the emulator in container mode.

`tests/fixtures/mysite` is a Django + Celery + django-celery-beat project written without railstack
in mind (its own settings package, Dockerfile, commands and variable names). Its configuration is the
README's example block itself, read from README.md, so the documentation cannot drift from what is
proven here; a test changes only what it must: where the image comes from (`app.path: ..` on dev;
on Railway `app.image`, the very image the dev stack built, so mysite is built once per session),
this machine's base images, ports, the project name, the poll interval and the example's
`SENTRY_DSN` secret; on dev also the start timeout the README gives dev stacks.

Each target is checked the same way: the admin's login page answers (through the published port on
dev, through the emulator's edge by Host on staging), a view's task is run by the worker (the row it
writes and the task's state in the result backend read back through a view), beat sends the
`heartbeat` periodic task (django-celery-beat's `last_run_at`, `total_run_count`, and the rows the
task writes growing) and beat is alive by the example's liveness command.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
import httpx
import pytest

from railway_emulator import EmulatorServer
from railway_emulator.runtime.resources import LABEL
from support.ports import free_port
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project, edit_stack_config
from tests.e2e.test_dev_stack_docker import inspect, labelled
from tests.e2e.test_staging_on_emulated_railway import IMAGE_MAP, TOKEN, containers_by_service, outputs
from tests.unit.test_readme_examples import django_example

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.docker, pytest.mark.usefixtures("pulumi_cli")]

MYSITE = ROOT / "tests" / "fixtures" / "mysite"
ROLES = ("api", "worker-default", "beat", "flower")
#: The example's one secret (`sensitive_variables`), set as its comment says.
SENTRY_DSN = "https://public@sentry.invalid/1"
#: Beat sends `heartbeat` every 30 s (reports/migrations/0002_heartbeat_schedule.py).
HEARTBEAT_SECONDS = 30
#: django-celery-beat writes `last_run_at` when beat syncs: 3 minutes after it starts, then every 3.
FIRST_SYNC_SECONDS = 180 + HEARTBEAT_SECONDS
#: This machine's python:3.11-slim (scripts/base-images): mysite's Dockerfile's BASE_IMAGE.
PYTHON_IMAGE = "railstack/python:3.11"
#: The image the dev stack built, under the name the staging stack runs it by.
MYSITE_IMAGE = "railstack/mysite:emulated"


@dataclass
class Site:
    """One deployed mysite: how the tests reach its API, its Postgres and its containers."""

    stack: str
    """dev (local Docker) or staging (the emulated Railway)."""
    ws: PulumiWorkspace
    prefix: str
    """Docker names on dev; the Railway project name on staging."""
    get: Callable[[str], httpx.Response]
    post: Callable[[str], httpx.Response]
    psql: Callable[[str], str]
    container: Callable[[str], Any]
    """The docker-py container of a role."""


def wait_for(what: str, probe: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(1)
    pytest.fail(f"{what}: not within {timeout:.0f} s (last: {last!r})")


def psql_in(container: Any, query: str) -> str:
    code, output = container.exec_run(["psql", "-U", "postgres", "-d", "railway", "-tAc", query])
    assert code == 0, output
    return output.decode().strip()


def up(ws: PulumiWorkspace, stack: str, token: str | None = None) -> None:
    ws.run("stack", "init", stack)
    if token is not None:
        ws.run("config", "set", "--secret", "railway:token", token)
    ws.run("config", "set", "--secret", "SENTRY_DSN", SENTRY_DSN)
    started = time.monotonic()
    ws.run("up", "--yes", "--skip-preview", timeout=1200)
    print(f"\nmysite {stack} up: {time.monotonic() - started:.1f} s")


@pytest.fixture(scope="module")
def engine() -> docker.DockerClient:
    client = docker.from_env(timeout=600)
    for image in (*IMAGE_MAP.values(), PYTHON_IMAGE):
        client.images.get(image)  # scripts/base-images builds them; missing is a failure, not a skip
    return client


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory, engine: docker.DockerClient) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("mysite-dev")
    # mysite's repository, with railstack in infra/ and the README's example as its stack config.
    repo = root / "mysite"
    shutil.copytree(MYSITE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    infra = copy_project(repo / "infra", "dev")
    prefix = f"railstack-mysite-{uuid.uuid4().hex[:6]}"
    api_port, flower_port = free_port(), free_port()
    example = django_example()
    config = {
        **example,
        "project_name": prefix,
        "app": {"path": "..", "celery_app": example["app"]["celery_app"], "build_args": {"BASE_IMAGE": PYTHON_IMAGE}},
        # No registry here: the look-alikes scripts/base-images builds (as tests/fixtures/shop does).
        "postgres": {"version": "15", "image": "railstack/postgres:15"},
        "redis": {"image": "railstack/redis:7"},
        # The README's dev setting: beat is alive only from its first sync, 3 minutes after it starts.
        "docker": {"api_port": api_port, "flower_port": flower_port, "start_timeout": 300},
    }
    edit_stack_config(infra, "dev", config, replace=True)
    ws = PulumiWorkspace(project_dir=infra, state_dir=root / "state")
    ws.state_dir.mkdir()
    api = f"http://127.0.0.1:{api_port}"
    try:
        up(ws, "dev")
        yield Site(
            "dev",
            ws,
            prefix,
            get=lambda path: httpx.get(f"{api}{path}", timeout=15),
            post=lambda path: httpx.post(f"{api}{path}", timeout=15),
            psql=lambda query: psql_in(engine.containers.get(f"{prefix}-postgres"), query),
            container=lambda role: engine.containers.get(f"{prefix}-{role}"),
        )
    finally:
        ws.run("destroy", "--yes", "--continue-on-error", check=False, timeout=600)
        left = labelled("container", prefix)
        for volume in labelled("volume", prefix):
            subprocess.run(["docker", "volume", "rm", "-f", volume], capture_output=True)
        assert left == [], f"destroy left containers behind: {left}"


@pytest.fixture(scope="module")
def emulator(engine: docker.DockerClient) -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, run_containers=True, image_map=IMAGE_MAP) as emu:
        assert emu.emulator.runtime is not None
        # This emulator's own containers: other emulators may run on the same engine meanwhile.
        mine = f"{LABEL}={emu.emulator.runtime.instance_id}"
        yield emu
    left = [c.name for c in engine.containers.list(all=True, filters={"label": mine})]
    assert left == [], f"stopping the emulator must remove its containers: {left}"


@pytest.fixture(scope="module")
def mysite_image(dev: Site, engine: docker.DockerClient) -> Iterator[str]:
    """The image the dev stack built from `app.path: ..` with mysite's own Dockerfile, tagged for the
    emulated Railway: one build of mysite per session (the staging stack is gone before it is untagged)."""
    assert engine.images.get(f"{dev.prefix}-app:latest").tag(MYSITE_IMAGE)
    yield MYSITE_IMAGE
    with contextlib.suppress(docker.errors.ImageNotFound):
        engine.images.remove(MYSITE_IMAGE)


@pytest.fixture(scope="module")
def staging(
    tmp_path_factory: pytest.TempPathFactory,
    emulator: EmulatorServer,
    engine: docker.DockerClient,
    mysite_image: str,
) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("mysite-staging")
    project = copy_project(root / "project", "staging")
    example = django_example()
    config = {
        **example,
        "app": {**example["app"], "image": mysite_image},
        "deployments": {"poll_seconds": 0.5},
    }
    edit_stack_config(project, "staging", config, replace=True)
    (root / "state").mkdir()
    ws = PulumiWorkspace(project_dir=project, state_dir=root / "state", extra_env={"RAILWAY_API_URL": emulator.url})
    assert emulator.edge is not None
    edge = f"http://127.0.0.1:{emulator.edge.port}"

    def one(role: str) -> Any:
        [container_id] = containers_by_service(engine, ws)[role]
        return engine.containers.get(container_id)

    try:
        up(ws, "staging", TOKEN)
        host = outputs(ws)["api_url"].removeprefix("https://")
        yield Site(
            "staging",
            ws,
            "railstack-staging",
            get=lambda path: httpx.get(f"{edge}{path}", headers={"Host": host}, timeout=15),
            post=lambda path: httpx.post(f"{edge}{path}", headers={"Host": host}, timeout=15),
            psql=lambda query: psql_in(one("postgres"), query),
            container=one,
        )
    finally:
        ws.run("destroy", "--yes", "--skip-preview", check=False, timeout=600)


@pytest.fixture(params=["dev", "staging"])
def site(request: pytest.FixtureRequest) -> Site:
    return request.getfixturevalue(request.param)


def test_every_role_is_live(site: Site, request: pytest.FixtureRequest) -> None:
    if site.stack == "dev":  # every container healthy by its liveness
        for role in ROLES:
            state = site.container(role).attrs["State"]
            assert state["Health"]["Status"] == "healthy", f"{role}: {state['Health']['Log'][-1:]}"
    else:
        emulator: EmulatorServer = request.getfixturevalue("emulator")
        latest = {row["serviceName"]: row["status"] for row in emulator.emulator.runtime_view()["deployments"]}
        assert latest == {name: "SUCCESS" for name in ("Postgres", "Redis", *ROLES)}, latest


def test_the_admin_login_page_answers(site: Site) -> None:
    page = site.get("/admin/login/")
    assert page.status_code == 200, page.text[-2000:]
    assert 'name="username"' in page.text and "Django administration" in page.text


def test_a_views_task_is_run_by_the_worker_and_read_back(site: Site) -> None:
    created = site.post("/reports/")
    assert created.status_code == 202, created.text[-2000:]
    report_id = created.json()["id"]
    report = wait_for(
        f"report {report_id} built",
        lambda: (r := site.get(f"/reports/{report_id}/").json())["task_state"] == "SUCCESS" and r,
        timeout=60,
    )
    worker = site.container("worker-default").attrs["Config"]["Hostname"]
    assert (report["status"], report["built_by"]) == ("done", worker), "worker-default ran it (queue celery)"


def test_beat_sends_the_heartbeat_periodic_task_and_the_worker_runs_it(site: Site) -> None:
    sent = wait_for(
        "heartbeat sent by beat",
        lambda: site.psql(
            "SELECT total_run_count FROM django_celery_beat_periodictask "
            "WHERE name = 'heartbeat' AND last_run_at IS NOT NULL AND total_run_count > 0"
        ),
        timeout=FIRST_SYNC_SECONDS + 30,
    )
    assert int(sent) >= 1
    before = int(site.psql("SELECT count(*) FROM reports_heartbeat"))
    wait_for(
        "one more heartbeat run",
        lambda: int(site.psql("SELECT count(*) FROM reports_heartbeat")) > before,
        timeout=HEARTBEAT_SECONDS + 30,
    )
    workers = site.psql("SELECT string_agg(DISTINCT worker, ',') FROM reports_heartbeat")
    assert workers == site.container("worker-default").attrs["Config"]["Hostname"]


def test_beat_is_alive_by_the_examples_liveness_command(site: Site) -> None:
    command = django_example()["beat"]["liveness"]["command"]
    beat = site.container("beat")
    # On dev the `up` waited for it; Railway has no command healthcheck: there it holds from beat's first sync.
    alive = wait_for(
        "the example's liveness command exiting 0 in beat's container",
        lambda: beat.exec_run(["/bin/sh", "-c", command]).exit_code == 0,
        timeout=FIRST_SYNC_SECONDS + 30,
    )
    assert alive
    if site.stack == "dev":  # the same command is the container's healthcheck
        health = inspect(beat.name)["State"]["Health"]
        assert inspect(beat.name)["Config"]["Healthcheck"]["Test"] == ["CMD-SHELL", command]
        assert health["Status"] == "healthy", health["Log"][-1:]
