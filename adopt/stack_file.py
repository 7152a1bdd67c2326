"""Writing an adoption: `Pulumi.<stack>.yaml`, and the kept passwords and secret variables as encrypted
stack secrets.

The stack file holds `railstack:stack` (the configuration) and `railstack:import` (the import IDs).
The secrets (the stores' passwords, `railstack:postgres_password`, and the app services' secret
variables, `railstack:<NAME>` for each name in `sensitive_variables`) go through
`pulumi config set --secret`, their values on the command's standard input
(never on a command line, never printed), encrypted by the stack's secrets provider: the user's
PULUMI_CONFIG_PASSPHRASE and backend apply. A stack that does not exist yet is created first
(`pulumi stack init`). If any step fails, the stack file is put back as it was (and a stack created
here is removed again), so a failed adoption leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from adopt.common import Adoption
from railstack.stacks.load import CONFIG_KEY, load_stack_config

#: The config key holding the import IDs (resource name -> ID), read by the program's `import` option.
IMPORT_KEY = "railstack:import"
#: Config keys adopt writes; with --force every other key of an existing stack file is kept.
OWN_KEYS = (CONFIG_KEY, IMPORT_KEY)


class StackFileError(Exception):
    """Writing the stack file or its secrets failed (the message never holds a secret value)."""


def stack_file(directory: Path, stack: str) -> Path:
    return directory / f"Pulumi.{stack}.yaml"


def secret_key(name: str) -> str:
    """The stack config key of a kept secret: `railstack:postgres_password`."""
    return f"railstack:{name}"


def header(adoption: Adoption, today: date) -> str:
    inventory = adoption.inventory
    sensitive = list(adoption.config.get("sensitive_variables") or [])
    provided = [name for name in adoption.kept_secrets if name not in sensitive]
    lines = [
        f"Adopted from Railway project {inventory.project_name} ({inventory.project_id}) by scripts/adopt on "
        f"{today.isoformat()}: environment {inventory.environment.name} ({inventory.environment.id}).",
        f"{IMPORT_KEY} names the Railway object each railstack resource takes over: the next `pulumi up` imports",
        "them instead of creating new ones (it may be removed once that `up` succeeded). The data stores'",
        "passwords are kept as secrets ("
        + (", ".join(secret_key(n) for n in provided) or "none")
        + "), not generated anew.",
        "`pulumi up` removes every variable of a service that the stack does not produce, so the app services' own",
        "variables are carried over: plain values in <role>.variables (in `variables` when every app role has the",
        "same one), secrets in sensitive_variables, their values encrypted as railstack:<NAME> ("
        + (", ".join(secret_key(n) for n in sensitive) or "none")
        + "),",
        "and values with Railway references ${{...}} translated to railstack's (${postgres.url}, ${api.public_domain}).",
        "railstack's own variables (DATABASE_URL, REDIS_URL, CELERY_*, SECRET_KEY, JWT_SECRET_KEY, SERVICE_TYPE, PORT,",
        "...) are not carried: railstack sets them, by its references and generated secrets.",
        "Services and their roles:",
        *(f"  {p.service.name} ({p.service.id}) -> {p.describe}  [by {p.how}]" for p in adoption.placed),
    ]
    if adoption.variables:
        lines.append("Variables of the app services (names only):")
        lines += [f"  {carried.describe()}" for carried in adoption.variables]
    return "".join(f"# {line}\n" for line in lines)


def render(adoption: Adoption, today: date, existing: Mapping[str, Any] | None = None) -> str:
    """The stack file's text; `existing` (a stack file being replaced) keeps its other keys."""
    document: dict[str, Any] = {}
    config: dict[str, Any] = {}
    if existing:
        document.update({k: v for k, v in existing.items() if k != "config"})
        old = existing.get("config") if isinstance(existing.get("config"), Mapping) else {}
        kept_keys = {secret_key(n) for n in adoption.kept_secrets}
        config.update({k: v for k, v in (old or {}).items() if k not in OWN_KEYS and k not in kept_keys})
    config[CONFIG_KEY] = adoption.config
    config[IMPORT_KEY] = adoption.imports
    document["config"] = config
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)
    return header(adoption, today) + body


def _pulumi() -> str:
    found = shutil.which("pulumi")
    if found is None:
        raise StackFileError("the Pulumi CLI is not on PATH: run scripts/bootstrap, then . scripts/activate")
    return found


def _run(directory: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [_pulumi(), *args, "--cwd", str(directory), "--non-interactive"],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "1"},
        timeout=300,
    )
    if proc.returncode != 0:
        # Only the arguments (never a value: values go on stdin) and Pulumi's own message.
        message = (proc.stderr.strip() or proc.stdout.strip())[-2000:]
        raise StackFileError(f"`pulumi {' '.join(args)}` failed (exit {proc.returncode}): {message}")
    return proc


def stack_exists(directory: Path, stack: str) -> bool:
    listed = json.loads(_run(directory, "stack", "ls", "--json").stdout or "[]")
    return any(entry.get("name") == stack or entry.get("name", "").endswith(f"/{stack}") for entry in listed)


def _write_atomic(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_adoption(adoption: Adoption, directory: Path, *, force: bool = False, today: date | None = None) -> Path:
    """Writes the stack file and the kept secrets; returns the stack file's path."""
    directory = directory.resolve()
    if not (directory / "Pulumi.yaml").exists():
        raise StackFileError(f"{directory} is not a Pulumi project (no Pulumi.yaml)")
    path = stack_file(directory, adoption.stack)
    previous = path.read_text() if path.exists() else None
    if previous is not None and not force:
        raise StackFileError(f"{path} exists: adopt never overwrites a stack file unless --force is given")
    existing = yaml.safe_load(previous) if previous else None
    text = render(adoption, today or date.today(), existing if isinstance(existing, dict) else None)

    created = False
    _write_atomic(path, text)
    try:
        if not stack_exists(directory, adoption.stack):
            _run(directory, "stack", "init", adoption.stack)
            created = True
        for name, value in adoption.kept_secrets.items():
            _run(
                directory,
                "config",
                "set",
                "--secret",
                "--raw",
                "--stack",
                adoption.stack,
                secret_key(name),
                stdin=value,
            )
        verify(path, adoption, text)
    except BaseException:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            _write_atomic(path, previous)
        if created:
            # The stack was created here and holds nothing yet: removing it undoes `stack init`.
            with contextlib.suppress(StackFileError):
                _run(directory, "stack", "rm", adoption.stack, "--yes")
        raise
    return path


def verify(path: Path, adoption: Adoption, written: str = "") -> None:
    """The file as Pulumi left it holds the adoption, the secrets only encrypted, and it validates.

    `written`: the text adopt wrote before the secrets were set; a secret's value that occurs in it
    already (a short value that is also, say, part of a service name) must not occur more often after."""
    text = path.read_text()
    for name, value in adoption.kept_secrets.items():
        if value and text.count(value) > written.count(value):
            raise StackFileError(f"{path.name} holds {secret_key(name)} in plain text: refusing to keep it")
    document = yaml.safe_load(text) or {}
    config = document.get("config") or {}
    if config.get(CONFIG_KEY) != adoption.config:
        raise StackFileError(f"{path.name}: {CONFIG_KEY} does not read back as written")
    if config.get(IMPORT_KEY) != adoption.imports:
        raise StackFileError(f"{path.name}: {IMPORT_KEY} does not read back as written")
    for name in adoption.kept_secrets:
        stored = config.get(secret_key(name))
        if not (isinstance(stored, dict) and "secure" in stored):
            raise StackFileError(f"{path.name}: {secret_key(name)} is not stored as an encrypted secret")
    load_stack_config(adoption.stack, config[CONFIG_KEY])
