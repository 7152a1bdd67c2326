"""What the benchmark measures, held as guarantees (real engine, the emulator): a no-op `up` makes
no write and no deployment; `up` from empty and a one-variable change stay at their floor; API
requests grow linearly with the number of workers, and not at all with the number of variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.railway import floor_of, growth, measure_stack, scale, variables_do_not_cost_requests

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.usefixtures("pulumi_cli")]


def test_a_no_op_up_makes_no_write_and_changes_stay_at_their_floor(tmp_path: Path) -> None:
    scenarios = measure_stack(tmp_path, 1)
    noop = scenarios["no-op up"].calls[0]
    assert (noop.requests, noop.writes, noop.deployments) == (0, 0, 0), f"a no-op up touched Railway: {noop}"
    for name in ("up from empty", "one-variable change"):
        row = scenarios[name].as_dict()
        assert (row["writes"], row["deployments"]) == (row["floor_writes"], row["floor_deployments"]), f"{name}: {row}"
    change = scenarios["one-variable change"].as_dict()
    # Two writes; the reads are the release noting the latest deployment and polling its status.
    assert change["writes"] == 2, change
    assert (change["by_field"]["variableCollectionUpsert"], change["by_field"]["serviceInstanceDeployV2"]) == (1, 1)


def test_requests_grow_linearly_with_workers_and_not_with_variables(tmp_path: Path) -> None:
    result = scale(tmp_path / "scale", 1, [1, 2, 4])
    assert result["growth"]["linear"], f"requests per added worker differ: {result['growth']}"
    assert all(row["noop_writes"] == 0 for row in result["by_workers"].values())
    variables = variables_do_not_cost_requests(tmp_path / "variables")
    assert not variables["per_variable_requests"], variables


def test_growth_tells_linear_from_faster_than_linear() -> None:
    assert growth({"1": 50, "5": 78, "20": 183}) == {"requests_per_added_worker": [7.0, 7.0], "linear": True}
    assert growth({"1": 50, "5": 80, "20": 300})["linear"] is False


def test_the_floor_counts_objects_their_required_extra_writes_and_changed_services() -> None:
    def step(op: str, name: str, resource: str, diffs: list[str] | None = None, **inputs: object) -> dict:
        rtype = resource if ":" in resource else f"railway:index:{resource}"
        result: dict = {
            "op": op,
            "urn": f"urn:pulumi:s::p::{rtype}::{name}",
            "newState": {"type": rtype, "inputs": inputs},
        }
        return result | ({"diffs": diffs} if diffs is not None else {})

    plan = {
        "steps": [
            step("create", "default", "pulumi:providers:railway"),
            step("create", "railstack-api-service", "Service"),
            step("create", "railstack-api-settings", "ServiceInstance"),
            step("create", "railstack-api-variables", "VariableCollection", serviceId="x"),
            step("create", "railstack-api-deployment", "ServiceDeployment", vcpus=1, memoryGb=1),
            step("create", "railstack-shared-variables", "VariableCollection", serviceId=None),
            step("same", "railstack-beat-variables", "VariableCollection", serviceId="y"),
            step("create", "railstack-postgres-volume", "Volume", serviceId="z", backupSchedules=["DAILY"]),
        ]
    }
    floor = floor_of(plan)
    # service, settings, variables, the release's patch (source and limits) and its deploy, shared
    # variables, the volume and its backup schedule; the provider is no Railway object.
    assert (floor.writes, floor.deployments) == (1 + 1 + 1 + 2 + 1 + 2, 1)
    # A release whose source or limits change (camelCase, as the preview names them) patches the
    # environment; one whose triggers alone change does not.
    updates = {
        "steps": [
            step("update", "railstack-api-deployment", "ServiceDeployment", diffs=["memoryGb"]),
            step("update", "railstack-beat-deployment", "ServiceDeployment", diffs=["triggers"]),
        ]
    }
    assert (floor_of(updates).writes, floor_of(updates).deployments) == (1, 0)


def test_the_table_shows_each_figure_next_to_its_floor_or_peer() -> None:
    from bench.report import table

    wall = {"min_s": 1.0, "median_s": 1.5, "runs": 3}
    row = {
        "requests": 59,
        "writes": 41,
        "floor_writes": 41,
        "writes_vs_floor": 1.0,
        "deployments": 7,
        "floor_deployments": 7,
        "deployments_vs_floor": 1.0,
        "wall": wall,
    }
    results = {
        "meta": {"date": "today", "repeat": 3},
        "railway_economy": {
            "up from empty": row,
            "no-op up": {
                **row,
                "requests": 0,
                "writes": 0,
                "floor_writes": 0,
                "writes_vs_floor": None,
                "deployments": 0,
                "floor_deployments": 0,
                "deployments_vs_floor": None,
            },
            "one-variable change": row,
        },
        "scale": {
            "by_workers": {
                "1": {
                    "requests": 52,
                    "writes": 36,
                    "floor_writes": 36,
                    "deployments": 6,
                    "noop_writes": 0,
                    "preview": wall,
                    "up": wall,
                }
            },
            "growth": {"requests_per_added_worker": [7.0], "linear": True},
        },
        "variables": {"requests_by_extra_variables": {"0": 59, "20": 59}, "per_variable_requests": False},
        "preview_latency": {"staging": wall, "empty_program": wall, "ratio_median": 2.5},
        "local": {"skipped": "--no-docker"},
    }
    text = table(results)
    assert "   up from empty                59      41     41   1.00×        7      7   1.00×   1.0 / 1.5 s" in text
    assert "→ linear" in text and "no per-variable requests" in text and "2.50× the engine's floor" in text
    assert "not measured: --no-docker" in text
