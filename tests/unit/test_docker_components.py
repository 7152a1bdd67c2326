"""Wiring and invariants of the local Docker components, with Pulumi mocks.

The real engine and Docker run the same stack in tests/e2e; here the inputs of every registered
resource are checked for what must hold whatever the engine does: loopback-only ports, one beat,
healthchecks, secrets only in the (secret) environment, and the same variable contract as Railway.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from tests.unit import test_railway_components as railway
from tests.unit.mocks import RecordingMocks

DEV = {"app": {"path": "app", "build_args": {"BASE_IMAGE": "railstack/python:3.11"}}}
WORKER_ROLES = ("worker-logs", "worker-content-generation")


def render(overrides: dict[str, Any]) -> RecordingMocks:
    """Registers the Docker AppStack of `dev` under mocks and returns what was registered."""
    from railstack.components.docker.app_stack import AppStack, AppStackArgs

    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="railstack", stack="dev", preview=False)
    config = load_stack_config("dev", {**DEV, **overrides})

    @pulumi.runtime.test
    def program() -> None:
        AppStack(
            "railstack",
            AppStackArgs(plan=build_plan("dev", config), stack="dev", prefix="railstack-dev", extra_secrets={}),
        )

    program()
    return mocks


@pytest.fixture(scope="module")
def dev() -> RecordingMocks:
    return render({"flower": {"enabled": True}})


def containers(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    """Container inputs by Docker container name."""
    return {
        r["inputs"]["name"]: r["inputs"]
        for r in mocks.resources.values()
        if r["type"] == "docker:index/container:Container"
    }


def environment(container: dict[str, Any]) -> dict[str, str]:
    return dict(entry.split("=", 1) for entry in container["envs"])


def test_one_container_per_role_and_exactly_one_beat(dev: RecordingMocks) -> None:
    names = sorted(containers(dev))
    roles = ["api", "beat", "flower", "postgres", "redis", *WORKER_ROLES]
    assert names == sorted(f"railstack-dev-{r}" for r in roles)


def test_worker_replicas_become_numbered_containers() -> None:
    names = sorted(containers(render({"workers": {"logs": {"sizing": {"replicas": 2}}}})))
    assert [n for n in names if "worker-logs" in n] == ["railstack-dev-worker-logs-1", "railstack-dev-worker-logs-2"]
    assert "railstack-dev-worker-content-generation" in names, "setting one worker's key keeps the others"


def test_only_api_and_flower_publish_ports_and_only_on_loopback(dev: RecordingMocks) -> None:
    published = {name: c.get("ports", []) for name, c in containers(dev).items() if c.get("ports")}
    assert sorted(published) == ["railstack-dev-api", "railstack-dev-flower"], (
        "workers, beat, Postgres, Redis publish nothing"
    )
    assert published["railstack-dev-api"] == [
        {"internal": 8000, "external": 8000, "ip": "127.0.0.1", "protocol": "tcp"}
    ]
    assert published["railstack-dev-flower"][0]["ip"] == "127.0.0.1"


def test_publishing_postgres_and_redis_for_local_tools_stays_on_loopback() -> None:
    c = containers(render({"docker": {"postgres_port": 15432, "redis_port": 16379}}))
    assert c["railstack-dev-postgres"]["ports"] == [
        {"internal": 5432, "external": 15432, "ip": "127.0.0.1", "protocol": "tcp"}
    ]
    assert c["railstack-dev-redis"]["ports"] == [
        {"internal": 6379, "external": 16379, "ip": "127.0.0.1", "protocol": "tcp"}
    ]


def test_every_container_has_a_healthcheck_that_up_waits_for(dev: RecordingMocks) -> None:
    waits = {
        r["inputs"]["container_name"]: r["inputs"]
        for r in dev.resources.values()
        if r["type"] == "pulumi-python:dynamic:Resource" and "container_id" in r["inputs"]
    }
    for name, c in containers(dev).items():
        assert c["healthcheck"]["tests"], f"{name} has a healthcheck"
        assert c["restart"] == "unless-stopped"
        if name in ("railstack-dev-postgres", "railstack-dev-redis"):
            assert c["wait"] is True, f"{name}: `pulumi up` waits until it is healthy (start order)"
        else:
            assert name in waits, f"{name}: a ContainerHealthy waits for its liveness and names it when it fails"
    checks = {name.removeprefix("railstack-dev-"): c["healthcheck"]["tests"] for name, c in containers(dev).items()}
    assert "/health" in checks["api"][-1]
    for role in WORKER_ROLES:
        assert checks[role][0] == "CMD-SHELL" and "inspect ping" in checks[role][1], f"{role}: celery-ping liveness"
        assert "railstack_app.worker:celery_app" in checks[role][1], "the reference app's Celery app by default"
    assert "/tmp/celerybeat-schedule" in checks["beat"][1], "beat: its schedule file was rewritten"
    assert "/healthcheck" in checks["flower"][-1], "Flower: its unauthenticated /healthcheck"


def test_limits_come_from_the_development_profile(dev: RecordingMocks) -> None:
    beat = containers(dev)["railstack-dev-beat"]
    assert (beat["memory"], beat["memorySwap"], beat["cpus"]) == (256, 256, "0.5")
    assert containers(dev)["railstack-dev-api"]["cpus"] == "1.0", "written as the provider reads it back"


def test_secrets_reach_containers_only_through_their_secret_environment(dev: RecordingMocks) -> None:
    generated = [n for n, r in dev.resources.items() if r["type"] == "random:index/randomPassword:RandomPassword"]
    assert len(generated) == 6, "5 stack secrets and Flower's"
    for name, resource in dev.resources.items():
        if resource["type"] != "docker:index/container:Container":
            continue
        assert dev.secret_inputs[name] == ["envs"], f"{name}: its environment is stored as a secret"
        rest = {k: v for k, v in resource["inputs"].items() if k != "envs"}
        assert "generated-" not in repr(rest), f"{name}: no secret outside the environment (command, healthcheck)"
    redis = containers(dev)["railstack-dev-redis"]
    assert '"$REDIS_PASSWORD"' in redis["command"][-1], "Redis reads its password from the environment"


def test_connection_strings_point_at_the_stack_containers(dev: RecordingMocks) -> None:
    env = environment(containers(dev)["railstack-dev-worker-logs"])
    assert (
        env["DATABASE_URL"]
        == "postgresql://postgres:generated-railstack-secrets-postgres-password@postgres:5432/railway"
    )
    assert env["REDIS_URL"] == env["CELERY_BROKER_URL"] == env["CELERY_RESULT_BACKEND"]
    assert env["REDIS_URL"] == "redis://default:generated-railstack-secrets-redis-password@redis:6379"
    assert (env["SERVICE_TYPE"], env["CELERY_QUEUES"]) == ("celery_logs", "logs")
    flower = environment(containers(dev)["railstack-dev-flower"])
    assert flower["FLOWER_BASIC_AUTH"] == "admin:generated-railstack-secrets-flower-password"


def test_every_role_gets_the_same_variable_names_as_on_railway(dev: RecordingMocks) -> None:
    on_railway = railway.render("staging", {"flower": {"enabled": True}}).resources
    for role in ("api", "beat", "flower", *WORKER_ROLES):
        docker_names = sorted(environment(containers(dev)[f"railstack-dev-{role}"]))
        railway_names = sorted(on_railway[f"railstack-{role}-variables"]["inputs"]["variables"])
        assert docker_names == railway_names, f"{role}: one contract on both targets"


def test_the_built_app_image_is_owned_for_removal_and_base_images_are_kept(dev: RecordingMocks) -> None:
    images = {n: r["inputs"] for n, r in dev.resources.items() if r["type"] == "docker:index/remoteImage:RemoteImage"}
    assert images["railstack-app-image-local"] == {
        "name": "sha256:built-railstack-app-image-build",
        "keepLocally": False,
        "forceRemove": True,
    }
    # Without image overrides the official images run (a user with a registry), never removed by destroy.
    assert images["railstack-postgres-image"] == {"name": "postgres:16", "keepLocally": True}
    assert images["railstack-redis-image"] == {"name": "redis:7", "keepLocally": True}
    build = dev.resources["railstack-app-image-build"]["inputs"]
    assert build["build"]["args"] == {"BASE_IMAGE": "railstack/python:3.11"}
    assert (build["imageName"], build["skipPush"]) == ("railstack-dev-app:latest", True)
    api = containers(dev)["railstack-dev-api"]
    assert api["image"] == "sha256:railstack-app-image-local", "containers run the built image by id"
