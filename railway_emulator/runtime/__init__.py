"""Container mode: the emulator runs each deployment as Railway would, as containers on the local
Docker engine, through the Docker SDK for Python (never by parsing `docker` output).

`ContainerRuntime` is what the rest of the emulator sees; each concern, with the Railway semantics
it implements and their sources, has its module:

- `launch_spec.py`: what a deployment runs (`LaunchSpec`): image or repository source, start and pre-deploy
  commands, variables, volume, replicas, healthcheck, restart policy, overlap and draining;
- `build.py`: repository builds (docs/railway-api.md, "Repository builds");
- `launch.py`: pre-deploy, containers, replicas, and the retirement of a replaced deployment;
- `health.py`: healthcheck and settle time, and the crash watch after SUCCESS;
- `logs.py`: the containers' output in `deploymentLogs`;
- `resources.py`: the engine connection, networks, volumes, labels, and cleanup;
- `runs.py`: what the runtime knows of each deployment it runs, and its writes to their records.

- **Timings**: `timings()` (`/_emulator/runtime`) gives each deployment's duration, whether a build ran
  (`built`) and its wall time (`build_seconds`); `builds` counts the builds run.

Deployments of independent services run in parallel, each on its own thread; every change to the
emulator's records happens under the emulator's lock.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from railway_emulator.repos import Repos
from railway_emulator.runtime.build import RepositoryBuilder
from railway_emulator.runtime.health import CrashWatch, HealthCheck
from railway_emulator.runtime.launch import Launcher
from railway_emulator.runtime.launch_spec import LaunchSpec, launch_spec
from railway_emulator.runtime.logs import LogCapture
from railway_emulator.runtime.resources import LABEL, PID_LABEL, EngineResources, docker_client
from railway_emulator.runtime.runs import RunBook

if TYPE_CHECKING:
    from railway_emulator.state import Deployment, State


class ContainerRuntime:
    """Runs the emulator's deployments as containers. `lock` is the emulator's lock."""

    def __init__(
        self, lock: threading.RLock, image_map: dict[str, str] | None = None, repo_map: dict[str, str] | None = None
    ) -> None:
        self.repos = Repos(repo_map)
        self.client = docker_client()
        self.lock = lock
        self.image_map = dict(image_map or {})
        self.instance_id = uuid.uuid4().hex[:12]
        self.labels = {LABEL: self.instance_id, PID_LABEL: str(os.getpid())}
        self.book = RunBook(lock)
        self.runs = self.book.runs
        """What the runtime knows of each deployment it ran, by id."""
        self.records = self.book.records
        """The emulator's deployment records this runtime runs, by id."""
        self._closed = threading.Event()
        self.resources = EngineResources(self.client, self.instance_id, self.labels)
        self.logs = LogCapture(self.client, self.book)
        self.builder = RepositoryBuilder(self.client, self.repos, self.book, self.resources)
        health = HealthCheck(self.client, self.resources, self.book, self._closed)
        self.launcher = Launcher(self.client, self.book, self.resources, self.builder, health, self.logs)
        self.sweep_leftovers()
        self.crash_watch = CrashWatch(self.client, self.book, self._closed).start()

    @property
    def builds(self) -> int:
        """How many builds ran (counters' `builds`)."""
        return self.builder.builds

    # --- housekeeping ------------------------------------------------------------------------------------

    def sweep_leftovers(self) -> dict[str, int]:
        """Remove what emulators that are no longer running left behind (a crashed run)."""
        return self.resources.sweep_leftovers()

    def owned(self) -> dict[str, list[str]]:
        """Names of the containers, networks and volumes this runtime has, by kind."""
        return self.resources.owned()

    def reset(self) -> None:
        """Remove everything this runtime started and forget its deployments (the emulator's reset)."""
        self.resources.remove_all()
        self.book.clear()
        self.builder.builds = 0

    def close(self) -> None:
        """Stop and remove everything this runtime started."""
        self._closed.set()
        self.launcher.join(timeout=5)
        self.resources.remove_all()

    # Called by the state's cascading deletes (under the emulator's lock): what Railway removes with
    # a service instance, a volume or an environment stops running here too.
    def instance_deleted(self, service_id: str, environment_id: str) -> None:
        self.resources.instance_deleted(service_id, environment_id)

    def volume_instance_deleted(self, volume_instance_id: str) -> None:
        self.resources.volume_instance_deleted(volume_instance_id)

    def environment_deleted(self, environment_id: str) -> None:
        self.resources.environment_deleted(environment_id)

    # --- deploying ----------------------------------------------------------------------------------------

    def launch_spec(self, state: State, deployment: Deployment) -> LaunchSpec:
        """What the deployment runs, from its settings snapshot and the variables as they are now."""
        return launch_spec(state, deployment, self.repos, self.image_map)

    def start(self, state: State, deployment: Deployment) -> None:
        """Begin running `deployment` (called under the emulator's lock, right after it is recorded)."""
        self.launcher.start(state, deployment, self.launch_spec(state, deployment))

    # --- reading -------------------------------------------------------------------------------------

    def refresh_logs(self, deployment: Deployment) -> None:
        """Append the deployment's container output since the last read (under the emulator's lock)."""
        self.logs.refresh(deployment)

    def containers_of(self, deployment_id: str) -> list[str]:
        run = self.runs.get(deployment_id)
        return list(run.containers) if run else []

    def addresses(self, service_id: str, environment_id: str) -> Iterator[str]:
        """Addresses of the live containers of a service instance, for the edge."""
        network = self.resources.network_name(environment_id)
        for container_id in self.book.serving_containers(service_id, environment_id):
            with contextlib.suppress(Exception):
                address = self.resources.address(container_id, network)
                if address:
                    yield address

    def timings(self) -> list[dict[str, Any]]:
        """Each deployment this runtime ran: service, status, start, end and duration."""
        return self.book.timings()
