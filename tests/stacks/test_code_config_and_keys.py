"""Issue 26 items 2, 4, 6: a configuration built in code gets the same plan as the same keys in a
Pulumi.<stack>.yaml; `railstack:` keys the program would ignore and a Railway stack without a token
fail before any resource; a worker name one edit from a known one is warned about."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.runtime.config
import pytest

from railstack.plan import build_plan
from railstack.stacks.config_keys import key_problems, token_problem
from railstack.stacks.load import load_code_config, load_stack_config, near_miss_workers
from railstack.stacks.model import AppSource, StackConfig, WorkerRole
from tests.unit.mocks import RecordingMocks

YAML = {"app": {"image": "ghcr.io/acme/shop:1.0.0"}, "workers": {"orders": {"queues": ["orders", "emails"]}}}


def code_fields() -> dict[str, Any]:
    return {
        "app": AppSource(image="ghcr.io/acme/shop:1.0.0"),
        "workers": {"orders": WorkerRole(queues=["orders", "emails"])},
    }


@pytest.mark.parametrize(("stack", "environment"), [("staging", "staging"), ("prod", "production")])
def test_the_library_path_gives_the_yaml_stacks_plan(stack: str, environment: str) -> None:
    from_yaml = load_stack_config(stack, YAML)
    from_code = StackConfig.for_environment(environment, stack=stack, **code_fields())
    assert from_code == from_yaml, f"{stack}: the same keys in code and in YAML give the same configuration"
    assert build_plan(stack, from_code) == build_plan(stack, from_yaml), stack
    assert from_code.postgres.backups == from_yaml.postgres.backups != []
    assert from_code.redis.sizing == from_yaml.redis.sizing
    assert sorted(from_code.workers) == ["content_generation", "logs", "orders"], "the default workers stay"


def test_a_stackconfig_built_directly_is_merged_over_its_profile() -> None:
    config = StackConfig(target="railway", environment="staging", **code_fields())
    merged = load_code_config("staging", config)
    assert merged.postgres.backups == ["DAILY"]
    assert (merged.redis.sizing.vcpus, merged.redis.sizing.memory_gb) == (0.5, 0.5)
    assert merged == load_stack_config("staging", {**YAML, "target": "railway"})


def test_a_literal_dotted_key_fails_with_use_path_and_a_typo_with_did_you_mean() -> None:
    keys = {"railstack:stack", "railstack:stack.workers.logs.concurrency", "railstack:stak", "railway:token"}
    problems = key_problems("staging", keys, {"stack", "import"})
    assert len(problems) == 2, problems
    assert "staging: railstack:stack.workers.logs.concurrency" in problems[0] and "--path" in problems[0]
    assert problems[1].startswith("staging: railstack:stak: unknown key (did you mean railstack:stack?)")
    assert key_problems("staging", {"railstack:stack", "railstack:import", "railway:token"}, {"stack", "import"}) == []


def test_a_missing_token_names_the_stack_the_key_and_how_to_set_it() -> None:
    problem = token_problem("staging", {"railstack:stack"}, {})
    assert problem and "staging" in problem and "pulumi config set --secret railway:token" in problem
    assert token_problem("staging", {"railway:token"}, {}) is None
    assert token_problem("staging", set(), {"RAILWAY_API_TOKEN": "t"}) is None


def test_a_worker_one_edit_from_a_default_one_is_warned_about() -> None:
    [warning] = near_miss_workers("staging", {"workers": {"content_generaton": {}, "orders": {}}})
    assert "new worker `content_generaton` (did you mean `content_generation`?)" in warning


def run_deploy(stack: str, config: Any, settings: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> RecordingMocks:
    from railstack.program import deploy

    for name in ("RAILWAY_API_TOKEN", "RAILWAY_TOKEN", "PULUMI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="railstack", stack=stack, preview=True)
    pulumi.runtime.config.set_all_config(settings)

    @pulumi.runtime.test
    def program() -> None:
        deploy(stack, config)

    try:
        program()
    finally:
        pulumi.runtime.config.set_all_config({})
    return mocks


def test_deploy_without_a_token_fails_before_any_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(pulumi.RunError, match=r"staging: railway:token: no Railway token"):
        run_deploy("staging", YAML, {"railstack:stack": "{}"}, monkeypatch)


def test_deploy_with_a_literal_dotted_key_fails_before_any_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {"railway:token": "t", "railstack:stack.workers.logs.concurrency": "4"}
    with pytest.raises(pulumi.RunError, match=r"railstack:stack.workers.logs.concurrency.*--path"):
        run_deploy("staging", YAML, settings, monkeypatch)
