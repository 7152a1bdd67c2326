"""A third-party app on the dev stack by configuration alone: the real engine, the real Docker engine.

`tests/fixtures/shop` is a FastAPI + Celery app written without railstack in mind: its own
Dockerfile (no railstack entrypoint, no SERVICE_TYPE), its own commands (`uvicorn shop.api:app`,
`celery -A shop.tasks worker -Q orders,emails`, `python -m shop.migrate`) and Django-style variable
names (POSTGRES_HOST, DJANGO_SECRET_KEY, REDIS_BROKER_URL). railstack lives in its `infra/` folder,
as in a user's repository (`app.path: ..`), and `infra/Pulumi.dev.yaml` is all the wiring there is.

The tests run in file order against one stack: up, what the shop does, then an `up` that breaks the
housekeeping worker's broker and beat's, which must fail naming both within the start timeout.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from support.ports import free_port
from support.pulumi_cli import ROOT, PulumiError, PulumiWorkspace, copy_project
from tests.e2e.test_dev_stack_docker import BASE_IMAGES, docker, inspect, labelled, wait_for

pytestmark = [pytest.mark.engine, pytest.mark.docker, pytest.mark.usefixtures("pulumi_cli")]

SHOP = ROOT / "tests" / "fixtures" / "shop"
ROLES = ("api", "worker-main", "worker-housekeeping", "beat")
#: The start timeout of the failing `up`: each broken role must be reported within it.
START_TIMEOUT = 30


@dataclass
class ShopStack:
    ws: PulumiWorkspace
    prefix: str
    api_port: int

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def container(self, role: str) -> str:
        return f"{self.prefix}-{role}"

    def hostname(self, role: str) -> str:
        return inspect(self.container(role))["Config"]["Hostname"]

    def env(self, role: str) -> dict[str, str]:
        return dict(entry.split("=", 1) for entry in inspect(self.container(role))["Config"]["Env"])

    def get(self, path: str) -> Any:
        return httpx.get(f"{self.api}{path}", timeout=10).json()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopStack]:
    missing = [
        i for i in BASE_IMAGES if subprocess.run(["docker", "image", "inspect", i], capture_output=True).returncode
    ]
    if missing:
        pytest.fail(f"base images missing: {', '.join(missing)}: run scripts/base-images (scripts/test does)")
    root = tmp_path_factory.mktemp("shop")
    # The shop's repository, with railstack in infra/ and the shop's own stack config.
    repo = root / "shop"
    shutil.copytree(SHOP, repo, ignore=shutil.ignore_patterns("__pycache__", "infra"))
    infra = copy_project(repo / "infra", "dev")
    shutil.copy(SHOP / "infra" / "Pulumi.dev.yaml", infra / "Pulumi.dev.yaml")
    ws = PulumiWorkspace(project_dir=infra, state_dir=root / "state")
    ws.state_dir.mkdir()
    stack = ShopStack(ws, prefix=f"railstack-shop-{uuid.uuid4().hex[:6]}", api_port=free_port())
    ws.run("stack", "init", "dev")
    ws.run("config", "set", "--path", "railstack:stack.project_name", stack.prefix)
    ws.run("config", "set", "--path", "railstack:stack.docker.api_port", str(stack.api_port))
    ws.run("up", "--yes", "--skip-preview", timeout=1200)
    try:
        yield stack
    finally:
        ws.run("destroy", "--yes", "--continue-on-error", check=False, timeout=600)
        left = labelled("container", stack.prefix)
        for volume in labelled("volume", stack.prefix):
            docker("volume", "rm", "-f", volume, check=False)
        assert left == [], f"destroy left containers behind: {left}"


def test_every_role_of_the_shop_is_healthy_running_its_own_command(shop: ShopStack) -> None:
    for role in ROLES:
        state = inspect(shop.container(role))["State"]
        assert state["Health"]["Status"] == "healthy", f"{role}: {state['Health']['Log'][-1:]}"
    entrypoints = {role: inspect(shop.container(role))["Config"]["Entrypoint"] for role in ROLES}
    assert entrypoints["api"] == ["/bin/sh", "-c", "exec uvicorn shop.api:app --host 0.0.0.0 --port $PORT"], (
        "a command using $PORT runs through a shell, in exec form"
    )
    assert entrypoints["beat"] == [
        "celery",
        "-A",
        "shop.tasks",
        "beat",
        "--schedule",
        "/tmp/celerybeat-schedule",
        "--loglevel",
        "INFO",
    ], "a command without variables runs as written"
    assert "SERVICE_TYPE" not in " ".join(str(e) for e in entrypoints.values())
    assert httpx.get(f"{shop.api}/healthz", timeout=10).json() == {"database": True, "broker": True}


def test_the_pre_deploy_command_migrated_before_the_api_started(shop: ShopStack) -> None:
    tables = docker(
        "exec",
        shop.container("postgres"),
        "psql",
        "-U",
        "postgres",
        "-d",
        "railway",
        "-tAc",
        "select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname = 'public'",
    )
    assert tables == "orders,ticks", "python -m shop.migrate ran (the API itself creates no table)"
    assert labelled("container", shop.prefix).count(f"{shop.prefix}-api-pre-deploy") == 0, (
        "the one-off container of a successful pre-deploy is removed"
    )


def test_values_reach_the_shop_under_its_own_names(shop: ShopStack) -> None:
    env = shop.env("worker-main")
    assert env["POSTGRES_HOST"] == "postgres" and env["POSTGRES_PORT"] == "5432" and env["POSTGRES_DB"] == "railway"
    assert env["REDIS_BROKER_URL"].startswith("redis://default:") and env["REDIS_BROKER_URL"].endswith("@redis:6379/0")
    assert env["REDIS_ACTIVITY_URL"].endswith("@redis:6379/1")
    assert len(env["DJANGO_SECRET_KEY"]) == 48 and env["DJANGO_SECRET_KEY"] == shop.env("api")["DJANGO_SECRET_KEY"]
    assert env["CELERY_QUEUES"] == "orders,emails" and shop.env("worker-housekeeping")["CELERY_POOL"] == "solo"
    assert shop.get("/") == {"public_url": f"http://127.0.0.1:{shop.api_port}"}


def test_an_order_is_processed_by_the_worker_of_its_queue(shop: ShopStack) -> None:
    resp = httpx.post(f"{shop.api}/orders", json={}, timeout=10)
    assert resp.status_code == 201, resp.text
    order_id = resp.json()["id"]
    order = wait_for(
        f"order {order_id} done",
        lambda: (o := shop.get(f"/orders/{order_id}"))["status"] == "done" and o.get("receipt_sent_by") and o,
        timeout=60,
    )
    main = shop.hostname("worker-main")
    assert (order["processed_by"], order["queue"], order["receipt_sent_by"]) == (main, "orders", main), (
        "worker-main consumes both orders and emails"
    )


def test_beat_schedules_ticks_the_housekeeping_worker_runs(shop: ShopStack) -> None:
    ticks = wait_for("two ticks", lambda: (t := shop.get("/ticks"))["count"] >= 2 and t, timeout=60)
    assert ticks["processed_by"] == [shop.hostname("worker-housekeeping")]


def test_a_worker_without_its_broker_and_a_stalled_beat_fail_the_up_naming_them(shop: ShopStack) -> None:
    # The Postgres container answers on the network, but nothing listens on 6379 there.
    unreachable = "redis://postgres:6379/0"
    shop.ws.run("config", "set", "--path", "railstack:stack.docker.start_timeout", str(START_TIMEOUT))
    shop.ws.run(
        "config", "set", "--path", "railstack:stack.workers.housekeeping.variables.REDIS_BROKER_URL", unreachable
    )
    shop.ws.run("config", "set", "--path", "railstack:stack.beat.variables.REDIS_BROKER_URL", unreachable)
    started = time.monotonic()
    with pytest.raises(PulumiError) as failed:
        shop.ws.run("up", "--yes", "--skip-preview", timeout=900)
    seconds = time.monotonic() - started
    message = str(failed.value)
    for role in ("worker-housekeeping", "beat"):
        assert f"dev: {role} is not alive after {START_TIMEOUT} s" in message, message[-3000:]
        assert f"See `docker logs {shop.container(role)}`" in message
    assert "celery-ping" in message and "beat-schedule: /tmp/celerybeat-schedule rewritten within 30 s" in message
    assert "DJANGO_SECRET_KEY=" not in message, "no value of the container's environment in the error"
    assert seconds < START_TIMEOUT + 90, f"reported within the start timeout (up took {seconds:.0f} s)"
    assert inspect(shop.container("worker-main"))["State"]["Health"]["Status"] == "healthy", "the others are untouched"
