"""The Compose twin the benchmark runs is the dev stack: same roles, variable names, images,
healthchecks (with `$` left to the container's shell), loopback ports and start order."""

from __future__ import annotations

import yaml

from bench.compose import compose_file
from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from support.pulumi_cli import ROOT

OVERRIDES = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["railstack:stack"]


def test_the_twin_has_the_dev_stack_roles_images_and_variable_contract() -> None:
    config = load_stack_config("dev", OVERRIDES)
    services = compose_file(OVERRIDES, 18000)["services"]
    roles = [w.name for w in build_plan("dev", config).workloads]
    # The API's pre-deploy command (migrations) is a one-off service the API waits for.
    assert sorted(services) == sorted(["postgres", "redis", "api-pre-deploy", *roles])
    assert services["api"]["depends_on"]["api-pre-deploy"] == {"condition": "service_completed_successfully"}
    assert (
        services["postgres"]["image"] == "railstack/postgres:15" and services["redis"]["image"] == "railstack/redis:7"
    )
    for role in roles:
        env = services[role]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SERVICE_TYPE"} <= set(env)
        assert env["DATABASE_URL"].endswith("@postgres:5432/railway")


def test_ports_are_loopback_only_and_start_order_waits_for_health() -> None:
    services = compose_file(OVERRIDES, 18000)["services"]
    assert services["api"]["ports"] == ["127.0.0.1:18000:8000"]
    assert [name for name, s in services.items() if "ports" in s] == ["api"]
    assert services["beat"]["depends_on"]["api"] == {"condition": "service_healthy"}
    assert services["api"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "api-pre-deploy": {"condition": "service_completed_successfully"},
    }


def test_shell_variables_reach_the_container_instead_of_compose() -> None:
    services = compose_file(OVERRIDES, 18000)["services"]
    assert '"$$POSTGRES_PASSWORD"' in services["postgres"]["healthcheck"]["test"][1]
    assert '"$$REDIS_PASSWORD"' in services["redis"]["command"][2]
