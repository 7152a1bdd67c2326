"""AppService on local Docker: one workload of the plan (the API, a worker, beat, Flower) as
containers of the one app image, with the plan's variables as values pointing at the stack's
containers.

The same semantics as on Railway: the start command replaces the image's ENTRYPOINT (exec form;
`$VARS` through the plan's shell wrapper), the pre-deploy command runs to completion in a one-off
container of the same image, variables and network before the workload starts (non-zero: nothing
starts), and the workload's liveness (http, command, celery-ping, beat-schedule) is its Docker
healthcheck, which `pulumi up` waits for, naming the role and its log when it fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from railstack.components.docker.container import (
    LOOPBACK,
    ContainerSpec,
    Healthcheck,
    LocalPlacement,
    build_container,
    container_name,
    environment_list,
)
from railstack.plan import Probe, Workload
from railstack.providers.docker import ContainerHealthy, OneOffContainer


@dataclass(frozen=True)
class AppServiceArgs:
    workload: Workload
    image: pulumi.Input[str]
    environment: dict[str, pulumi.Input[str]]
    """The workload's variables as values (railstack/components/docker/app_stack.py resolves the plan's)."""
    placement: LocalPlacement
    host_port: int | None = None
    """Publish the workload's port on 127.0.0.1 at this host port (the API, Flower)."""


def healthcheck(probe: Probe) -> Healthcheck:
    """The workload's liveness as a Docker healthcheck."""
    interval = f"{probe.interval_seconds}s"
    if probe.kind == "http":
        url = f"http://127.0.0.1:{probe.port}{probe.path}"
        # Any answer but 2xx (503 when the database or Redis is down) raises: unhealthy.
        test = ["CMD", "python3", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=4)"]
        return Healthcheck(test=test, interval=interval, retries=5, start_period="30s")
    if probe.kind == "none":
        return Healthcheck(test=["NONE"])
    assert probe.shell is not None
    return Healthcheck(test=["CMD-SHELL", probe.shell], interval=interval, timeout="10s", retries=3, start_period="30s")


def container_spec(
    workload: Workload,
    image: pulumi.Input[str],
    environment: dict[str, pulumi.Input[str]],
    host_port: int | None,
    replica: int | None = None,
) -> ContainerSpec:
    """One container of a workload (also what bench/compose.py renders as its Compose twin)."""
    return ContainerSpec(
        role=workload.name,
        kind=workload.kind,
        image=image,
        sizing=workload.sizing,
        environment=environment,
        healthcheck=healthcheck(workload.probe),
        entrypoint=workload.argv,
        ports={workload.port: host_port} if workload.port and host_port else {},
        replica=replica,
        wait=False,
    )


class AppService(pulumi.ComponentResource):
    """One workload as Docker containers (one per replica), after its pre-deploy command."""

    containers: list[docker.Container]
    """The workload's containers."""
    alive: list[pulumi.Resource]
    """One liveness wait per container: what starts after the workload depends on these."""
    container_names: list[pulumi.Output[str]]
    """Their Docker names."""
    url: pulumi.Output[str] | None
    """http URL on 127.0.0.1 of a workload with a published port (the API, Flower), else None."""
    variable_names: list[str]
    """Names of the workload's variables (the values include secrets)."""

    def __init__(self, name: str, args: AppServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:docker:AppService", name, None, opts)
        workload, placement = args.workload, args.placement
        child = pulumi.ResourceOptions(parent=self)
        start_after = list(placement.start_after)
        if workload.pre_deploy_argv is not None:
            pre_deploy = OneOffContainer(
                f"{name}-pre-deploy",
                stack=placement.stack,
                role=workload.name,
                name=container_name(placement, f"{workload.name}-pre-deploy"),
                image=args.image,
                argv=workload.pre_deploy_argv,
                env=environment_list(args.environment),
                network=placement.network,
                labels=placement.labels(f"{workload.name}-pre-deploy"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=start_after),
            )
            start_after = [*start_after, pre_deploy]
        replicas = workload.sizing.replicas
        started = LocalPlacement(
            placement.prefix, placement.stack, placement.network, start_after, placement.start_timeout
        )
        self.containers, self.alive = [], []
        for index in range(1, replicas + 1):
            replica = index if replicas > 1 else None
            spec = container_spec(workload, args.image, args.environment, args.host_port, replica)
            suffix = f"-{index}" if replicas > 1 else ""
            container = build_container(self, f"{name}-container{suffix}", spec, started)
            self.containers.append(container)
            self.alive.append(
                ContainerHealthy(
                    f"{name}-alive{suffix}",
                    stack=placement.stack,
                    role=workload.name,
                    container_id=container.id,
                    container_name=container.name,
                    probe=workload.probe.describe(),
                    timeout_seconds=placement.start_timeout,
                    # A user's own check command may print anything: only its exit code is reported.
                    show_check_output=workload.probe.kind != "command",
                    opts=child,
                )
            )
        self.container_names = [c.name for c in self.containers]
        self.url = pulumi.Output.from_input(f"http://{LOOPBACK}:{args.host_port}") if args.host_port else None
        self.variable_names = sorted(args.environment)
        self.register_outputs(
            {"container_names": self.container_names, "url": self.url, "variable_names": self.variable_names}
        )
