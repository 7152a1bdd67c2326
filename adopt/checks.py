"""What the project and every placed service must be for railstack to take them over as they are:
a stack and project name railstack can use, domains only on the API, service names railstack's
references can write, one region per role, and no secret typed into a command."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import get_args

from adopt.common import STORE_ROLES, Findings, Placed, literal, project_subject
from adopt.inventory import Inventory, ServiceInfo
from railstack.redaction import names_secret
from railstack.stacks.model import NAME, SERVICE_NAME, Region

REGIONS: tuple[str, ...] = get_args(Region)
#: A secret shorter than this could appear in a command by chance.
_SECRET_IN_COMMAND_LENGTH = 8


def check_project(inventory: Inventory, stack: str, environment: str | None, findings: Findings) -> None:
    """The stack's environment must be known and the project's name one railstack keeps."""
    subject = project_subject(inventory)
    if environment is None:
        findings.problem(
            subject,
            f"stack {stack!r}: name its environment with --stack-environment demo, staging or production "
            "(demo, staging, prod and production name their own)",
        )
    if not re.fullmatch(NAME, inventory.project_name):
        findings.problem(
            subject,
            "its name is not a railstack project_name (a lowercase letter, then up to 30 lowercase letters, "
            "digits, - or _): rename the project in Railway first, or railstack would rename it",
        )


def check_domains(placed: Iterable[Placed], findings: Findings) -> None:
    """Domains belong to the API only; a store's domains and TCP proxies stay, unmanaged."""
    for item in placed:
        service = item.service
        if item.role == "api":
            continue
        domains = [d.domain for d in (*service.service_domains, *service.custom_domains)]
        store = item.role in STORE_ROLES
        if domains and store:
            findings.notes.append(
                f"{service.name} has domains ({', '.join(domains)}) that railstack does not manage: they stay as they are"
            )
        elif domains:
            findings.problem(
                service.label,
                f"it has a public domain ({', '.join(domains)}): railstack gives only the API a domain; "
                "remove it in the dashboard",
            )
        if store and service.tcp_proxies:
            findings.notes.append(
                f"{service.name} keeps its TCP proxy ({', '.join(service.tcp_proxies)}), which railstack does not manage"
            )


def check_service_names(placed: Iterable[Placed], findings: Findings) -> None:
    """railstack's references name services (`${{Name.VAR}}`): a name it cannot write must change first."""
    for item in placed:
        if not re.fullmatch(SERVICE_NAME, item.service.name):
            findings.problem(
                item.service.label,
                "its name is not one railstack can reference as ${{Name.VAR}} (a letter, then letters, digits, "
                "- or _, at most 63): rename the service in Railway first",
            )


def check_regions(placed: Iterable[Placed], findings: Findings) -> None:
    """Each role's replicas run in one of the model's regions."""
    for item in placed:
        service = item.service
        if len(service.regions) > 1:
            findings.problem(
                service.label,
                f"its replicas run in {len(service.regions)} regions ({', '.join(service.regions)}): railstack "
                "places each role's replicas in one region",
            )
        elif service.region and service.region not in REGIONS:
            findings.problem(service.label, f"it runs in region {service.region!r}, none of {', '.join(REGIONS)}")


def secret_values(inventory: Inventory, passwords: Iterable[str]) -> list[str]:
    """Values that must never be written in plain text: the stores' passwords and every literal value of a
    variable named like a secret."""
    found = [v for v in passwords if v]
    for scope in (inventory.shared_variables, *(s.variables for s in inventory.services)):
        for name, value in scope.items():
            if names_secret(name) and literal(value) and len(value) >= _SECRET_IN_COMMAND_LENGTH:
                found.append(value)
    return found


def check_commands(services: Iterable[ServiceInfo], secrets: Sequence[str], findings: Findings) -> None:
    """Never write a secret in plain text: a start or pre-deploy command holding one of `secrets`."""
    for service in services:
        for what, command in (
            ("start command", service.start_command),
            ("pre-deploy command", service.pre_deploy_command),
        ):
            if command and any(secret in command for secret in secrets):
                findings.problem(
                    service.label,
                    f"its {what} holds the value of a secret variable: railstack would write it in plain "
                    "text into Pulumi.<stack>.yaml; use the variable in the command instead",
                )


def long_secrets(values: Iterable[str]) -> list[str]:
    """The secrets long enough to look for in a command."""
    return [value for value in values if len(value) >= _SECRET_IN_COMMAND_LENGTH]


def left_alone_notes(inventory: Inventory, findings: Findings) -> None:
    """The services and environments adoption leaves as they are."""
    if inventory.elsewhere:
        findings.notes.append(
            f"not in environment {inventory.environment.name}, left alone: {', '.join(inventory.elsewhere)}"
        )
    others = [e.name for e in inventory.environments if e.id != inventory.environment.id]
    if others:
        findings.notes.append(
            f"only environment {inventory.environment.name} is adopted; left alone: {', '.join(others)}"
        )
