"""railstack as a library: the stack model, the plan and the components, for your own Pulumi program.

    import pulumi
    from railstack import AppSource, StackConfig, deploy

    config = StackConfig(target="railway", environment="staging", app=AppSource(image="ghcr.io/acme/shop:1.0.0"))
    app = deploy(pulumi.get_stack(), config)
    pulumi.export("api_url", app.api_url)

The code lives in `railstack.plan` (the plan), its subpackages `railstack.components` (the renderers), `railstack.stacks`
(the model and the environment profiles) and `railstack.providers` (the Railway plugin, the Docker
actions). The Railway
resources come from the generated SDK `railstack_railway` (sdk/python), served by the plugin
`pulumi-resource-railway`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from railstack.providers.railway.schema import VERSION

if TYPE_CHECKING:
    from railstack.components.railway.app_stack import AppStack, AppStackArgs
    from railstack.plan import Plan, PlanError, build_plan
    from railstack.program import deploy, export_outputs
    from railstack.stacks.load import ConfigError, load_stack_config
    from railstack.stacks.model import AppSource, StackConfig

__version__ = VERSION

#: The public names, and the module each comes from. Imported on first use: the provider plugin
#: (railstack.providers.railway.plugin) starts without loading the components, the model or pulumi-docker.
_EXPORTS = {
    "AppSource": "railstack.stacks.model",
    "AppStack": "railstack.components.railway.app_stack",
    "AppStackArgs": "railstack.components.railway.app_stack",
    "ConfigError": "railstack.stacks.load",
    "Plan": "railstack.plan",
    "PlanError": "railstack.plan",
    "StackConfig": "railstack.stacks.model",
    "build_plan": "railstack.plan",
    "deploy": "railstack.program",
    "export_outputs": "railstack.program",
    "load_stack_config": "railstack.stacks.load",
}

__all__ = [
    "VERSION",
    "AppSource",
    "AppStack",
    "AppStackArgs",
    "ConfigError",
    "Plan",
    "PlanError",
    "StackConfig",
    "build_plan",
    "deploy",
    "export_outputs",
    "load_stack_config",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'railstack' has no attribute {name!r}")
    return getattr(import_module(module), name)
