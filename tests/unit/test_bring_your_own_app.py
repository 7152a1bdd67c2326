"""The shop fixture's configuration (tests/fixtures/shop/infra) rendered on both targets under mocks:
the same commands, pre-deploy and liveness on Docker and on Railway, and the shop's own variable
names wired by reference on Railway and by value on Docker.

tests/e2e/test_bring_your_own_app.py runs the dev stack for real; this module proves the staging
rendering of the same configuration, which a unit test can (no Railway account here)."""

from __future__ import annotations

import shlex
from typing import Any

import pulumi
import pytest
import yaml

from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from support.pulumi_cli import ROOT
from tests.unit.mocks import RecordingMocks

INFRA = ROOT / "tests" / "fixtures" / "shop" / "infra"
ROLES = ("api", "worker-main", "worker-housekeeping", "beat")


def overrides(stack: str) -> dict[str, Any]:
    return yaml.safe_load((INFRA / f"Pulumi.{stack}.yaml").read_text())["config"]["railstack:stack"]


def render(stack: str) -> dict[str, dict[str, Any]]:
    config = load_stack_config(stack, overrides(stack))
    plan = build_plan(stack, config)
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="railstack", stack=stack, preview=False)

    @pulumi.runtime.test
    def program() -> None:
        if config.target == "railway":
            from railstack.components.railway.app_stack import AppStack, AppStackArgs

            AppStack("railstack", AppStackArgs(plan=plan, project_name="shop", extra_secrets={}))
        else:
            from railstack.components.docker.app_stack import AppStack as DockerStack
            from railstack.components.docker.app_stack import AppStackArgs as DockerArgs

            DockerStack("railstack", DockerArgs(plan=plan, stack=stack, prefix="shop-dev", extra_secrets={}))

    program()
    return mocks.resources


@pytest.fixture(scope="module")
def staging() -> dict[str, dict[str, Any]]:
    return render("staging")


@pytest.fixture(scope="module")
def dev() -> dict[str, dict[str, Any]]:
    return render("dev")


def railway_argv(staging: dict[str, dict[str, Any]], role: str, key: str = "start_command") -> list[str] | None:
    text = staging[f"railstack-{role}-settings"]["inputs"].get(key)
    return None if text is None else shlex.split(text)


def test_each_role_runs_the_same_command_on_both_targets(staging, dev) -> None:
    for role in ROLES:
        docker_argv = dev[f"railstack-{role}-container"]["inputs"]["entrypoints"]
        assert railway_argv(staging, role) == docker_argv, f"{role}: one command, both targets"
    assert railway_argv(staging, "worker-main") == [
        "/bin/sh",
        "-c",
        "exec celery -A shop.tasks worker -Q $CELERY_QUEUES --pool $CELERY_POOL --concurrency $CELERY_CONCURRENCY "
        "--loglevel INFO",
    ], "variables in a command are expanded by a shell, in exec form"


def test_the_pre_deploy_command_is_railways_pre_deploy_and_a_one_off_container_on_docker(staging, dev) -> None:
    assert railway_argv(staging, "api", "pre_deploy_command") == ["python", "-m", "shop.migrate"]
    one_off = dev["railstack-api-pre-deploy"]["inputs"]
    assert one_off["argv"] == ["python", "-m", "shop.migrate"] and one_off["name"] == "shop-dev-api-pre-deploy"


def test_the_shop_variables_are_railway_references_on_staging(staging) -> None:
    api = staging["railstack-api-variables"]["inputs"]["variables"]
    assert api["POSTGRES_HOST"] == "${{Postgres.PGHOST}}" and api["POSTGRES_PASSWORD"] == "${{Postgres.PGPASSWORD}}"
    assert api["POSTGRES_PORT"] == "${{Postgres.PGPORT}}" and api["POSTGRES_DB"] == "${{Postgres.PGDATABASE}}"
    assert api["REDIS_BROKER_URL"] == "${{Redis.REDIS_URL}}/0" and api["REDIS_ACTIVITY_URL"] == "${{Redis.REDIS_URL}}/1"
    assert api["DJANGO_SECRET_KEY"] == "${{shared.SECRET_KEY}}"
    assert api["PUBLIC_URL"] == "http://${{api.RAILWAY_PUBLIC_DOMAIN}}"
    assert "CELERY_BROKER_URL" not in api and "CELERY_RESULT_BACKEND" not in api, "null removes a default"
    main = staging["railstack-worker-main-variables"]["inputs"]["variables"]
    assert (main["CELERY_QUEUES"], main["CELERY_POOL"]) == ("orders,emails", "prefork")
    assert staging["railstack-worker-housekeeping-variables"]["inputs"]["variables"]["CELERY_POOL"] == "solo"


def test_the_api_liveness_is_railways_healthcheck_and_dockers_healthcheck(staging, dev) -> None:
    settings = staging["railstack-api-settings"]["inputs"]
    assert settings["healthcheck_path"] == "/healthz"
    assert "http://127.0.0.1:8080/healthz" in dev["railstack-api-container"]["inputs"]["healthcheck"]["tests"][-1]
    for role in ("worker-main", "worker-housekeeping", "beat"):
        assert (
            "healthcheck_path" not in staging[f"railstack-{role}-settings"]["inputs"]
            or staging[f"railstack-{role}-settings"]["inputs"]["healthcheck_path"] is None
        ), f"{role}: Railway has no command healthchecks; its restart policy covers a crash"
    worker_check = dev["railstack-worker-main-container"]["inputs"]["healthcheck"]["tests"]
    assert worker_check[0] == "CMD-SHELL" and 'inspect ping -d "celery@$HOSTNAME"' in worker_check[1]
    assert "-A shop.tasks" in worker_check[1], "the Celery app comes from the role's command"


def test_the_docker_values_are_the_stacks_containers(dev) -> None:
    env = dict(e.split("=", 1) for e in dev["railstack-worker-main-container"]["inputs"]["envs"])
    assert env["POSTGRES_HOST"] == "postgres" and env["POSTGRES_PORT"] == "5432"
    assert env["POSTGRES_PASSWORD"] == "generated-railstack-secrets-postgres-password"
    assert env["REDIS_ACTIVITY_URL"] == "redis://default:generated-railstack-secrets-redis-password@redis:6379/1"
    api = dict(e.split("=", 1) for e in dev["railstack-api-container"]["inputs"]["envs"])
    assert api["PUBLIC_URL"] == "http://127.0.0.1:8000" and "PUBLIC_URL" not in env, "a role's own variable"
