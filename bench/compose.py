"""The local stack against Docker Compose, the tool users would otherwise pick.

The Compose file is generated from the same model and the same container specs the dev stack uses
(`railstack/components/docker/*.container_spec`, `railstack/plan.py`): same images, variables, healthcheck
commands, limits, loopback ports and start order (`depends_on: condition: service_healthy`). Both
run on the same engine in the same run: `pulumi up -s dev` cold (no container, no app image,
each builder's layer cache warm) and no-op, against `docker-compose up -d` cold and no-op. `pulumi up` returns once every
container is healthy; Compose returns once it started the last container, so Compose is also timed
until every container is healthy, the comparable figure.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from bench.stats import Samples, timed
from railstack.components.docker import app_service, postgres, redis
from railstack.components.docker.container import LOG_OPTIONS, LOOPBACK, ContainerSpec, cpus_text
from railstack.components.docker.values import docker_parts
from railstack.plan import Value, build_plan
from railstack.stacks.load import load_stack_config
from support.ports import free_port
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project, edit_stack_config

COMPOSE = "docker-compose"
APP_IMAGE = "railstack-bench-compose-app:latest"


def _literal(words: list[str]) -> list[str]:
    """Compose interpolates $NAME itself; $$ leaves it to the container's shell, as Docker does."""
    return [w.replace("$", "$$") for w in words]


def _service(spec: ContainerSpec, image: str | None = None) -> dict[str, Any]:
    check = spec.healthcheck
    service: dict[str, Any] = {
        "image": image or spec.image,
        "environment": {k: str(v) for k, v in sorted(spec.environment.items())},
        "healthcheck": {
            "test": _literal(check.test),
            "interval": check.interval,
            "timeout": check.timeout,
            "retries": check.retries,
            "start_period": check.start_period,
        },
        "restart": "unless-stopped",
        "mem_limit": f"{max(6, round(spec.sizing.memory_gb * 1024))}m",
        "memswap_limit": f"{max(6, round(spec.sizing.memory_gb * 1024))}m",
        "cpus": float(cpus_text(spec.sizing.vcpus)),
        "logging": {"driver": "json-file", "options": dict(LOG_OPTIONS)},
        "networks": {"default": {"aliases": [spec.role]}},
    }
    if spec.command:
        service["command"] = _literal(spec.command)
    if spec.entrypoint:
        service["entrypoint"] = _literal(spec.entrypoint)
    if spec.user:
        service["user"] = spec.user
    if spec.ports:
        service["ports"] = [f"{LOOPBACK}:{host}:{inner}" for inner, host in sorted(spec.ports.items())]
    if spec.mounts:
        service["volumes"] = [f"{volume}:{path}" for path, volume in sorted(spec.mounts.items())]
    return service


def compose_file(overrides: dict[str, Any], api_port: int) -> dict[str, Any]:
    """The dev stack of `overrides` as a Compose file (with freshly generated secrets), rendered from
    the same plan and container specs as the dev stack."""
    config = load_stack_config("dev", overrides)
    plan = build_plan("dev", config)
    secret_values = {name: secrets.token_hex(24) for name in plan.generated_secrets}
    pg_store, rd_store = plan.stores["postgres"], plan.stores["redis"]
    pg_spec = postgres.container_spec(
        pg_store,
        pg_store.image,
        secret_values[pg_store.password_secret],
        None,
        {pg_store.spec.data_dir: "postgres-data"},
    )
    redis_spec = redis.container_spec(
        rd_store,
        rd_store.image,
        secret_values[rd_store.password_secret],
        None,
        {rd_store.mount or "/data": "redis-data"},
    )

    def text(value: Value) -> str:
        return "".join(docker_parts(plan, value, secret_values.__getitem__, {"api": api_port}))

    services = {"postgres": _service(pg_spec), "redis": _service(redis_spec)}
    healthy = {"condition": "service_healthy"}
    app = config.app
    build = {
        "context": str(ROOT / (app.path or "app")),
        "dockerfile": app.dockerfile_path or "Dockerfile",
        "args": dict(app.build_args),
    }
    for workload in plan.workloads:
        environment = {name: text(value) for name, value in workload.variables.items()}
        spec = app_service.container_spec(
            workload,
            APP_IMAGE,
            environment,  # type: ignore[arg-type]
            api_port if workload.kind == "api" else None,
        )
        service = _service(spec)
        service["depends_on"] = {after: healthy for after in workload.deploy_after}
        if workload.pre_deploy_argv is not None:
            # Compose's one-off: a service that runs to completion before the workload starts.
            services[f"{workload.name}-pre-deploy"] = {
                "image": APP_IMAGE,
                "entrypoint": _literal(workload.pre_deploy_argv),
                "environment": dict(sorted(environment.items())),
                "depends_on": {after: healthy for after in workload.deploy_after},
                "networks": {"default": {}},
            }
            service["depends_on"][f"{workload.name}-pre-deploy"] = {"condition": "service_completed_successfully"}
        if workload.kind == "api":
            service["build"] = build
            if f"{workload.name}-pre-deploy" in services:
                services[f"{workload.name}-pre-deploy"]["build"] = build
        services[workload.name] = service
    return {"version": "2.4", "services": services, "volumes": {"postgres-data": {}, "redis-data": {}}}


@dataclass
class ComposeProject:
    directory: Path
    name: str

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [COMPOSE, "-p", self.name, "-f", str(self.directory / "docker-compose.yml"), *args],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if check and proc.returncode:
            raise RuntimeError(f"docker-compose {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        return proc

    def all_healthy(self) -> bool:
        ids = self.run("ps", "-q").stdout.split()
        if not ids:
            return False
        info = json.loads(
            subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout
        )
        # A one-off (the pre-deploy) has no healthcheck: done when it exited 0.
        return all(
            (c["State"].get("Health") or {}).get("Status") == "healthy"
            or (
                c["State"].get("Health") is None
                and c["State"].get("Status") == "exited"
                and c["State"].get("ExitCode") == 0
            )
            for c in info
        )

    def wait_healthy(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not self.all_healthy():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: not every container became healthy within {timeout:.0f} s")
            time.sleep(0.25)


def remove_app_image() -> None:
    """As `pulumi destroy` removes the image it built, so each cold run builds anew; --no-prune keeps
    the layers under it, which are the legacy builder's cache (BuildKit, which the dev stack's image
    build uses, keeps its cache apart from images): both tools then build from a warm cache."""
    subprocess.run(["docker", "image", "rm", "--no-prune", APP_IMAGE], capture_output=True)


def compose_available() -> str | None:
    """Why Compose cannot run, or None."""
    if shutil.which(COMPOSE) is None:
        return f"{COMPOSE} is not installed (Debian package docker-compose; scripts/bench installs it as root)"
    return None


def measure(root: Path, repeat: int) -> dict[str, Any]:
    overrides = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["railstack:stack"]
    results: dict[str, Samples] = {
        k: Samples()
        for k in (
            "pulumi cold up",
            "pulumi no-op up",
            "compose cold up -d",
            "compose cold until healthy",
            "compose no-op up -d",
        )
    }
    # Warm the Compose builder's cache once, as earlier runs of the dev stack warmed its own.
    warm = root / "compose-warm-up"
    warm.mkdir(parents=True)
    (warm / "docker-compose.yml").write_text(yaml.safe_dump(compose_file(overrides, free_port())))
    ComposeProject(warm, "railstack-bench-compose-warm").run("build")
    remove_app_image()
    for run in range(repeat):
        # pulumi up -s dev, under its own names so a developer's dev stack is untouched.
        prefix = f"railstack-bench-{run}"
        stack_overrides = {**overrides, "project_name": prefix, "docker": {"api_port": free_port()}}
        project = copy_project(root / f"pulumi-{run}" / "project", "dev")
        edit_stack_config(project, "dev", stack_overrides, replace=True)
        (root / f"pulumi-{run}" / "state").mkdir()
        ws = PulumiWorkspace(project, root / f"pulumi-{run}" / "state")
        ws.run("stack", "init", "dev")
        try:
            timed(results["pulumi cold up"], partial(ws.run, "up", "--yes", "--skip-preview"))
            timed(results["pulumi no-op up"], partial(ws.run, "up", "--yes", "--skip-preview"))
        finally:
            ws.run("destroy", "--yes", check=False)

        # The same stack with docker-compose.
        directory = root / f"compose-{run}"
        directory.mkdir()
        (directory / "docker-compose.yml").write_text(yaml.safe_dump(compose_file(overrides, free_port())))
        compose = ComposeProject(directory, f"railstack-bench-compose-{run}")
        try:
            start = time.perf_counter()
            timed(results["compose cold up -d"], partial(compose.run, "up", "-d"))
            compose.wait_healthy()
            results["compose cold until healthy"].values.append(time.perf_counter() - start)
            timed(results["compose no-op up -d"], partial(compose.run, "up", "-d"))
        finally:
            compose.run("down", "-v", check=False)
            remove_app_image()
    return {name: samples.as_dict() for name, samples in results.items()}
