"""The scale bench's stacks have exactly N workers: a stack's workers merge over the defaults by
name, so the bench must remove the default ones explicitly."""

from __future__ import annotations

import pytest

from bench.railway import workers_config
from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config


@pytest.mark.parametrize("count", [1, 5, 20])
def test_the_scale_stack_has_exactly_n_workers(count: int) -> None:
    config = load_stack_config("staging", {"app": {"image": "ghcr.io/acme/app:1"}, **workers_config(count)})
    workers = [w for w in build_plan("staging", config).workloads if w.kind == "worker"]
    assert len(workers) == count, [w.name for w in workers]
