"""AppStack on Railway: the whole stack of one environment in its own Railway project."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.railway.app_service import AppService, AppServiceArgs
from components.railway.postgres import PostgresDatabase, PostgresDatabaseArgs
from components.railway.redis import RedisCache, RedisCacheArgs
from components.railway.service import Placement
from components.roles import app_roles
from components.secrets import FLOWER_SECRET, SECRET_NAMES, SecretSet, SecretSetArgs
from providers.railway import Project, VariableCollection
from stacks.model import StackConfig


@dataclass(frozen=True)
class AppStackArgs:
    config: StackConfig
    project_name: str
    extra_secrets: dict[str, pulumi.Output[str]]
    """Values of the stack's extra secret variables (from secret stack config), by variable name."""
    external_redis_url: pulumi.Output[str] | None = None
    """The external Redis URL (secret) when redis.mode is external."""
    stack: str = ""
    """The Pulumi stack, named in deployment failures."""
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
        config = args.config
        protect = config.environment == "production"
        project = Project(
            f"{name}-project",
            name=args.project_name,
            description=f"railstack {config.environment} stack",
            default_environment_name=config.environment,
            workspace_id=args.workspace_id,
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        project_id = project.project_id
        environment_id = project.default_environment_id
        names = SECRET_NAMES + ((FLOWER_SECRET,) if config.flower.enabled else ())
        secrets = SecretSet(
            f"{name}-secrets",
            SecretSetArgs(
                names=names,
                length=config.secrets.length,
                rotation=dict(config.secrets.rotation),
                fingerprint_key=True,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        shared_values: dict[str, pulumi.Input[str]] = {s.upper(): v for s, v in secrets.values.items()}
        shared_values.update(args.extra_secrets)
        if args.external_redis_url is not None:
            shared_values["REDIS_URL"] = args.external_redis_url
        shared = VariableCollection(
            f"{name}-shared-variables",
            project_id=project_id,
            environment_id=environment_id,
            variables=shared_values,
            fingerprint_key=secrets.fingerprint_key,
            opts=pulumi.ResourceOptions(parent=self),
        )

        def place(deploy_after: list[pulumi.Resource]) -> Placement:
            return Placement(project_id, environment_id, deploy_after, secrets.fingerprint_key,
                             stack=args.stack, region=config.region, deployments=config.deployments)

        backing: list[pulumi.Resource] = [shared]
        self.service_ids = {}
        postgres = PostgresDatabase(
            f"{name}-postgres",
            PostgresDatabaseArgs(config.postgres, secrets.rotations["postgres_password"], place([shared])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        backing.append(postgres.deployment)
        self.service_ids["postgres"] = postgres.service_id
        if config.redis.mode == "service":
            redis = RedisCache(
                f"{name}-redis",
                RedisCacheArgs(config.redis, secrets.rotations["redis_password"], place([shared])),
                opts=pulumi.ResourceOptions(parent=self),
            )
            backing.append(redis.deployment)
            self.service_ids["redis"] = redis.service_id
            redis_ref = "${{Redis.REDIS_URL}}"
        else:
            redis_ref = "${{shared.REDIS_URL}}"

        self.api_url = None
        dns_records: pulumi.Output[list[dict[str, str]]] = pulumi.Output.from_input([])
        self.variables = {}
        api_deployment: list[pulumi.Resource] = []
        for role in app_roles(config):
            service = AppService(
                f"{name}-{role.name}",
                AppServiceArgs(
                    role=role,
                    app=config.app,
                    api=config.api,
                    # The API runs the migrations: everything else deploys after it.
                    placement=place(backing if role.kind == "api" else [*backing, *api_deployment]),
                    redis_url_ref=redis_ref,
                    secret_rotations=secrets.rotations,
                    extra_secret_names=tuple(sorted(args.extra_secrets)),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if role.kind == "api":
                api_deployment.append(service.deployment)
                self.api_url = service.url
                dns_records = service.dns_records
            self.service_ids[role.name] = service.service_id
            self.variables[role.name] = service.variables
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
