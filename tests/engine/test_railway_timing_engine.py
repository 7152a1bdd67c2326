"""Staging and prod from empty under Railway's real timing, with the real engine (issue 19): the
emulator's default mode (a committed patch deploys; its deployment registers 0.2-3 s late) with
deployments that take time. Each service gets exactly one deployment, none is replaced, and a
preview afterwards is clean."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from railway_emulator import EmulatorServer
from tests.engine.test_railway_stacks_engine import stack_workspace
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]


def _statuses(emulator: EmulatorServer) -> Counter:
    ids = [d["id"] for d in emulator.state_json()["deployments"]]
    query = "query S($id: String!) { deployment(id: $id) { status } }"
    headers = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
    return Counter(
        httpx.post(emulator.url, json={"query": query, "variables": {"id": i}}, headers=headers).json()["data"][
            "deployment"
        ]["status"]
        for i in ids
    )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_up_from_empty_makes_one_deployment_per_service_and_none_is_replaced(
    stack: str, tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    with emulator_factory(deploy_seconds=2.0, seed=19) as emulator:
        ws = stack_workspace(tmp_path, emulator, stack)
        ws.run("up", "--yes", "--skip-preview")
        services = ws.json("stack", "output")["service_ids"]
        per_service = Counter(d["serviceId"] for d in emulator.state_json()["deployments"])
        assert sorted(per_service) == sorted(services.values()), "every service deployed"
        assert set(per_service.values()) == {1}, f"{stack}: deployments per service {dict(per_service)}"
        reasons = Counter(d["meta"]["reason"] for d in emulator.state_json()["deployments"])
        statuses = _statuses(emulator)
        print(f"\n{stack}: {len(services)} services, deployments by reason {dict(reasons)}, statuses {dict(statuses)}")
        assert statuses == Counter({"SUCCESS": len(services)}), "none REMOVED, none failed"
        ws.run("preview", "--expect-no-changes")
        # No destroy: prod's database is protected, and the emulator goes with the test.
