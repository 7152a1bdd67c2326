"""railstack as a library: the stack model, the plan and the components, for your own Pulumi program.

    import pulumi
    from railstack import AppSource, StackConfig, deploy

    config = StackConfig(target="railway", environment="staging", app=AppSource(image="ghcr.io/acme/shop:1.0.0"))
    app = deploy(pulumi.get_stack(), config)
    pulumi.export("api_url", app.api_url)

The code lives in its subpackages `railstack.components` (the plan and the renderers), `railstack.stacks`
(the model and the environment profiles) and `railstack.providers` (the Railway plugin, the Docker
actions); the repository's top-level `components/`, `stacks/` and `providers/` are links to them. The Railway
resources come from the generated SDK `railstack_railway` (sdk/python), served by the plugin
`pulumi-resource-railway`.
"""

from railstack.components.plan import Plan, PlanError, build_plan
from railstack.components.railway.app_stack import AppStack, AppStackArgs
from railstack.program import deploy, export_outputs
from railstack.providers.railway.schema import VERSION
from railstack.stacks.load import ConfigError, load_stack_config
from railstack.stacks.model import AppSource, StackConfig

__version__ = VERSION

__all__ = [
    "AppStack",
    "AppSource",
    "AppStackArgs",
    "ConfigError",
    "Plan",
    "PlanError",
    "StackConfig",
    "VERSION",
    "build_plan",
    "deploy",
    "export_outputs",
    "load_stack_config",
]
