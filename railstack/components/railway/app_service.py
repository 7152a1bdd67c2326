"""AppService on Railway: one workload of the plan (the API, a worker, beat, Flower) as a Railway
service of the one app image.

Values reach it as Railway references, never as copied values: `${postgres.url}` in the plan is
`${{Postgres.DATABASE_URL}}` here, `${secrets.secret_key}` is `${{shared.SECRET_KEY}}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from railstack.components.commands import as_text
from railstack.components.railway.service import Placement, ServiceSpec, build_service
from railstack.plan import WORKLOAD_OFFERS, AppSource, Plan, Ref, Workload


@dataclass(frozen=True)
class AppServiceArgs:
    workload: Workload
    plan: Plan
    placement: Placement
    secret_rotations: dict[str, str]
    """Rotation counter of every generated secret, by name."""


def _source(app: AppSource) -> dict[str, object]:
    """The release's source: the image, or the repository with its branch (Railway's CLI resolves a
    branch before connecting a repo; without one Railway never deploys, Terraform provider PR 21), the
    pinned commit, and what Railway's auto-deploy of the branch does (docs/railway-api.md,
    "Auto-deploys and watch paths")."""
    if app.image:
        return {"source_image": app.image}
    return {
        "source_repo": app.repo,
        "branch": app.branch,
        "commit_sha": app.commit,
        "auto_deploy": app.auto_deploy,
        "check_suites": app.wait_for_ci,
    }


#: Railway's builder names (the schema's `Builder`); a Dockerfile build is chosen by its path instead.
_BUILDERS = {"railpack": "RAILPACK", "nixpacks": "NIXPACKS"}


def _build_settings(app: AppSource, role: str) -> dict[str, object]:
    """How Railway builds the role from a repository (instance settings; none for an image)."""
    if app.repo is None:
        return {}
    settings: dict[str, object] = {
        "root_directory": app.root_directory,
        "watch_patterns": list(app.role_watch_patterns.get(role, app.watch_patterns)),
    }
    if app.builder == "dockerfile":
        settings["dockerfile_path"] = app.dockerfile_path
    else:
        settings["builder"] = _BUILDERS[app.builder]
    if app.build_command is not None:
        settings["build_command"] = app.build_command
    return settings


def railway_reference(plan: Plan, ref: Ref) -> str:
    """A plan reference as the Railway reference that yields it."""
    if ref.source == "secrets":
        return "${{shared." + ref.name.upper() + "}}"
    store = plan.stores.get(ref.source)
    if store is not None:
        return "${{" + store.service_name + "." + store.offers[ref.name].railway_variable + "}}"
    if ref.source == "redis" and plan.external_redis:
        return "${{shared.REDIS_URL}}"
    target = next(w for w in plan.workloads if w.name == ref.source)
    return "${{" + target.service_name + "." + WORKLOAD_OFFERS[ref.name] + "}}"


def railway_variables(plan: Plan, workload: Workload) -> dict[str, str]:
    """The workload's variables as Railway stores them: text with `${{...}}` references."""
    return {
        name: "".join(value.render(lambda ref: railway_reference(plan, ref)))
        for name, value in workload.variables.items()
    }


def railway_command(argv: list[str] | None) -> str | None:
    """Railway's startCommand / preDeployCommand text for an exec-form argv."""
    return None if argv is None else as_text(argv)


class AppService(pulumi.ComponentResource):
    """One workload as a Railway service."""

    service_id: pulumi.Output[str]
    """Railway service id."""
    deployment: pulumi.Resource
    """The workload's deployment step."""
    url: pulumi.Output[str] | None
    """https URL of the workload's Railway domain (a public workload: the API), else None."""
    variables: dict[str, str]
    """The workload's variables as written: plain values and `${{...}}` references, never secret values."""
    dns_records: pulumi.Output[list[dict[str, str]]]
    """DNS records its custom domains need (CNAME and TXT per domain); empty without custom domains."""

    def __init__(self, name: str, args: AppServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:railway:AppService", name, None, opts)
        workload = args.workload
        source = args.plan.source
        if source is None:
            raise ValueError(f"the plan of {args.plan.stack} has no app source")
        variables = railway_variables(args.plan, workload)
        settings: dict[str, object] = {
            "restart_policy_type": workload.restart,
            "restart_policy_max_retries": workload.restart_max_retries,
            **_build_settings(source, workload.name),
        }
        if workload.command is not None:
            settings["start_command"] = railway_command(workload.argv)
        if workload.pre_deploy is not None:
            settings["pre_deploy_command"] = railway_command(workload.pre_deploy_argv)
        if workload.draining_seconds is not None:
            # SIGTERM-to-SIGKILL grace when a deployment is replaced (Railway's default is 0).
            settings["draining_seconds"] = workload.draining_seconds
        if workload.overlap_seconds is not None:
            # Beat: never two schedulers, not even for the seconds a new deployment overlaps the old one.
            settings["overlap_seconds"] = workload.overlap_seconds
        probe = workload.probe
        if probe.kind == "http":
            # Railway's only liveness is its deployment healthcheck; the other kinds are Docker's.
            settings["healthcheck_path"] = probe.path
            settings["healthcheck_timeout"] = workload.healthcheck_timeout or args.placement.deployments.start_seconds
        spec = ServiceSpec(
            service_name=workload.service_name,
            role=workload.kind,
            source=_source(source),
            sizing=workload.sizing,
            variables=variables,
            settings=settings,
            secrets_used={s: args.secret_rotations[s] for s in workload.secrets_used},
            public_port=workload.port if workload.public else None,
            custom_domains=workload.custom_domains,
        )
        built = build_service(self, name, spec, args.placement)
        self.service_id = built.service.service_id
        self.deployment = built.deployment
        self.url = built.domain.domain.apply(lambda d: f"https://{d}") if built.domain else None
        self.variables = variables
        self.dns_records = pulumi.Output.all(
            *[
                pulumi.Output.all(domain.domain, domain.cname_record, domain.txt_record)
                for domain in built.custom_domains
            ]
        ).apply(_records)
        self.register_outputs(
            {
                "service_id": self.service_id,
                "url": self.url,
                "variables": self.variables,
                "dns_records": self.dns_records,
            }
        )


def _records(domains: list[list[object]]) -> list[dict[str, str]]:
    """One row per DNS record to create, CNAME then TXT for each domain; a record Railway has not
    issued yet is left out rather than shown empty."""
    rows = []
    for domain, *records in domains:
        for record in records:
            if isinstance(record, dict) and record.get("name") and record.get("value"):
                rows.append({"domain": str(domain), **{k: str(record[k]) for k in ("name", "type", "value")}})
    return rows
