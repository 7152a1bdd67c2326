"""The container-mode benchmark's critical path: the slowest deployment of each dependent stage."""

from __future__ import annotations

from bench.containers import critical_path


def test_the_critical_path_adds_the_slowest_of_each_stage() -> None:
    durations = {"Postgres": 3.0, "Redis": 1.0, "api": 2.0, "worker-logs": 2.5, "beat": 4.0, "flower": 1.0}
    assert critical_path(durations) == 3.0 + 2.0 + 4.0


def test_a_stack_without_redis_or_workers_still_has_a_path() -> None:
    assert critical_path({"Postgres": 2.0, "api": 1.0}) == 3.0
