"""How many Railway API requests an `up` from empty makes, estimated before any is sent.

Railway's public API allows 100 (Free), 1,000 (Hobby) and 10,000 (Pro) requests an hour
(docs/railway-api.md, "Request budget"). An `up` that cannot fit its plan's hour fails half-way, so
the plan check (railstack/stacks/plans.py) holds this estimate against the budget before anything is touched.

The estimate has two parts:
- the requests each object's create makes (per Railway object railstack makes, counted from what the
  provider's handlers send: `PER_OBJECT`);
- the status reads of the deployment watch (railstack/providers/railway/watch.py), one request per tick for
  every awaited deployment at once: per *wave* of deployments that run together (the stores; the API;
  the roles that deploy after it), the ticks a wait of `expected_seconds` takes, the interval growing
  from 2 s to a quarter of the wait, up to 30 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from railstack.plan import Plan

#: Requests of one create, by object (measured against the emulator: tests/bench, section 6).
PER_OBJECT = {
    "project": 3,
    "shared_variables": 1,
    "service": 1,
    "settings": 2,
    "variables": 1,
    "volume": 2,
    "backups": 1,
    "domain": 1,
    "custom_domain": 2,
    "tcp_proxy": 1,
    "release": 2,
}
#: Seconds a release waits for its commit's deployment to register (Railway's asynchronous registration).
REGISTRATION_SECONDS = 3.0
MIN_INTERVAL, MAX_INTERVAL = 2.0, 30.0


@dataclass(frozen=True)
class Estimate:
    objects: int
    """Requests of the creates."""
    status_reads: int
    """Requests of the deployment watch."""
    waves: int

    @property
    def total(self) -> int:
        return self.objects + self.status_reads


def ticks(seconds: float) -> int:
    """The deployment watch's requests while a wave of deployments takes `seconds`."""
    count, age = 1, 0.0
    while age < seconds:
        age += min(MAX_INTERVAL, max(MIN_INTERVAL, age / 4))
        count += 1
    return count


def waves(plan: Plan) -> int:
    """How many rounds of deployments run one after the other (the longest deploy-after chain)."""
    depth: dict[str, int] = {name: 0 for name in plan.stores}
    pending = list(plan.workloads)
    while pending:
        progressed = False
        for workload in list(pending):
            if all(dep in depth for dep in workload.deploy_after):
                depth[workload.name] = 1 + max((depth[d] for d in workload.deploy_after), default=-1)
                pending.remove(workload)
                progressed = True
        if not progressed:  # a cycle cannot be planned; count the rest as one more wave
            depth.update({w.name: max(depth.values(), default=0) + 1 for w in pending})
            break
    return max(depth.values(), default=0) + 1


def estimate_up(plan: Plan, expected_seconds: float) -> Estimate:
    """The requests of an `up` of `plan` from empty, each deployment taking `expected_seconds`."""
    services = len(plan.stores) + len(plan.workloads)
    objects = PER_OBJECT["project"] + PER_OBJECT["shared_variables"]
    objects += services * sum(PER_OBJECT[k] for k in ("service", "settings", "variables", "release"))
    for store in plan.stores.values():
        if store.mount:
            objects += PER_OBJECT["volume"] + (PER_OBJECT["backups"] if store.backups else 0)
        if getattr(store, "public", False):
            objects += PER_OBJECT["tcp_proxy"]
    for workload in plan.workloads:
        objects += PER_OBJECT["domain"] if workload.public else 0
        objects += PER_OBJECT["custom_domain"] * len(workload.custom_domains)
    rounds = waves(plan)
    reads = rounds * (ticks(REGISTRATION_SECONDS) + ticks(expected_seconds))
    return Estimate(objects=objects, status_reads=reads, waves=rounds)
