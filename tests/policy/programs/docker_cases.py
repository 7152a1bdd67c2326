"""A small local Docker stack written by hand, broken one way per `policy-cases:case`. The `clean`
case follows every rule; each other case changes one thing. Previewed only: nothing is started."""

import pulumi
import pulumi_docker as docker
import pulumi_random as random

case = pulumi.Config("policy-cases").require("case")
password = random.RandomPassword("redis-password", length=24, special=False)
redis_url = pulumi.Output.secret(pulumi.Output.concat("redis://default:", password.result, "@redis:6379/0"))
database_url = pulumi.Output.secret(pulumi.Output.concat("postgresql://app:", password.result, "@postgres:5432/app"))
network = docker.Network("network", name="policy-cases")


def container(role: str, service_type: str, ports: list | None = None, healthcheck: bool = True) -> docker.Container:
    envs = [
        f"SERVICE_TYPE={service_type}",
        database_url.apply(lambda url: f"DATABASE_URL={url}"),
        *[
            redis_url.apply(lambda url, n=name: f"{n}={url}")
            for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
        ],
    ]
    if case == "plain-secret" and role == "api":
        # Every other variable is a secret output; this one is a literal in the program.
        envs.append("ADMIN_PASSWORD=plain-text-secret-key")
    return docker.Container(
        role,
        name=f"policy-cases-{role}",
        image="railstack/python:3.11",
        envs=envs,
        memory=512,
        cpus="0.5",
        ports=ports or [],
        # The kind is what railstack's components record (railstack/plan.py), not read from the name.
        labels=[
            docker.ContainerLabelArgs(label="railstack.role", value=role),
            docker.ContainerLabelArgs(label="railstack.kind", value=role.split("-")[0]),
        ],
        networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network.name, aliases=[role])],
        healthcheck=docker.ContainerHealthcheckArgs(tests=["CMD", "true"]) if healthcheck else None,
    )


api_ip = "0.0.0.0" if case == "public-port" else "127.0.0.1"
container(
    "api",
    "api",
    ports=[docker.ContainerPortArgs(internal=8000, external=18000, ip=api_ip)],
    healthcheck=case != "api-without-healthcheck",
)
worker_ports = (
    [docker.ContainerPortArgs(internal=9000, external=19000, ip="127.0.0.1")] if case == "worker-port" else None
)
container("worker-logs", "celery_logs", ports=worker_ports)
container("beat", "beat")
