"""AppService on Railway: one app role (api, a worker, beat, flower) from the one app image.

Connection strings and secrets arrive as Railway references, never as copied values:
`${{Postgres.DATABASE_URL}}`, `${{Redis.REDIS_URL}}`, `${{shared.SECRET_KEY}}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.railway.service import Placement, ServiceSpec, build_service
from components.roles import Role, role_environment
from stacks.model import ApiRole, AppSource


@dataclass(frozen=True)
class AppServiceArgs:
    role: Role
    app: AppSource
    api: ApiRole
    placement: Placement
    redis_url_ref: str
    """Reference to the Redis URL: `${{Redis.REDIS_URL}}`, or `${{shared.REDIS_URL}}` when external."""
    secret_rotations: dict[str, str]
    """Rotation counter of every generated secret, by name."""
    extra_secret_names: tuple[str, ...] = ()
    """Shared variables holding the stack's extra secret variables."""


def _source(app: AppSource) -> dict[str, str | None]:
    """The release's source: the image, or the repository with its branch (Railway's CLI resolves a
    branch before connecting a repo; without one Railway never deploys, Terraform provider PR 21)."""
    if app.image:
        return {"source_image": app.image}
    return {"source_repo": app.repo, "branch": app.branch}


def _build_settings(app: AppSource) -> dict[str, str]:
    """Where Railway finds the app in a repository (instance settings; none for an image)."""
    if app.repo is None:
        return {}
    return {"root_directory": app.root_directory, "dockerfile_path": app.dockerfile_path}


def _ref(secret: str) -> str:
    return "${{shared." + secret.upper() + "}}"


class AppService(pulumi.ComponentResource):
    """One app role as a Railway service."""

    service_id: pulumi.Output[str]
    """Railway service id."""
    deployment: pulumi.Resource
    """The role's deployment step."""
    url: pulumi.Output[str] | None
    """https URL of the role's Railway domain (the API only), else None."""
    variables: dict[str, str]
    """The role's variables as written: plain values and `${{...}}` references, never secret values."""
    dns_records: pulumi.Output[list[dict[str, str]]]
    """DNS records its custom domains need (CNAME and TXT per domain); empty without custom domains."""

    def __init__(self, name: str, args: AppServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:railway:AppService", name, None, opts)
        role = args.role
        variables = role_environment(
            role,
            database_url="${{Postgres.DATABASE_URL}}",
            redis_url=args.redis_url_ref,
            secret=_ref,
            extra_secrets={name: "${{shared." + name + "}}" for name in args.extra_secret_names},
            prefixed=lambda text, ref: text + ref,
        )

        settings: dict[str, object] = {"restart_policy_type": "ON_FAILURE", "restart_policy_max_retries": 10,
                                       **_build_settings(args.app)}
        if role.draining_seconds is not None:
            # SIGTERM-to-SIGKILL grace when a deployment is replaced (Railway's default is 0).
            settings["draining_seconds"] = role.draining_seconds
        if role.kind == "api":
            settings.update(
                start_command=args.api.start_command,
                pre_deploy_command=args.api.pre_deploy_command,
                healthcheck_path=args.api.healthcheck_path,
                healthcheck_timeout=args.api.healthcheck_timeout,
            )
        if role.kind == "beat":
            # Never two schedulers, not even for the seconds a new deployment overlaps the old one.
            settings.update(overlap_seconds=0)

        # DATABASE_URL and REDIS_URL embed the database and Redis passwords: rotating either
        # must redeploy every app role too.
        used = (*role.secrets, "postgres_password", "redis_password")
        secrets_used = {s: args.secret_rotations[s] for s in used}
        spec = ServiceSpec(
            service_name=role.name,
            source=_source(args.app),
            sizing=role.sizing,
            variables=variables,
            settings=settings,
            secrets_used=secrets_used,
            public_port=role.port if role.kind == "api" and args.api.public_domain else None,
            custom_domains=tuple(args.api.custom_domains) if role.kind == "api" else (),
        )
        built = build_service(self, name, spec, args.placement)
        self.service_id = built.service.service_id
        self.deployment = built.deployment
        self.url = built.domain.domain.apply(lambda d: f"https://{d}") if built.domain else None
        self.variables = variables
        self.dns_records = pulumi.Output.all(
            *[pulumi.Output.all(domain.domain, domain.cname_record, domain.txt_record) for domain in built.custom_domains]
        ).apply(_records)
        self.register_outputs({"service_id": self.service_id, "url": self.url, "variables": self.variables,
                               "dns_records": self.dns_records})


def _records(domains: list[list[object]]) -> list[dict[str, str]]:
    """One row per DNS record to create, CNAME then TXT for each domain; a record Railway has not
    issued yet is left out rather than shown empty."""
    rows = []
    for domain, *records in domains:
        for record in records:
            if isinstance(record, dict) and record.get("name") and record.get("value"):
                rows.append({"domain": str(domain), **{k: str(record[k]) for k in ("name", "type", "value")}})
    return rows
