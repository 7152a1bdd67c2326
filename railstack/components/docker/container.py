"""How one railstack role becomes a local Docker container: the image, the stack's network under the
role's alias, its environment, a healthcheck, limits, a restart policy, ports on 127.0.0.1 only.

Used by every Docker component (database, cache, app roles), so they share the rules that nothing
is published beyond loopback, every container is labelled with its stack and role (how the tests
and `docker ps --filter label=railstack.stack=<stack>` find them), and `pulumi up` waits for each
container to be healthy before starting what depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from railstack.plan import Sizing

#: Every published port binds here: a development stack is never reachable from the network.
LOOPBACK = "127.0.0.1"

#: Container logs are rotated, so a long-running dev stack does not fill the disk.
LOG_OPTIONS = {"max-size": "10m", "max-file": "3"}


@dataclass(frozen=True)
class Healthcheck:
    """A Docker healthcheck; `pulumi up` waits until it passes (the container's start order)."""

    test: list[str]
    """The check, in Docker's form: ["CMD", ...] or ["CMD-SHELL", "..."]."""
    interval: str = "5s"
    timeout: str = "5s"
    retries: int = 5
    start_period: str = "10s"


@dataclass(frozen=True)
class ContainerSpec:
    """What one container of the stack is made of."""

    role: str
    """Role name (api, worker-logs, postgres, ...), the container's network alias and label."""
    image: pulumi.Input[str]
    """Image id or reference to run."""
    sizing: Sizing
    environment: dict[str, pulumi.Input[str]]
    """Variables; secret outputs stay secret (the whole environment is then stored encrypted)."""
    healthcheck: Healthcheck
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    """Replaces the image's ENTRYPOINT (and its CMD), as Railway's start command does."""
    user: str | None = None
    ports: dict[int, int] = field(default_factory=dict)
    """Container port -> host port, published on 127.0.0.1."""
    mounts: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """Mount path -> named volume."""
    replica: int | None = None
    """Index of this container among the role's replicas (None when the role has one)."""
    kind: str | None = None
    """What the role is (api, worker, beat, flower, postgres, redis), the `railstack.kind` label the policies read."""
    wait: bool = True
    """`pulumi up` waits here until healthy (pulumi-docker's wait); False when a ContainerHealthy waits instead."""


@dataclass(frozen=True)
class LocalPlacement:
    """Where containers go and what they start after."""

    prefix: str
    """Prefix of every Docker name of the stack (containers, network, volumes, image)."""
    stack: str
    network: pulumi.Input[str]
    start_after: list[pulumi.Resource] = field(default_factory=list)
    """Resources that must exist (containers: be healthy) before these containers start."""
    start_timeout: int = 180
    """Seconds `pulumi up` waits for a container to become healthy."""

    def labels(self, role: str, kind: str | None = None) -> dict[str, str]:
        labels = {"railstack.stack": self.stack, "railstack.prefix": self.prefix, "railstack.role": role}
        if kind is not None:
            labels["railstack.kind"] = kind
        return labels


def data_volume(
    owner: pulumi.Resource, resource_name: str, placement: LocalPlacement, role: str, protect: bool, keep: bool
) -> docker.Volume:
    """The named volume of a data store (`<prefix>-<role>-data`), left in place on destroy when `keep`."""
    return docker.Volume(
        resource_name,
        name=f"{placement.prefix}-{role}-data",
        labels=label_args(placement.labels(role), docker.VolumeLabelArgs),
        opts=pulumi.ResourceOptions(parent=owner, protect=protect, retain_on_delete=keep),
    )


def label_args(labels: dict[str, str], kind: type) -> list:
    """Docker labels in the provider's list-of-pairs form (ContainerLabelArgs, VolumeLabelArgs, ...)."""
    return [kind(label=k, value=v) for k, v in sorted(labels.items())]


def cpus_text(vcpus: float) -> str:
    """vCPUs written the way the provider reads them back from Docker, so previews stay clean:
    whole numbers as "1.0", others without trailing zeros ("0.25")."""
    nine = f"{round(vcpus * 1e9) / 1e9:.9f}"
    if nine.count("0") == 9:
        return f"{vcpus:.1f}"
    return nine.rstrip("0")


def environment_list(environment: dict[str, pulumi.Input[str]]) -> pulumi.Output[list[str]]:
    """`NAME=value` entries, sorted by name; secret if any value is."""
    names = sorted(environment)
    return pulumi.Output.all(*(environment[n] for n in names)).apply(
        lambda values: [f"{n}={v}" for n, v in zip(names, values, strict=True)]
    )


def container_name(placement: LocalPlacement, role: str, replica: int | None = None) -> str:
    """The Docker name of a role's container: `<prefix>-<role>[-<n>]`."""
    return f"{placement.prefix}-{role}" + (f"-{replica}" if replica else "")


def build_container(
    owner: pulumi.ComponentResource, name: str, spec: ContainerSpec, placement: LocalPlacement
) -> docker.Container:
    """Creates the container as a child of `owner`, named `<name>` (and `<prefix>-<role>[-<n>]` in Docker)."""
    docker_name = container_name(placement, spec.role, spec.replica)
    check = spec.healthcheck
    memory = max(6, round(spec.sizing.memory_gb * 1024))  # MB; Docker's floor is 6
    return docker.Container(
        name,
        name=docker_name,
        image=spec.image,
        command=spec.command,
        entrypoints=spec.entrypoint,
        user=spec.user,
        envs=environment_list(spec.environment),
        networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=placement.network, aliases=[spec.role])],
        ports=[
            docker.ContainerPortArgs(internal=internal, external=external, ip=LOOPBACK, protocol="tcp")
            for internal, external in sorted(spec.ports.items())
        ],
        volumes=[
            docker.ContainerVolumeArgs(volume_name=volume, container_path=path)
            for path, volume in sorted(spec.mounts.items())
        ],
        healthcheck=docker.ContainerHealthcheckArgs(
            tests=check.test,
            interval=check.interval,
            timeout=check.timeout,
            retries=check.retries,
            start_period=check.start_period,
        ),
        # Comes back after a crash or a reboot of the engine; `docker stop` keeps it stopped.
        restart="unless-stopped",
        memory=memory,
        # No swap beyond the limit: the limit is what the role gets, as on Railway.
        memory_swap=memory,
        cpus=cpus_text(spec.sizing.vcpus),
        log_driver="json-file",
        log_opts=LOG_OPTIONS,
        labels=label_args(placement.labels(spec.role, spec.kind), docker.ContainerLabelArgs),
        # `pulumi up` returns once the container is healthy: the next role starts only then.
        wait=spec.wait,
        wait_timeout=placement.start_timeout if spec.wait else None,
        opts=pulumi.ResourceOptions(
            parent=owner,
            depends_on=placement.start_after,
            # The name is fixed, so a replacement must remove the old container first.
            delete_before_replace=True,
        ),
    )
