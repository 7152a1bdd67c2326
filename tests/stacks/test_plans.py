"""What a Railway plan can hold is checked before anything is touched (railstack/stacks/plans.py)."""

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


def _estimate(stack: str, **overrides):
    from railstack.components.railway.requests import estimate_up
    from railstack.plan import build_plan

    model = config(stack, **overrides)
    return estimate_up(build_plan(stack, model), model.deployments.expected_seconds)


def test_an_up_the_free_plan_s_hourly_budget_cannot_hold_is_refused_with_the_estimate_and_the_budget() -> None:
    from railstack.stacks.plans import check_request_budget

    estimate = _estimate("demo")
    assert estimate.total > 100, estimate
    with pytest.raises(ConfigError) as caught:
        check_request_budget("demo", PLANS["free"], estimate.total, "breakdown")
    [problem] = caught.value.problems
    assert problem.startswith(f"demo: an up from empty needs about {estimate.total} Railway API requests (breakdown)")
    assert "the Free plan's 100 requests an hour (railway:plan = free)" in problem


def test_more_than_half_of_the_hour_warns_and_less_passes() -> None:
    from railstack.stacks.plans import check_request_budget

    assert check_request_budget("staging", PLANS["pro"], _estimate("staging").total, "b") is None
    warning = check_request_budget("staging", PLANS["hobby"], 600, "b")
    assert warning is not None and "more than half of the Hobby plan's 1,000 requests an hour" in warning


def test_status_reads_follow_deployment_time_not_the_number_of_workers() -> None:
    few = _estimate("staging")
    many = _estimate("staging", workers={f"q{i}": {"queues": [f"q{i}"]} for i in range(20)})
    assert many.status_reads == few.status_reads, "one watch: reads per round of deployments, not per service"
    assert many.objects > few.objects
    slow = _estimate("staging", deployments={"expected_seconds": 600})
    assert slow.status_reads > few.status_reads
