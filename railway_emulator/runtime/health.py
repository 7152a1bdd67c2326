"""When a container-mode deployment is live, and when it is no longer: its healthcheck (or settle
time) before SUCCESS, and the watch that turns a live deployment whose container exited CRASHED.

- **Healthcheck** (docs deployments/healthchecks.md): `GET healthcheckPath` on `PORT`, with
  `Host: healthcheck.railway.app` (an app restricting hosts must allow it), until it answers 200 within `healthcheckTimeout` (Railway's default 300 s) → SUCCESS, else FAILED; without a
  healthcheck path, still running after a short settle time → SUCCESS. A container that exits later
  makes the deployment CRASHED; Docker restarts it per the restart policy (docs
  deployments/restart-policy.md: ON_FAILURE with its max retries, ALWAYS, NEVER).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import httpx

from railway_emulator.runtime.resources import EngineResources
from railway_emulator.runtime.runs import DeploymentRun, RunBook

if TYPE_CHECKING:
    from railway_emulator.runtime.launch_spec import LaunchSpec
    from railway_emulator.state import Deployment

#: A role without a healthcheck is live once it has kept running this long.
SETTLE_SECONDS = 2.0
#: The Host Railway's healthchecks are sent with (docs/railway-api.md, "Repository sources").
HEALTHCHECK_HOST = "healthcheck.railway.app"


class HealthCheck:
    """Waits for a deployment's containers to pass its healthcheck, or to settle without one."""

    def __init__(self, client: Any, resources: EngineResources, book: RunBook, closed: threading.Event) -> None:
        self.client = client
        self.resources = resources
        self.book = book
        self.closed = closed
        """Set when the runtime closes: a wait in progress gives up (the deployment is not healthy)."""

    def healthy(self, deployment: Deployment, run: DeploymentRun, network: str) -> bool:
        spec = run.spec
        deadline = time.time() + (spec.healthcheck_timeout if spec.healthcheck_path else SETTLE_SECONDS)
        if spec.healthcheck_path and spec.port is None:
            self.book.log(deployment, "healthcheck: the service has no PORT variable to check", "error")
            return False
        if spec.healthcheck_path:
            self.book.log(deployment, f"Starting Healthcheck: path {spec.healthcheck_path}")
        while not self.closed.is_set():
            states = [self.client.containers.get(c) for c in run.containers]
            if any(c.status in ("exited", "dead") for c in states):
                self.book.log(deployment, "Container exited before it was healthy", "error")
                return False
            if not spec.healthcheck_path:
                if time.time() >= deadline:
                    return True
            else:
                addresses = [self.resources.address(c, network) for c in run.containers]
                assigned = [a for a in addresses if a]
                if addresses and len(assigned) == len(addresses) and all(_answers(a, spec) for a in assigned):
                    self.book.log(deployment, "Healthcheck succeeded!")
                    return True
                if time.time() >= deadline:
                    self.book.log(deployment, "Healthcheck failed!", "error")
                    return False
            time.sleep(0.5)
        return False


def _answers(address: str, spec: LaunchSpec) -> bool:
    try:
        url = f"http://{address}:{spec.port}{spec.healthcheck_path}"
        return httpx.get(url, headers={"Host": HEALTHCHECK_HOST}, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class CrashWatch:
    """After SUCCESS: a live deployment whose container exited (and is not being restarted) is CRASHED."""

    def __init__(self, client: Any, book: RunBook, closed: threading.Event) -> None:
        self.client = client
        self.book = book
        self.closed = closed
        self._thread = threading.Thread(target=self._watch, name="railway-emulator-monitor", daemon=True)

    def start(self) -> CrashWatch:
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self.closed.wait(1.0):
            for deployment_id, run in list(self.book.runs.items()):
                if run.finished is None or not run.containers:
                    continue
                with self.book.lock:
                    status = self.book.status_of(deployment_id)
                if status != "SUCCESS":
                    continue
                for container_id in run.containers:
                    try:
                        container = self.client.containers.get(container_id)
                    except Exception:  # noqa: BLE001 - removed meanwhile
                        continue
                    if container.status in ("exited", "dead"):
                        self._crashed(deployment_id)
                        break

    def _crashed(self, deployment_id: str) -> None:
        record = self.book.records.get(deployment_id)
        if record is not None:
            self.book.log(record, "Container exited", "error")
            self.book.set_status(record, "CRASHED")
