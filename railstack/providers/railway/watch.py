"""One watch per provider process over every deployment railstack waits for.

Railway's public API allows 100 (Free), 1,000 (Hobby) and 10,000 (Pro) requests an hour
(docs/railway-api.md, "Request budget"). A release that polled its own deployment every few seconds
would spend that budget in proportion to the number of services; instead every waiting release asks
this watch, and the watch reads everything asked since its last tick in **one** request, each
deployment's status and each instance's latest deployment under its own GraphQL alias. Status reads
per `up` then follow the time the deployments take, not how many services there are.

The pace starts at `min_interval` (2 s) and grows with the age of the oldest wait, to a quarter of it,
up to `max_interval` (30 s): quick deployments are seen quickly, long builds are not read every two
seconds. When Railway's answers say the hour's budget is running out (X-RateLimit-Remaining), the
pace stretches so the rest lasts until the reset.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from railstack.providers.railway.client import RailwayClient, RailwayError, dig

#: A deployment's status (`("deployment", id)`) or an instance's latest deployment
#: (`("instance", serviceId, environmentId)`).
Key = tuple[str, ...]

DEPLOYMENT_FIELDS = "id status createdAt"
#: Below this many requests left in the hour, the pace spreads what is left until the reset.
LOW_BUDGET = 50


@dataclass
class _Waiter:
    event: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: RailwayError | None = None


def document(keys: list[Key]) -> tuple[str, dict[str, str]]:
    """The one query that reads `keys`, aliased `k0`, `k1`...; and its variables."""
    params: list[str] = []
    selections: list[str] = []
    variables: dict[str, str] = {}
    for index, key in enumerate(keys):
        alias = f"k{index}"
        if key[0] == "deployment":
            params.append(f"${alias}: String!")
            variables[alias] = key[1]
            selections.append(f"  {alias}: deployment(id: ${alias}) {{ {DEPLOYMENT_FIELDS} }}")
        else:
            params += [f"${alias}s: String!", f"${alias}e: String!"]
            variables[f"{alias}s"], variables[f"{alias}e"] = key[1], key[2]
            selections.append(
                f"  {alias}: serviceInstance(serviceId: ${alias}s, environmentId: ${alias}e) "
                f"{{ latestDeployment {{ {DEPLOYMENT_FIELDS} }} }}"
            )
    return "query DeploymentWatch(" + ", ".join(params) + ") {\n" + "\n".join(selections) + "\n}", variables


class DeploymentWatch:
    """Batches the status reads of every waiting release into one request per tick."""

    def __init__(self, client: RailwayClient, *, min_interval: float = 2.0, max_interval: float = 30.0) -> None:
        self._client = client
        self.min_interval = min_interval
        self.max_interval = max_interval
        self._cond = threading.Condition()
        self._wanted: dict[Key, list[_Waiter]] = {}
        self._since: dict[Key, float] = {}
        self._pace: dict[Key, float] = {}
        self._last_tick = float("-inf")
        self._thread: threading.Thread | None = None
        self.ticks = 0
        """Requests the watch has sent (the bench's status reads)."""

    # -- what releases ask ---------------------------------------------------------------------------
    def status(self, deployment_id: str, pace: float | None = None) -> dict[str, Any]:
        """The deployment as of the next tick: `{id, status, createdAt}`. `pace` lowers the shortest
        interval while this one is waited for (tests with quick deployments)."""
        return self._ask(("deployment", deployment_id), pace)

    def latest(self, service_id: str, environment_id: str, pace: float | None = None) -> dict[str, Any] | None:
        """The instance's latest deployment as of the next tick, or None when it has none."""
        return dig(self._ask(("instance", service_id, environment_id), pace), "latestDeployment")

    def done(self, *keys: Key) -> None:
        """A release stops asking for `keys`: they no longer hold the pace back."""
        with self._cond:
            for key in keys:
                self._since.pop(key, None)
                self._pace.pop(key, None)

    def _ask(self, key: Key, pace: float | None) -> Any:
        waiter = _Waiter()
        with self._cond:
            self._wanted.setdefault(key, []).append(waiter)
            self._since.setdefault(key, time.monotonic())
            if pace is not None:
                self._pace[key] = pace
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="railway-deployment-watch", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        waiter.event.wait()
        if waiter.error is not None:
            raise waiter.error
        return waiter.value

    # -- the ticks ---------------------------------------------------------------------------------
    def interval(self) -> float:
        """Seconds between two ticks now (see the module's docstring)."""
        now = time.monotonic()
        with self._cond:
            oldest = min(self._since.values(), default=now)
            shortest = min([self.min_interval, *self._pace.values()])
        pace = min(self.max_interval, max(shortest, (now - oldest) / 4))
        budget = self._client.budget
        if budget is not None and budget.remaining < LOW_BUDGET:
            left = max(0.0, budget.reset_at - time.time())
            pace = max(pace, left / max(1, budget.remaining))
        return pace

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._wanted:
                    self._cond.wait()
            wait = self._last_tick + self.interval() - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # whoever asks meanwhile joins this tick
            with self._cond:
                batch, self._wanted = self._wanted, {}
            self._last_tick = time.monotonic()
            self._tick(batch)

    def _tick(self, batch: dict[Key, list[_Waiter]]) -> None:
        keys = list(batch)
        try:
            answers = self._read(keys)
        except RailwayError as err:
            if len(keys) == 1:
                answers = {keys[0]: err}
            else:
                # One bad key (a deployment gone) must not fail the others: read them one by one.
                answers: dict[Key, Any] = {}
                for key in keys:
                    try:
                        answers.update(self._read([key]))
                    except RailwayError as one:
                        answers[key] = one
        for key, waiters in batch.items():
            answer = answers.get(key)
            for waiter in waiters:
                if isinstance(answer, RailwayError):
                    waiter.error = answer
                else:
                    waiter.value = answer
                waiter.event.set()

    def _read(self, keys: list[Key]) -> dict[Key, Any]:
        query, variables = document(keys)
        self.ticks += 1
        data = self._client.execute_document("DeploymentWatch", query, variables)
        return {key: data.get(f"k{index}") for index, key in enumerate(keys)}
