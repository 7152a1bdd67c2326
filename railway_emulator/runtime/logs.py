"""Container mode's deployment logs: `deploymentLogs` returns the deployment's container output, the
pre-deploy's included (the pre-deploy's is written when it ends, by `launch.py`). Output is read
into the deployment's record on each `deploymentLogs` read and before containers are removed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from railway_emulator.runtime.runs import RunBook

if TYPE_CHECKING:
    from railway_emulator.state import Deployment


class LogCapture:
    """Copies the containers' output into their deployments' log lines."""

    def __init__(self, client: Any, book: RunBook) -> None:
        self.client = client
        self.book = book

    def capture(self, deployment: Deployment) -> None:
        """Keep the output of containers about to be removed."""
        with self.book.lock:
            self.refresh(deployment)

    def refresh(self, deployment: Deployment) -> None:
        """Append the deployment's container output since the last read (under the emulator's lock)."""
        run = self.book.runs.get(deployment.id)
        if run is None:
            return
        for container_id in run.containers:
            since = run.log_cursor.get(container_id, run.started - 1)
            try:
                raw = self.client.containers.get(container_id).logs(
                    stdout=True, stderr=True, timestamps=True, since=since
                )
            except Exception:  # noqa: BLE001 - gone: its output was read before or never came
                continue
            for line in raw.decode(errors="replace").splitlines():
                stamp, _, message = line.partition(" ")
                moment = _parse_docker_time(stamp) or time.time()
                if moment <= since:
                    continue
                run.log_cursor[container_id] = moment
                deployment.log_lines.append({"at": moment, "ts": moment, "severity": "info", "message": message})


def _parse_docker_time(stamp: str) -> float | None:
    from datetime import datetime

    try:
        head, _, fraction = stamp.rstrip("Z").partition(".")
        moment = datetime.fromisoformat(head + "+00:00").timestamp()
        return moment + (float("0." + fraction[:6]) if fraction else 0.0)
    except ValueError:
        return None
