"""AppStack on Railway: the whole stack of one environment in its own Railway project."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from railstack_railway import Project

from railstack.components.railway.app_service import AppService, AppServiceArgs
from railstack.components.railway.postgres import PostgresDatabase, PostgresDatabaseArgs
from railstack.components.railway.redis import RedisCache, RedisCacheArgs
from railstack.components.railway.service import Imports, Placement, service_parts
from railstack.components.railway.variables import variable_collection
from railstack.components.secrets import SecretSet, SecretSetArgs
from railstack.plan import Plan


@dataclass(frozen=True)
class AppStackArgs:
    plan: Plan
    """What runs and how (railstack/plan.py): the renderer's only view of the model."""
    project_name: str
    extra_secrets: dict[str, pulumi.Output[str]]
    """Values of the stack's extra secret variables (from secret stack config), by variable name."""
    external_redis_url: pulumi.Output[str] | None = None
    """The external Redis URL (secret) when redis.mode is external."""
    stack: str = ""
    """The Pulumi stack, named in deployment failures."""
    imports: dict[str, str] = field(default_factory=dict)
    """Railway objects to adopt instead of create: resource name -> import ID (`railstack:import`)."""
    provided_secrets: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    """Values of the secrets the config says are provided (`secrets.provided`), not generated."""
    workspace_id: str | None = None
    """Railway workspace of the project (`railway:workspaceId` / RAILWAY_WORKSPACE_ID); None: the token's only one."""


class AppStack(pulumi.ComponentResource):
    """Postgres, Redis and every app role, wired by reference, in one Railway project."""

    project_id: pulumi.Output[str]
    """Railway project id."""
    api_url: pulumi.Output[str] | None
    """Public URL of the API (None without a public domain)."""
    service_ids: dict[str, pulumi.Output[str]]
    """Railway service id of every service, by role name."""
    variables: dict[str, dict[str, str]]
    """Every service's variables as written (references and plain values; secrets only as references)."""
    shared_variable_names: list[str]
    """Names of the environment's shared variables (their values are secrets)."""
    dns_records: pulumi.Output[list[dict[str, str]]]
    """The DNS records the API's custom domains need at the domain's DNS provider: per domain, the
    routing CNAME and the ownership TXT record ({domain, name, type, value})."""

    def __init__(self, name: str, args: AppStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:railway:AppStack", name, None, opts)
        plan = args.plan
        protect = plan.protected
        imports = Imports(args.imports)
        imports.check(args.stack, railway_resource_names(name, plan))
        project_name, shared_name = stack_resource_names(name)
        project = Project(
            project_name,
            name=args.project_name,
            description=f"railstack {plan.environment} stack",
            default_environment_name=plan.environment,
            workspace_id=args.workspace_id,
            opts=imports.options(project_name, pulumi.ResourceOptions(parent=self, protect=protect)),
        )
        project_id = project.project_id
        environment_id = project.default_environment_id
        secrets = SecretSet(
            f"{name}-secrets",
            SecretSetArgs(
                names=plan.generated_secrets,
                length=plan.secrets.length,
                rotation={**plan.secrets.rotation},
                fingerprint_key=True,
                provided=args.provided_secrets,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        shared_values: dict[str, pulumi.Input[str]] = {s.upper(): v for s, v in secrets.values.items()}
        shared_values.update(args.extra_secrets)
        if args.external_redis_url is not None:
            shared_values["REDIS_URL"] = args.external_redis_url
        shared = variable_collection(
            shared_name,
            project_id=project_id,
            environment_id=environment_id,
            variables=shared_values,
            fingerprint_key=secrets.fingerprint_key,
            opts=imports.options(shared_name, pulumi.ResourceOptions(parent=self)),
        )

        def place(deploy_after: list[pulumi.Resource]) -> Placement:
            return Placement(
                project_id,
                environment_id,
                deploy_after,
                secrets.fingerprint_key,
                stack=args.stack,
                region=plan.region,
                deployments=plan.deployments,
                imports=imports,
            )

        # Everything deploys after the shared variables; the stores, the API, then the rest
        # (the plan's deploy_after: the API runs the migrations).
        live: dict[str, pulumi.Resource] = {}
        self.service_ids = {}
        postgres = PostgresDatabase(
            f"{name}-postgres",
            PostgresDatabaseArgs(plan.stores["postgres"], secrets.rotations["postgres_password"], place([shared])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        live["postgres"] = postgres.deployment
        self.service_ids["postgres"] = postgres.service_id
        if "redis" in plan.stores:
            redis = RedisCache(
                f"{name}-redis",
                RedisCacheArgs(plan.stores["redis"], secrets.rotations["redis_password"], place([shared])),
                opts=pulumi.ResourceOptions(parent=self),
            )
            live["redis"] = redis.deployment
            self.service_ids["redis"] = redis.service_id

        self.api_url = None
        dns_records: pulumi.Output[list[dict[str, str]]] = pulumi.Output.from_input([])
        self.variables = {}
        for workload in plan.workloads:
            service = AppService(
                f"{name}-{workload.name}",
                AppServiceArgs(
                    workload=workload,
                    plan=plan,
                    placement=place([shared, *(live[after] for after in workload.deploy_after)]),
                    secret_rotations=secrets.rotations,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            live[workload.name] = service.deployment
            if workload.kind == "api":
                self.api_url = service.url
                dns_records = service.dns_records
            self.service_ids[workload.name] = service.service_id
            self.variables[workload.name] = service.variables
        self.project_id = project_id
        self.dns_records = dns_records
        self.shared_variable_names = sorted(shared_values)
        self.register_outputs(
            {
                "project_id": self.project_id,
                "api_url": self.api_url,
                "service_ids": self.service_ids,
                "variables": self.variables,
                "shared_variable_names": self.shared_variable_names,
                "dns_records": self.dns_records,
            }
        )


def stack_resource_names(name: str) -> tuple[str, str]:
    """The resource names of the stack's project and of its environment's shared variables."""
    return f"{name}-project", f"{name}-shared-variables"


def railway_resource_names(name: str, plan: Plan) -> set[str]:
    """Every Railway resource the stack named `name` makes for `plan` (what `railstack:import` may name)."""
    names = set(stack_resource_names(name))
    for store in plan.stores.values():
        parts = service_parts(volume=store.mount is not None, public=False)
        names |= {service_resource_name(name, store.name, part) for part in parts}
    for workload in plan.workloads:
        public = workload.public and workload.port is not None
        parts = service_parts(volume=False, public=public, custom_domains=workload.custom_domains)
        names |= {service_resource_name(name, workload.name, part) for part in parts}
    return names


def service_resource_name(name: str, component: str, part: str) -> str:
    """The resource name of one part (`service_parts`) of a component's service: `railstack-api-settings`."""
    return f"{name}-{component}-{part}"
