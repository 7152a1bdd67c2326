"""railstack's Pulumi program: loads the stack's configuration and renders it on its target.

Configuration is validated before any resource is registered: a bad `Pulumi.<stack>.yaml` fails
the preview with one line per problem and touches nothing.
"""

import pulumi

from components.railway.app_stack import AppStack, AppStackArgs
from stacks.load import ConfigError, load_stack_config

stack = pulumi.get_stack()
try:
    config = load_stack_config(stack, pulumi.Config("railstack").get_object("stack"))
except ConfigError as err:
    raise pulumi.RunError(str(err)) from None

secret_config = pulumi.Config()
extra_secrets = {name: secret_config.require_secret(name) for name in config.secret_variables}

if config.target == "railway":
    app = AppStack(
        "railstack",
        AppStackArgs(
            config=config,
            project_name=config.project_name or f"railstack-{stack}",
            extra_secrets=extra_secrets,
            external_redis_url=(
                secret_config.require_secret(config.redis.external_url_secret)
                if config.redis.mode == "external" and config.redis.external_url_secret
                else None
            ),
        ),
    )
    pulumi.export("api_url", app.api_url)
    pulumi.export("project_id", app.project_id)
    pulumi.export("service_ids", app.service_ids)
    pulumi.export("variables", app.variables)
    pulumi.export("shared_variables", {name: "[secret]" for name in app.shared_variable_names})
else:
    raise pulumi.RunError(f"{stack}: target = 'docker': the local Docker target is not implemented yet")
