"""The README's "Bring your own app" examples are configurations railstack accepts: each is loaded
and planned as written (the Django one on staging, the FastAPI one on dev and, with an image, on
staging), so the documentation cannot drift from the model."""

from __future__ import annotations

import re

import pytest
import yaml

from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from support.pulumi_cli import ROOT


def readme_examples() -> list[dict]:
    section = (ROOT / "README.md").read_text().split("## Bring your own app", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    return [yaml.safe_load(block)["config"]["railstack:stack"] for block in blocks]


def test_the_readme_has_the_fastapi_the_repository_and_the_django_example() -> None:
    examples = readme_examples()
    assert len(examples) == 3
    assert examples[0]["app"]["path"] == ".." and examples[2]["app"]["repo"] == "acme/shop"
    assert "django_celery_beat" in examples[1]["beat"]["start_command"]


def test_the_repository_example_plans_on_staging_as_written() -> None:
    config = load_stack_config("staging", readme_examples()[2])
    assert (config.app.root_directory, config.app.role_watch_patterns) == (
        "/backend",
        {"worker-logs": ["/backend/worker/**"]},
    )
    assert [w.name for w in build_plan("staging", config).workloads][0] == "api"


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_the_fastapi_example_plans_like_the_tested_fixture(stack: str) -> None:
    example = readme_examples()[0]
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
    plan = build_plan("staging", load_stack_config("staging", readme_examples()[1]))
    assert [w.name for w in plan.workloads] == ["api", "worker-default", "beat", "flower"]
    assert plan.workload("api").pre_deploy_argv == ["python", "manage.py", "migrate", "--noinput"]
    assert plan.workload("beat").probe.kind == "command"
    assert plan.workload("worker-default").variables["CELERY_QUEUES"].text == "celery,emails,reports"
    assert "${secrets.SENTRY_DSN}" in plan.known_references()
