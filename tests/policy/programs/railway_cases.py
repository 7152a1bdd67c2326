"""A small Railway stack written by hand, broken one way per `policy-cases:case` (the policy pack's
integration cases). The `clean` case follows every rule; each other case changes one thing, as a
hand-written program or a bug in a component could."""

from typing import Any, cast

import pulumi
import pulumi_random as random
from railstack_railway import (
    Project,
    Service,
    ServiceDeployment,
    ServiceDomain,
    ServiceInstance,
    TcpProxy,
    Volume,
)

from railstack.components.railway.variables import variable_collection

case = pulumi.Config("policy-cases").require("case")
production = case == "unprotected-production-database"


def assigned(value: pulumi.Output[str | None]) -> pulumi.Output[str]:
    """An id or revision the provider sets on every object it creates (the SDK types all state optional)."""
    return cast(pulumi.Output[str], value)


project = Project("project", name="policy-cases", default_environment_name="production" if production else "staging")
project_id, environment_id = assigned(project.project_id), assigned(project.default_environment_id)

secret_key = random.RandomPassword("secret-key", length=32, special=False)
# Railway variables are always stored as secrets (railstack's variable_collection makes each value
# one); a password can still leak through a plain setting such as a start command.
variable_collection(
    "shared", project_id=project_id, environment_id=environment_id, variables={"SECRET_KEY": secret_key.result}
)


def service(name: str, variables: dict, protect: bool = False, source_image: str | None = None, **settings) -> Service:
    # The role is what railstack's components record (railstack/plan.py), not read from the name.
    role = "worker" if name.startswith("worker") else name.lower()
    svc = Service(name, project_id=project_id, name=name, role=role, opts=pulumi.ResourceOptions(protect=protect))
    service_id = assigned(svc.service_id)
    instance = ServiceInstance(
        f"{name}-settings",
        service_id=service_id,
        environment_id=environment_id,
        project_id=project_id,
        num_replicas=settings.pop("num_replicas", 1),
        **settings,
    )
    collection = variable_collection(
        f"{name}-variables",
        project_id=project_id,
        environment_id=environment_id,
        service_id=service_id,
        variables=variables,
    )
    ServiceDeployment(
        f"{name}-deployment",
        service_id=service_id,
        environment_id=environment_id,
        project_id=project_id,
        source_image=source_image,
        vcpus=0.5,
        memory_gb=0.5,
        triggers={"settings": assigned(instance.revision), "variables": assigned(collection.revision)},
        opts=pulumi.ResourceOptions(depends_on=[instance, collection]),
    )
    return svc


def app(service_type: str, **overrides: str) -> dict:
    return {
        "SERVICE_TYPE": service_type,
        "DATABASE_URL": "${{Postgres.DATABASE_URL}}",
        "REDIS_URL": "${{Redis.REDIS_URL}}",
        "CELERY_BROKER_URL": "${{Redis.REDIS_URL}}",
        "CELERY_RESULT_BACKEND": "${{Redis.REDIS_URL}}",
        "SECRET_KEY": "${{shared.SECRET_KEY}}",
        **overrides,
    }


postgres = service(
    "Postgres",
    {
        "POSTGRES_PASSWORD": "${{shared.SECRET_KEY}}",
        "DATABASE_URL": "postgresql://postgres:${{POSTGRES_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/railway",
    },
    protect=not production,
    source_image="postgres:16",
)
Volume(
    "postgres-volume",
    project_id=project_id,
    environment_id=environment_id,
    service_id=postgres.service_id,
    mount_path="/var/lib/postgresql/data",
    backup_schedules=[] if production else ["DAILY"],
    opts=pulumi.ResourceOptions(protect=not production),
)
redis_url = (
    "redis://${{RAILWAY_PRIVATE_DOMAIN}}:6379"
    if case == "redis-without-password"
    else "redis://default:${{REDIS_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:6379"
)
service("Redis", {"REDIS_PASSWORD": "${{shared.SECRET_KEY}}", "REDIS_URL": redis_url}, source_image="redis:7")

api_variables = app("api")
if case == "copied-database-url":
    api_variables["DATABASE_URL"] = (
        "postgresql://postgres:hunter2-not-a-real-one@postgres.railway.internal:5432/railway"
    )
healthcheck: dict[str, Any] = {} if case == "api-without-healthcheck" else {"healthcheck_path": "/health"}
api = service("api", api_variables, source_image="ghcr.io/acme/app:1", **healthcheck)
ServiceDomain(
    "api-domain", project_id=project_id, environment_id=environment_id, service_id=api.service_id, target_port=8000
)

worker_commands = {
    "worker-embeds-beat": "celery -A app worker -B -Q logs",
    "plain-secret": "celery -A app worker -Q logs -b redis://default:plain-text-secret-key@redis.railway.internal:6379",
    "unwrapped-variable": "celery -A app worker -Q logs --concurrency $CELERY_CONCURRENCY",
}
worker_command: dict[str, Any] = {"start_command": worker_commands[case]} if case in worker_commands else {}
worker = service("worker-logs", app("celery_logs"), source_image="ghcr.io/acme/app:1", **worker_command)
beat = service(
    "beat", app("beat"), source_image="ghcr.io/acme/app:1", num_replicas=2 if case == "two-beat-replicas" else 1
)

if case == "exposed-background-roles":
    ServiceDomain(
        "worker-domain",
        project_id=project_id,
        environment_id=environment_id,
        service_id=worker.service_id,
        target_port=8000,
    )
    TcpProxy("beat-proxy", environment_id=environment_id, service_id=beat.service_id, application_port=5555)
