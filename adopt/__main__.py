"""`scripts/adopt --project <projectId> --stack <name> [--environment <name>] [--dir <dir>] [--force]`.

Exit status: 0 adopted; 2 the project cannot be adopted as asked (every problem is listed, nothing is
written); 1 anything else (Railway unreachable, the stack file exists, Pulumi failed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from adopt.common import Adoption, Unmappable
from adopt.inventory import InventoryError, read_inventory
from adopt.mapping import environment_of_stack, plan_adoption
from adopt.stack_file import IMPORT_KEY, StackFileError, secret_key, stack_file, write_adoption
from railstack.providers.railway.client import RailwayError, client_from_settings
from railstack.stacks.load import CONFIG_KEY, ConfigError, load_stack_config, profile

#: The railstack environments (railstack/stacks/profiles/) a Railway stack can have.
ENVIRONMENTS = ("demo", "staging", "production")

ROOT = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="scripts/adopt",
        description=(
            "Adopt a Railway project made by hand: map its services to railstack's roles and write "
            "Pulumi.<stack>.yaml with the stack's configuration and the import ID of every Railway object, keeping "
            "the data stores' passwords as encrypted stack secrets. Read-only in Railway. Uses RAILWAY_API_TOKEN "
            "(and RAILWAY_API_URL), and the Pulumi backend and PULUMI_CONFIG_PASSPHRASE of the environment."
        ),
    )
    parse.add_argument("--project", required=True, help="the Railway project's id")
    parse.add_argument(
        "--stack",
        required=True,
        help="the stack to write: demo, staging, prod or production, or a name of yours with --stack-environment",
    )
    parse.add_argument(
        "--stack-environment",
        choices=ENVIRONMENTS,
        help="the railstack environment (profile) of a stack of another name, e.g. --stack shop-prod "
        "--stack-environment production",
    )
    parse.add_argument(
        "--environment",
        help="the Railway environment to adopt (default: the project's only one, else the one named production)",
    )
    parse.add_argument(
        "--dir", type=Path, default=ROOT, help="the Pulumi project directory (default: the repository root)"
    )
    parse.add_argument("--force", action="store_true", help="replace an existing Pulumi.<stack>.yaml")
    return parse


def summary(adoption: Adoption, path: Path, directory: Path) -> str:
    inventory = adoption.inventory
    width = max((len(p.service.name) for p in adoption.placed), default=0)
    lines = [
        f"adopt: Railway project {inventory.label}, environment {inventory.environment.name} "
        f"-> stack {adoption.stack} ({path})",
        *(f"  {p.service.name.ljust(width)}  -> {p.describe}" for p in adoption.placed),
        f"{len(adoption.imports)} import IDs under {IMPORT_KEY}.",
        "kept secrets (encrypted in the stack file): "
        + (", ".join(secret_key(name) for name in adoption.kept_secrets) or "none"),
    ]
    if adoption.variables:
        lines.append("variables carried (names only; pulumi up removes what the stack does not produce):")
        lines += [f"  {carried.describe()}" for carried in adoption.variables]
        common = sorted(adoption.config.get("variables") or {})
        if common:
            lines.append(f"  every app role (variables): {', '.join(common)}")
        sensitive = adoption.config.get("sensitive_variables") or []
        if sensitive:
            lines.append(
                f"  secrets (sensitive_variables, values encrypted as railstack:<NAME>): {', '.join(sensitive)}"
            )
    if adoption.notes:
        lines.append("notes:")
        lines += [f"  - {note}" for note in adoption.notes]
    lines.append("next:")
    if directory.resolve() != Path.cwd().resolve():
        lines.append(f"  cd {directory}")
    lines += [
        f"  pulumi preview -s {adoption.stack}   # every railstack resource reads `import`; review what else changes",
        f"  pulumi up -s {adoption.stack}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parse = parser()
    args = parse.parse_args(argv)
    stack: str = args.stack
    environment = args.stack_environment or environment_of_stack(stack)
    if environment is None:
        parse.error(
            f"--stack {stack}: name its railstack environment with --stack-environment "
            f"({', '.join(ENVIRONMENTS)}); demo, staging, prod and production name their own"
        )
    directory: Path = args.dir.resolve()
    if not (directory / "Pulumi.yaml").is_file():
        print(f"adopt: {directory} is not a Pulumi project (no Pulumi.yaml)", file=sys.stderr)
        return 1
    path = stack_file(directory, stack)
    if path.exists() and not args.force:
        print(f"adopt: {path} exists; adopt never overwrites a stack file unless --force is given", file=sys.stderr)
        return 1

    try:
        client = client_from_settings(None, None)
    except RailwayError as err:
        print(f"adopt: {err}", file=sys.stderr)
        return 1
    try:
        inventory = read_inventory(client, args.project, args.environment)
    except InventoryError as err:
        print(f"adopt: project {args.project} cannot be adopted as stack {stack}:\n  - {err}", file=sys.stderr)
        return 2
    except RailwayError as err:
        print(f"adopt: reading project {args.project} failed: {err}", file=sys.stderr)
        return 1
    finally:
        client.close()

    try:
        adoption = plan_adoption(inventory, stack, profile(environment), environment)
        load_stack_config(stack, adoption.config)
    except Unmappable as err:
        print(err.report(), file=sys.stderr)
        return 2
    except ConfigError as err:
        print(
            f"adopt: the {CONFIG_KEY} adopt made for {inventory.label} does not validate against railstack/stacks/model.py "
            f"(nothing was written):\n{err}",
            file=sys.stderr,
        )
        return 1
    try:
        written = write_adoption(adoption, directory, force=args.force)
    except (StackFileError, ConfigError) as err:
        print(f"adopt: {err} (nothing was written)", file=sys.stderr)
        return 1
    print(summary(adoption, written, directory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
