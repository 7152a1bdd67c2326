"""Commands that use a variable run in a shell: Railway runs an image service's start and pre-deploy
commands in exec form without expanding variables (Railway docs, deployments/start-command.md), and
Docker runs a container's command list the same way, so `redis-server --requirepass $REDIS_PASSWORD`
would require the literal text `$REDIS_PASSWORD` as the password."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policy.inventory import CONTAINER, railway_kind
from policy.values import UNKNOWN, plain
from railstack.components.commands import needs_shell

#: Where each kind of resource keeps the commands its platform runs in exec form.
RAILWAY_COMMANDS = ("startCommand", "preDeployCommand")
DOCKER_COMMANDS = ("command", "entrypoints")


def _commands(args: ResourceValidationArgs) -> list[tuple[str, object]]:
    props = plain(args.props)
    if args.resource_type == CONTAINER:
        return [(key, props.get(key)) for key in DOCKER_COMMANDS]
    if railway_kind(args.resource_type) == "railway:ServiceInstance":
        return [(key, props.get(key)) for key in RAILWAY_COMMANDS]
    return []


def _exec_form(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for key, command in _commands(args):
        if command is None or command is UNKNOWN:
            continue
        if isinstance(command, list) and any(word is UNKNOWN for word in command):
            continue
        if isinstance(command, (str, list)) and needs_shell(command):
            report(
                f"{args.name}: {key} uses a variable ($...) but runs in exec form, where nothing expands it, "
                f"so the program receives the literal text. Fix: wrap it in a shell, "
                f'/bin/sh -c "exec <command>" (railstack/components/commands.shell_exec).',
                None,
            )


exec_form_commands = ResourceValidationPolicy(
    name="exec-form-commands",
    description="Start and pre-deploy commands (Railway) and container commands (Docker) that use $VARIABLES are wrapped in a shell.",
    validate=_exec_form,
)
