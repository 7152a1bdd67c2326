"""What the runtime knows of the deployments it runs (`DeploymentRun`, by deployment id), and the one
place it writes the emulator's deployment records: their status and log lines, under the emulator's
lock (every change to the records happens under it, whichever thread makes it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from railway_emulator.runtime.launch_spec import LaunchSpec
    from railway_emulator.state import Deployment

#: Statuses after which a deployment run has finished (its `finished` time is set once).
FINISHED_STATUSES = ("SUCCESS", "FAILED", "CRASHED", "REMOVED")


@dataclass
class DeploymentRun:
    """What the runtime knows of one deployment it ran."""

    spec: LaunchSpec
    containers: list[str] = field(default_factory=list)
    """Ids of the deployment's containers, one per replica."""
    started: float = 0.0
    finished: float | None = None
    log_cursor: dict[str, float] = field(default_factory=dict)
    """Per container id, the time of the last output line read into the deployment's log."""
    built: bool = False
    """Whether a build ran (a repository source), whatever its outcome."""
    build_seconds: float | None = None
    built_image: str | None = None
    """The image this deployment built, removed with it."""


class RunBook:
    """The runs of one runtime and the emulator records they run, by deployment id."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        """The emulator's lock."""
        self.runs: dict[str, DeploymentRun] = {}
        self.records: dict[str, Deployment] = {}
        """The emulator's deployment records this runtime runs, by id."""

    def add(self, deployment: Deployment, run: DeploymentRun) -> None:
        self.runs[deployment.id] = run
        self.records[deployment.id] = deployment

    def clear(self) -> None:
        self.runs.clear()
        self.records.clear()

    def log(self, deployment: Deployment, message: str, severity: str = "info", stream: str = "deploy") -> None:
        now = time.time()
        with self.lock:
            deployment.log_lines.append(
                {"at": now, "ts": now, "stream": stream, "severity": severity, "message": message}
            )

    def set_status(self, deployment: Deployment, status: str) -> None:
        with self.lock:
            deployment.live_status = status
            if status in FINISHED_STATUSES:
                run = self.runs.get(deployment.id)
                if run is not None and run.finished is None:
                    run.finished = time.time()

    def status_of(self, deployment_id: str) -> str | None:
        record = self.records.get(deployment_id)
        return record.live_status if record is not None else None

    def serving_containers(self, service_id: str, environment_id: str) -> Iterator[str]:
        """Ids of the containers of a service instance's deployments that reached SUCCESS."""
        for run in list(self.runs.values()):
            spec = run.spec
            if (spec.service_id, spec.environment_id) != (service_id, environment_id):
                continue
            if self.status_of(spec.deployment_id) != "SUCCESS":
                continue
            yield from run.containers

    def timings(self) -> list[dict[str, Any]]:
        """Each deployment this runtime ran: service, status, start, end and duration."""
        rows = []
        for deployment_id, run in self.runs.items():
            rows.append(
                {
                    "deploymentId": deployment_id,
                    "serviceId": run.spec.service_id,
                    "serviceName": run.spec.service_name,
                    "status": self.status_of(deployment_id),
                    "startedAt": run.started,
                    "finishedAt": run.finished,
                    "seconds": None if run.finished is None else round(run.finished - run.started, 3),
                    "built": run.built,
                    "build_seconds": run.build_seconds,
                    "containers": list(run.containers),
                }
            )
        return rows
