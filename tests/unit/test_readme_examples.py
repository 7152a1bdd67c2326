"""The README's "Bring your own app" examples are configurations railstack accepts: each is loaded
and planned as written (the Django one on staging, the FastAPI one on dev and, with an image, on
staging), so the documentation cannot drift from the model."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import yaml

from railstack.components.docker.values import docker_parts
from railstack.components.railway.app_service import railway_variables
from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from support.pulumi_cli import ROOT


def readme_examples() -> list[dict]:
    section = (ROOT / "README.md").read_text().split("## Bring your own app", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    return [yaml.safe_load(block)["config"]["railstack:stack"] for block in blocks]


def readme_example(is_it: Callable[[dict], bool], what: str) -> dict:
    """The one example of the section `is_it` recognises, by its content (not by its position, so an
    example added before or after it changes nothing)."""
    found = [example for example in readme_examples() if is_it(example)]
    assert len(found) == 1, f"the README has {len(found)} {what} examples, not one"
    return found[0]


def fastapi_example() -> dict:
    return readme_example(lambda e: e["app"].get("celery_app") == "shop.tasks", "FastAPI (celery_app shop.tasks)")


def django_example() -> dict:
    """The Django + Celery + django-celery-beat example (its beat runs django_celery_beat's scheduler);
    tests/e2e/test_django_example.py deploys it."""
    return readme_example(
        lambda e: "django_celery_beat" in (e.get("beat") or {}).get("start_command", ""), "Django (django_celery_beat)"
    )


def repository_example() -> dict:
    return readme_example(lambda e: "repo" in e["app"], "repository (app.repo)")


def test_the_readme_has_the_fastapi_the_repository_and_the_django_example() -> None:
    assert len(readme_examples()) == 3
    assert fastapi_example()["app"]["path"] == ".." and repository_example()["app"]["repo"] == "acme/shop"
    assert django_example()["app"]["celery_app"] == "mysite"


def test_the_repository_example_plans_on_staging_as_written() -> None:
    config = load_stack_config("staging", repository_example())
    assert (config.app.root_directory, config.app.role_watch_patterns) == (
        "/backend",
        {"worker-logs": ["/backend/worker/**"]},
    )
    assert [w.name for w in build_plan("staging", config).workloads][0] == "api"


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_the_fastapi_example_plans_like_the_tested_fixture(stack: str) -> None:
    example = fastapi_example()
    fixture = yaml.safe_load((ROOT / "tests/fixtures/shop/infra/Pulumi.dev.yaml").read_text())["config"][
        "railstack:stack"
    ]
    assert {k: v for k, v in example.items() if k not in ("app", "postgres", "redis")} == {
        k: v for k, v in fixture.items() if k not in ("app", "postgres", "redis")
    }, "README and fixture agree"
    if stack == "staging":
        example = {**example, "app": {"image": "ghcr.io/acme/shop:1.0.0", "celery_app": "shop.tasks"}}
    plan = build_plan(stack, load_stack_config(stack, example))
    assert [w.name for w in plan.workloads] == ["api", "worker-main", "worker-housekeeping", "beat"]


def test_the_django_example_plans_with_its_own_commands_and_liveness() -> None:
    plan = build_plan("staging", load_stack_config("staging", django_example()))
    assert [w.name for w in plan.workloads] == ["api", "worker-default", "beat", "flower"]
    assert plan.workload("api").pre_deploy_argv == ["python", "manage.py", "migrate", "--noinput"]
    assert plan.workload("beat").probe.kind == "command"
    assert plan.workload("worker-default").variables["CELERY_QUEUES"].text == "celery,emails,reports"
    assert "${secrets.SENTRY_DSN}" in plan.known_references()


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_the_django_examples_allowed_hosts_are_host_names_django_matches(stack: str) -> None:
    # Django compares ALLOWED_HOSTS with the request's host without its port: an entry with a port
    # never matches, and Railway's healthcheck arrives as Host healthcheck.railway.app.
    example = django_example()
    if stack == "dev":
        example = {**example, "app": {"path": "..", "celery_app": "mysite"}, "docker": {"api_port": 8123}}
    plan = build_plan(stack, load_stack_config(stack, example))
    value = plan.workload("api").variables["DJANGO_ALLOWED_HOSTS"]
    if stack == "dev":
        hosts = "".join(str(p) for p in docker_parts(plan, value, lambda s: s, {"api": 8123, "flower": 5555}))
        assert hosts.split(",") == ["127.0.0.1", "api", "healthcheck.railway.app"]
    else:
        assert railway_variables(plan, plan.workload("api"))["DJANGO_ALLOWED_HOSTS"] == (
            "${{api.RAILWAY_PUBLIC_DOMAIN}},${{api.RAILWAY_PRIVATE_DOMAIN}},healthcheck.railway.app"
        )
