"""railstack's program as a function: what `__main__.py` runs, and what a user's own Pulumi program
calls to get the same stack (see examples/python-library).

`deploy` validates the configuration before any resource is registered (a bad one fails the preview
with one line per problem and touches nothing: so do a `railstack:` key it would ignore and a Railway
stack without a token), builds the target-neutral plan, reads the secrets the
configuration names from the stack's secret config, and renders the plan on its target.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.runtime.config

from railstack.components.docker import app_stack as docker_stack
from railstack.components.railway import app_stack as railway_stack
from railstack.components.railway.requests import estimate_up
from railstack.plan import Plan, PlanError, build_plan
from railstack.stacks.config_keys import key_problems, read_keys, token_problem
from railstack.stacks.load import ConfigError, load_stack_config, near_miss_workers, overrides_of
from railstack.stacks.model import StackConfig
from railstack.stacks.plans import check_plan, check_request_budget, plan_named

AppStack = railway_stack.AppStack | docker_stack.AppStack

#: The AppStack's resource name: every resource name starts with it (what `railstack:import` names).
APP_STACK_NAME = "railstack"


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


def _config_keys() -> set[str]:
    """Every key of the stack's config (`railstack:stack`, `railway:token`, ...), values unread."""
    return set(pulumi.runtime.config.get_config_env()) | set(pulumi.runtime.config.CONFIG.get())


def deploy(
    stack: str, config: StackConfig | Mapping[str, Any] | None, *, imports: Mapping[str, str] | None = None
) -> AppStack:
    """The stack `stack` on its target. `config` is `railstack:stack` as written, or a StackConfig
    built in code: either is merged over its environment profile and validated here the same way
    (of a StackConfig, the fields the code set override the profile; see load_code_config).
    `imports` (default `railstack:import`): Railway objects to adopt, by resource name."""
    railway_config = pulumi.Config("railway")
    # railstack:<key>: `import`, and the secrets the configuration names (read with require_secret).
    project_config = pulumi.Config("railstack")
    adopt: dict[str, str] = dict(project_config.get_object("import") or {}) if imports is None else dict(imports)
    keys = _config_keys()
    in_code = isinstance(config, StackConfig)
    try:
        # Anything but a mapping is refused by load_stack_config with the key and the type it got.
        raw: Any = overrides_of(config) if isinstance(config, (Mapping, StackConfig)) else config
        try:
            model = load_stack_config(stack, raw)
        except ConfigError as err:
            # A literal dotted key or a misspelt `railstack:stack` may be why the configuration is wrong.
            raise ConfigError(stack, key_problems(stack, keys, None, in_code=in_code) + err.problems) from None
        problems = key_problems(stack, keys, read_keys(model), in_code=in_code)
        if model.target == "railway" and (missing := token_problem(stack, keys, os.environ)):
            problems.append(missing)
        if problems:
            raise ConfigError(stack, problems)
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
    for warning in near_miss_workers(stack, raw):
        pulumi.log.warn(warning)

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
            APP_STACK_NAME,
            railway_stack.AppStackArgs(
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
        APP_STACK_NAME,
        docker_stack.AppStackArgs(
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
