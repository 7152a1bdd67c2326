"""Adoption's second step: the app roles. Every service that is no data store plays one of railstack's
roles (api, a Celery worker, beat, Flower), said by its SERVICE_TYPE, its start command or its name
(the rules in adopt/mapping.py), and they all run one source: the stack's `app`.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adopt.common import AppRole, Findings, Placed, Problem, project_subject, resolve
from adopt.inventory import Inventory, ServiceInfo
from railstack.stacks.model import NAME

#: SERVICE_TYPE values (and the reference entrypoint's arguments) that name a role by themselves.
_TYPE_ROLES: dict[str, AppRole] = {"api": "api", "beat": "beat", "flower": "flower", "worker": "worker"}
_SERVERS = ("uvicorn", "gunicorn", "hypercorn", "daphne")
#: The roles railstack runs exactly one of (at most, for beat and Flower), as problems name them.
SINGLE_ROLES: dict[AppRole, str] = {"api": "API", "beat": "beat", "flower": "Flower"}

#: An app source: ("image", image) or ("repo", repo, branch, root directory, Dockerfile path).
Source = tuple[str, ...]


# --- which role a service plays ------------------------------------------------------------------


def _words(command: str | None) -> list[str]:
    """A command line's words; a `sh -c "..."` script is split into its own words too."""
    if not command:
        return []
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    found: list[str] = []
    for word in words:
        found.extend(_words(word) if " " in word.strip() else [word])
    return found


def _queues_option(words: list[str]) -> tuple[str, ...] | None:
    """The queues of `-Q a,b`, `-Qa,b`, `--queues a,b` or `--queues=a,b`."""
    for index, word in enumerate(words):
        value: str | None = None
        if word in ("-Q", "--queues") and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith("--queues="):
            value = word.split("=", 1)[1]
        elif word.startswith("-Q") and len(word) > 2:
            value = word[2:]
        if value is not None:
            return tuple(q.strip() for q in value.split(",") if q.strip())
    return None


@dataclass(frozen=True)
class RoleGuess:
    """The role a rule gives an app service, and which rule (`how`)."""

    role: AppRole
    how: str
    worker: str | None = None
    """A worker's name when the rule gives one (SERVICE_TYPE=celery_<name>)."""
    queues: tuple[str, ...] | None = None
    """A worker's queues when its start command names them (-Q)."""
    celery_command: bool = False
    """Placed by a `celery ... worker` start command (which, without -Q, consumes Celery's default queue)."""


def _of_type(value: str, how: str) -> RoleGuess | None:
    """A SERVICE_TYPE value (or the reference entrypoint's argument) as a role."""
    value = value.strip().lower()
    if value in _TYPE_ROLES:
        return RoleGuess(_TYPE_ROLES[value], how)
    if value.startswith("celery_") and len(value) > len("celery_"):
        return RoleGuess("worker", how, worker=value.removeprefix("celery_"))
    return None


def command_role(command: str | None) -> RoleGuess | None:
    """The role a start command runs, when it says."""
    words = _words(command)
    bases = [posixpath.basename(w).lower() for w in words]
    for index, base in enumerate(bases):
        if base in _SERVERS:
            return RoleGuess("api", f"its start command runs {base}")
        if base == "entrypoint" and index + 1 < len(bases):
            guess = _of_type(bases[index + 1], f"its start command runs entrypoint {bases[index + 1]}")
            if guess is not None:
                return guess
        if base == "celery":
            for sub in bases[index + 1 :]:
                if sub == "worker":
                    return RoleGuess(
                        "worker",
                        "its start command runs celery worker",
                        queues=_queues_option(words[index + 1 :]),
                        celery_command=True,
                    )
                if sub in ("beat", "flower"):
                    return RoleGuess(_TYPE_ROLES[sub], f"its start command runs celery {sub}")
        if base == "flower":
            return RoleGuess("flower", "its start command runs flower")
    return None


def name_role(name: str) -> RoleGuess | None:
    """The role a service's name says: api, *-api, *beat*, *flower*, *celery* or *worker*."""
    lowered = name.lower()
    if lowered == "api" or lowered.endswith(("-api", "_api")):
        return RoleGuess("api", "its name")
    for word, role in (("beat", "beat"), ("flower", "flower"), ("celery", "worker"), ("worker", "worker")):
        if word in lowered:
            return RoleGuess(_TYPE_ROLES[role], "its name")
    return None


def guess_role(service: ServiceInfo, inventory: Inventory) -> RoleGuess | Problem:
    """The role of an app service by its SERVICE_TYPE, then its start command, then its name."""
    if "SERVICE_TYPE" in service.variables:
        value = resolve(service.variables["SERVICE_TYPE"], service, inventory)
        if value is not None and value.strip():
            guess = _of_type(value, f"SERVICE_TYPE={value.strip()}")
            if guess is None:
                return Problem(
                    service.label,
                    f"SERVICE_TYPE={value.strip()!r} is none of railstack's roles "
                    "(api, beat, flower, celery_<worker>, worker)",
                )
            if guess.role == "worker":
                # The command may still name the queues.
                by_command = command_role(service.start_command)
                if by_command is not None and by_command.role == "worker":
                    return RoleGuess("worker", guess.how, guess.worker, by_command.queues, by_command.celery_command)
            return guess
    guess = command_role(service.start_command)
    if guess is not None:
        return guess
    guess = name_role(service.name)
    if guess is not None:
        return guess
    return Problem(
        service.label,
        "no rule places it: it has no SERVICE_TYPE variable, its start command runs none of the API, a Celery "
        "worker, beat or Flower, and its name says none of them",
    )


def _worker_name_from_service_name(name: str) -> str | None:
    match = re.fullmatch(r".*(?:celery|worker)[-_ ](.+)", name.lower())
    return match.group(1) if match else None


def _normal_name(value: str) -> str:
    return re.sub(r"[-. ]+", "_", value.strip().lower())


def worker_identity(
    service: ServiceInfo, guess: RoleGuess, inventory: Inventory
) -> tuple[str, tuple[str, ...]] | Problem:
    """A worker's railstack name and queues: from SERVICE_TYPE=celery_<name>, its -Q queues or
    CELERY_QUEUES, or the suffix of its name after `celery-`/`worker-`."""
    queues = guess.queues
    if queues is None:
        listed = resolve(service.variables.get("CELERY_QUEUES"), service, inventory)
        if listed:
            queues = tuple(q.strip() for q in listed.split(",") if q.strip()) or None
    name = guess.worker
    if name is None and queues is not None and len(queues) == 1:
        name = queues[0]
    if name is None:
        name = _worker_name_from_service_name(service.name)
    if name is None and queues:
        name = queues[0]
    if name is None and guess.celery_command:
        name = "celery"  # `celery worker` without -Q consumes Celery's default queue, "celery"
    if name is None:
        return Problem(
            service.label,
            "a Celery worker, but nothing names it: set SERVICE_TYPE=celery_<name> (or CELERY_QUEUES) on it",
        )
    name = _normal_name(name)
    if not re.fullmatch(NAME, name) or "-" in name:
        return Problem(
            service.label,
            f"its worker name {name!r} is not a railstack worker name (a lowercase letter, then up to 30 "
            "lowercase letters, digits or _)",
        )
    if queues is None:
        queues = ("celery",) if guess.celery_command and guess.worker is None else (name,)
    return name, queues


# --- the one app source --------------------------------------------------------------------------


def source_of(service: ServiceInfo) -> Source | None:
    """What the service runs: an image, or a repo, branch, directory and Dockerfile; None: nothing."""
    if service.image:
        return ("image", service.image)
    if service.repo:
        return ("repo", service.repo, service.branch or "", service.root_directory or "", service.dockerfile_path or "")
    return None


def describe_source(source: Source) -> str:
    if source[0] == "image":
        return f"image {source[1]}"
    text = f"repo {source[1]}" + (f" (branch {source[2]})" if source[2] else "")
    if source[3] and source[3] != "/":
        text += f" directory {source[3]}"
    return text


def app_config(source: Source) -> dict[str, Any]:
    """`app:` of the stack: the source every app role runs."""
    if source[0] == "image":
        return {"image": source[1]}
    app: dict[str, Any] = {"repo": source[1], "branch": source[2] or "main"}
    if source[3]:
        app["root_directory"] = source[3]
    if source[4]:
        app["dockerfile_path"] = source[4]
    return app


def app_source(apps: Sequence[ServiceInfo], findings: Findings) -> Source | None:
    """The one source the app roles run: the one most of them run. A tie, a service on another source,
    or one with none, is a problem (None when there is no such source)."""
    sources = Counter(source for s in apps if (source := source_of(s)) is not None)
    chosen: Source | None = None
    if sources:
        ranked = sources.most_common()
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            chosen = ranked[0][0]
        else:
            listed = "; ".join(describe_source(source) for source, _ in ranked)
            for service in apps:
                if source_of(service) is not None:
                    findings.problem(
                        service.label,
                        f"the app services run {len(ranked)} sources equally often ({listed}): railstack runs "
                        "one app image in every role, and cannot tell which one",
                    )
    for service in apps:
        source = source_of(service)
        if source is None:
            findings.problem(
                service.label, "it has no source image or repo in this environment: nothing to run it from"
            )
        elif chosen is not None and source != chosen:
            findings.problem(
                service.label,
                f"it runs {describe_source(source)}, while the other app services run {describe_source(chosen)}: "
                "railstack runs one app image in every role",
            )
    return chosen


# --- placing the app services --------------------------------------------------------------------


@dataclass(frozen=True)
class Guessed:
    """An app service and the role its rules give it."""

    service: ServiceInfo
    guess: RoleGuess


def guess_roles(apps: Sequence[ServiceInfo], inventory: Inventory, findings: Findings) -> list[Guessed]:
    """Each app service's role; one no rule places, or one with what no app role has, is a problem."""
    guessed: list[Guessed] = []
    for service in apps:
        guess = guess_role(service, inventory)
        if isinstance(guess, Problem):
            findings.problems.append(guess)
        else:
            guessed.append(Guessed(service, guess))
        if service.tcp_proxies:
            findings.problem(
                service.label,
                f"it has a TCP proxy ({', '.join(service.tcp_proxies)}): railstack's app roles have none "
                "(only the API gets a public HTTP domain); remove it in the dashboard",
            )
        if service.volume is not None:
            findings.problem(
                service.label,
                f"it has a volume at {service.volume.mount_path}: railstack's app roles keep no data "
                "(only Postgres and Redis have volumes)",
            )
    return guessed


def single_roles(guessed: Sequence[Guessed], inventory: Inventory, has_apps: bool, findings: Findings) -> set[AppRole]:
    """The roles railstack runs one of that exactly one service plays; two of one, or no API, is a problem."""
    unique: set[AppRole] = set()
    for role, what in SINGLE_ROLES.items():
        of_role = [g for g in guessed if g.guess.role == role]
        if len(of_role) == 1:
            unique.add(role)
        elif len(of_role) > 1:
            names = ", ".join(f'"{g.service.name}"' for g in of_role)
            for g in of_role:
                findings.problem(
                    g.service.label,
                    f"one of {len(of_role)} {what} services ({names}; this one by {g.guess.how}): "
                    f"railstack runs exactly one {what}",
                )
    if not any(g.guess.role == "api" for g in guessed) and has_apps:
        findings.problem(
            project_subject(inventory),
            "no service is the API (SERVICE_TYPE=api, a uvicorn/gunicorn start command, or a name api / *-api)",
        )
    elif not has_apps:
        findings.problem(project_subject(inventory), "it has no app service (API, workers, beat) to adopt")
    return unique


def place_apps(apps: Sequence[ServiceInfo], inventory: Inventory, findings: Findings) -> list[Placed]:
    """The step: the app services in their roles, in the project's order; each worker by its own name."""
    guessed = guess_roles(apps, inventory, findings)
    unique = single_roles(guessed, inventory, bool(apps), findings)
    placed: list[Placed] = []
    workers: dict[str, Placed] = {}
    for service, guess in ((g.service, g.guess) for g in guessed):
        if guess.role != "worker":
            if guess.role in unique:
                placed.append(Placed(service, guess.role, guess.how))
            continue
        identity = worker_identity(service, guess, inventory)
        if isinstance(identity, Problem):
            findings.problems.append(identity)
            continue
        name, queues = identity
        if name in workers:
            findings.problem(
                service.label,
                f'its worker name {name!r} is already that of "{workers[name].service.name}": give one of them '
                "another SERVICE_TYPE=celery_<name>",
            )
            continue
        workers[name] = Placed(service, "worker", guess.how, worker=name, queues=queues)
        placed.append(workers[name])
    return placed
