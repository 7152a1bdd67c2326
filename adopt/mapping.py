"""Which railstack role each service of a hand-made project plays, and the stack that follows: pure
functions on an `Inventory`, no I/O. `plan_adoption` composes the steps, each in its own module:
the data stores (`adopt.stores`), the app roles (`adopt.roles`), what every placed service must be
(`adopt.checks`), the stack's configuration (`adopt.config`), the import IDs (`adopt.imports`) and
the app services' variables (`adopt.variables`).

The rules (nothing is asked when they are unambiguous):

- Postgres: the service whose image contains `postgres`, or with a volume at /var/lib/postgresql/data;
  failing those, the one whose variables hold a literal POSTGRES_PASSWORD or PGDATA. Redis: the image
  contains `redis`, or REDIS_PASSWORD with a `redis-server` start command. At most one of each.
- Every other service is an app role, and they all run ONE source (an image, or a repo and branch):
  `app`. Each one's role comes from, in order, its SERVICE_TYPE variable (`api`, `beat`, `flower`,
  `celery_<worker>`, `worker`), its start command (uvicorn/gunicorn/`entrypoint api`, `celery ... beat`,
  `celery ... worker -Q a,b`, `flower`), then its name (`api`, `*-api`, `*beat*`, `*flower*`,
  `*celery*`/`*worker*`). Exactly one API, at most one beat and one Flower.
- Whatever no rule places, or the model cannot hold (two APIs, two app sources, a TCP proxy or a
  volume on an app role, ...), is a `Problem`; `plan_adoption` raises `Unmappable` with all of them.
- `pulumi up` removes every variable of a service the stack does not produce, so every variable of
  every app service is carried (`carry_variables`), except railstack's own defaults for the role
  (DATABASE_URL, REDIS_URL, CELERY_*, SECRET_KEY, SERVICE_TYPE, PORT, ...: railstack sets them, by its
  references and generated secrets). A literal goes to `<role>.variables` (to the stack-wide
  `variables` when every app role has the same), a literal that is a secret (by its value, the check
  the model applies, or by its name: *KEY*, *SECRET*, *TOKEN*, *PASSWORD*, *DSN*) to
  `sensitive_variables` with its value kept as the secret `railstack:<NAME>`, and a value with Railway
  references `${{...}}` is translated to railstack's (`${postgres.url}`, `${api.public_domain}`, ...;
  `${{shared.X}}` and another service's variable by what they are carried as). A reference with no
  railstack equivalent, or one secret name with two values, is a `Problem`.

Values of variables are secrets: no problem, note or error quotes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from adopt.checks import (
    check_commands,
    check_domains,
    check_project,
    check_regions,
    check_service_names,
    left_alone_notes,
    secret_values,
)
from adopt.common import STORE_ROLES, Adoption, Findings, Placed, Problem, Role, Unmappable, project_subject
from adopt.config import stack_config
from adopt.imports import adoption_import_ids
from adopt.inventory import Inventory
from adopt.roles import app_source, command_role, place_apps
from adopt.stores import place_stores
from adopt.variables import carry_app_variables, shared_variable_notes, write_variables
from railstack.plan import PlanError, build_plan
from railstack.stacks.load import ConfigError, load_stack_config

__all__ = ["ENVIRONMENT_OF_STACK", "command_role", "environment_of_stack", "plan_adoption"]

#: The environment profile of each stack name adopt accepts (Railway stacks only).
ENVIRONMENT_OF_STACK = {"demo": "demo", "staging": "staging", "prod": "production", "production": "production"}

#: The order of the placed services in the adoption (and of their import IDs).
_ROLE_ORDER: dict[Role, int] = {"postgres": 0, "redis": 1, "api": 2, "worker": 3, "beat": 4, "flower": 5}


def environment_of_stack(stack: str) -> str | None:
    """demo -> demo, staging -> staging, prod/production -> production; None for any other name."""
    return ENVIRONMENT_OF_STACK.get(stack)


def plan_adoption(
    inventory: Inventory, stack: str, profile: Mapping[str, Any] | None = None, environment: str | None = None
) -> Adoption:
    """The stack configuration and import IDs that adopt `inventory` as `stack`, or Unmappable.

    `profile` is the environment's profile (railstack/stacks/profiles/<environment>.yaml): replicas are written
    only where they differ from it, and notes say what it will change. The app services' variables are
    carried once the roles map (`carry_app_variables`): they need the stack's model, so a configuration
    the model refuses raises its ConfigError.
    """
    profile = profile or {}
    environment = environment or environment_of_stack(stack)
    findings = Findings()
    check_project(inventory, stack, environment, findings)
    stores = place_stores(inventory, profile, findings)
    source = app_source(stores.others, findings)
    found = [*stores.placed, *place_apps(stores.others, inventory, findings)]
    check_placed(inventory, found, stores.passwords, findings)
    stop_on_problems(inventory, stack, findings)
    assert environment is not None and source is not None
    config = stack_config(inventory, environment, source, found, stores, profile, findings)
    placed = sorted(found, key=lambda p: (_ROLE_ORDER[p.role], p.worker or ""))
    imports = adoption_import_ids(inventory, placed)
    carried = carry_app_variables(stack, inventory, config, placed, stores.passwords, findings)
    stop_on_problems(inventory, stack, findings)
    write_variables(config, carried)
    check_model(inventory, stack, config)
    shared_variable_notes(inventory, carried, findings)
    left_alone_notes(inventory, findings)
    secrets = {**stores.passwords, **carried.secrets}
    return Adoption(
        stack, inventory, tuple(placed), config, imports, secrets, tuple(findings.notes), tuple(carried.summary)
    )


def check_placed(inventory: Inventory, placed: list[Placed], passwords: Mapping[str, str], findings: Findings) -> None:
    """What every placed service must be: domains on the API only, a name railstack can reference, one
    region, and no secret typed into an app role's command."""
    check_domains(placed, findings)
    check_service_names(placed, findings)
    check_regions(placed, findings)
    apps = [item.service for item in placed if item.role not in STORE_ROLES]
    check_commands(apps, secret_values(inventory, passwords.values()), findings)


def check_model(inventory: Inventory, stack: str, config: dict[str, Any]) -> None:
    """The written configuration must be one the model takes and the plan can be built from."""
    try:
        build_plan(stack, load_stack_config(stack, config))
    except (ConfigError, PlanError) as err:
        raise_unmappable(inventory, stack, [Problem(project_subject(inventory), line) for line in err.problems])


def stop_on_problems(inventory: Inventory, stack: str, findings: Findings) -> None:
    if findings.problems:
        raise_unmappable(inventory, stack, findings.problems)


def raise_unmappable(inventory: Inventory, stack: str, problems: list[Problem]) -> NoReturn:
    """Unmappable with the project's own problems first, then each service's, in the project's order."""
    subjects = [project_subject(inventory), *(service.label for service in inventory.services)]
    problems.sort(key=lambda p: subjects.index(p.subject) if p.subject in subjects else len(subjects))
    raise Unmappable(inventory.label, stack, problems)
