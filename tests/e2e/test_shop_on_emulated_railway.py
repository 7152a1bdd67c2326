"""The shop (tests/fixtures/shop) on staging against the emulator in container mode: the same
configuration as its dev stack, with only the image source changed, runs with Railway's semantics —
Railway references resolved by the emulator, the pre-deploy migrations in a one-off container, the
`/healthz` healthcheck, the private network — so the staging rendering is proven to work, not only
to look right (tests/unit/test_bring_your_own_app.py checks how it looks)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import docker
import pytest
import yaml

from railway_emulator import EmulatorServer
from railway_emulator.runtime.resources import LABEL
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project, edit_stack_config
from tests.e2e.test_staging_on_emulated_railway import IMAGE_MAP, TOKEN, edge_get, edge_post, outputs, rendered

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.docker, pytest.mark.usefixtures("pulumi_cli")]

SHOP = ROOT / "tests" / "fixtures" / "shop"
SHOP_IMAGE = "railstack/shop:emulated"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    client = docker.from_env(timeout=600)
    client.images.build(path=str(SHOP), buildargs={"BASE_IMAGE": "railstack/python:3.11"}, tag=SHOP_IMAGE, rm=True)
    with EmulatorServer(token=TOKEN, run_containers=True, image_map=IMAGE_MAP) as emu:
        yield emu
    left = [c.name for c in client.containers.list(all=True, filters={"label": LABEL})]
    assert left == [], f"stopping the emulator must remove its containers: {left}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer) -> Iterator[PulumiWorkspace]:
    root = tmp_path_factory.mktemp("shop-staging")
    project = copy_project(root / "project", "staging")
    config = yaml.safe_load((SHOP / "infra" / "Pulumi.staging.yaml").read_text())["config"]["railstack:stack"]
    config["app"]["image"] = SHOP_IMAGE
    edit_stack_config(project, "staging", {**config, "deployments": {"poll_seconds": 0.5}}, replace=True)
    (root / "state").mkdir()
    ws = PulumiWorkspace(project_dir=project, state_dir=root / "state", extra_env={"RAILWAY_API_URL": emulator.url})
    ws.run("stack", "init", "staging")
    ws.run("config", "set", "--secret", "railway:token", TOKEN)
    ws.run("up", "--yes", "--skip-preview", timeout=900)
    yield ws
    ws.run("destroy", "--yes", "--skip-preview", check=False, timeout=600)


def wait_json(what: str, probe, timeout: float = 60):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(1)
    pytest.fail(f"{what}: not within {timeout:.0f} s (last: {last!r})")


def test_every_deployment_of_the_shop_succeeded(emulator: EmulatorServer, shop: PulumiWorkspace) -> None:
    rows = emulator.emulator.runtime_view()["deployments"]
    latest = {row["serviceName"]: row["status"] for row in rows}
    assert latest == {
        name: "SUCCESS" for name in ("Postgres", "Redis", "api", "worker-main", "worker-housekeeping", "beat")
    }, latest


def test_the_shops_names_are_resolved_from_railway_references(emulator: EmulatorServer, shop: PulumiWorkspace) -> None:
    api = rendered(emulator, shop, "api")
    assert api["POSTGRES_HOST"] == "postgres.railway.internal" and api["POSTGRES_PORT"] == "5432"
    assert api["REDIS_ACTIVITY_URL"].endswith("@redis.railway.internal:6379/1")
    assert api["PUBLIC_URL"] == outputs(shop)["api_url"].replace("https://", "http://")
    assert edge_get(emulator, shop, "/healthz").json() == {"database": True, "broker": True}


def test_an_order_and_the_ticks_are_processed_by_their_queues_workers(
    emulator: EmulatorServer, shop: PulumiWorkspace
) -> None:
    order_id = edge_post(emulator, shop, "/orders", {}).json()["id"]
    order = wait_json(
        "order done",
        lambda: (
            (o := edge_get(emulator, shop, f"/orders/{order_id}").json())["status"] == "done"
            and o.get("receipt_sent_by")
            and o
        ),
    )
    assert order["queue"] == "orders" and order["receipt_sent_by"] == order["processed_by"]
    ticks = wait_json("ticks", lambda: (t := edge_get(emulator, shop, "/ticks").json())["count"] >= 2 and t)
    assert len(ticks["processed_by"]) == 1 and ticks["processed_by"] != [order["processed_by"]], (
        "beat's ticks go to the housekeeping worker, the orders to worker-main"
    )
