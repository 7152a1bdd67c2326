"""Railway API economy and preview latency, with the real engine against the Railway API emulator.

For a stack brought up from empty, a no-op `up` and a one-variable change, the emulator counts the
API requests, writes and deployments; the floor is derived from the plan (`pulumi preview --json`):
one write per Railway object created or changed, plus the writes Railway's API needs beside some
objects (a volume's backup schedule), plus, per release, one environment patch for a new source or
new limits and one deploy per deployment (a source that deploys by itself saves the deploy);
one deployment per service whose settings or variables changed.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench.stats import Samples, ratio, timed
from railway_emulator import EmulatorServer
from support.pulumi_cli import PulumiWorkspace, copy_project, edit_stack_config, write_program

TOKEN = "bench-token"
STACK = "staging"
#: Type tokens of railstack's Railway package: `railway:index:Service`, `railway:index:Volume`, ...
RAILWAY_TYPE_PREFIX = "railway:index:"
#: The one-variable change: the logs worker's concurrency (CELERY_CONCURRENCY of one service).
CHANGED_CONCURRENCY = 7
WATCH_OPERATION = "DeploymentWatch"  # railstack/providers/railway/watch.py: the watch's one query per tick


@dataclass(frozen=True)
class Calls:
    requests: int
    writes: int
    deployments: int
    by_field: dict[str, int]
    watch_reads: int = 0
    """Of `requests`, the deployment watch's ticks (one query per tick for every awaited deployment):
    how many depends on how long Railway takes, not on the stack's size."""

    @property
    def planned_requests(self) -> int:
        """The requests the stack's objects cost: every request but the watch's timed ticks."""
        return self.requests - self.watch_reads

    @classmethod
    def between(cls, before: dict[str, Any], after: dict[str, Any]) -> Calls:
        fields = {k: after["by_field"].get(k, 0) - before["by_field"].get(k, 0) for k in after["by_field"]}
        watch = after.get("by_operation", {}).get(WATCH_OPERATION, 0) - before.get("by_operation", {}).get(
            WATCH_OPERATION, 0
        )
        return cls(
            after["requests"] - before["requests"],
            after["writes"] - before["writes"],
            after["deployments"] - before["deployments"],
            {k: v for k, v in sorted(fields.items()) if v},
            watch,
        )


@dataclass(frozen=True)
class Floor:
    writes: int
    deployments: int


def railway_kind(resource_type: str) -> str | None:
    """`railway:Service`, `railway:Volume`, ... for a resource of type `railway:index:Service`, ...; else None."""
    if not resource_type.startswith(RAILWAY_TYPE_PREFIX):
        return None
    return "railway:" + resource_type[len(RAILWAY_TYPE_PREFIX) :]


def _step_kind(step: dict[str, Any]) -> str | None:
    state = step.get("newState") or step.get("oldState") or {}
    return railway_kind(state.get("type") or step.get("type") or "")


#: Writes Railway's API needs for one object created, beside the object's own mutation.
def _extra_writes(kind: str, inputs: dict[str, Any]) -> int:
    if kind == "railway:Volume" and inputs.get("backupSchedules"):
        return 1  # volumeInstanceBackupScheduleUpdate
    return 0


def floor_of(plan: dict[str, Any], source_deploys: bool = False) -> Floor:
    """The least a tool could do for `plan` (a `pulumi preview --json` document). With
    `source_deploys` (Railway deploys when a source is set), a new service's release needs no
    deploy of its own: its patch starts the deployment."""
    writes = 0
    changed_services: set[str] = set()
    for step in plan.get("steps", []):
        op = step["op"]
        state = step.get("newState") or step.get("oldState") or {}
        inputs = state.get("inputs") or {}
        kind = _step_kind(step)
        if kind is None or op == "same":
            continue
        if kind == "railway:ServiceDeployment":
            # The release's environmentPatchCommit (source and limits), when they are new; the deploy
            # itself is counted below, from the services that changed.
            diffs = set(step.get("diffs") or [])
            if op == "create" or diffs & {"sourceImage", "sourceRepo", "branch", "vcpus", "memoryGb"}:
                writes += 1
            continue
        writes += 1 + (_extra_writes(kind, inputs) if op == "create" else 0)
        if kind in ("railway:Service", "railway:ServiceInstance") or (
            kind == "railway:VariableCollection" and inputs.get("serviceId") is not None
        ):
            # The service a resource belongs to: its component's name (railstack-worker-logs-variables).
            changed_services.add(step["urn"].rsplit("::", 1)[-1].rsplit("-", 1)[0])
    deploy_writes = len(changed_services)
    if source_deploys:
        deploy_writes -= sum(
            1
            for step in plan.get("steps", [])
            if step["op"] == "create" and _step_kind(step) == "railway:ServiceDeployment"
        )
    return Floor(writes=writes + deploy_writes, deployments=len(changed_services))


def workspace(root: Path, emulator: EmulatorServer, overrides: dict[str, Any] | None = None) -> PulumiWorkspace:
    project = copy_project(root / "project", STACK)
    if overrides:
        edit_stack_config(project, STACK, overrides)
    (root / "state").mkdir(parents=True)
    ws = PulumiWorkspace(project, root / "state", {"RAILWAY_API_URL": emulator.url})
    ws.run("stack", "init", STACK)
    ws.run("config", "set", "--secret", "railway:token", TOKEN)
    return ws


def workers_config(count: int | None) -> dict[str, Any]:
    if count is None:
        return {}
    # The default workers are removed explicitly: a stack's workers merge over them by name.
    queues: dict[str, Any] = {"logs": None, "content_generation": None}
    return {"workers": {**queues, **{f"q{i:02d}": {} for i in range(1, count + 1)}}}


@dataclass
class Scenario:
    """One operation measured: its API calls, its floor and its wall time."""

    calls: list[Calls] = field(default_factory=list)
    floor: Floor | None = None
    wall: Samples = field(default_factory=Samples)

    def as_dict(self) -> dict[str, Any]:
        first = self.calls[0]
        assert all(c == first for c in self.calls), f"API calls differ between runs: {self.calls}"
        assert self.floor is not None
        return {
            "requests": first.requests,
            "writes": first.writes,
            "deployments": first.deployments,
            "floor_writes": self.floor.writes,
            "floor_deployments": self.floor.deployments,
            "writes_vs_floor": ratio(first.writes, self.floor.writes),
            "deployments_vs_floor": ratio(first.deployments, self.floor.deployments),
            "by_field": first.by_field,
            "wall": self.wall.as_dict(),
        }


def measure_stack(
    root: Path, repeat: int, overrides: dict[str, Any] | None = None, change: bool = True
) -> dict[str, Scenario]:
    """preview and `up` from empty, a no-op `up` and (with `change`) a one-variable change."""
    scenarios: dict[str, Scenario] = defaultdict(Scenario)
    for run in range(repeat):
        with EmulatorServer(token=TOKEN) as emulator:
            ws = workspace(root / f"run-{run}", emulator, overrides)
            timed(scenarios["preview from empty"].wall, partial(ws.run, "preview"))
            measure_up(ws, emulator, scenarios["up from empty"])
            measure_up(ws, emulator, scenarios["no-op up"])
            if change:
                workers = dict((overrides or {}).get("workers") or {"logs": {}, "content_generation": {}})
                first = (
                    "logs"
                    if workers.get("logs") is not None
                    else sorted(n for n, w in workers.items() if w is not None)[0]
                )
                workers[first] = {**workers[first], "concurrency": CHANGED_CONCURRENCY}
                edit_stack_config(ws.project_dir, STACK, {"workers": workers})
                measure_up(ws, emulator, scenarios["one-variable change"])
    return dict(scenarios)


def measure_up(ws: PulumiWorkspace, emulator: EmulatorServer, scenario: Scenario) -> None:
    """One `up` into `scenario`: its floor from the preview's plan, its wall time and the API calls it made."""
    plan = ws.json("preview")
    # The emulator's default, as on Railway: a committed patch deploys, so a release needs no deploy of its own.
    scenario.floor = floor_of(plan, source_deploys=True)
    before = emulator.counters()
    timed(scenario.wall, partial(ws.run, "up", "--yes", "--skip-preview"))
    scenario.calls.append(Calls.between(before, emulator.counters()))


def empty_program_preview(root: Path, repeat: int) -> Samples:
    """`pulumi preview` of an empty Python program: the engine's own floor."""
    samples = Samples()
    for run in range(repeat):
        project = write_program(root / f"empty-{run}", "import pulumi\n", name="empty")
        (root / f"empty-{run}-state").mkdir()
        ws = PulumiWorkspace(project, root / f"empty-{run}-state")
        ws.run("stack", "init", "bench")
        timed(samples, partial(ws.run, "preview"))
    return samples


def scale(root: Path, repeat: int, counts: list[int]) -> dict[str, Any]:
    """The same figures for stacks with `counts` worker queues, and their growth per worker."""
    rows: dict[int, dict[str, Scenario]] = {}
    for count in counts:
        rows[count] = measure_stack(root / f"workers-{count}", repeat, workers_config(count), change=False)
    table = {}
    for count, scenarios in rows.items():
        up = scenarios["up from empty"]
        assert up.floor is not None, "measure_up records the floor of every up"
        table[str(count)] = {
            "requests": up.calls[0].requests,
            "planned_requests": up.calls[0].planned_requests,
            "watch_reads": up.calls[0].watch_reads,
            "writes": up.calls[0].writes,
            "deployments": up.calls[0].deployments,
            "floor_writes": up.floor.writes,
            "noop_writes": scenarios["no-op up"].calls[0].writes,
            "preview": scenarios["preview from empty"].wall.as_dict(),
            "up": up.wall.as_dict(),
        }
    # Linear growth is a property of the requests the objects cost; the watch's ticks follow Railway's
    # timing (a seeded random registration delay in the emulator) and are reported beside them.
    return {"by_workers": table, "growth": growth({c: r["planned_requests"] for c, r in table.items()})}


def growth(requests: dict[str, int]) -> dict[str, Any]:
    """Requests (the watch's timed ticks left out) added per worker between successive sizes: equal
    steps mean linear growth."""
    sizes = sorted(int(c) for c in requests)
    steps = [round((requests[str(b)] - requests[str(a)]) / (b - a), 3) for a, b in zip(sizes, sizes[1:], strict=False)]
    return {"requests_per_added_worker": steps, "linear": len(set(steps)) <= 1}


def variables_do_not_cost_requests(root: Path) -> dict[str, Any]:
    """Requests of `up` from empty (the watch's timed ticks left out) with 0 and with 20 extra variables:
    equal when there are no per-variable calls."""
    counts = {}
    for extra in (0, 20):
        overrides = {"variables": {f"EXTRA_{i:02d}": "x" for i in range(extra)}} if extra else None
        scenarios = measure_stack(root / f"variables-{extra}", 1, overrides, change=False)
        counts[str(extra)] = scenarios["up from empty"].calls[0].planned_requests
    return {"requests_by_extra_variables": counts, "per_variable_requests": counts["20"] != counts["0"]}


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


def _estimate(ws: PulumiWorkspace) -> int:
    """The plan check's estimate of an up from empty, for the stack as `ws` holds it."""
    import yaml

    from railstack.components.railway.requests import estimate_up
    from railstack.plan import build_plan
    from railstack.stacks.load import load_stack_config

    document = yaml.safe_load((ws.project_dir / f"Pulumi.{STACK}.yaml").read_text()) or {}
    model = load_stack_config(STACK, (document.get("config") or {}).get("railstack:stack") or {})
    return estimate_up(build_plan(STACK, model), model.deployments.expected_seconds).total


def timing(root: Path, counts: list[int], deploy_seconds: float = 20.0) -> dict[str, Any]:
    """Staging `up` from empty under Railway's timing (the emulator's default: late registration) with
    deployments of `deploy_seconds`, for each worker count: the deployment watch's status reads, all
    requests, deployments, and the plan check's estimate beside the measured count (issue 19)."""
    table: dict[str, Any] = {}
    for count in counts:
        with EmulatorServer(token=TOKEN, deploy_seconds=deploy_seconds, seed=count) as emulator:
            overrides = {**workers_config(count), "deployments": {"expected_seconds": int(deploy_seconds)}}
            ws = workspace(root / f"timing-{count}", emulator, overrides)
            before = len(emulator.requests())
            started = time.monotonic()
            ws.run("up", "--yes", "--skip-preview")
            wall = time.monotonic() - started
            sent = emulator.requests()[before:]
            deployments = emulator.state_json()["deployments"]
            table[str(count)] = {
                "status_reads": sum(1 for r in sent if r["operationName"] == "DeploymentWatch"),
                "requests": len(sent),
                "estimate": _estimate(ws),
                "services": len(ws.json("stack", "output")["service_ids"]),
                "deployments": len(deployments),
                "up_seconds": round(wall, 1),
            }
    reads = [row["status_reads"] for row in table.values()]
    return {"deploy_seconds": deploy_seconds, "by_workers": table, "status_reads_spread": max(reads) - min(reads)}


def free_plan_refusal(root: Path) -> dict[str, Any]:
    """A staging preview with `railway:plan free`: refused by the plan check before any request."""
    with EmulatorServer(token=TOKEN) as emulator:
        ws = workspace(root / "free", emulator)
        ws.run("config", "set", "railway:plan", "free")
        before = len(emulator.requests())
        result = ws.run("preview", check=False)
        output = result.stdout + result.stderr
        line = next((text.strip() for text in output.splitlines() if "Railway API requests" in text), "")
        return {"refused": result.returncode != 0, "requests": len(emulator.requests()) - before, "message": line}
