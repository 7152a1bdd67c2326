"""What container mode owns on the Docker engine besides the deployments' containers: the engine
connection, the labels on everything, one network per environment, one volume per volume instance,
and the cleanup (what cascading deletes remove, a reset, the emulator's stop, a crashed run's sweep).

Where Railway documents it:

- **Private networking** (docs networking/private-networking.md): one network per project
  environment, in which `<service>.railway.internal` resolves to the service's containers.
- **Volume** (docs volumes/reference.md): a named Docker volume per volume instance, mounted at its
  mount path; it survives redeploys and goes with `volumeDelete` or the service.

Everything the runtime starts or builds (containers, networks, volumes, images) carries the label
`railway-emulator.instance=<id>` (and the pid of the emulator process), so stopping the emulator removes all of it and the next start sweeps what a
crashed run left behind.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from railway_emulator.runtime.launch_spec import LaunchSpec

LABEL = "railway-emulator.instance"
PID_LABEL = "railway-emulator.pid"
DEPLOYMENT_LABEL = "railway-emulator.deployment"
SERVICE_LABEL = "railway-emulator.service"
ENVIRONMENT_LABEL = "railway-emulator.environment"
VOLUME_LABEL = "railway-emulator.volume-instance"
BUILD_LABEL = "railway-emulator.build"


class ContainerModeError(RuntimeError):
    """Container mode cannot start (no Docker engine, or no Docker SDK)."""


def docker_client() -> Any:
    """A client of the local Docker engine, which answers; ContainerModeError otherwise."""
    try:
        import docker
    except ImportError as error:  # pragma: no cover - the SDK is a dependency of the project
        raise ContainerModeError("container mode needs the Docker SDK for Python (`pip install docker`)") from error
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure to reach the engine means the same
        raise ContainerModeError(f"container mode needs a Docker engine: {error}") from error
    return client


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EngineResources:
    """The networks, volumes, labels and cleanup of one runtime (`instance_id`) on the engine."""

    def __init__(self, client: Any, instance_id: str, labels: dict[str, str]) -> None:
        self.client = client
        self.instance_id = instance_id
        self.labels = labels
        """The labels on everything this runtime creates: its instance id and the emulator's pid."""
        # Docker lets two networks share a name: parallel deployments create them one at a time.
        self._setup = threading.Lock()

    # --- names -----------------------------------------------------------------------------------------

    def network_name(self, environment_id: str) -> str:
        return f"rwe-{self.instance_id}-{environment_id[:8]}"

    def volume_name(self, volume_instance_id: str) -> str:
        return f"rwe-{self.instance_id}-vol-{volume_instance_id[:8]}"

    def deployment_labels(self, spec: LaunchSpec) -> dict[str, str]:
        return {
            **self.labels,
            DEPLOYMENT_LABEL: spec.deployment_id,
            SERVICE_LABEL: spec.service_id,
            ENVIRONMENT_LABEL: spec.environment_id,
        }

    # --- what a deployment joins and mounts ----------------------------------------------------------------

    def network(self, spec: LaunchSpec) -> str:
        """The name of the deployment's environment network, created on first use."""
        name = self.network_name(spec.environment_id)
        with self._setup:
            if not self.client.networks.list(names=[name]):
                self.client.networks.create(
                    name, driver="bridge", labels={**self.labels, ENVIRONMENT_LABEL: spec.environment_id}
                )
        return name

    def volumes(self, spec: LaunchSpec) -> dict[str, dict[str, str]]:
        """The deployment's volume mount (Docker SDK `volumes=`), its volume created on first use."""
        if spec.volume is None:
            return {}
        volume_instance_id, mount = spec.volume
        name = self.volume_name(volume_instance_id)
        with self._setup:
            try:
                self.client.volumes.get(name)
            except Exception:  # noqa: BLE001 - docker.errors.NotFound
                self.client.volumes.create(
                    name,
                    labels={**self.labels, ENVIRONMENT_LABEL: spec.environment_id, VOLUME_LABEL: volume_instance_id},
                )
        return {name: {"bind": mount, "mode": "rw"}}

    def endpoint(self, network: str, spec: LaunchSpec) -> dict[str, Any]:
        """The network endpoint under which the service's private domain resolves to a container."""
        return {network: self.client.api.create_endpoint_config(aliases=[spec.alias])}

    def address(self, container_id: str, network: str) -> str | None:
        """A container's IP address on `network`, None before it has one."""
        container = self.client.containers.get(container_id)
        return ((container.attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(network, {}).get(
            "IPAddress"
        ) or None

    def drop_image(self, built_image: str | None) -> None:
        """Remove the image a deployment built (None: it built none)."""
        if built_image is not None:
            with contextlib.suppress(Exception):
                self.client.images.remove(built_image, force=True)

    # --- housekeeping ------------------------------------------------------------------------------------

    def sweep_leftovers(self) -> dict[str, int]:
        """Remove what emulators that are no longer running left behind (a crashed run)."""
        removed = {"containers": 0, "networks": 0, "volumes": 0}
        for container in self.client.containers.list(all=True, filters={"label": LABEL}):
            if not _pid_alive(int(container.labels.get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    container.remove(force=True)
                    removed["containers"] += 1
        for network in self.client.networks.list(filters={"label": LABEL}):
            if not _pid_alive(int((network.attrs.get("Labels") or {}).get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    network.remove()
                    removed["networks"] += 1
        for volume in self.client.volumes.list(filters={"label": LABEL}):
            if not _pid_alive(int((volume.attrs.get("Labels") or {}).get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    volume.remove(force=True)
                    removed["volumes"] += 1
        removed["images"] = 0
        for image in self.client.images.list(filters={"label": LABEL}):
            if not _pid_alive(int((image.labels or {}).get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    self.client.images.remove(image.id, force=True)
                    removed["images"] += 1
        return removed

    def owned(self) -> dict[str, list[str]]:
        """Names of the containers, networks and volumes this runtime has, by kind."""
        this_runtime = {"label": f"{LABEL}={self.instance_id}"}
        return {
            "containers": [c.name for c in self.client.containers.list(all=True, filters=this_runtime)],
            "networks": [n.name for n in self.client.networks.list(filters=this_runtime)],
            "volumes": [v.name for v in self.client.volumes.list(filters=this_runtime)],
            "images": [tag for i in self.client.images.list(filters=this_runtime) for tag in (i.tags or [i.id])],
        }

    def remove(
        self, labels: dict[str, str], networks: bool = False, volumes: bool = False, images: bool = False
    ) -> None:
        """Remove this runtime's containers (and, if asked, networks, volumes and built images) carrying
        `labels`."""
        selector = {"label": [f"{k}={v}" for k, v in {LABEL: self.instance_id, **labels}.items()]}
        # Containers first: a network or a volume in use cannot go. Anything gone meanwhile is fine.
        for container in self.client.containers.list(all=True, filters=selector):
            with contextlib.suppress(Exception):
                container.remove(force=True)
        for network in self.client.networks.list(filters=selector) if networks else []:
            with contextlib.suppress(Exception):
                network.remove()
        for volume in self.client.volumes.list(filters=selector) if volumes else []:
            with contextlib.suppress(Exception):
                volume.remove(force=True)
        for image in self.client.images.list(filters=selector) if images else []:
            with contextlib.suppress(Exception):
                self.client.images.remove(image.id, force=True)

    def remove_all(self) -> None:
        """Remove everything this runtime started or built."""
        self.remove({}, networks=True, volumes=True, images=True)

    # Called by the state's cascading deletes (under the emulator's lock): what Railway removes with
    # a service instance, a volume or an environment stops running here too.
    def instance_deleted(self, service_id: str, environment_id: str) -> None:
        self.remove({SERVICE_LABEL: service_id, ENVIRONMENT_LABEL: environment_id}, images=True)

    def volume_instance_deleted(self, volume_instance_id: str) -> None:
        for container in self.client.containers.list(all=True, filters={"label": [f"{LABEL}={self.instance_id}"]}):
            mounts = container.attrs.get("Mounts") or []
            if any(m.get("Name") == self.volume_name(volume_instance_id) for m in mounts):
                with contextlib.suppress(Exception):
                    container.remove(force=True)
        with contextlib.suppress(Exception):
            self.client.volumes.get(self.volume_name(volume_instance_id)).remove(force=True)

    def environment_deleted(self, environment_id: str) -> None:
        self.remove({ENVIRONMENT_LABEL: environment_id}, networks=True, volumes=True, images=True)
