"""railstack's Pulumi program: loads the stack's configuration and renders it on its target.

Configuration is validated before any resource is registered: a bad `Pulumi.<stack>.yaml` fails
the preview with one line per problem and touches nothing.
"""

import os

import pulumi

from components.docker import app_stack as docker_stack
from components.plan import PlanError, build_plan
from components.railway import app_stack as railway_stack
from stacks.load import ConfigError, load_stack_config
from stacks.plans import check_plan, plan_named

stack = pulumi.get_stack()
railway_config = pulumi.Config("railway")
try:
    config = load_stack_config(stack, pulumi.Config("railstack").get_object("stack"))
    # What the workspace's plan cannot hold fails here too, before any resource is touched.
    check_plan(stack, config, plan_named(stack, railway_config.get("plan")))
    # Every workload and store, target-neutral; unknown references fail here, before any resource.
    plan = build_plan(stack, config)
    if config.target != "railway" and pulumi.Config("railstack").get_object("import"):
        raise ConfigError(stack, ["railstack:import: adopting objects made by hand is for target railway only"])
except ConfigError as err:
    raise pulumi.RunError(str(err)) from None
except PlanError as err:
    raise pulumi.RunError(str(ConfigError(stack, err.problems))) from None

secret_config = pulumi.Config()
extra_secrets = {name: secret_config.require_secret(name) for name in config.sensitive_variables}
# Secrets the config says are given, not generated (an adopted database's password): railstack:<name>.
provided_secrets = {name: secret_config.require_secret(name) for name in config.secrets.provided}

external_redis_url = (
    secret_config.require_secret(config.redis.external_url_key)
    if config.redis.mode == "external" and config.redis.external_url_key
    else None
)
resource_prefix = config.project_name or f"railstack-{stack}"

if config.target == "railway":
    app = railway_stack.AppStack(
        "railstack",
        railway_stack.AppStackArgs(
            config=config,
            plan=plan,
            project_name=resource_prefix,
            extra_secrets=extra_secrets,
            external_redis_url=external_redis_url,
            stack=stack,
            workspace_id=railway_config.get("workspaceId") or os.environ.get("RAILWAY_WORKSPACE_ID") or None,
            # Objects made by hand that this stack adopts (scripts/adopt writes them): resource name -> ID.
            imports=pulumi.Config("railstack").get_object("import") or {},
            provided_secrets=provided_secrets,
        ),
    )
    pulumi.export("api_url", app.api_url)
    pulumi.export("dns_records", app.dns_records)
    pulumi.export("project_id", app.project_id)
    pulumi.export("service_ids", app.service_ids)
    pulumi.export("variables", app.variables)
    pulumi.export("variable_names", {role: sorted(v) for role, v in app.variables.items()})
    pulumi.export("shared_variables", {name: "[secret]" for name in app.shared_variable_names})
else:
    local = docker_stack.AppStack(
        "railstack",
        docker_stack.AppStackArgs(
            config=config,
            plan=plan,
            stack=stack,
            prefix=resource_prefix,
            extra_secrets=extra_secrets,
            external_redis_url=external_redis_url,
            provided_secrets=provided_secrets,
        ),
    )
    pulumi.export("api_url", local.api_url)
    pulumi.export("flower_url", local.flower_url)
    pulumi.export("network", local.network_name)
    pulumi.export("containers", local.container_names)
    pulumi.export("volumes", local.volume_names)
    pulumi.export("variable_names", local.variable_names)
