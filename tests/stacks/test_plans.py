"""What a Railway plan can hold is checked before anything is touched (stacks/plans.py)."""

from __future__ import annotations

import pytest

from railstack.stacks.load import ConfigError, load_stack_config
from railstack.stacks.plans import PLANS, check_plan, plan_named


def config(stack: str, **overrides):
    return load_stack_config(stack, {"app": {"image": "ghcr.io/acme/app:1"}, **overrides})


def test_backups_on_the_hobby_plan_are_refused_naming_the_key_and_the_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        check_plan("prod", config("prod"), PLANS["hobby"])
    assert caught.value.problems == [
        "prod: postgres.backups = ['DAILY', 'WEEKLY']: the Hobby plan (railway:plan = hobby) cannot schedule "
        "volume backups; remove them or use a Pro workspace"
    ]


def test_two_volumes_on_the_free_plan_are_refused() -> None:
    demo = config("demo", api={"sizing": {"vcpus": 0.5, "memory_gb": 0.5}})
    with pytest.raises(ConfigError) as caught:
        check_plan("demo", demo, PLANS["free"])
    assert any(
        "2 volumes, the Free plan (railway:plan = free) allows 1 per project" in p for p in caught.value.problems
    )


def test_limits_times_replicas_above_the_plans_maximum_are_refused() -> None:
    big = config(
        "staging", postgres={"backups": []}, workers={"logs": {"sizing": {"replicas": 4, "vcpus": 16, "memory_gb": 1}}}
    )
    with pytest.raises(ConfigError) as caught:
        check_plan("staging", big, PLANS["hobby"])
    assert caught.value.problems == [
        "staging: workers.logs.sizing.vcpus = 16: 4 replica(s) need 64, the Hobby plan (railway:plan = hobby) "
        "allows 48 per service"
    ]


def test_every_railstack_stack_fits_the_pro_plan_and_an_unknown_plan_is_named() -> None:
    for stack in ("demo", "staging", "prod"):
        check_plan(stack, config(stack), plan_named(stack, None))
    with pytest.raises(ConfigError, match="railway:plan = 'team': allowed values are free, hobby, pro"):
        plan_named("prod", "team")
