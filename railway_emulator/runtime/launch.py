"""Running one container-mode deployment, on its own thread, from BUILDING to SUCCESS or FAILED: its
build, its pre-deploy command, its replicas, and the retirement of the deployment it replaces.

Where Railway documents it:

- **Image.** Taken from the local engine only (no pulls): an image that is not there fails the
  deployment, saying to build it or map it (`--image-map`, read in `launch_spec.py`).
- **Pre-deploy command** (docs deployments/pre-deploy-command.md): runs first, in a one-off container
  with the same image, variables, network and volume; a non-zero exit fails the deployment and
  nothing else starts.
- **Replicas** (docs deployments/scaling.md): one container each, started with the restart policy;
  each gets its own RAILWAY_REPLICA_ID and RAILWAY_REPLICA_REGION (docs variables/reference.md).
- **Redeploy** (docs deployments/deployment-teardown.md): the new deployment starts, and once it is
  live the old one keeps running for `overlapSeconds`, then gets SIGTERM and `drainingSeconds`
  before SIGKILL (RAILWAY_DEPLOYMENT_OVERLAP_SECONDS / _DRAINING_SECONDS, docs
  variables/reference.md); it then reads REMOVED. A failed deployment leaves the old one live.

Deployments of independent services run in parallel, each on its own thread.
"""

from __future__ import annotations

import contextlib
import shlex
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from railway_emulator.runtime.build import RepositoryBuilder
from railway_emulator.runtime.health import HealthCheck
from railway_emulator.runtime.logs import LogCapture
from railway_emulator.runtime.resources import EngineResources
from railway_emulator.runtime.runs import DeploymentRun, RunBook

if TYPE_CHECKING:
    from railway_emulator.runtime.launch_spec import LaunchSpec
    from railway_emulator.state import Deployment, State

#: A pre-deploy command may run this long before it counts as failed.
PRE_DEPLOY_TIMEOUT = 900


class Launcher:
    """Starts deployments, each on a thread of its own, and retires the ones they replace."""

    def __init__(
        self,
        client: Any,
        book: RunBook,
        resources: EngineResources,
        builder: RepositoryBuilder,
        health: HealthCheck,
        logs: LogCapture,
    ) -> None:
        self.client = client
        self.book = book
        self.resources = resources
        self.builder = builder
        self.health = health
        self.logs = logs
        self._threads: list[threading.Thread] = []

    def start(self, state: State, deployment: Deployment, spec: LaunchSpec) -> None:
        """Begin running `deployment` as `spec` says (under the emulator's lock, right after it is recorded)."""
        deployment.live_status = "BUILDING"
        run = DeploymentRun(spec=spec, started=time.time())
        self.book.add(deployment, run)
        thread = threading.Thread(
            target=self._deploy, args=(state, deployment, run), name=f"deploy-{spec.service_name}", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def join(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for each deployment thread."""
        for thread in list(self._threads):
            thread.join(timeout=timeout)

    def _deploy(self, state: State, deployment: Deployment, run: DeploymentRun) -> None:
        spec = run.spec
        try:
            if spec.refused:
                for line in spec.refused:
                    self.book.log(deployment, line, "error", stream=spec.refused_stream)
                self.book.set_status(deployment, "FAILED")
                return
            if spec.build is not None and not self.builder.build(deployment, run):
                self.book.set_status(deployment, "FAILED")
                return
            try:
                self.client.images.get(spec.image)
            except Exception:  # noqa: BLE001 - docker.errors.ImageNotFound and friends
                self.book.log(
                    deployment,
                    f"image {spec.image} is not on the local engine: container mode never pulls; "
                    "build it, or map it with --image-map SRC=DST",
                    "error",
                )
                self.book.set_status(deployment, "FAILED")
                return
            network = self.resources.network(spec)
            volumes = self.resources.volumes(spec)
            self.book.set_status(deployment, "DEPLOYING")
            if spec.pre_deploy and not self._pre_deploy(deployment, run, network, volumes):
                self.book.set_status(deployment, "FAILED")
                return
            for index in range(spec.replicas):
                run.containers.append(self._container(spec, index, network, volumes).id)
            if self.health.healthy(deployment, run, network):
                replaced = self._deployments_replaced_by(state, deployment)
                self.book.set_status(deployment, "SUCCESS")
                for old in replaced:
                    self._retire(old, spec)
            else:
                self.logs.capture(deployment)
                self.book.set_status(deployment, "FAILED")
                for container_id in run.containers:
                    with contextlib.suppress(Exception):
                        self.client.containers.get(container_id).remove(force=True)
                self.resources.drop_image(run.built_image)
        except Exception as error:  # noqa: BLE001 - a deployment that breaks the runtime fails, loudly
            self.book.log(deployment, f"emulator: deployment failed: {type(error).__name__}: {error}", "error")
            self.book.set_status(deployment, "FAILED")

    def _pre_deploy(self, deployment: Deployment, run: DeploymentRun, network: str, volumes: dict[str, Any]) -> bool:
        spec = run.spec
        self.book.log(deployment, f"Running pre-deploy command: {shlex.join(spec.pre_deploy or [])}")
        container = self.client.containers.create(
            spec.image,
            entrypoint=spec.pre_deploy,
            command=[],
            environment=spec.environment,
            network=network,
            volumes=volumes,
            labels={**self.resources.deployment_labels(spec), "railway-emulator.role": "pre-deploy"},
            name=f"rwe-{self.resources.instance_id}-{spec.deployment_id[:8]}-pre",
        )
        try:
            container.start()
            result = container.wait(timeout=PRE_DEPLOY_TIMEOUT)
            for line in container.logs(stdout=True, stderr=True).decode(errors="replace").splitlines():
                self.book.log(deployment, line)
            code = int(result.get("StatusCode", 1))
        finally:
            with contextlib.suppress(Exception):
                container.remove(force=True)
        if code != 0:
            self.book.log(deployment, f"Pre-deploy command failed with exit code {code}", "error")
            return False
        return True

    def _container(self, spec: LaunchSpec, index: int, network: str, volumes: dict[str, Any]) -> Any:
        start_command: dict[str, Any] = {}
        if spec.entrypoint is not None:
            # The start command replaces ENTRYPOINT and the image's CMD is not used (exec form).
            start_command.update(entrypoint=spec.entrypoint, command=[])
        replica = {"RAILWAY_REPLICA_ID": uuid.uuid4().hex, "RAILWAY_REPLICA_REGION": spec.region}
        container = self.client.containers.create(
            spec.image,
            environment={**spec.environment, **replica},
            network=network,
            volumes=volumes,
            labels=self.resources.deployment_labels(spec),
            restart_policy=spec.restart_policy,
            name=f"rwe-{self.resources.instance_id}-{spec.deployment_id[:8]}-{index}",
            networking_config=self.resources.endpoint(network, spec),
            **start_command,
        )
        container.start()
        return container

    def _deployments_replaced_by(self, state: State, deployment: Deployment) -> list[Deployment]:
        """The service instance's earlier deployments that are SUCCESS: `deployment` retires them."""
        with self.book.lock:
            return [
                d
                for d in state.deployments_of(deployment.service_id, deployment.environment_id)
                if d.id != deployment.id and d.live_status == "SUCCESS" and d.created_ts < deployment.created_ts
            ]

    def _retire(self, old: Deployment, new_spec: LaunchSpec) -> None:
        """Overlap, then SIGTERM and the old deployment's draining time before SIGKILL."""
        if new_spec.overlap_seconds:
            time.sleep(new_spec.overlap_seconds)
        run = self.book.runs.get(old.id)
        draining = run.spec.draining_seconds if run else 0
        self.logs.capture(old)
        for container_id in run.containers if run else []:
            with contextlib.suppress(Exception):
                container = self.client.containers.get(container_id)
                container.stop(timeout=int(draining))
                container.remove(force=True)
        if run is not None:
            self.resources.drop_image(run.built_image)
        self.book.set_status(old, "REMOVED")
