"""railstack's program as a function: what `__main__.py` runs, and what a user's own Pulumi program
calls to get the same stack (see examples/python-library).

`deploy` validates the configuration before any resource is registered (a bad one fails the preview
with one line per problem and touches nothing), builds the target-neutral plan, reads the secrets the
configuration names from the stack's secret config, and renders the plan on its target.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pulumi

from railstack.components.docker import app_stack as docker_stack
from railstack.components.plan import Plan, PlanError, build_plan
from railstack.components.railway import app_stack as railway_stack
from railstack.components.railway.requests import estimate_up
from railstack.stacks.load import ConfigError, check_values, load_stack_config
from railstack.stacks.model import StackConfig
from railstack.stacks.plans import check_plan, check_request_budget, plan_named

AppStack = railway_stack.AppStack | docker_stack.AppStack


def _check_requests(stack: str, plan: Plan, model: StackConfig, plan_name: str | None) -> None:
    """An up whose Railway API requests cannot fit the plan's hour fails here; above half, a warning."""
    estimate = estimate_up(plan, model.deployments.expected_seconds)
    breakdown = (
        f"{estimate.objects} to create, {estimate.status_reads} status reads over {estimate.waves} rounds of "
        f"{model.deployments.expected_seconds} s deployments"
    )
    warning = check_request_budget(stack, plan_named(stack, plan_name), estimate.total, breakdown)
    if warning:
        pulumi.log.warn(warning)


def deploy(
    stack: str, config: StackConfig | Mapping[str, Any] | None, *, imports: Mapping[str, str] | None = None
) -> AppStack:
    """The stack `stack` on its target. `config` is `railstack:stack` as written (merged over its
    environment profile and validated here) or a StackConfig built in code (taken as it is).
    `imports` (default `railstack:import`): Railway objects to adopt, by resource name."""
    railway_config = pulumi.Config("railway")
    # railstack:<key>: `import`, and the secrets the configuration names (read with require_secret).
    project_config = pulumi.Config("railstack")
    adopt: dict[str, str] = dict(project_config.get_object("import") or {}) if imports is None else dict(imports)
    try:
        # Anything but a mapping is refused by load_stack_config with the key and the type it got.
        raw: Any = dict(config) if isinstance(config, Mapping) else config
        model = config if isinstance(config, StackConfig) else load_stack_config(stack, raw)
        if isinstance(config, StackConfig):
            check_values(stack, model)
        # What the workspace's plan cannot hold fails here too, before any resource is touched.
        check_plan(stack, model, plan_named(stack, railway_config.get("plan")))
        # Every workload and store, target-neutral; unknown references fail here, before any resource.
        plan = build_plan(stack, model)
        if model.target == "railway":
            _check_requests(stack, plan, model, railway_config.get("plan"))
        if model.target != "railway" and adopt:
            raise ConfigError(stack, ["railstack:import: adopting objects made by hand is for target railway only"])
    except ConfigError as err:
        raise pulumi.RunError(str(err)) from None
    except PlanError as err:
        raise pulumi.RunError(str(ConfigError(stack, err.problems))) from None

    extra_secrets = {name: project_config.require_secret(name) for name in model.sensitive_variables}
    # Secrets the config says are given, not generated (an adopted database's password): railstack:<name>.
    provided_secrets = {name: project_config.require_secret(name) for name in model.secrets.provided}
    external_redis_url = (
        project_config.require_secret(model.redis.external_url_key)
        if model.redis.mode == "external" and model.redis.external_url_key
        else None
    )
    prefix = model.project_name or f"railstack-{stack}"
    if model.target == "railway":
        return railway_stack.AppStack(
            "railstack",
            railway_stack.AppStackArgs(
                config=model,
                plan=plan,
                project_name=prefix,
                extra_secrets=extra_secrets,
                external_redis_url=external_redis_url,
                stack=stack,
                workspace_id=railway_config.get("workspaceId") or os.environ.get("RAILWAY_WORKSPACE_ID") or None,
                imports=adopt,
                provided_secrets=provided_secrets,
            ),
        )
    return docker_stack.AppStack(
        "railstack",
        docker_stack.AppStackArgs(
            config=model,
            plan=plan,
            stack=stack,
            prefix=prefix,
            extra_secrets=extra_secrets,
            external_redis_url=external_redis_url,
            provided_secrets=provided_secrets,
        ),
    )


def export_outputs(app: AppStack) -> None:
    """The stack outputs railstack's own program exports (scripts and tests read them)."""
    if isinstance(app, railway_stack.AppStack):
        pulumi.export("api_url", app.api_url)
        pulumi.export("dns_records", app.dns_records)
        pulumi.export("project_id", app.project_id)
        pulumi.export("service_ids", app.service_ids)
        pulumi.export("variables", app.variables)
        pulumi.export("variable_names", {role: sorted(v) for role, v in app.variables.items()})
        pulumi.export("shared_variables", {name: "[secret]" for name in app.shared_variable_names})
        return
    pulumi.export("api_url", app.api_url)
    pulumi.export("flower_url", app.flower_url)
    pulumi.export("network", app.network_name)
    pulumi.export("containers", app.container_names)
    pulumi.export("volumes", app.volume_names)
    pulumi.export("variable_names", app.variable_names)
